#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod auth;
pub mod chain;
pub mod client;
pub mod config;
#[cfg(feature = "crash-points")]
pub mod crash_points;
pub mod error;
pub mod http;
pub mod identity;
pub mod paper;
pub mod random;
pub mod routes;
pub mod socket;
pub mod store;
pub mod sync;
pub mod time;

pub use app::{ServeOptions, serve};
pub use error::{Error, Result};
