//! The commission's login: the PIN (stored as an Argon2id hash, `electie_service_support::secret`), bearer tokens that live
//! in memory for a working day (logins need not survive a restart), and a growing delay
//! after wrong PINs so guessing a short PIN by trying is impractical.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::ApiError;

/// How long a login lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(14 * 3600);
/// The username the OAuth2 form must carry.
pub const USERNAME: &str = "admin";
/// Delay after the first wrong PIN; it doubles with every further one.
const FIRST_DELAY: Duration = Duration::from_millis(250);
/// The longest delay.
const MAX_DELAY: Duration = Duration::from_secs(8);
/// Shortest PIN accepted by `pin`.
pub const MIN_PIN_LENGTH: usize = 4;

/// Hashes a PIN of at least [`MIN_PIN_LENGTH`] characters with Argon2id and a random
/// salt (PHC string; `electie_service_support::secret`, the server's admin password
/// hashes the same way). A stored hash is checked with
/// `electie_service_support::secret::verify`.
///
/// # Errors
/// [`Error::Pin`] for a PIN shorter than [`MIN_PIN_LENGTH`] characters or one Argon2
/// refuses, [`Error::Random`] when the generator fails.
pub fn hash_pin(pin: &str) -> Result<String> {
    if pin.chars().count() < MIN_PIN_LENGTH {
        return Err(Error::Pin(format!(
            "the PIN must have at least {MIN_PIN_LENGTH} characters"
        )));
    }
    electie_service_support::secret::hash(pin).map_err(|error| match error {
        electie_service_support::secret::Error::Random(source) => Error::Random(source.to_string()),
        other => Error::Pin(other.to_string()),
    })
}

/// Logins in memory.
#[derive(Debug, Default)]
pub struct Sessions {
    tokens: Mutex<HashMap<String, Instant>>,
    failures: Mutex<u32>,
}

impl Sessions {
    /// A new login.
    ///
    /// # Errors
    /// [`Error::Random`].
    pub fn open(&self) -> Result<String> {
        let token = crate::random::bearer()?;
        let mut tokens = self
            .tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        tokens.retain(|_, expires| *expires > now);
        tokens.insert(token.clone(), now + SESSION_LIFETIME);
        Ok(token)
    }

    /// Whether a bearer token is a live login.
    pub fn valid(&self, token: &str) -> bool {
        let tokens = self
            .tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        tokens
            .get(token)
            .is_some_and(|expires| *expires > Instant::now())
    }

    /// Records a wrong PIN and returns how long to wait before answering.
    pub fn failed(&self) -> Duration {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *failures = failures.saturating_add(1);
        let doublings = (*failures - 1).min(10);
        (FIRST_DELAY * 2u32.pow(doublings)).min(MAX_DELAY)
    }

    /// A correct PIN resets the delay.
    pub fn succeeded(&self) {
        *self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = 0;
    }
}

/// Extractor: the request carries a live commission login (`Authorization: Bearer`).
#[derive(Debug, Clone, Copy)]
pub struct Commission;

impl FromRequestParts<Arc<AppState>> for Commission {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized("Not authenticated"));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|text| {
                let (scheme, token) = text.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .ok_or_else(|| ApiError::unauthorized("Not authenticated"))?;
        if state.sessions.valid(token) {
            Ok(Commission)
        } else {
            Err(ApiError::unauthorized("Could not validate credentials"))
        }
    }
}
