//! JSON exactly as Python's `json` module reads and writes it.
//!
//! Gateways sign `json.dumps(vote)` and the server verifies the signature over its own
//! re-serialization of the parsed vote, so electie must reproduce Python byte for byte:
//! key order as parsed, integers of any size digit for digit, floats as Python's
//! `repr`, `NaN`/`Infinity`, and `ensure_ascii` escaping with lower-case hex and UTF-16
//! surrogate pairs. [`dumps`] writes Python's default style (`", "` and `": "`
//! separators); [`dumps_compact`] writes the style of the original services' HTTP
//! responses (`","`, `":"`, raw UTF-8, no NaN). They are separate on purpose.
//!
//! [`loads`] follows `json.loads`: whitespace is space, tab, newline and carriage
//! return; control characters inside strings are rejected (Python's `strict=True`);
//! a duplicate key keeps its first position and takes the last value (what a Python
//! `dict` does); integers longer than 4 300 digits are refused as Python 3.11 refuses
//! them, which also bounds the work an attacker can cause. One deliberate difference:
//! a lone UTF-16 surrogate escape (`"\ud800"`), which Python keeps in a `str`, is
//! refused, because it has no representation in a Rust `String`.
//!
//! ```
//! use electie_core::python_json::{dumps, loads};
//!
//! let vote = loads(r#"{"party_id":10,"candidate_ids":[1075],"token":"Ľ","n":1e16}"#)?;
//! assert_eq!(
//!     dumps(&vote),
//!     r#"{"party_id": 10, "candidate_ids": [1075], "token": "\u013d", "n": 1e+16}"#
//! );
//! # Ok::<(), electie_core::Error>(())
//! ```

mod read;
mod value;
mod write;

pub use read::{loads, loads_bytes};
pub use value::{Int, Object, Value};
pub use write::{dumps, dumps_compact, dumps_into, write_python_float};

/// Python 3.11 refuses to convert integers longer than this many digits
/// (`sys.get_int_max_str_digits()`), and so does `json.loads`.
pub const MAX_INT_DIGITS: usize = 4300;

/// Nesting deeper than this is refused instead of exhausting the stack (Python raises
/// `RecursionError` somewhat below 1 000 levels).
pub const MAX_DEPTH: usize = 512;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, JsonProblem};

    fn float_repr(value: f64) -> String {
        let mut out = String::new();
        write_python_float(value, &mut out);
        out
    }

    #[test]
    fn floats_follow_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (2.5e-7, "2.5e-07"),
            (123.456, "123.456"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (9007199254740993.0, "9007199254740992.0"),
            (1234567890123456.7, "1234567890123456.8"),
            // An exact tie between two shortest candidates goes to the even digit.
            (-650_575_107_905_376.0 - 0.25, "-650575107905376.2"),
            (0.0, "0.0"),
            (100.0, "100.0"),
            (1e22, "1e+22"),
            (123e-20, "1.23e-18"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_repr(value), expected, "repr of {value:e}");
        }
    }

    #[test]
    fn duplicate_keys_keep_first_position_and_last_value() {
        let value = loads(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(dumps(&value), r#"{"a": 3, "b": 2}"#);
    }

    #[test]
    fn integers_are_canonical_and_unbounded() {
        let value = loads("[-0, 00]");
        assert!(value.is_err(), "leading zeros are not JSON");
        let value = loads("[-0, 123456789012345678901234567890, -000]");
        assert!(value.is_err());
        let value = loads("[-0, 123456789012345678901234567890]").unwrap();
        assert_eq!(dumps(&value), "[0, 123456789012345678901234567890]");
        let too_long = "9".repeat(MAX_INT_DIGITS + 1);
        assert!(matches!(
            loads(&too_long),
            Err(Error::Json {
                problem: JsonProblem::IntegerTooLong { .. },
                ..
            })
        ));
        assert!(loads(&"9".repeat(MAX_INT_DIGITS)).is_ok());
    }

    #[test]
    fn strings_escape_like_python() {
        let value = Value::from("q\" b\\ s/ t\t n\n d\u{7f} z\u{0} é 🗳\u{fe0f}");
        assert_eq!(
            dumps(&value),
            r#""q\" b\\ s/ t\t n\n d\u007f z\u0000 \u00e9 \ud83d\uddf3\ufe0f""#
        );
        assert_eq!(
            dumps_compact(&value).unwrap(),
            "\"q\\\" b\\\\ s/ t\\t n\\n d\u{7f} z\\u0000 é 🗳\u{fe0f}\""
        );
    }

    #[test]
    fn surrogate_pairs_decode_and_lone_surrogates_are_refused() {
        let value = loads(r#""\ud83d\uddf3""#).unwrap();
        assert_eq!(value, Value::from("🗳"));
        assert!(matches!(
            loads(r#""\ud83d""#),
            Err(Error::Json {
                problem: JsonProblem::LoneSurrogate,
                ..
            })
        ));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for text in [
            "",
            "{",
            "[",
            "[1,]",
            "{\"a\"}",
            "{\"a\":}",
            "\"\\x\"",
            "\"\u{1}\"",
            "tru",
            "-",
            "1.",
            "1e",
            "01",
            "[1] x",
            "\"\\u12\"",
            "{1:2}",
            "-Inf",
            "\"abc",
        ] {
            assert!(loads(text).is_err(), "{text:?} should not parse");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(loads(&deep).is_err());
    }

    #[test]
    fn compact_style_refuses_nan() {
        assert!(dumps_compact(&Value::Float(f64::NAN)).is_err());
        let value = loads(r#"{"a": [1, 2.5, null, true], "b": "Ľ"}"#).unwrap();
        assert_eq!(
            dumps_compact(&value).unwrap(),
            r#"{"a":[1,2.5,null,true],"b":"Ľ"}"#
        );
    }
}
