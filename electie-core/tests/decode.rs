//! The decoders: the tally line's scanner answers exactly what the full decoder
//! answers (same line, same candidates, or the same error message) over generated
//! lines that mix the usual shape with everything the scanner must leave alone; the
//! line reader cuts inputs one way whether read whole, in pieces or as a stream; and
//! the three wire shapes share one grammar.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use electie_core::decode::{TallyLine, TerminalVote, tally_line_full_into, tally_line_into};
use electie_core::lines::{LineBlocks, LineReader, continued_lines, lines};
use electie_core::{CandidateId, PartyId, PollingPlaceId, Vote, python_json};
use proptest::prelude::*;

/// JSON texts for a value: integers the scanner reads, and everything it must defer.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<i64>().prop_map(|id| id.to_string()),
        4 => (-3i64..3000).prop_map(|id| id.to_string()),
        1 => Just("null".to_owned()),
        1 => Just("-0".to_owned()),
        1 => Just("01".to_owned()),
        1 => Just("1.0".to_owned()),
        1 => Just("1e2".to_owned()),
        1 => Just("-".to_owned()),
        1 => Just("nul".to_owned()),
        1 => Just("true".to_owned()),
        1 => Just("NaN".to_owned()),
        1 => Just("9223372036854775808".to_owned()),
        1 => Just("-9223372036854775808".to_owned()),
        1 => Just("-9223372036854775809".to_owned()),
        1 => Just(r#""text""#.to_owned()),
        1 => Just(r#""t\u0065xt""#.to_owned()),
        1 => Just("{}".to_owned()),
        3 => prop::collection::vec(
            prop_oneof![
                6 => (-3i64..3000).prop_map(|id| id.to_string()),
                1 => any::<i64>().prop_map(|id| id.to_string()),
                1 => Just("1.5".to_owned()),
                1 => Just("null".to_owned()),
                1 => Just("00".to_owned()),
            ],
            0..20
        )
        .prop_map(|items| format!("[{}]", items.join(", "))),
        1 => Just("[1,]".to_owned()),
        1 => Just("[".to_owned()),
    ]
}

fn key() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        5 => Just("polling_place_id"),
        5 => Just("party_id"),
        5 => Just("candidate_ids"),
        1 => Just("token"),
        1 => Just("election_id"),
        1 => Just(r"p\u0061rty_id"),
        1 => Just("polling_place_idx"),
        1 => Just("é"),
    ]
}

fn space() -> impl Strategy<Value = &'static str> {
    prop_oneof![8 => Just(""), 4 => Just(" "), 1 => Just("\t"), 1 => Just("\r"), 1 => Just("  \n")]
}

