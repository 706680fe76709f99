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

use std::fmt::{self, Write as _};

use indexmap::IndexMap;

use crate::error::{Error, JsonProblem, Result};

/// A JSON object with its keys in the order they were parsed or inserted.
pub type Object = IndexMap<String, Value>;

/// Python 3.11 refuses to convert integers longer than this many digits
/// (`sys.get_int_max_str_digits()`), and so does `json.loads`.
pub const MAX_INT_DIGITS: usize = 4300;

/// Nesting deeper than this is refused instead of exhausting the stack (Python raises
/// `RecursionError` somewhat below 1 000 levels).
pub const MAX_DEPTH: usize = 512;

/// A JSON value as Python's `json` module sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null` (`None`).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer of any size.
    Int(Int),
    /// A number with a fraction or an exponent, or `NaN` / `Infinity` / `-Infinity`.
    Float(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, keys in order.
    Object(Object),
}

/// An integer of any size, kept in canonical decimal form when it does not fit `i64`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Int(IntRepr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum IntRepr {
    Small(i64),
    /// Canonical decimal digits (optional `-`, no leading zeros) of a value outside `i64`.
    Big(Box<str>),
}

impl Int {
    /// The value as `i64`, or `None` when it does not fit.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            IntRepr::Small(value) => Some(value),
            IntRepr::Big(_) => None,
        }
    }

    /// Parses canonical or non-canonical decimal digits with an optional leading `-`.
    fn from_decimal(text: &str) -> Option<Int> {
        if let Ok(value) = text.parse::<i64>() {
            return Some(Int(IntRepr::Small(value)));
        }
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = digits.trim_start_matches('0');
        // Anything that reached here has more digits than i64 holds, so it is not zero.
        let mut canonical = String::with_capacity(digits.len() + 1);
        if negative {
            canonical.push('-');
        }
        canonical.push_str(digits);
        Some(Int(IntRepr::Big(canonical.into_boxed_str())))
    }
}

impl From<i64> for Int {
    fn from(value: i64) -> Self {
        Int(IntRepr::Small(value))
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            IntRepr::Small(value) => write!(f, "{value}"),
            IntRepr::Big(digits) => f.write_str(digits),
        }
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(Int::from(value))
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Float(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::String(value)
    }
}

impl From<Object> for Value {
    fn from(value: Object) -> Self {
        Value::Object(value)
    }
}

impl From<Vec<Value>> for Value {
    fn from(value: Vec<Value>) -> Self {
        Value::Array(value)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

impl Value {
    /// The name Python would give this value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// The object inside, if this is an object.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// Formats as [`dumps`] does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&dumps(self))
    }
}

// ---------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------

/// Parses JSON text as Python's `json.loads` does.
///
/// ```
/// use electie_core::python_json::{loads, Value};
///
/// let value = loads("[18446744073709551616, NaN]")?;
/// assert_eq!(value.to_string(), "[18446744073709551616, NaN]");
/// assert!(loads("[1,]").is_err());
/// # Ok::<(), electie_core::Error>(())
/// ```
pub fn loads(text: &str) -> Result<Value> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        position: 0,
        depth: 0,
    };
    parser.skip_whitespace();
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.position != parser.bytes.len() {
        return Err(parser.error(JsonProblem::TrailingCharacters));
    }
    Ok(value)
}

