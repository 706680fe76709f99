//! Property test: for generated values, electie's `dumps` and `dumps_compact` produce
//! exactly what CPython's `json` module produces, and both parsers read each other's
//! output to the same value. Runs `python3` once per generated batch; when no Python is
//! installed the comparison is skipped with a notice (CI machines have it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use electie_core::python_json::{Object, Value, dumps, dumps_compact, loads};
use proptest::prelude::*;

const PYTHON_ROUND_TRIP: &str = r#"
import json, sys
for line in sys.stdin.read().split("\n")[:-1]:
    value = json.loads(line)
    print(json.dumps(value))
    try:
        print(json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False))
    except ValueError:
        print("<non-finite>")
"#;

fn python_round_trip(lines: &[String]) -> Option<Vec<String>> {
    let mut child = Command::new("python3")
        .args(["-c", PYTHON_ROUND_TRIP])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    {
        let mut stdin = child.stdin.take().unwrap();
        for line in lines {
            stdin.write_all(line.as_bytes()).unwrap();
            stdin.write_all(b"\n").unwrap();
        }
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "python3 failed");
    let text = String::from_utf8(output.stdout).unwrap();
    Some(text.lines().map(str::to_owned).collect())
}

fn any_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9 ]{0,8}",
        any::<String>(),
        prop::collection::vec(
            prop_oneof![
                Just('"'),
                Just('\\'),
                Just('/'),
                Just('\u{7f}'),
                Just('\u{0}'),
                Just('\u{1f}'),
                Just('Ľ'),
                Just('🗳'),
                Just('\u{fe0f}'),
                Just('\u{2028}'),
                any::<char>()
            ],
            0..6
        )
        .prop_map(|chars| chars.into_iter().collect()),
    ]
}

fn any_int() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        (any::<bool>(), "[1-9][0-9]{18,60}").prop_map(|(negative, digits)| {
            let text = if negative {
                format!("-{digits}")
            } else {
                digits
            };
            loads(&text).unwrap()
        }),
    ]
}

fn any_float() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<f64>(),
        (-1e6f64..1e6),
        prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0),
            Just(1e16),
            Just(1e-5),
            Just(5e-324)
        ],
        (1u32..10, -30i32..30).prop_map(|(digit, exponent)| {
            format!("{digit}e{exponent}").parse::<f64>().unwrap()
        }),
    ]
    .prop_map(Value::Float)
}

fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any_int(),
        any_float(),
        any_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any_string(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Object>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn dumps_matches_cpython(values in prop::collection::vec(any_value(), 150)) {
        let lines: Vec<String> = values.iter().map(dumps).collect();
        // Our own parser reads our output back to an equal value (NaN aside).
        for (value, line) in values.iter().zip(&lines) {
            let reparsed = loads(line).unwrap();
            prop_assert_eq!(dumps(&reparsed), line.clone());
            if let Ok(compact) = dumps_compact(value) {
                prop_assert_eq!(dumps(&loads(&compact).unwrap()), line.clone());
            }
        }
        let Some(python) = python_round_trip(&lines) else {
            eprintln!("python3 not found: the comparison with CPython is skipped");
            return Ok(());
        };
        prop_assert_eq!(python.len(), lines.len() * 2);
        for (index, (value, line)) in values.iter().zip(&lines).enumerate() {
            prop_assert_eq!(&python[2 * index], line, "json.dumps differs");
            let compact = dumps_compact(value).unwrap_or_else(|_| "<non-finite>".to_owned());
            prop_assert_eq!(&python[2 * index + 1], &compact, "compact style differs");
        }
    }
}
