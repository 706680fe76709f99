//! Reading a subcommand's input: a file path, or `-` for standard input.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Opens `path` for buffered reading; `-` is standard input.
pub(crate) fn open(path: &Path) -> io::Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(BufReader::new(io::stdin().lock())))
    } else {
        Ok(Box::new(BufReader::new(File::open(path)?)))
    }
}

/// Reads the whole input as bytes.
pub(crate) fn read_all(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Non-blank lines of the input, without their line ends, as bytes (a line that is not
/// UTF-8 is the parser's to report, not a reason to stop reading).
pub(crate) fn lines(path: &Path) -> io::Result<Vec<Vec<u8>>> {
    let mut reader = open(path)?;
    let mut lines = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        while let Some(b'\n' | b'\r') = line.last() {
            line.pop();
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            lines.push(line.clone());
        }
    }
    Ok(lines)
}
