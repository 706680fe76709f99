//! A scanner for the usual tally line, faster than building a JSON value.
//!
//! It answers only when the line is certainly JSON meaning exactly one tally line,
//! and then the same as the full decoder; anything it is not sure of (escapes, floats,
//! leading zeros, `-0`, duplicate keys, keys with values other than plain strings,
//! non-ASCII text, any error) it leaves to the full decoder by answering `None`.

use crate::ids::{CandidateId, PartyId, PollingPlaceId};

/// The line's polling place and party, its candidates appended to `candidates`; `None`
/// (and `candidates` as it was) when the full decoder must decide.
pub(super) fn tally_line(
    line: &[u8],
    candidates: &mut Vec<CandidateId>,
) -> Option<(PollingPlaceId, Option<PartyId>)> {
    let start = candidates.len();
    let head = scan(line, candidates);
    if head.is_none() {
        candidates.truncate(start);
    }
    head
}

fn scan(
    line: &[u8],
    candidates: &mut Vec<CandidateId>,
) -> Option<(PollingPlaceId, Option<PartyId>)> {
    let mut s = Scanner { bytes: line, at: 0 };
    s.space();
    s.eat(b'{')?;
    let (mut place, mut party, mut circled) = (None, None, false);
    loop {
        s.space();
        let key = s.key()?;
        s.space();
        s.eat(b':')?;
        s.space();
        match key {
            b"polling_place_id" if place.is_none() => place = Some(s.integer()?),
            b"party_id" if party.is_none() => {
                party = Some(if s.literal(b"null") {
                    None
                } else {
                    Some(PartyId(s.integer()?))
                });
            }
            b"candidate_ids" if !circled => {
                s.integers(candidates)?;
                circled = true;
            }
            // A repeated key: the full decoder knows which value counts.
            b"polling_place_id" | b"party_id" | b"candidate_ids" => return None,
            _ => {
                s.plain_string()?;
            }
        }
        s.space();
        match s.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    s.space();
    if s.at != line.len() || !circled {
        return None;
    }
    Some((PollingPlaceId(place?), party?))
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn eat(&mut self, expected: u8) -> Option<()> {
        (self.next()? == expected).then_some(())
    }

    /// JSON whitespace (a line holds no line feed).
    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        let found = self
            .bytes
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(word));
        if found {
            self.at += word.len();
        }
        found
    }

    /// An object's key: one of a tally line's, compared whole, else any
    /// [`plain_string`](Self::plain_string).
    fn key(&mut self) -> Option<&'a [u8]> {
        for quoted in [
            &b"\"polling_place_id\""[..],
            b"\"party_id\"",
            b"\"candidate_ids\"",
        ] {
            if self.literal(quoted) {
                return quoted.get(1..quoted.len() - 1);
            }
        }
        self.plain_string()
    }

    /// A string of printable ASCII without escapes.
    fn plain_string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.at;
        loop {
            match self.next()? {
                b'"' => return self.bytes.get(start..self.at - 1),
                b'\\' => return None,
                0x20..0x7f => {}
                _ => return None,
            }
        }
    }

    /// A JSON integer that fits `i64`, not followed by a fraction or an exponent, and
    /// neither `-0` nor with a leading zero.
    fn integer(&mut self) -> Option<i64> {
        let negative = self.peek()? == b'-';
        if negative {
            self.at += 1;
        }
        let first = self.next()?;
        if !first.is_ascii_digit() {
            return None;
        }
        // Accumulated negatively so that i64::MIN fits.
        let mut value = -i64::from(first - b'0');
        if first == b'0' {
            if negative || self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                return None;
            }
        } else {
            while let Some(byte) = self.peek().filter(u8::is_ascii_digit) {
                value = value.checked_mul(10)?.checked_sub(i64::from(byte - b'0'))?;
                self.at += 1;
            }
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        if negative {
            Some(value)
        } else {
            value.checked_neg()
        }
    }

    /// A list of integers, appended to `out`.
    fn integers(&mut self, out: &mut Vec<CandidateId>) -> Option<()> {
        self.eat(b'[')?;
        self.space();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            self.space();
            out.push(CandidateId(self.integer()?));
            self.space();
            match self.next()? {
                b',' => {}
                b']' => return Some(()),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tally_line;
    use crate::{CandidateId, PartyId, PollingPlaceId};

    #[test]
    fn the_usual_shapes_take_the_scanner_and_the_rest_does_not() {
        let mut candidates = Vec::new();
        for (line, expected) in [
            (&br#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [3, 4]}"#[..], (1, Some(2))),
            (br#"{"polling_place_id":1,"party_id":null,"candidate_ids":[]}"#, (1, None)),
            (br#" { "candidate_ids" : [ -3 ] , "party_id" : -9223372036854775808 , "polling_place_id" : 0 } "#, (0, Some(i64::MIN))),
            (br#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [], "token": "abc"}"#, (1, Some(2))),
        ] {
            candidates.clear();
            let (place, party) = expected;
            assert_eq!(
                tally_line(line, &mut candidates),
                Some((PollingPlaceId(place), party.map(PartyId))),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        assert_eq!(candidates, []);
        for line in [
            &br#"{"polling_place_id": 1, "party_id": -0, "candidate_ids": [3]}"#[..],
            br#"{"polling_place_id": 1, "party_id": 2, "party_id": 2, "candidate_ids": [3]}"#,
            br#"{"polling_place_id": 1.0, "party_id": 2, "candidate_ids": [3]}"#,
            br#"{"polling_place_id": 01, "party_id": 2, "candidate_ids": [3]}"#,
            br#"{"polling_place_id": 1, "party_id": 2}"#,
            br#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [3], "x": 1}"#,
            br#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [3]} x"#,
            br#"{"polling_place_id": 9223372036854775808, "party_id": 2, "candidate_ids": [3]}"#,
        ] {
            let mut candidates = vec![CandidateId(9)];
            assert_eq!(
                tally_line(line, &mut candidates),
                None,
                "{}",
                String::from_utf8_lossy(line)
            );
            assert_eq!(candidates, [CandidateId(9)], "left as it was");
        }
    }
}