/// A line: the three fields usually, in any order, sometimes more, fewer or twice,
/// with odd spacing, trailing text, a cut or a flipped byte.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let member = (space(), key(), space(), space(), value(), space());
    let usual = (
        -3i64..20000,
        prop::option::of(-3i64..30),
        prop::collection::vec(-3i64..3000, 0..8),
    )
        .prop_map(|(place, party, candidates)| {
            let party = party.map_or("null".to_owned(), |id| id.to_string());
            let candidates: Vec<String> = candidates.iter().map(i64::to_string).collect();
            vec![
                format!(r#""polling_place_id": {place}"#),
                format!(r#""party_id": {party}"#),
                format!(r#""candidate_ids": [{}]"#, candidates.join(", ")),
            ]
        })
        .prop_shuffle()
        .prop_map(|members| format!("{{{}}}", members.join(", ")));
    let assembled = prop::collection::vec(member, 0..6).prop_map(|members| {
        let members: Vec<String> = members
            .into_iter()
            .map(|(a, key, b, c, value, d)| format!(r#"{a}"{key}"{b}:{c}{value}{d}"#))
            .collect();
        format!("{{{}}}", members.join(","))
    });
    (
        prop_oneof![2 => usual, 3 => assembled],
        prop_oneof![10 => Just(""), 1 => Just(" x"), 1 => Just(","), 1 => Just(" ")],
        prop::option::weighted(0.1, any::<prop::sample::Index>()),
        prop::option::weighted(0.1, (any::<prop::sample::Index>(), any::<u8>())),
    )
        .prop_map(|(text, tail, cut, flip)| {
            let mut bytes = format!("{text}{tail}").into_bytes();
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            if let Some((at, byte)) = flip
                && !bytes.is_empty()
            {
                let at = at.index(bytes.len());
                bytes[at] = byte;
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn the_scanner_answers_what_the_full_decoder_answers(line in line()) {
        let (mut fast, mut full) = (vec![CandidateId(7)], vec![CandidateId(7)]);
        let fast_answer = tally_line_into(&line, &mut fast).map_err(|error| error.to_string());
        let full_answer = tally_line_full_into(&line, &mut full).map_err(|error| error.to_string());
        prop_assert_eq!(&fast_answer, &full_answer, "{}", String::from_utf8_lossy(&line));
        prop_assert_eq!(&fast, &full);
        // And the value API says the same.
        let value = TallyLine::from_json_bytes(&line).map_err(|error| error.to_string());
        prop_assert_eq!(value.map(|line| (line.polling_place_id, line.party_id)), full_answer);
    }

    #[test]
    fn an_input_reads_the_same_whole_in_pieces_and_streamed(
        parts in prop::collection::vec(
            prop_oneof![
                Just(&b"\n"[..]), Just(&b"\r\n"[..]), Just(&b"\r"[..]), Just(&b" "[..]),
                Just(&b"\t"[..]), Just(&b"\xef\xbb\xbf"[..]), Just(&b"{}"[..]), Just(&b"ab"[..]),
            ],
            0..40,
        ),
        block in 1usize..12,
    ) {
        let input: Vec<u8> = parts.concat();
        let whole: Vec<&[u8]> = lines(&input).collect();
        let mut reader = LineReader::new(&input[..]);
        let mut streamed = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            streamed.push(line.to_vec());
        }
        prop_assert_eq!(&streamed, &whole);
        // Split after any line feed: the pieces' lines are the whole's.
        let body = electie_core::lines::without_bom(&input);
        for (at, _) in body.iter().enumerate().filter(|&(_, &byte)| byte == b'\n') {
            let (first, second) = body.split_at(at + 1);
            let pieces: Vec<&[u8]> = continued_lines(first).chain(continued_lines(second)).collect();
            prop_assert_eq!(&pieces, &whole);
        }
        // In blocks of whole lines: the blocks are the input without its byte-order
        // mark, each but the last ends a line, and their lines are the whole's.
        let mut blocks = LineBlocks::new(&input[..], block);
        let (mut buffer, mut read, mut joined) = (Vec::new(), Vec::new(), Vec::new());
        let mut last_ended_a_line = true;
        while blocks.next_into(&mut buffer).unwrap() {
            prop_assert!(last_ended_a_line, "a block after one that did not end a line");
            prop_assert!(!buffer.is_empty());
            last_ended_a_line = buffer.ends_with(b"\n");
            read.extend(continued_lines(&buffer).map(<[u8]>::to_vec));
            joined.extend_from_slice(&buffer);
        }
        prop_assert!(!blocks.next_into(&mut buffer).unwrap(), "an ended input stays ended");
        prop_assert_eq!(&joined[..], body);
        prop_assert_eq!(&read, &whole);
        for line in &whole {
            prop_assert!(!line.contains(&b'\n'));
            prop_assert!(!line.ends_with(b"\r"));
            prop_assert!(!line.iter().all(u8::is_ascii_whitespace));
        }
    }
}

/// A read error is the block reader's answer: never a shorter input.
#[test]
fn a_read_error_stops_the_blocks() {
    struct Failing<'b>(&'b [u8]);
    impl std::io::Read for Failing<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk gone"));
            }
            let n = self.0.len().min(out.len()).min(7);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let input = b"one\ntwo\nthree\nfour\n".repeat(10);
    let mut blocks = LineBlocks::new(Failing(&input), 16);
    let mut buffer = Vec::new();
    let error = loop {
        match blocks.next_into(&mut buffer) {
            Ok(true) => assert!(buffer.ends_with(b"\n")),
            Ok(false) => panic!("the input ended without its error"),
            Err(error) => break error,
        }
    };
    assert_eq!(error.to_string(), "disk gone");
}

#[test]
fn one_grammar_for_every_shape() {
    // Duplicate keys: the last value counts, as in the Python server.
    let line = TallyLine::from_json_bytes(
        br#"{"polling_place_id": 1, "party_id": 2, "party_id": 3, "candidate_ids": []}"#,
    )
    .unwrap();
    assert_eq!(line.party_id, Some(PartyId(3)));
    let vote = Vote::from_json_bytes(
        br#"{"party_id": 2, "party_id": 3, "candidate_ids": [], "token": "t", "election_id": "e"}"#,
    )
    .unwrap();
    assert_eq!(vote.party_id, Some(PartyId(3)));
    let opened = TerminalVote::from_json(
        &python_json::loads(
            r#"{"token": "t", "vote": {"party_id": 2, "candidate_ids": [], "party_id": 3}}"#,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(opened.vote.party_id, Some(PartyId(3)));

    // `candidate_ids` is required in every shape.
    let missing = "missing field candidate_ids";
    assert_eq!(
        TallyLine::from_json_bytes(br#"{"polling_place_id": 1, "party_id": 2}"#)
            .unwrap_err()
            .to_string(),
        missing
    );
    assert_eq!(
        Vote::from_json_bytes(br#"{"party_id": 2, "token": "t", "election_id": "e"}"#)
            .unwrap_err()
            .to_string(),
        missing
    );
    assert_eq!(
        TerminalVote::from_json_bytes(br#"{"token": "t", "vote": {"party_id": 2}}"#)
            .unwrap_err()
            .to_string(),
        missing
    );

    // A byte-order mark is the line reader's business: inside a line it is not JSON.
    let bom = b"\xef\xbb\xbf{\"polling_place_id\": 1, \"party_id\": null, \"candidate_ids\": []}";
    assert_eq!(
        TallyLine::from_json_bytes(bom).unwrap_err().to_string(),
        "not valid JSON at byte 0: expected a value"
    );
    let read: Vec<TallyLine> = lines(bom)
        .map(|line| TallyLine::from_json_bytes(line).unwrap())
        .collect();
    assert_eq!(
        read,
        [TallyLine {
            polling_place_id: PollingPlaceId(1),
            party_id: None,
            candidate_ids: vec![]
        }]
    );

    // Strict types, named fields.
    for (line, message) in [
        (&br#"{"polling_place_id": "1", "party_id": 2, "candidate_ids": []}"#[..], "polling_place_id must be an integer, got a string"),
        (br#"{"polling_place_id": 1, "party_id": 2.0, "candidate_ids": []}"#, "party_id must be an integer or null, got a float"),
        (br#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [true]}"#, "candidate_ids[0] must be an integer, got a boolean"),
        (br#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [1, 99999999999999999999]}"#, "candidate_ids[1] is out of range: 99999999999999999999"),
        (br#"[1]"#, "vote must be an object, got an array"),
        (b"\xff", "not valid JSON at byte 0: invalid UTF-8"),
    ] {
        assert_eq!(TallyLine::from_json_bytes(line).unwrap_err().to_string(), message);
    }
    // `-0` is 0, as in Python.
    let zero = TallyLine::from_json_bytes(
        br#"{"polling_place_id": -0, "party_id": -0, "candidate_ids": [-0]}"#,
    )
    .unwrap();
    assert_eq!(
        (zero.polling_place_id, zero.party_id, zero.candidate_ids),
        (PollingPlaceId(0), Some(PartyId(0)), vec![CandidateId(0)])
    );
}
