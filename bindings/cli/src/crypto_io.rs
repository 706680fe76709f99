//! Shared by `keygen`, `seal` and `open`: reading keys and line-oriented input.

use std::io::{BufRead, Write};
use std::path::Path;

use electie_core::lines::LineReader;
use electie_core::python_json::{self, Object, Value};
use electie_crypto::{PrivateKey, PublicKey};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::input;

/// Reads a private key file (PEM, or binary DER); the error names the file and the
/// problem.
pub(crate) fn private_key(path: &Path, role: &str) -> Result<PrivateKey, String> {
    read_key(path, role, PrivateKey::from_pem, PrivateKey::from_der)
}

/// Reads a public key file (PEM or binary DER; a private key stands for its public
/// half).
pub(crate) fn public_key(path: &Path, role: &str) -> Result<PublicKey, String> {
    read_key(path, role, PublicKey::from_pem, PublicKey::from_der)
}

/// Reads a key file as PEM text or binary DER with the parser of each form.
fn read_key<K>(
    path: &Path,
    role: &str,
    from_pem: impl FnOnce(&str) -> electie_crypto::Result<K>,
    from_der: impl FnOnce(&[u8]) -> electie_crypto::Result<K>,
) -> Result<K, String> {
    let bytes = std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|error| format!("cannot read {role} key {}: {error}", path.display()))?;
    let parsed = match pem_text(&bytes) {
        Some(text) => from_pem(text),
        None => from_der(&bytes),
    };
    parsed.map_err(|error| format!("{role} key {}: {error}", path.display()))
}

/// The file as text, or `None` when it is binary (then it is read as DER; a DER key
/// starts with a SEQUENCE tag, which is not how PEM text starts).
fn pem_text(bytes: &[u8]) -> Option<&str> {
    if bytes.first() == Some(&0x30) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// Reads input lines in chunks of at most `chunk` lines, as `electie_core::lines`
/// cuts them (a leading byte-order mark and blank lines skipped, `\r\n` read as a
/// line end): output line `n` answers the `n`-th non-blank input line.
pub(crate) struct Lines {
    reader: LineReader<Box<dyn BufRead>>,
}

impl Lines {
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let reader = input::open(path)
            .map_err(|error| Error::Invalid(format!("cannot read {}: {error}", path.display())))?;
        Ok(Lines {
            reader: LineReader::new(reader),
        })
    }

    /// The next chunk of lines without their line ends; empty at the end.
    pub(crate) fn next_chunk(&mut self, chunk: usize) -> Result<Vec<Vec<u8>>, Error> {
        let mut lines = Vec::new();
        while lines.len() < chunk {
            let next = self
                .reader
                .next_line()
                .map_err(|error| Error::Invalid(error.to_string()))?;
            match next {
                Some(line) => lines.push(line.to_vec()),
                None => break,
            }
        }
        Ok(lines)
    }
}

/// Writes one output line: the result, or `{"error": …}` for a line that failed;
/// whether it succeeded.
pub(crate) fn write_line(
    out: &mut impl Write,
    line: Result<String, String>,
) -> Result<bool, Error> {
    match line {
        Ok(json) => writeln!(out, "{json}").map_err(Error::Output)?,
        Err(message) => {
            writeln!(out, "{}", error_line(&message)).map_err(Error::Output)?;
            return Ok(false);
        }
    }
    Ok(true)
}

/// `{"error": "<message>"}` as Python's `json.dumps` writes it.
pub(crate) fn error_line(message: &str) -> String {
    let mut object = Object::with_capacity(1);
    object.insert("error".to_owned(), Value::String(message.to_owned()));
    python_json::dumps(&Value::Object(object))
}
