//! The reference central server of electie: gateways' sealed vote batches in, results
//! and the ballot feed out, on SQLite (default) or PostgreSQL.
//!
//! The command lines are those of spec 41 §5 (`serve`, `enroll`, `admin`), see
//! [`cli`]. Every rule comes from the library: opening from `electie-crypto`, the
//! validation rules and the sync hash chain from `electie-core`, counting and results
//! from `electie-tally`. This crate converts, stores and answers.
//!
//! - [`storage`]: the one storage trait and its SQLite and PostgreSQL implementations;
//! - [`ingest`]: `POST /elections/vote` and the close of a polling place;
//! - [`results`]: the results the `/elastic/...` routes answer (one place to call);
//! - [`results_page`]: the live results page at `/results` (server-rendered, with
//!   server-sent events);
//! - [`http`]: the router, limits, CORS and the request log.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod cli;
pub mod error;
pub mod http;
pub mod ingest;
pub mod results;
pub mod results_page;
pub mod state;
pub mod storage;
