//! Open a sealed payload (`{"encrypted_message": ..., "encrypted_object": ...}`) from
//! arbitrary bytes with the interop vectors' test keys: an error, never a panic.
#![no_main]

use std::sync::LazyLock;

use electie_crypto::{Opener, PrivateKey, PublicKey, Sealed};
use libfuzzer_sys::fuzz_target;


static OPENER: LazyLock<Opener> = LazyLock::new(|| {
    let server = include_str!("../../testdata/vectors/electiersa-v0.1.1-keys/server_private.pem");
    let gateway = include_str!("../../testdata/vectors/electiersa-v0.1.1-keys/gateway_public.pem");
    Opener::new(
        &PrivateKey::from_pem(server).expect("test key"),
        &PublicKey::from_pem(gateway).expect("test key"),
    )
});

fuzz_target!(|data: &[u8]| {
    if let Ok(sealed) = std::str::from_utf8(data).map(Sealed::from_json) {
        let _ = sealed.map(|sealed| OPENER.open(&sealed));
    }
});
