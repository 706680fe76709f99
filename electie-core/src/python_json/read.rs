//! Reading JSON as `json.loads` does.

use super::value::{Int, Object, Value};
use super::{MAX_DEPTH, MAX_INT_DIGITS};
use crate::error::{Error, JsonProblem, Result};

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
