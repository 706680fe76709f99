//! Every answer that is not a success, in the original services' shapes.
//!
//! - `Message` bodies `{"status": "failure", "message": …}` for the vote route's
//!   refusals (the original server's contract);
//! - FastAPI-style `{"detail": "…"}` for the other refusals;
//! - FastAPI validation errors `{"detail": [{"type", "loc", "msg"}]}` with 422 for a
//!   body that is not the expected JSON.
//!
//! No variant is a 500: storage failures are 503 with `Retry-After` (the request may
//! be repeated; nothing was written), everything a client sent is a 4xx.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One item of a 422 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// Where: `["body", "votes", 3, "encrypted_message"]`.
    pub loc: Vec<Value>,
    /// What is wrong.
    pub msg: String,
    /// FastAPI's error type (`missing`, `int_type`, `json_invalid`, …).
    pub kind: &'static str,
}

impl FieldProblem {
    /// A problem at `loc`.
    pub fn new(loc: Vec<Value>, kind: &'static str, msg: impl Into<String>) -> Self {
        Self {
            loc,
            msg: msg.into(),
            kind,
        }
    }
}

/// A refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// `{"status": "failure", "message"}` with this status.
    #[error("{1}")]
    Message(StatusCode, String),
    /// `{"detail"}` with this status.
    #[error("{1}")]
    Detail(StatusCode, String),
    /// 401 `{"detail"}` with `WWW-Authenticate: Bearer`.
    #[error("{0}")]
    Unauthorized(String),
    /// 422 with FastAPI's list of problems.
    #[error("invalid request body")]
    Invalid(Vec<FieldProblem>),
    /// 409 `Out of sequence` with the stored state (spec 41 §2).
    #[error("Out of sequence")]
    OutOfSequence {
        /// The stored last seqno.
        last_seqno: i64,
        /// The stored chain head.
        chain_head: String,
    },
    /// 503 with `Retry-After`: the server cannot take the request now (storage
    /// failure, shutting down); nothing was written.
    #[error("service unavailable: {0}")]
    Unavailable(String),
}

impl ApiError {
    /// A 400 `Message`.
    pub fn bad_message(message: impl Into<String>) -> Self {
        Self::Message(StatusCode::BAD_REQUEST, message.into())
    }

    /// A `{"detail"}` answer.
    pub fn detail(status: StatusCode, detail: impl Into<String>) -> Self {
        Self::Detail(status, detail.into())
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Message(status, _) | Self::Detail(status, _) => *status,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::OutOfSequence { .. } => StatusCode::CONFLICT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The body.
    pub fn body(&self) -> Value {
        match self {
            Self::Message(_, message) => json!({"status": "failure", "message": message}),
            Self::Detail(_, detail) | Self::Unauthorized(detail) => json!({"detail": detail}),
            Self::Invalid(problems) => json!({
                "detail": problems
                    .iter()
                    .map(|p| json!({"type": p.kind, "loc": p.loc, "msg": p.msg}))
                    .collect::<Vec<_>>()
            }),
            Self::OutOfSequence {
                last_seqno,
                chain_head,
            } => json!({
                "status": "failure",
                "message": "Out of sequence",
                "last_seqno": last_seqno,
                "chain_head": chain_head,
            }),
            Self::Unavailable(_) => {
                json!({"detail": "Service temporarily unavailable, retry later"})
            }
        }
    }
}

impl From<crate::storage::StoreError> for ApiError {
    fn from(error: crate::storage::StoreError) -> Self {
        tracing::error!(%error, "storage");
        ApiError::Unavailable(error.to_string())
    }
}

/// Seconds a client should wait before repeating a refused request (503).
pub const RETRY_AFTER_SECONDS: u32 = 2;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        let headers = response.headers_mut();
        match &self {
            Self::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::Unavailable(_) | Self::Detail(StatusCode::SERVICE_UNAVAILABLE, _) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
            }
            _ => {}
        }
        response
            .extensions_mut()
            .insert(crate::http::Outcome(outcome_text(&self)));
        response
    }
}

fn outcome_text(error: &ApiError) -> String {
    match error {
        ApiError::Message(_, message) | ApiError::Detail(_, message) => message.clone(),
        ApiError::Unauthorized(_) => "unauthorized".into(),
        ApiError::Invalid(problems) => format!("invalid body ({} problems)", problems.len()),
        ApiError::OutOfSequence { .. } => "out of sequence".into(),
        ApiError::Unavailable(reason) => format!("unavailable: {reason}"),
    }
}
