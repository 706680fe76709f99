//! HTTP answers in the original services' shapes: FastAPI's `{"detail": ...}` errors,
//! its 422 validation list for malformed bodies, and a JSON body extractor that never
//! lets a malformed body reach a handler.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// An HTTP error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: Value,
    bearer_challenge: bool,
}

impl ApiError {
    /// `{"detail": message}` with `status`.
    pub fn detail(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({ "detail": message.into() }),
            bearer_challenge: false,
        }
    }

    /// Any JSON body with `status`.
    pub fn body(status: StatusCode, body: Value) -> ApiError {
        ApiError {
            status,
            body,
            bearer_challenge: false,
        }
    }

    /// 401 with `WWW-Authenticate: Bearer`, as FastAPI's OAuth2 scheme answers.
    pub fn unauthorized(message: &str) -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            body: json!({ "detail": message }),
            bearer_challenge: true,
        }
    }

    /// FastAPI's 422 for a malformed request: one entry per problem.
    pub fn validation(loc: Vec<Value>, msg: impl Into<String>, kind: &str) -> ApiError {
        ApiError::body(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "detail": [{ "loc": loc, "msg": msg.into(), "type": kind }] }),
        )
    }

    /// A fault on the gateway's side (storage, keys): logged in full, answered 503
    /// without internals, so the client retries.
    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "request failed on the gateway's side");
        ApiError::detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "The gateway cannot serve this request right now; try again.",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<crate::error::Error> for ApiError {
    fn from(error: crate::error::Error) -> Self {
        ApiError::internal(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if self.bearer_challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A handler's result.
pub type ApiResult<T = Response> = Result<T, ApiError>;

/// A JSON request body; anything that does not parse into `T` is answered 422 in
/// FastAPI's shape before the handler runs.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        parse_json(&bytes)
            .map(JsonBody)
            .map_err(IntoResponse::into_response)
    }
}

/// Parses a JSON body into `T`, or the 422 FastAPI would answer.
///
/// # Errors
/// The 422 answer.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::validation(
            vec![json!("body")],
            "Field required",
            "missing",
        ));
    }
    serde_json::from_slice(bytes).map_err(|error| {
        let message = error.to_string();
        if error.is_syntax() || error.is_eof() {
            return ApiError::validation(
                vec![json!("body"), json!(error.column())],
                "JSON decode error",
                "json_invalid",
            );
        }
        if let Some(rest) = message.strip_prefix("missing field `")
            && let Some(field) = rest.split('`').next()
        {
            return ApiError::validation(
                vec![json!("body"), json!(field)],
                "Field required",
                "missing",
            );
        }
        let text = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        ApiError::validation(vec![json!("body")], text, "value_error")
    })
}

/// `{"status": "success", "message": message}`.
pub fn success(message: &str) -> Response {
    axum::Json(json!({ "status": "success", "message": message })).into_response()
}
