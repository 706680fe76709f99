#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod apportion;
pub mod coalition;
pub mod count;
#[cfg(feature = "nrsr-2020")]
pub mod embedded;
mod error;
mod names;
pub mod preferential;
pub mod preset;
pub mod ranked;
mod ratio;
pub mod results;
pub mod seeded;
pub mod single_winner;
pub mod threshold;
pub mod tie;

pub use error::{Error, NameOf, Result};
pub use names::Named;
pub use ratio::Ratio;
pub use tie::TiePolicy;
