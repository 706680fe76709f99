//! Secrets and identifiers from the operating system's generator.

use crate::error::{Error, Result};

/// `N` bytes from the OS generator.
///
/// # Errors
/// [`Error::Random`] when the generator fails.
pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|error| Error::Random(error.to_string()))?;
    Ok(out)
}

/// A uniformly random `u32`.
///
/// # Errors
/// [`Error::Random`].
pub fn u32() -> Result<u32> {
    Ok(u32::from_le_bytes(bytes::<4>()?))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// A voter's token: 16 bytes from the OS generator as 32 lower-case hex characters.
///
/// # Errors
/// [`Error::Random`].
pub fn token() -> Result<String> {
    Ok(hex(&bytes::<16>()?))
}

/// A bearer token for a commission login: 32 bytes as hex.
///
/// # Errors
/// [`Error::Random`].
pub fn bearer() -> Result<String> {
    Ok(hex(&bytes::<32>()?))
}
