//! Clients of a gateway, as the polling room has them: a voting [`Terminal`] (its own
//! RSA key pair, registration, token check and vote sealed with `electie-crypto`
//! exactly as the original terminals seal with electiersa) and the commission's
//! [`Commission`] (login with the PIN, tokens for the NFC writer, start and end).
//! Tests and the load run drive the gateway through these.

use electie_core::python_json::{Object, Value as PyValue};
use electie_crypto::{AesKeyLength, PrivateKey, PublicKey, Sealer};
use serde_json::{Value, json};

/// An HTTP answer: status and JSON body (`Null` when the body is not JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

impl Answer {
    /// `body["detail"]` as text, when there is one.
    pub fn detail(&self) -> Option<&str> {
        self.body.get("detail").and_then(Value::as_str)
    }
}

/// What a client call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The gateway could not be reached.
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    /// The gateway answered something other than success.
    #[error("refused: HTTP {} {}", .0.status, .0.body)]
    Refused(Answer),
    /// A key could not be generated or read, or sealing failed.
    #[error("key: {0}")]
    Key(#[from] electie_crypto::Error),
    /// A background task (key generation) did not finish.
    #[error("task: {0}")]
    Task(String),
}

async fn answer(response: reqwest::Response) -> Result<Answer, ClientError> {
    let status = response.status().as_u16();
    let text = response.text().await?;
    Ok(Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    })
}

fn success(answer: Answer) -> Result<Answer, ClientError> {
    if answer.status == 200 {
        Ok(answer)
    } else {
        Err(ClientError::Refused(answer))
    }
}

/// A voting terminal registered at a gateway.
pub struct Terminal {
    base: String,
    http: reqwest::Client,
    id: String,
    sealer: Sealer,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Terminal {
    /// Generates a 2048-bit key pair and registers it at the gateway `base`
    /// (`POST /voting-process-manager-api/register-vt`).
    ///
    /// # Errors
    /// [`ClientError::Refused`] with the gateway's answer (registration disabled,
    /// ...), [`ClientError::Http`], [`ClientError::Key`].
    pub async fn register(http: reqwest::Client, base: &str) -> Result<Terminal, ClientError> {
        let key = tokio::task::spawn_blocking(|| PrivateKey::generate(2048))
            .await
            .map_err(|error| ClientError::Task(error.to_string()))??;
        Terminal::register_with_key(http, base, &key).await
    }

    /// Registers an existing key pair.
    ///
    /// # Errors
    /// As [`Terminal::register`].
    pub async fn register_with_key(
        http: reqwest::Client,
        base: &str,
        key: &PrivateKey,
    ) -> Result<Terminal, ClientError> {
        let base = base.trim_end_matches('/').to_owned();
        let response = http
            .post(format!("{base}/voting-process-manager-api/register-vt"))
            .json(&json!({ "public_key": key.public_key().to_pem() }))
            .send()
            .await?;
        let registered = success(answer(response).await?)?;
        let refused = || ClientError::Refused(registered.clone());
        let id = registered
            .body
            .get("new_id")
            .and_then(Value::as_str)
            .ok_or_else(refused)?;
        let gateway_pem = registered
            .body
            .get("gateway_public_key")
            .and_then(Value::as_str)
            .ok_or_else(refused)?;
        let gateway_key = PublicKey::from_pem(gateway_pem)?;
        Ok(Terminal {
            id: id.to_owned(),
            sealer: Sealer::new(key, &gateway_key),
            base,
            http,
        })
    }

    /// The id the gateway gave this terminal.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals any JSON object as this terminal (for tests of malformed plaintexts).
    ///
    /// # Errors
    /// [`ClientError::Key`].
    pub fn seal(&self, object: &Object) -> Result<Value, ClientError> {
        let sealed = self.sealer.seal(
            object,
            AesKeyLength::Aes256,
            &mut electie_crypto::system_rng(),
        )?;
        Ok(json!({
            "encrypted_message": sealed.encrypted_message,
            "encrypted_object": sealed.encrypted_object,
        }))
    }

    /// Posts `{"voting_terminal_id", "payload"}` to a voting-service route.
    ///
    /// # Errors
    /// [`ClientError::Http`].
    pub async fn post_payload(&self, route: &str, payload: Value) -> Result<Answer, ClientError> {
        let response = self
            .http
            .post(format!("{}/voting-service-api/api/{route}", self.base))
            .json(&json!({ "voting_terminal_id": self.id, "payload": payload }))
            .send()
            .await?;
        answer(response).await
    }

    /// `POST /api/token-validity` with `{"token"}` sealed: 200 or the refusal.
    ///
    /// # Errors
    /// [`ClientError::Http`], [`ClientError::Key`].
    pub async fn check_token(&self, token: &str) -> Result<Answer, ClientError> {
        let mut object = Object::new();
        object.insert("token".into(), token.into());
        let payload = self.seal(&object)?;
        self.post_payload("token-validity", payload).await
    }

    /// `POST /api/vote` with `{"token", "vote": {"party_id", "candidate_ids"}}` sealed.
    ///
    /// # Errors
    /// [`ClientError::Http`], [`ClientError::Key`].
    pub async fn vote(
        &self,
        token: &str,
        party_id: Option<i64>,
        candidate_ids: &[i64],
    ) -> Result<Answer, ClientError> {
        let payload = self.seal(&vote_plaintext(token, party_id, candidate_ids))?;
        self.post_payload("vote", payload).await
    }
}

/// The plaintext a terminal seals for a vote.
pub fn vote_plaintext(token: &str, party_id: Option<i64>, candidate_ids: &[i64]) -> Object {
    let mut vote = Object::new();
    vote.insert("party_id".into(), party_id.into());
    vote.insert(
        "candidate_ids".into(),
        PyValue::Array(candidate_ids.iter().map(|&id| id.into()).collect()),
    );
    let mut object = Object::new();
    object.insert("token".into(), token.into());
    object.insert("vote".into(), PyValue::Object(vote));
    object
}

/// The commission at a gateway, logged in with its PIN.
#[derive(Debug, Clone)]
pub struct Commission {
    base: String,
    http: reqwest::Client,
    bearer: String,
}

impl Commission {
    /// Logs in (`POST /voting-process-manager-api/token`, OAuth2 password form).
    ///
    /// # Errors
    /// [`ClientError::Refused`] for a wrong PIN, [`ClientError::Http`].
    pub async fn login(
        http: reqwest::Client,
        base: &str,
        pin: &str,
    ) -> Result<Commission, ClientError> {
        let base = base.trim_end_matches('/').to_owned();
        let response = http
            .post(format!("{base}/voting-process-manager-api/token"))
            .form(&[("username", "admin"), ("password", pin)])
            .send()
            .await?;
        let answer = success(answer(response).await?)?;
        let bearer = answer
            .body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| ClientError::Refused(answer.clone()))?
            .to_owned();
        Ok(Commission { base, http, bearer })
    }

