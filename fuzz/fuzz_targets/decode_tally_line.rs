//! The tally line decoder with its scanner against the full decoder alone: the same
//! line, the same candidates, or the same error message, on every input.
#![no_main]

use electie_core::decode::{tally_line_full_into, tally_line_into};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    let (mut fast, mut full) = (vec![], vec![]);
    let fast_answer = tally_line_into(line, &mut fast).map_err(|error| error.to_string());
    let full_answer = tally_line_full_into(line, &mut full).map_err(|error| error.to_string());
    assert_eq!((fast_answer, fast), (full_answer, full));
});
