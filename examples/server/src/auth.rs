//! Bearer tokens (HS256 JWTs, 10 minutes) for the admin, whose password is stored as an
//! Argon2id hash (`electie_service_support::secret`, shared with the gateway's PIN).
//!
//! The JWT secret is 32 bytes from the operating system's generator, created on the
//! first start of an installation and stored, so tokens survive a restart within their
//! 10 minutes and differ between installations.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// How long a bearer token is valid.
pub const TOKEN_LIFETIME_SECONDS: u64 = 600;

/// The settings key of the JWT secret.
pub const JWT_SECRET_KEY: &str = "jwt_secret";

/// A fresh JWT secret: 32 random bytes, hex.
///
/// # Errors
/// When the OS random generator fails.
pub fn new_secret() -> Result<String, String> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|error| format!("OS random generator: {error}"))?;
    Ok(secret.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
}

/// Signs and checks bearer tokens with the installation's secret.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(<secret>)")
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

impl Tokens {
    /// Tokens signed with `secret`.
    pub fn new(secret: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        }
    }

    /// A token for `username`, valid [`TOKEN_LIFETIME_SECONDS`].
    ///
    /// # Errors
    /// When signing fails.
    pub fn issue(&self, username: &str) -> Result<String, String> {
        let iat = now();
        let claims = Claims {
            sub: username.to_owned(),
            iat,
            exp: iat + TOKEN_LIFETIME_SECONDS,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| error.to_string())
    }

    /// The user a valid, unexpired token was issued to.
    pub fn check(&self, token: &str) -> Option<String> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims.sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_their_secret() {
        let tokens = Tokens::new(&new_secret().unwrap());
        let token = tokens.issue("admin").unwrap();
        assert_eq!(tokens.check(&token).as_deref(), Some("admin"));
        let other = Tokens::new(&new_secret().unwrap());
        assert_eq!(other.check(&token), None);
        assert_eq!(tokens.check("null"), None);
    }
}
