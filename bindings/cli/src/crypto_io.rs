//! Shared by `keygen`, `seal` and `open`: reading keys and line-oriented input.

use std::io::{self, BufRead};
use std::path::Path;

use electie_core::python_json::{self, Object, Value};
use electie_crypto::{PrivateKey, PublicKey};
use zeroize::Zeroizing;

use crate::input;

/// Reads a private key file; the error names the file and the problem.
pub(crate) fn private_key(path: &Path, role: &str) -> Result<PrivateKey, String> {
    let text = read_key_text(path, role)?;
    PrivateKey::from_pem(&text).map_err(|error| format!("{role} key {}: {error}", path.display()))
}

/// Reads a public key file (a private key stands for its public half).
pub(crate) fn public_key(path: &Path, role: &str) -> Result<PublicKey, String> {
    let text = read_key_text(path, role)?;
    PublicKey::from_pem(&text).map_err(|error| format!("{role} key {}: {error}", path.display()))
}

fn read_key_text(path: &Path, role: &str) -> Result<Zeroizing<String>, String> {
    let bytes = Zeroizing::new(
        std::fs::read(path)
            .map_err(|error| format!("cannot read {role} key {}: {error}", path.display()))?,
    );
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| format!("{role} key {}: not UTF-8 text", path.display()))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Reads input lines in chunks of at most `chunk` lines. Every line counts (so output
/// lines match input lines one to one), except an empty segment after a final newline.
pub(crate) struct Lines {
    reader: Box<dyn BufRead>,
    started: bool,
    done: bool,
}

impl Lines {
    pub(crate) fn open(path: &Path) -> io::Result<Self> {
        Ok(Lines {
            reader: input::open(path)?,
            started: false,
            done: false,
        })
    }

    /// The next chunk of lines without their `\n` / `\r\n`; empty at the end.
    pub(crate) fn next_chunk(&mut self, chunk: usize) -> io::Result<Vec<Vec<u8>>> {
        let mut lines = Vec::new();
        while !self.done && lines.len() < chunk {
            let mut line = Vec::new();
            if self.reader.read_until(b'\n', &mut line)? == 0 {
                self.done = true;
                break;
            }
            if line.last() == Some(&b'\n') {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
            }
            if !self.started {
                self.started = true;
                // A UTF-8 byte-order mark some editors put at the start of a file.
                if line.starts_with(b"\xef\xbb\xbf") {
                    line.drain(..3);
                }
            }
            lines.push(line);
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
