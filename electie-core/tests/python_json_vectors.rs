//! The Python-compatible serializer against the bytes real electiersa signed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use electie_core::python_json::{Value, dumps, loads};

fn vectors() -> Value {
    let text = std::fs::read_to_string(common::project("testdata/vectors/electiersa-v0.1.1.json"))
        .unwrap();
    loads(&text).unwrap()
}

fn cases<'a>(vectors: &'a Value, list: &str) -> &'a [Value] {
    match vectors.as_object().unwrap().get(list).unwrap() {
        Value::Array(items) => items,
        other => panic!("{list} is {}", other.type_name()),
    }
}

fn field<'a>(case: &'a Value, name: &str) -> &'a Value {
    case.as_object().unwrap().get(name).unwrap()
}

#[test]
fn every_vote_serializes_to_the_bytes_python_signed() {
    let vectors = vectors();
    let mut checked = 0;
    for list in ["cases", "compat_cases"] {
        for case in cases(&vectors, list) {
            let Value::String(expected) = field(case, "python_json_dumps_of_vote") else {
                panic!("python_json_dumps_of_vote must be a string");
            };
            assert_eq!(
                &dumps(field(case, "vote")),
                expected,
                "case {}",
                field(case, "name")
            );
            // And the signed text itself parses back to the same value.
            assert_eq!(&loads(expected).unwrap(), field(case, "vote"));
            checked += 1;
        }
    }
    assert_eq!(checked, 14, "12 cases and 2 compat cases");
}

#[test]
fn large_integers_survive_digit_for_digit() {
    let vectors = vectors();
    let large = cases(&vectors, "cases")
        .iter()
        .find(|case| field(case, "name") == &Value::from("large_ints"))
        .unwrap();
    let Value::String(signed) = field(large, "python_json_dumps_of_vote") else {
        panic!()
    };
    assert!(signed.contains("18446744073709551616"));
    assert!(signed.contains("-9223372036854775809"));
    assert_eq!(&dumps(&loads(signed).unwrap()), signed);
}
