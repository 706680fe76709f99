//! The one line reader: how every line-oriented input of electie (votes, tally lines,
//! stored tokens, sealed payloads) is cut into lines.
//!
//! - A line ends at a line feed (`\n`); carriage returns right before it belong to
//!   the line end (`\r\n`), so files written on Windows read the same.
//! - A UTF-8 byte-order mark at the very start of the input is skipped; anywhere else
//!   it is part of the line (and then not JSON).
//! - A line holding nothing but ASCII whitespace (space, tab, carriage return, form
//!   feed) is skipped: it is
//!   neither counted nor numbered, so the `n`-th line of the answer is the `n`-th
//!   non-blank line of the input.
//! - The last line needs no line end. Bytes are not checked here: a line that is not
//!   UTF-8 is its decoder's to report, not a reason to stop reading.
//!
//! ```
//! use electie_core::lines::lines;
//!
//! let input = b"\xef\xbb\xbf{\"a\": 1}\r\n\r\n  \n{\"b\": 2}";
//! let read: Vec<&[u8]> = lines(input).collect();
//! assert_eq!(read, [&b"{\"a\": 1}"[..], &b"{\"b\": 2}"[..]]);
//! ```

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// The non-blank lines of a whole input, without their line ends (see the module).
pub fn lines(input: &[u8]) -> Lines<'_> {
    continued_lines(without_bom(input))
}

/// The input without a leading byte-order mark.
///
/// ```
/// assert_eq!(electie_core::lines::without_bom(b"\xef\xbb\xbf{}"), b"{}");
/// ```
pub fn without_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(BOM).unwrap_or(input)
}

/// The non-blank lines of a piece of an input that starts after a line end (or after
/// [`without_bom`]): what a worker reads of an input split at line ends. A
/// byte-order mark at its start is not skipped.
///
/// ```
/// use electie_core::lines::{continued_lines, lines};
///
/// let input = b"one\ntwo\r\nthree";
/// let (first, second) = input.split_at(4);
/// let pieces: Vec<&[u8]> = continued_lines(first).chain(continued_lines(second)).collect();
/// assert_eq!(pieces, lines(input).collect::<Vec<_>>());
/// ```
pub fn continued_lines(piece: &[u8]) -> Lines<'_> {
    Lines { rest: piece }
}

/// Iterator over the non-blank lines of an input (see [`lines`]).
#[derive(Debug, Clone)]
pub struct Lines<'input> {
    rest: &'input [u8],
}

impl<'input> Iterator for Lines<'input> {
    type Item = &'input [u8];

    fn next(&mut self) -> Option<&'input [u8]> {
        while !self.rest.is_empty() {
            let (line, rest) = match self.rest.iter().position(|&byte| byte == b'\n') {
                Some(end) => (&self.rest[..end], &self.rest[end + 1..]),
                None => (self.rest, &[][..]),
            };
            self.rest = rest;
            if let Some(length) = content_length(line) {
                return Some(&line[..length]);
            }
        }
        None
    }
}

/// The length of a line without its line end, or `None` when it is blank.
fn content_length(line: &[u8]) -> Option<usize> {
    let mut line = line.strip_suffix(b"\n").unwrap_or(line);
    while let Some((b'\r', rest)) = line.split_last() {
        line = rest;
    }
    (!line.iter().all(u8::is_ascii_whitespace)).then_some(line.len())
}

/// The same lines as [`lines`], read from a stream one at a time: for inputs too large
/// to hold (sealing and opening millions of votes).
///
/// ```
/// use electie_core::lines::LineReader;
///
/// let mut reader = LineReader::new(&b"\xef\xbb\xbfone\r\n\n two \n"[..]);
/// assert_eq!(reader.next_line()?, Some(&b"one"[..]));
/// assert_eq!(reader.next_line()?, Some(&b" two "[..]));
/// assert_eq!(reader.next_line()?, None);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct LineReader<R> {
    reader: R,
    started: bool,
    line: Vec<u8>,
}

impl<R: std::io::BufRead> LineReader<R> {
    /// A reader at the start of an input.
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            started: false,
            line: Vec::new(),
        }
    }

    /// The next non-blank line without its line end; `None` at the end of the input.
    ///
    /// # Errors
    /// The stream's own read errors.
    pub fn next_line(&mut self) -> std::io::Result<Option<&[u8]>> {
        loop {
            self.line.clear();
            if self.reader.read_until(b'\n', &mut self.line)? == 0 {
                return Ok(None);
            }
            let mut start = 0;
            if !self.started {
                self.started = true;
                if self.line.starts_with(BOM) {
                    start = BOM.len();
                }
            }
            if let Some(length) = content_length(&self.line[start..]) {
                return Ok(Some(&self.line[start..start + length]));
            }
        }
    }
}
