//! The values Python's `json` module reads and writes.

use std::fmt;

use indexmap::IndexMap;

use super::write::dumps;

/// A JSON object with its keys in the order they were parsed or inserted.
pub type Object = IndexMap<String, Value>;

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
pub struct Int(pub(super) IntRepr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum IntRepr {
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
    pub(super) fn from_decimal(text: &str) -> Option<Int> {
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
