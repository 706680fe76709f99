//! `electie seal`: seal JSON objects as electiersa's `encrypt_vote` does.

use std::io::{self, Write};
use std::path::PathBuf;

use electie_core::python_json::{self, Value};
use electie_crypto::{AesKeyLength, Backend, Sealer};

use crate::crypto_io::{self, Lines};
use crate::error::{self, Error, Result};

#[derive(Debug, clap::Args)]
pub(crate) struct SealArgs {
    /// The sender's RSA private key (PEM), which signs.
    #[arg(long)]
    signer_key: PathBuf,
    /// The receiver's RSA public key (PEM), which wraps the AES key.
    #[arg(long)]
    recipient_key: PathBuf,
    /// AES key length in bytes: 16, 24 or 32.
    #[arg(long, default_value_t = 32)]
    aes_key_bytes: usize,
    /// RSA backend for the signature (default: the fastest compiled in).
    #[arg(long)]
    backend: Option<Backend>,
    /// JSON objects, one per line; `-` reads standard input. Each line gives one
    /// `{"encrypted_message": ..., "encrypted_object": ...}` line, or
    /// `{"error": ...}` when it is not a JSON object.
    input: PathBuf,
}

pub(crate) fn run(args: &SealArgs) -> Result {
    let sealer = prepare(args)?;
    let aes_key_length = AesKeyLength::from_bytes(args.aes_key_bytes).map_err(|_| {
        format!(
            "--aes-key-bytes must be 16, 24 or 32, got {}",
            args.aes_key_bytes
        )
    })?;
    error::judged(seal_lines(args, &sealer, aes_key_length)?)
}

fn prepare(args: &SealArgs) -> std::result::Result<Sealer, String> {
    let signer = crypto_io::private_key(&args.signer_key, "signer")?;
    let recipient = crypto_io::public_key(&args.recipient_key, "recipient")?;
    let backend = args.backend.unwrap_or_else(Backend::fastest);
    Sealer::with_backend(&signer, &recipient, backend).map_err(|error| error.to_string())
}

/// Seals every line; `Ok(false)` when some line could not be sealed.
fn seal_lines(args: &SealArgs, sealer: &Sealer, length: AesKeyLength) -> Result<bool> {
    let mut lines = Lines::open(&args.input)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut rng = electie_crypto::system_rng();
    let mut all_sealed = true;
    let mut number = 0usize;
    loop {
        let chunk = lines.next_chunk(1024)?;
        if chunk.is_empty() {
            break;
        }
        for line in chunk {
            number += 1;
            let result = match std::str::from_utf8(&line).map(python_json::loads) {
                Ok(Ok(Value::Object(object))) => sealer
                    .seal(&object, length, &mut rng)
                    .map(|sealed| sealed.to_json())
                    .map_err(|error| error.to_string()),
                Ok(Ok(other)) => Err(format!(
                    "line {number}: expected a JSON object, got {}",
                    other.type_name()
                )),
                Ok(Err(error)) => Err(format!("line {number}: {error}")),
                Err(_) => Err(format!("line {number}: not UTF-8")),
            };
            all_sealed &= crypto_io::write_line(&mut out, result)?;
        }
    }
    out.flush().map_err(Error::Output)?;
    Ok(all_sealed)
}
