//! electie-crypto: under construction — nothing here works yet.
#![forbid(unsafe_code)]
