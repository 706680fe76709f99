//! Parse an election configuration (server or gateway form) from arbitrary bytes; what
//! loads writes a server form that loads again.
#![no_main]

use electie_core::ElectionConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = std::str::from_utf8(data).map(ElectionConfig::from_json_str) {
        let _ = config.map(|config| ElectionConfig::from_json_str(&config.to_server_json().to_string()).expect("the server form loads"));
    }
});
