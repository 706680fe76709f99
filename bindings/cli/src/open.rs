//! `electie open`: open sealed payloads as electiersa's `decrypt_vote` does, in
//! parallel.

use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;

use electie_crypto::{Backend, Opener, Sealed};

use crate::crypto_io::{self, Lines};
use crate::error::{self, Error, Result};

/// Lines opened per parallel batch: large enough to keep every core busy, small enough
/// to stream any input in bounded memory.
const CHUNK_LINES: usize = 4096;

#[derive(Debug, clap::Args)]
pub(crate) struct OpenArgs {
    /// The receiver's RSA private key (PEM), which unwraps the AES key.
    #[arg(long)]
    recipient_key: PathBuf,
    /// The sender's RSA public key (PEM), which checks the signature.
    #[arg(long)]
    signer_key: PathBuf,
    /// Threads opening in parallel (default: the number of cores).
    #[arg(long)]
    jobs: Option<NonZeroUsize>,
    /// RSA backend: rustcrypto (pure Rust) or aws-lc (default when compiled in).
    #[arg(long)]
    backend: Option<Backend>,
    /// Sealed pairs `{"encrypted_message": ..., "encrypted_object": ...}`, one per
    /// line; `-` reads standard input. Each line gives one output line: the opened
    /// object exactly as Python's json.dumps writes it (the signed bytes), or
    /// `{"error": ...}`.
    input: PathBuf,
}

pub(crate) fn run(args: &OpenArgs) -> Result {
    let (opener, pool) = prepare(args)?;
    error::judged(pool.install(|| open_lines(args, &opener))?)
}

fn prepare(args: &OpenArgs) -> std::result::Result<(Opener, rayon::ThreadPool), String> {
    let recipient = crypto_io::private_key(&args.recipient_key, "recipient")?;
    let signer = crypto_io::public_key(&args.signer_key, "signer")?;
    let backend = args.backend.unwrap_or_else(Backend::fastest);
    let opener =
        Opener::with_backend(&recipient, &signer, backend).map_err(|error| error.to_string())?;
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        NonZeroUsize::get,
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|error| format!("cannot start {jobs} threads: {error}"))?;
    Ok((opener, pool))
}

/// Opens every line; `Ok(false)` when some line did not open.
fn open_lines(args: &OpenArgs, opener: &Opener) -> Result<bool> {
    let mut lines = Lines::open(&args.input)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut all_opened = true;
    loop {
        let chunk = lines.next_chunk(CHUNK_LINES)?;
        if chunk.is_empty() {
            break;
        }
        // Lines that are not a sealed pair never reach the opener.
        let mut sealed = Vec::with_capacity(chunk.len());
        let slots: Vec<Option<String>> = chunk
            .iter()
            .map(|line| {
                match std::str::from_utf8(line)
                    .map_err(|_| electie_crypto::Error::SealedFormat)
                    .and_then(Sealed::from_json)
                {
                    Ok(pair) => {
                        sealed.push(pair);
                        None
                    }
                    Err(error) => Some(error.to_string()),
                }
            })
            .collect();
        let mut opened = opener.open_batch(&sealed).into_iter();
        for slot in slots {
            let line = match slot {
                Some(message) => Err(message),
                None => match opened.next() {
                    Some(Ok(opened)) => Ok(opened.into_parts().1),
                    Some(Err(error)) => Err(error.to_string()),
                    None => Err("internal error: missing result".to_owned()),
                },
            };
            all_opened &= crypto_io::write_line(&mut out, line)?;
        }
    }
    out.flush().map_err(Error::Output)?;
    Ok(all_opened)
}