/// Parses UTF-8 encoded JSON bytes as Python's `json.loads(bytes)` does for UTF-8
/// (a leading byte-order mark is skipped, as Python's encoding detection does).
pub fn loads_bytes(bytes: &[u8]) -> Result<Value> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|error| Error::Json {
        offset: error.valid_up_to(),
        problem: JsonProblem::InvalidUtf8,
    })?;
    loads(text)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, problem: JsonProblem) -> Error {
        Error::Json {
            offset: self.position,
            problem,
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.position) {
            self.position += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn eat_literal(&mut self, literal: &str) -> bool {
        if self.bytes[self.position..].starts_with(literal.as_bytes()) {
            self.position += literal.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Value> {
        match self.peek() {
            None => Err(self.error(JsonProblem::UnexpectedEnd)),
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'n') if self.eat_literal("null") => Ok(Value::Null),
            Some(b't') if self.eat_literal("true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat_literal("false") => Ok(Value::Bool(false)),
            Some(b'N') if self.eat_literal("NaN") => Ok(Value::Float(f64::NAN)),
            Some(b'I') if self.eat_literal("Infinity") => Ok(Value::Float(f64::INFINITY)),
            Some(b'-') if self.eat_literal("-Infinity") => Ok(Value::Float(f64::NEG_INFINITY)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error(JsonProblem::ExpectedValue)),
        }
    }

    fn nested(&mut self, parse: fn(&mut Self) -> Result<Value>) -> Result<Value> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(JsonProblem::TooDeep));
        }
        self.depth += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn object(&mut self) -> Result<Value> {
        self.position += 1; // '{'
        let mut object = Object::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.position += 1;
            return Ok(Value::Object(object));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error(JsonProblem::ExpectedKey));
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error(JsonProblem::ExpectedColon));
            }
            self.position += 1;
            self.skip_whitespace();
            let value = self.value()?;
            // IndexMap::insert keeps the first position and takes the new value: a dict.
            object.insert(key, value);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(b'}') => {
                    self.position += 1;
                    return Ok(Value::Object(object));
                }
                None => return Err(self.error(JsonProblem::UnexpectedEnd)),
                Some(_) => return Err(self.error(JsonProblem::ExpectedCommaOrEnd)),
            }
        }
    }

    fn array(&mut self) -> Result<Value> {
        self.position += 1; // '['
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.position += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(b']') => {
                    self.position += 1;
                    return Ok(Value::Array(items));
                }
                None => return Err(self.error(JsonProblem::UnexpectedEnd)),
                Some(_) => return Err(self.error(JsonProblem::ExpectedCommaOrEnd)),
            }
        }
    }

    fn number(&mut self) -> Result<Value> {
        let start = self.position;
        if self.peek() == Some(b'-') {
            self.position += 1;
        }
        match self.peek() {
            Some(b'0') => self.position += 1,
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.error(JsonProblem::ExpectedValue)),
        }
        let mut is_float = false;
        if self.peek() == Some(b'.')
            && matches!(self.bytes.get(self.position + 1), Some(b'0'..=b'9'))
        {
            is_float = true;
            self.position += 1;
            self.skip_digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            let mut lookahead = self.position + 1;
            if let Some(b'+' | b'-') = self.bytes.get(lookahead) {
                lookahead += 1;
            }
            // Python's number pattern only takes an exponent that has digits; otherwise
            // the number ends before the `e` and the `e` is then an error.
            if matches!(self.bytes.get(lookahead), Some(b'0'..=b'9')) {
                is_float = true;
                self.position = lookahead;
                self.skip_digits();
            }
        }
        let literal = &self.text[start..self.position];
        if is_float {
            literal
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| Error::Json {
                    offset: start,
                    problem: JsonProblem::InvalidNumber,
                })
        } else {
            let digits = literal.trim_start_matches('-').len();
            if digits > MAX_INT_DIGITS {
                return Err(Error::Json {
                    offset: start,
                    problem: JsonProblem::IntegerTooLong { digits },
                });
            }
            Int::from_decimal(literal)
                .map(Value::Int)
                .ok_or(Error::Json {
                    offset: start,
                    problem: JsonProblem::InvalidNumber,
                })
        }
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.position += 1;
        }
    }

    fn string(&mut self) -> Result<String> {
        self.position += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.position;
            while let Some(&byte) = self.bytes.get(self.position) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.position += 1;
            }
            // Stops only at ASCII bytes, so the run ends on a character boundary.
            out.push_str(&self.text[run_start..self.position]);
            match self.peek() {
                None => return Err(self.error(JsonProblem::UnterminatedString)),
                Some(b'"') => {
                    self.position += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(self.error(JsonProblem::ControlCharacterInString)),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<()> {
        self.position += 1; // backslash
        let Some(kind) = self.peek() else {
            return Err(self.error(JsonProblem::UnterminatedString));
        };
        self.position += 1;
        let decoded = match kind {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => self.unicode_escape()?,
            _ => {
                self.position -= 1;
                return Err(self.error(JsonProblem::InvalidEscape));
            }
        };
        out.push(decoded);
        Ok(())
    }

    fn unicode_escape(&mut self) -> Result<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.bytes[self.position..].starts_with(b"\\u") {
            let resume = self.position;
            self.position += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return char::from_u32(combined).ok_or(self.error(JsonProblem::LoneSurrogate));
            }
            self.position = resume;
        }
        char::from_u32(first).ok_or_else(|| {
            let mut error = self.error(JsonProblem::LoneSurrogate);
            if let Error::Json { offset, .. } = &mut error {
                *offset -= 6;
            }
            error
        })
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self
            .bytes
            .get(self.position..self.position + 4)
            .ok_or(self.error(JsonProblem::InvalidEscape))?;
        let mut value = 0u32;
        for &digit in digits {
            let nibble = (digit as char)
                .to_digit(16)
                .ok_or(self.error(JsonProblem::InvalidEscape))?;
            value = value * 16 + nibble;
        }
        self.position += 4;
        Ok(value)
    }
}

// ---------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

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
