//! Shared by `keygen`, `seal` and `open`: reading keys and line-oriented input.

use std::io::{self, BufRead};
use std::path::Path;

use electie_core::lines::LineReader;
use electie_core::python_json::{self, Object, Value};
use electie_crypto::{PrivateKey, PublicKey};
use zeroize::Zeroizing;

use crate::input;

/// Reads a private key file (PEM, or binary DER); the error names the file and the
/// problem.
pub(crate) fn private_key(path: &Path, role: &str) -> Result<PrivateKey, String> {
    let bytes = read_key_file(path, role)?;
    let parsed = match pem_text(&bytes) {
        Some(text) => PrivateKey::from_pem(text),
        None => PrivateKey::from_der(&bytes),
    };
    parsed.map_err(|error| format!("{role} key {}: {error}", path.display()))
}

/// Reads a public key file (PEM or binary DER; a private key stands for its public
/// half).
pub(crate) fn public_key(path: &Path, role: &str) -> Result<PublicKey, String> {
    let bytes = read_key_file(path, role)?;
    let parsed = match pem_text(&bytes) {
        Some(text) => PublicKey::from_pem(text),
        None => PublicKey::from_der(&bytes),
    };
    parsed.map_err(|error| format!("{role} key {}: {error}", path.display()))
}

fn read_key_file(path: &Path, role: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|error| format!("cannot read {role} key {}: {error}", path.display()))
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
    pub(crate) fn open(path: &Path) -> io::Result<Self> {
        let reader = input::open(path).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot read {}: {error}", path.display()),
            )
        })?;
        Ok(Lines {
            reader: LineReader::new(reader),
        })
    }

    /// The next chunk of lines without their line ends; empty at the end.
    pub(crate) fn next_chunk(&mut self, chunk: usize) -> io::Result<Vec<Vec<u8>>> {
        let mut lines = Vec::new();
        while lines.len() < chunk {
            match self.reader.next_line()? {
                Some(line) => lines.push(line.to_vec()),
                None => break,
            }
        }
        Ok(lines)
    }
}

/// `{"error": "<message>"}` as Python's `json.dumps` writes it.
pub(crate) fn error_line(message: &str) -> String {
    let mut object = Object::with_capacity(1);
    object.insert("error".to_owned(), Value::String(message.to_owned()));
    python_json::dumps(&Value::Object(object))
}
