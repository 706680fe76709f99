//! Reading tally lines: the decoder `electie tally` uses (a scanner for the usual
//! shape, the full decoder for the rest) against the full decoder alone (Python-exact
//! JSON into a value, then the fields), on 200 000 generated lines as
//! `write_votes_jsonl` writes them (with token and election id, which both skip).
//!
//! `cargo bench -p electie-benches --bench decode`

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use electie_benches::{generate_votes, nrsr_2020, write_votes_jsonl};
use electie_core::decode::{tally_line_full_into, tally_line_into};
use electie_core::lines::lines;

const LINES: usize = 200_000;

fn main() {
    let config = nrsr_2020();
    let votes = generate_votes(&config, LINES, 1_000, 0, 7);
    let path =
        std::env::temp_dir().join(format!("electie-bench-decode-{}.jsonl", std::process::id()));
    let input = match write_votes_jsonl(&votes, &path).and_then(|()| std::fs::read(&path)) {
        Ok(input) => input,
        Err(error) => panic!("{}: {error}", path.display()),
    };
    let _ = std::fs::remove_file(&path);

    let mut criterion = Criterion::default().configure_from_args().sample_size(20);
    let mut group = criterion.benchmark_group("decode tally lines");
    group.throughput(Throughput::Elements(LINES as u64));
    type Decoder = fn(
        &[u8],
        &mut Vec<electie_core::CandidateId>,
    ) -> Result<
        (electie_core::PollingPlaceId, Option<electie_core::PartyId>),
        electie_core::FormatError,
    >;
    let decoders: [(&str, Decoder); 2] = [
        ("scanner then full decoder", tally_line_into),
        ("full decoder alone", tally_line_full_into),
    ];
    for (name, decode) in decoders {
        group.bench_function(name, |bench| {
            let mut candidates = Vec::with_capacity(16);
            bench.iter(|| {
                let mut read = 0usize;
                for line in lines(black_box(&input)) {
                    candidates.clear();
                    read += usize::from(decode(line, &mut candidates).is_ok());
                }
                assert_eq!(read, LINES);
                read
            });
        });
    }
    group.finish();
    criterion.final_summary();
}
