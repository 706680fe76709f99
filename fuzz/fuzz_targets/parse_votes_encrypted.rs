//! Parse a gateway's batch (`VotesEncrypted`, the body of `POST /elections/vote`) from
//! arbitrary bytes; what parses writes back to an equal value.
#![no_main]

use electie_core::VotesEncrypted;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(batch) = serde_json::from_slice::<VotesEncrypted>(data) {
        let text = serde_json::to_string(&batch).expect("serializes");
        assert_eq!(serde_json::from_str::<VotesEncrypted>(&text).expect("parses back"), batch);
    }
});
