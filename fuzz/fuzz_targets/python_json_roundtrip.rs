//! Python-compatible JSON: whatever `loads` accepts, `dumps` writes text that `loads`
//! reads back to the same `dumps` (dumps(loads(dumps(x))) == dumps(x)).
#![no_main]

use electie_core::python_json::{dumps, loads, loads_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = loads_bytes(data) {
        let text = dumps(&value);
        assert_eq!(dumps(&loads(&text).expect("dumps output loads")), text);
    }
});
