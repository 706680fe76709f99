//! Python objects ↔ electie's Python-compatible JSON values.
//!
//! Going in, a value is read as `json.dumps` reads it: `dict` (keys in insertion
//! order; `str`, `int`, `float`, `bool` and `None` keys written as `json.dumps`
//! writes them), `list` and `tuple`, `str`, `int` of any size, `float` (`nan` and the
//! infinities included), `bool`, `None`. Anything else is the `TypeError` `json.dumps`
//! raises. Going out, objects become `dict`s in their parsed key order and integers
//! beyond 64 bits stay exact Python `int`s.

use electie_core::python_json::{self, MAX_DEPTH, Object, Value};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::error::{Error, Result};

/// Reads a Python object as the JSON value `json.dumps` would write.
pub(crate) fn to_value(object: &Bound<'_, PyAny>) -> Result<Value> {
    to_value_at(object, 0)
}

fn to_value_at(object: &Bound<'_, PyAny>, depth: usize) -> Result<Value> {
    if let Ok(text) = object.cast::<PyString>() {
        return Ok(Value::String(string(text)?));
    }
    if object.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: True is an int to Python.
    if let Ok(flag) = object.cast::<PyBool>() {
        return Ok(Value::Bool(flag.is_true()));
    }
    if let Ok(int) = object.cast::<PyInt>() {
        return integer(int);
    }
    if let Ok(float) = object.cast::<PyFloat>() {
        return Ok(Value::Float(float.value()));
    }
    if depth >= MAX_DEPTH {
        return Err(Error::TooDeep);
    }
    if let Ok(list) = object.cast::<PyList>() {
        let mut items = Vec::with_capacity(list.len());
        for item in list.iter() {
            items.push(to_value_at(&item, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(tuple) = object.cast::<PyTuple>() {
        let mut items = Vec::with_capacity(tuple.len());
        for item in tuple.iter() {
            items.push(to_value_at(&item, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(dict) = object.cast::<PyDict>() {
        return Ok(Value::Object(to_object_at(dict, depth)?));
    }
    Err(Error::NotJsonSerializable(type_name(object)))
}

fn to_object_at(dict: &Bound<'_, PyDict>, depth: usize) -> Result<Object> {
    let mut object = Object::with_capacity(dict.len());
    for (key, value) in dict.iter() {
        let key = object_key(&key)?;
        let value = to_value_at(&value, depth + 1)?;
        // Two keys that json.dumps writes alike (1 and "1"): a dict parsed back keeps
        // the last value at the first position, which is what inserting does here.
        object.insert(key, value);
    }
    Ok(object)
}

/// A dict key as `json.dumps` writes it (`str`, then `float`, `True`/`False`/`None`,
/// `int`).
fn object_key(key: &Bound<'_, PyAny>) -> Result<String> {
    if let Ok(text) = key.cast::<PyString>() {
        return string(text);
    }
    if let Ok(float) = key.cast::<PyFloat>() {
        let mut text = String::new();
        python_json::write_python_float(float.value(), &mut text);
        return Ok(text);
    }
    if let Ok(flag) = key.cast::<PyBool>() {
        return Ok(if flag.is_true() { "true" } else { "false" }.to_owned());
    }
    if key.is_none() {
        return Ok("null".to_owned());
    }
    if let Ok(int) = key.cast::<PyInt>() {
        return Ok(integer(int)?.to_string());
    }
    Err(Error::BadKey(type_name(key)))
}

fn string(text: &Bound<'_, PyString>) -> Result<String> {
    text.to_cow()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| Error::NotUnicode(text.to_string_lossy().into_owned()))
}

fn integer(int: &Bound<'_, PyInt>) -> Result<Value> {
    if let Ok(small) = int.extract::<i64>() {
        return Ok(Value::from(small));
    }
    // int.__repr__ writes the digits whatever a subclass's own repr says, as json.dumps
    // does; Python itself refuses more than 4 300 digits, and so does `loads`.
    let digits = int
        .py()
        .get_type::<PyInt>()
        .call_method1("__repr__", (int,))
        .and_then(|text| text.extract::<String>())
        .map_err(|error| Error::WrongValue(error.to_string()))?;
    Ok(python_json::loads(&digits)?)
}

fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |name| name.to_string())
}

/// Builds the Python object for a JSON value.
pub(crate) fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        Value::Int(int) => match int.as_i64() {
            Some(small) => small.into_pyobject(py)?.into_any(),
            None => py.get_type::<PyInt>().call1((int.to_string(),))?,
        },
        Value::Float(float) => PyFloat::new(py, *float).into_any(),
        Value::String(text) => PyString::new(py, text).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(object) => object_to_python(py, object)?.into_any(),
    })
}

/// Builds a `dict` for a JSON object, keys in order.
pub(crate) fn object_to_python<'py>(
    py: Python<'py>,
    object: &Object,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in object {
        dict.set_item(key, to_python(py, value)?)?;
    }
    Ok(dict)
}

/// Builds Python objects for anything serde writes, keeping struct field order (the
/// original services' JSON shapes).
pub(crate) fn serialize_to_python<'py, T: serde::Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value)
        .map_err(|error| Error::WrongValue(format!("cannot serialize: {error}")))?;
    let value = python_json::loads(&text).map_err(Error::Core)?;
    to_python(py, &value)
}