    /// The bearer token.
    pub fn bearer(&self) -> &str {
        &self.bearer
    }

    /// An authenticated request to `path` with an optional JSON body.
    ///
    /// # Errors
    /// [`ClientError::Http`].
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, ClientError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.bearer);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await?).await
    }

    /// Sets a statevector switch (`state_election`, `state_write`,
    /// `state_register_terminals`).
    ///
    /// # Errors
    /// [`ClientError::Refused`], [`ClientError::Http`].
    pub async fn set_state(&self, name: &str, on: bool) -> Result<Answer, ClientError> {
        success(
            self.call(
                reqwest::Method::POST,
                &format!("/statevector/{name}"),
                Some(json!(if on { "1" } else { "0" })),
            )
            .await?,
        )
    }

    /// A token written to its NFC tag (created, then marked written): ready to vote.
    ///
    /// # Errors
    /// [`ClientError::Refused`], [`ClientError::Http`].
    pub async fn issue_token(&self) -> Result<String, ClientError> {
        let created = success(
            self.call(
                reqwest::Method::POST,
                "/token-manager-api/tokens/create",
                None,
            )
            .await?,
        )?;
        let token = created
            .body
            .get("token")
            .and_then(Value::as_str)
            .ok_or_else(|| ClientError::Refused(created.clone()))?
            .to_owned();
        success(
            self.call(
                reqwest::Method::POST,
                "/token-manager-api/tokens/writer/update",
                Some(json!({ "token": token })),
            )
            .await?,
        )?;
        Ok(token)
    }

    /// `POST /start`.
    ///
    /// # Errors
    /// [`ClientError::Http`].
    pub async fn start(&self) -> Result<Answer, ClientError> {
        self.call(
            reqwest::Method::POST,
            "/voting-process-manager-api/start",
            None,
        )
        .await
    }

    /// `POST /end`.
    ///
    /// # Errors
    /// [`ClientError::Http`].
    pub async fn end(&self) -> Result<Answer, ClientError> {
        self.call(
            reqwest::Method::POST,
            "/voting-process-manager-api/end",
            None,
        )
        .await
    }
}
