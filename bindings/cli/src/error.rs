//! The command line's one error type and the one place it becomes an exit code.
//!
//! | exit | when |
//! |---|---|
//! | 0 | success; also a standard output closed by its reader (`electie tally … \| head`): the command ends quietly, as `head` asked |
//! | 1 | the input was judged and something failed (a rejected vote, a payload that does not open); the output says what |
//! | 2 | usage, configuration, key or input errors, with the reason on stderr |

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Why a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The input was judged and something failed; the output already says what
    /// (exit 1, nothing on stderr).
    #[error("the input was judged and something failed")]
    Judged,
    /// An input file that cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file (`-` for standard input).
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Standard output could not be written.
    #[error("cannot write the output: {0}")]
    Output(io::Error),
    /// From electie-tally: a method, policy, threshold or allocation refused.
    #[error(transparent)]
    Tally(#[from] electie_tally::Error),
    /// A usage, configuration, key or input problem, with the option, file or field
    /// it concerns.
    #[error("{0}")]
    Invalid(String),
}

/// A command's result.
pub(crate) type Result<T = ()> = std::result::Result<T, Error>;

impl From<String> for Error {
    fn from(message: String) -> Self {
        Self::Invalid(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Self::Invalid(message.to_owned())
    }
}

impl Error {
    /// An error of reading `path`.
    pub(crate) fn read(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |source| Self::Read {
            path: path.to_owned(),
            source,
        }
    }

    /// This error with what it concerns in front (`--config: …`).
    pub(crate) fn context(self, context: impl fmt::Display) -> Self {
        Self::Invalid(format!("{context}: {self}"))
    }
}

/// The exit code of `command`'s result, with the reason on stderr when there is one.
pub(crate) fn exit(command: &str, result: Result) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Judged) => ExitCode::from(1),
        Err(Error::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            // stderr closed too: nothing left to tell anyone
            let _ = writeln!(io::stderr().lock(), "electie: {command}: {error}");
            ExitCode::from(2)
        }
    }
}

/// Writes `text` and a newline to standard output.
pub(crate) fn print(text: &str) -> Result {
    write(&format!("{text}\n"))
}

/// Writes `text` to standard output as it is.
pub(crate) fn write(text: &str) -> Result {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

/// `Ok` when everything judged passed, else [`Error::Judged`].
pub(crate) fn judged(all_passed: bool) -> Result {
    if all_passed {
        Ok(())
    } else {
        Err(Error::Judged)
    }
}
