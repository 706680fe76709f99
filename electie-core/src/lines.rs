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
            let (line, rest) = match memchr::memchr(b'\n', self.rest) {
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

/// The same lines as [`lines`], read from a stream in blocks of whole lines: one pass
/// over the bytes in large reads into buffers the caller reuses, no allocation per
/// line. Each block starts after a line end and ends at one (or at the end of the
/// input); read it with [`continued_lines`]. The byte-order mark of the input's start
/// is not in the first block. What counting millions of votes on several threads
/// reads: each block can go to another thread.
///
/// A block holds about `block` bytes: what is read, cut back to the last line end;
/// the start of the next line is kept for the next block. A line longer than `block`
/// makes its block as long as needed.
///
/// ```
/// use electie_core::lines::{LineBlocks, continued_lines, lines};
///
/// let input = b"\xef\xbb\xbfone\r\n\n two \nthree";
/// let mut blocks = LineBlocks::new(&input[..], 6);
/// let (mut buffer, mut read) = (Vec::new(), Vec::new());
/// while blocks.next_into(&mut buffer)? {
///     assert!(buffer.ends_with(b"\n") || buffer.ends_with(b"three"));
///     read.extend(continued_lines(&buffer).map(<[u8]>::to_vec));
/// }
/// assert_eq!(read, lines(input).map(<[u8]>::to_vec).collect::<Vec<_>>());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct LineBlocks<R> {
    reader: R,
    block: usize,
    /// The start of a line read past the end of the last block.
    carry: Vec<u8>,
    started: bool,
    ended: bool,
}

impl<R: std::io::Read> LineBlocks<R> {
    /// Blocks of about `block` bytes (at least one) of an input from its start.
    pub fn new(reader: R, block: usize) -> Self {
        Self {
            reader,
            block: block.max(1),
            carry: Vec::new(),
            started: false,
            ended: false,
        }
    }

    /// Blocks of a piece of an input that starts after a line end (see
    /// [`continued_lines`]): a byte-order mark at its start is not skipped. What a
    /// worker reads of an input split at line ends, each piece read on its own.
    ///
    /// ```
    /// use electie_core::lines::{LineBlocks, continued_lines, lines};
    ///
    /// let input = b"\xef\xbb\xbfone\r\ntwo\n\xef\xbb\xbfthree";
    /// let (first, second) = input.split_at(input.len() - 8);
    /// let mut read = Vec::new();
    /// let mut buffer = Vec::new();
    /// let mut blocks = LineBlocks::new(first, 4);
    /// while blocks.next_into(&mut buffer)? {
    ///     read.extend(continued_lines(&buffer).map(<[u8]>::to_vec));
    /// }
    /// let mut blocks = LineBlocks::continued(second, 4);
    /// while blocks.next_into(&mut buffer)? {
    ///     read.extend(continued_lines(&buffer).map(<[u8]>::to_vec));
    /// }
    /// assert_eq!(read, lines(input).map(<[u8]>::to_vec).collect::<Vec<_>>());
    /// assert_eq!(read[2], b"\xef\xbb\xbfthree");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn continued(reader: R, block: usize) -> Self {
        Self {
            started: true,
            ..Self::new(reader, block)
        }
    }

    /// Fills `buffer` (cleared first; its capacity is reused) with the next whole
    /// lines, line ends included; `false` when the input is exhausted.
    ///
    /// # Errors
    /// The stream's own read errors (an interrupted read is retried). After an error
    /// the input is not read further: its remaining lines are unknown.
    pub fn next_into(&mut self, buffer: &mut Vec<u8>) -> std::io::Result<bool> {
        buffer.clear();
        buffer.append(&mut self.carry);
        let mut target = self.block;
        loop {
            if !self.ended && buffer.len() < target {
                let want = target - buffer.len();
                buffer.reserve(want);
                // `read_to_end` fills spare capacity without zeroing it first
                let got = std::io::Read::read_to_end(
                    &mut std::io::Read::take(&mut self.reader, want as u64),
                    buffer,
                )
                .inspect_err(|_| self.ended = true)?;
                self.ended = got < want;
            }
            if self.ended {
                self.skip_bom(buffer);
                return Ok(!buffer.is_empty());
            }
            match memchr::memrchr(b'\n', buffer) {
                Some(end) => {
                    self.carry.extend_from_slice(&buffer[end + 1..]);
                    buffer.truncate(end + 1);
                    self.skip_bom(buffer);
                    return Ok(true);
                }
                // a line longer than the block: read on
                None => target = buffer.len().max(1) * 2,
            }
        }
    }

    /// Removes the byte-order mark from the first block: it holds the whole first
    /// line (or the whole input), so a mark, which holds no line end, is whole in it.
    fn skip_bom(&mut self, block: &mut Vec<u8>) {
        if !self.started {
            self.started = true;
            if block.starts_with(BOM) {
                block.drain(..BOM.len());
            }
        }
    }
}
