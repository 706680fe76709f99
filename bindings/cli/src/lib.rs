//! Library side of the `electie` command line: what the subcommands share with the
//! benchmarks (the NR SR 2020 configuration compiled in is `electie_tally::embedded`).
//!
//! - [`generate`]: the deterministic vote generator behind `electie simulate`,
//!   `electie bench` and the criterion benchmarks (one generator for all of them);
//! - [`measure`]: the one `median` of `electie bench` and the benchmarks.

#![forbid(unsafe_code)]

pub mod generate;
pub mod measure;
