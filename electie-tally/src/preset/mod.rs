//! Ready-made electoral systems.

pub mod slovak;

pub use slovak::{SlovakElection, SlovakSeats};
