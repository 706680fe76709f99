//! Writing JSON as `json.dumps` does, and as the original services answer over HTTP.

use std::fmt::Write as _;

use super::value::{Int, IntRepr, Value};
use crate::error::{Error, JsonProblem, Result};

/// Serializes as Python's `json.dumps(value)` with default arguments: the bytes a
/// gateway signs.
pub fn dumps(value: &Value) -> String {
    let mut out = String::with_capacity(128);
    dumps_into(value, &mut out);
    out
}

/// Appends what [`dumps`] would return to `out`.
pub fn dumps_into(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(int) => write_int(int, out),
        Value::Float(float) => write_python_float(*float, out),
        Value::String(text) => write_ascii_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                dumps_into(item, out);
            }
            out.push(']');
        }
        Value::Object(object) => {
            out.push('{');
            for (index, (key, item)) in object.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_ascii_string(key, out);
                out.push_str(": ");
                dumps_into(item, out);
            }
            out.push('}');
        }
    }
}

/// Serializes in the compact style of the original services' HTTP responses:
/// `json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)`,
/// which is what FastAPI's `JSONResponse` writes.
///
/// # Errors
/// [`Error::Json`] with [`JsonProblem::NonFiniteFloat`] for `NaN` or an infinity,
/// which that style refuses.
pub fn dumps_compact(value: &Value) -> Result<String> {
    let mut out = String::with_capacity(128);
    write_compact(value, &mut out)?;
    Ok(out)
}

fn write_compact(value: &Value, out: &mut String) -> Result<()> {
    match value {
        Value::Float(float) if !float.is_finite() => {
            return Err(Error::Json {
                offset: out.len(),
                problem: JsonProblem::NonFiniteFloat,
            });
        }
        Value::String(text) => write_unicode_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_compact(item, out)?;
            }
            out.push(']');
        }
        Value::Object(object) => {
            out.push('{');
            for (index, (key, item)) in object.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_unicode_string(key, out);
                out.push(':');
                write_compact(item, out)?;
            }
            out.push('}');
        }
        scalar => dumps_into(scalar, out),
    }
    Ok(())
}

fn write_int(int: &Int, out: &mut String) {
    match &int.0 {
        IntRepr::Small(value) => {
            let _ = write!(out, "{value}");
        }
        IntRepr::Big(digits) => out.push_str(digits),
    }
}

/// Writes a float as Python's `float.__repr__` (and so `json.dumps`) does: the
/// shortest digits that round-trip, the closest to the exact value with ties to even
/// (Ryu gives exactly these; Rust's own `{:e}` does not break exact ties to even), in
/// positional form when the decimal exponent is in `-4..16` (with at least one
/// fractional digit), otherwise `d.ddde±XX`.
pub fn write_python_float(value: f64, out: &mut String) {
    if value.is_nan() {
        out.push_str("NaN");
        return;
    }
    if value.is_infinite() {
        out.push_str(if value > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    let mut buffer = ryu::Buffer::new();
    let shortest = buffer.format_finite(value);
    let (sign, unsigned) = match shortest.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", shortest),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i32>().unwrap_or(0)),
        None => (unsigned, 0),
    };
    let (integer_part, fraction_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // Significant digits and the decimal exponent of the first of them.
    let mut exponent = exponent + integer_part.len() as i32 - 1;
    let all_digits = format!("{integer_part}{fraction_part}");
    let leading_zeros = all_digits.len() - all_digits.trim_start_matches('0').len();
    exponent -= leading_zeros as i32;
    let digits = all_digits.trim_matches('0');
    out.push_str(sign);
    if digits.is_empty() {
        out.push_str("0.0");
        return;
    }
    if (-4..16).contains(&exponent) {
        if exponent < 0 {
            out.push_str("0.");
            for _ in 0..(-exponent - 1) {
                out.push('0');
            }
            out.push_str(digits);
        } else {
            let integer_len = exponent as usize + 1;
            if digits.len() <= integer_len {
                out.push_str(digits);
                for _ in digits.len()..integer_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..integer_len]);
                out.push('.');
                out.push_str(&digits[integer_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
    }
}

/// `ensure_ascii=True` string: every non-ASCII character as `\uXXXX` (lower-case hex),
/// astral characters as a surrogate pair.
fn write_ascii_string(text: &str, out: &mut String) {
    out.push('"');
    let mut run_start = 0;
    for (index, character) in text.char_indices() {
        let plain = character.is_ascii() && !needs_escape(character as u8);
        if plain {
            continue;
        }
        out.push_str(&text[run_start..index]);
        run_start = index + character.len_utf8();
        if character.is_ascii() {
            write_ascii_escape(character as u8, out);
        } else {
            let mut units = [0u16; 2];
            for unit in character.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out.push_str(&text[run_start..]);
    out.push('"');
}

/// `ensure_ascii=False` string: only quotes, backslashes and control characters are
/// escaped (Python's `py_encode_basestring`, which leaves DEL as it is).
fn write_unicode_string(text: &str, out: &mut String) {
    out.push('"');
    let mut run_start = 0;
    for (index, byte) in text.bytes().enumerate() {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            out.push_str(&text[run_start..index]);
            run_start = index + 1;
            write_ascii_escape(byte, out);
        }
    }
    out.push_str(&text[run_start..]);
    out.push('"');
}

fn needs_escape(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20 || byte == 0x7f
}

fn write_ascii_escape(byte: u8, out: &mut String) {
    match byte {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        other => {
            let _ = write!(out, "\\u{other:04x}");
        }
    }
}
