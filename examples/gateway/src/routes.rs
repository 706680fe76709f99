//! Every route of spec 41 §1 under the original prefixes, with the original answers.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Json};
use base64::Engine;
use electie_core::decode::TerminalVote;
use electie_core::python_json::{Object, Value as PyValue};
use electie_core::{Vote, VoteEncrypted};
use electie_crypto::{PublicKey, Sealed};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::{Commission, USERNAME};
use crate::http::{ApiError, ApiResult, JsonBody, parse_json, success};
use crate::store::{CastRefusal, Switch, keys};

type AppRouter = Router<Arc<AppState>>;

/// The router of every service (state attached by [`crate::app::router`]).
pub fn routes() -> AppRouter {
    Router::new()
        .route("/", get(root))
        .merge(statevector())
        .merge(voting_service())
        .merge(token_manager())
        .merge(process_manager())
        .merge(synchronization())
}

async fn root(State(state): State<Arc<AppState>>) -> Response {
    Json(json!({
        "status": "success",
        "message": "Gateway is running",
        "polling_place_id": state.polling_place_id,
        "configured": state.config().is_some(),
    }))
    .into_response()
}

/// Registers `path` and `path/` (FastAPI serves a router's root with the slash).
fn both(
    router: AppRouter,
    path: &str,
    method: axum::routing::MethodRouter<Arc<AppState>>,
) -> AppRouter {
    router
        .route(path, method.clone())
        .route(&format!("{path}/"), method)
}

// ---- statevector ---------------------------------------------------------------------

fn statevector() -> AppRouter {
    let router = both(
        Router::new(),
        "/statevector",
        get(|| async { Json(json!({ "message": "Hello from Statevector!" })) }),
    );
    router
        .route(
            "/statevector/state_election",
            get(|state| get_switch(state, Switch::Election))
                .post(|state, auth, body| post_switch(state, auth, body, Switch::Election)),
        )
        .route(
            "/statevector/state_write",
            get(|state| get_switch(state, Switch::Write))
                .post(|state, auth, body| post_switch(state, auth, body, Switch::Write)),
        )
        .route(
            "/statevector/state_register_terminals",
            get(|state| get_switch(state, Switch::RegisterTerminals)).post(|state, auth, body| {
                post_switch(state, auth, body, Switch::RegisterTerminals)
            }),
        )
        .route(
            "/statevector/office_id",
            get(|State(state): State<Arc<AppState>>| async move { Json(state.polling_place_id) }),
        )
        .route("/statevector/server_key", get(server_key))
        .route(
            "/statevector/server_address",
            get(|State(state): State<Arc<AppState>>| async move { Json(state.server_url.clone()) }),
        )
        .route("/statevector/config/config.json", get(config_json))
        .route("/statevector/config/datamodels.yaml", get(datamodels))
}

async fn get_switch(State(state): State<Arc<AppState>>, switch: Switch) -> ApiResult<Json<u8>> {
    Ok(Json(u8::from(state.store.switch(switch).await?)))
}

/// The body of a state change: the JSON string `"0"`/`"1"`, or a bare `0`/`1`.
fn switch_value(body: &[u8]) -> Result<bool, ApiError> {
    let value: Value = parse_json(body)?;
    match value {
        Value::String(text) if text == "0" || text == "1" => Ok(text == "1"),
        Value::Number(number) if number.as_u64() == Some(0) || number.as_u64() == Some(1) => {
            Ok(number.as_u64() == Some(1))
        }
        _ => Err(ApiError::validation(
            vec![json!("body")],
            "Input should be '0' or '1'",
            "enum",
        )),
    }
}

async fn post_switch(
    State(state): State<Arc<AppState>>,
    _commission: Commission,
    body: Bytes,
    switch: Switch,
) -> ApiResult {
    let on = switch_value(&body)?;
    let value = u8::from(on);
    if switch == Switch::Election {
        // The same rules as /start and /end: events recorded, terminals told, a closed
        // polling place never reopens.
        let _guard = state.lifecycle.lock().await;
        if on && state.store.meta(keys::CLOSED).await?.is_some() {
            return Err(closed());
        }
        if state.store.set_election_running(on).await? {
            crate::socket::announce(&state, on).await;
            if !on {
                state.sync.trigger();
            }
        }
        return Ok(
            Json(json!({ "message": format!("Election state set to {value}") })).into_response(),
        );
    }
    state.store.set_switch(switch, on).await?;
    let what = match switch {
        Switch::Write => "Write",
        _ => "Register terminals",
    };
    Ok(Json(json!({ "message": format!("{what} state set to {value}") })).into_response())
}

async fn server_key(State(state): State<Arc<AppState>>) -> ApiResult<Json<String>> {
    Ok(Json(state.require_config()?.server_key_pem.clone()))
}

async fn config_json(State(state): State<Arc<AppState>>) -> ApiResult<Json<Value>> {
    Ok(Json(state.require_config()?.json.clone()))
}

async fn datamodels(State(state): State<Arc<AppState>>) -> ApiResult {
    let config = state.require_config()?;
    Ok((
        [(header::CONTENT_TYPE, "application/yaml")],
        config.datamodels_yaml.clone(),
    )
        .into_response())
}

// ---- voting service --------------------------------------------------------------------

fn voting_service() -> AppRouter {
    both(
        Router::new(),
        "/voting-service-api",
        get(|| async { Json(json!({ "message": "Hello from voting service!" })) }),
    )
    .route("/voting-service-api/api/vote", post(vote))
    .route(
        "/voting-service-api/api/token-validity",
        post(token_validity),
    )
}

/// What a terminal posts.
#[derive(Debug, Deserialize)]
pub struct TerminalRequest {
    /// The id `/register-vt` gave the terminal.
    pub voting_terminal_id: String,
    /// The sealed payload.
    pub payload: VoteEncrypted,
}

fn invalid_payload() -> ApiError {
    ApiError::detail(StatusCode::BAD_REQUEST, "Invalid payload.")
}

fn token_invalid() -> ApiError {
    ApiError::detail(StatusCode::FORBIDDEN, "Token is invalid.")
}

/// Opens a terminal's payload: 403 for an unknown terminal, 400 for anything that does
/// not open or is not signed by that terminal.
async fn open_from_terminal(state: &Arc<AppState>, request: &TerminalRequest) -> ApiResult<Object> {
    let Some(opener) = state.opener(&request.voting_terminal_id).await? else {
        return Err(ApiError::detail(
            StatusCode::FORBIDDEN,
            "Unknown voting terminal.",
        ));
    };
    let sealed = Sealed {
        encrypted_message: request.payload.encrypted_message.clone(),
        encrypted_object: request.payload.encrypted_object.clone(),
    };
    let opened = tokio::task::spawn_blocking(move || opener.open(&sealed))
        .await
        .map_err(ApiError::internal)?
        .map_err(|_| invalid_payload())?;
    match opened.into_parts().0 {
        PyValue::Object(object) => Ok(object),
        _ => Err(invalid_payload()),
    }
}

fn string_field(object: &Object, name: &str) -> ApiResult<String> {
    match object.get(name) {
        Some(PyValue::String(text)) => Ok(text.clone()),
        _ => Err(invalid_payload()),
    }
}

/// The vote of a `{"token", "vote": {"party_id", "candidate_ids"}}` plaintext, read by
/// core's one decoder of that shape ([`TerminalVote`]), or `Invalid payload.` for any
/// other shape (a missing field, wrong types, ids beyond 64 bits).
fn vote_of(object: Object, election_id: &str) -> ApiResult<Vote> {
    let opened = TerminalVote::from_json(&PyValue::Object(object)).map_err(|error| {
        tracing::debug!(%error, "terminal payload is not a vote");
        invalid_payload()
    })?;
    Ok(Vote {
        party_id: opened.vote.party_id,
        candidate_ids: opened.vote.candidate_ids,
        token: opened.token,
        election_id: election_id.to_owned(),
    })
}

async fn vote(
    State(state): State<Arc<AppState>>,
    JsonBody(request): JsonBody<TerminalRequest>,
) -> ApiResult {
    let config = state.require_config()?;
    // Checked again where the vote is stored (the election may end meanwhile); this
    // first check spares opening votes while voting is closed.
    if !state.store.switch(Switch::Election).await? {
        return Err(election_not_running());
    }
    let object = open_from_terminal(&state, &request).await?;
    let vote = vote_of(object, config.election_id())?;
    electie_core::Validator::new(&config.election)
        .check_ballot(vote.party_id, &vote.candidate_ids)
        .map_err(|rejection| ApiError::detail(StatusCode::BAD_REQUEST, rejection.to_string()))?;
    let signed_json = electie_core::python_json::dumps(&vote.to_json());
    #[cfg(feature = "crash-points")]
    crate::crash_points::pause_point("vote-before-store").await;
    match state
        .store
        .cast_vote(
            &vote,
            &signed_json,
            &request.voting_terminal_id,
            &config.genesis,
        )
        .await?
    {
        Ok(seqno) => {
            tracing::debug!(seqno, "vote stored");
            Ok(Json(Value::Null).into_response())
        }
        Err(CastRefusal::TokenInvalid) => Err(token_invalid()),
        Err(CastRefusal::ElectionNotRunning) => Err(election_not_running()),
    }
}

fn election_not_running() -> ApiError {
    ApiError::detail(StatusCode::CONFLICT, "Election is not running.")
}

async fn token_validity(
    State(state): State<Arc<AppState>>,
    JsonBody(request): JsonBody<TerminalRequest>,
) -> ApiResult {
    let object = open_from_terminal(&state, &request).await?;
    let token = string_field(&object, "token")?;
    if state.store.token_active(&token).await? {
        Ok(Json(json!({ "status": "success" })).into_response())
    } else {
        Err(token_invalid())
    }
}

// ---- token manager --------------------------------------------------------------------

fn token_manager() -> AppRouter {
    both(
        Router::new(),
        "/token-manager-api",
        get(|| async {
            Json(json!({ "status": "success", "message": "Hello from token manager." }))
        }),
    )
    .route("/token-manager-api/tokens/create", post(create_token))
    .route("/token-manager-api/tokens/validate", post(validate_token))
    .route(
        "/token-manager-api/tokens/deactivate",
        post(deactivate_token),
    )
    .route("/token-manager-api/tokens/delete", delete(delete_token))
    .route(
        "/token-manager-api/tokens/writer/activate",
        post(|state, auth| set_writer(state, auth, true)),
    )
    .route(
        "/token-manager-api/tokens/writer/deactivate",
        post(|state, auth| set_writer(state, auth, false)),
    )
    .route(
        "/token-manager-api/tokens/writer/update",
        post(token_written),
    )
    .route(
        "/token-manager-api/tokens/writer/delete",
        post(delete_unwritten),
    )
}

/// `{"token": "..."}`.
#[derive(Debug, Deserialize)]
pub struct TokenBody {
    /// The token.
    pub token: String,
}

fn invalid_token() -> ApiError {
    ApiError::detail(StatusCode::FORBIDDEN, "Invalid token")
}

async fn create_token(State(state): State<Arc<AppState>>, _commission: Commission) -> ApiResult {
    let token = crate::random::token()?;
    state.store.create_token(&token).await?;
    Ok(Json(json!({ "status": "success", "token": token })).into_response())
}

async fn validate_token(
    State(state): State<Arc<AppState>>,
    _commission: Commission,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult {
    if state.store.token_active(&body.token).await? {
        Ok(Json(Value::Null).into_response())
    } else {
        Err(invalid_token())
    }
}

async fn deactivate_token(
    State(state): State<Arc<AppState>>,
    _commission: Commission,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult {
    if state.store.deactivate_token(&body.token).await? {
        Ok(Json(Value::Null).into_response())
    } else {
        Err(invalid_token())
    }
}

async fn delete_token(
    State(state): State<Arc<AppState>>,
    _commission: Commission,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult {
    if state.store.delete_active_token(&body.token).await? {
        Ok(Json(Value::Null).into_response())
    } else {
        Err(invalid_token())
    }
}

async fn set_writer(
    State(state): State<Arc<AppState>>,
    _commission: Commission,
    on: bool,
) -> ApiResult {
    state.store.set_switch(Switch::Write, on).await?;
    Ok(success(if on {
        "NFC writer machine was activated."
    } else {
        "NFC writer machine was deactivated."
    }))
}

async fn token_written(
    State(state): State<Arc<AppState>>,
    _commission: Commission,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult {
    match state.store.token_written(&body.token).await? {
        Some(true) => Ok(success("Updated NFC tokens successfully.")),
        Some(false) => Err(ApiError::detail(
            StatusCode::CONFLICT,
            "Token was already used to vote",
        )),
        None => Err(ApiError::detail(StatusCode::NOT_FOUND, "Token not found")),
    }
}

/// Why unwritten tokens are deleted.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriterEvent {
    /// The writer restarted.
    Restart,
    /// Writing a tag failed.
    WriteError,
}

/// `{"event": "restart" | "write_error"}`.
#[derive(Debug, Deserialize)]
pub struct WriterDeleteBody {
    /// Why.
    pub event: WriterEvent,
}

async fn delete_unwritten(
    State(state): State<Arc<AppState>>,
    _commission: Commission,
    JsonBody(body): JsonBody<WriterDeleteBody>,
) -> ApiResult {
    let deleted = state.store.delete_unwritten_tokens().await?;
    tracing::info!(deleted, event = ?body.event, "unwritten tokens deleted");
    Ok(success(
        "Unwritten NFC tokens successfully deleted from database.",
    ))
}

// ---- voting process manager ------------------------------------------------------------

fn process_manager() -> AppRouter {
    both(
        Router::new(),
        "/voting-process-manager-api",
        get(|| async {
            Json(json!({ "status": "success", "message": "Hello from voting process manager." }))
        }),
    )
    .route("/voting-process-manager-api/token", post(login))
    .route(
        "/voting-process-manager-api/election-config",
        get(election_config),
    )
    .route(
        "/voting-process-manager-api/register-vt",
        post(register_terminal),
    )
    .route(
        "/voting-process-manager-api/terminals-status",
        get(terminals_status),
    )
    .route("/voting-process-manager-api/start", post(start))
    .route("/voting-process-manager-api/end", post(end))
    .route(
        "/voting-process-manager-api/gateway-elections-events",
        get(events),
    )
    .route(
        "/voting-process-manager-api/gateway-elections-events/first-start",
        get(first_start),
    )
    .route(
        "/voting-process-manager-api/gateway-elections-events/last-end",
        get(last_end),
    )
    .route("/voting-process-manager-api/first-start", get(first_start))
    .route("/voting-process-manager-api/last-end", get(last_end))
    .route(
        "/voting-process-manager-api/commission-paper/generate",
        post(generate_paper),
    )
    .route(
        "/voting-process-manager-api/commission-paper",
        get(get_paper),
    )
    .route(
        "/voting-process-manager-api/commission-paper/send",
        post(send_paper),
    )
}

/// The OAuth2 password form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// Must be `admin`.
    pub username: String,
    /// The commission's PIN.
    pub password: String,
}

async fn login_form(request: Request) -> ApiResult<LoginForm> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    if multipart {
        let mut form = Multipart::from_request(request, &())
            .await
            .map_err(|error| {
                ApiError::validation(vec![json!("body")], error.body_text(), "value_error")
            })?;
        let (mut username, mut password) = (None, None);
        while let Some(field) = form.next_field().await.map_err(|error| {
            ApiError::validation(vec![json!("body")], error.body_text(), "value_error")
        })? {
            let name = field.name().unwrap_or_default().to_owned();
            let text = field.text().await.map_err(|error| {
                ApiError::validation(vec![json!("body")], error.body_text(), "value_error")
            })?;
            match name.as_str() {
                "username" => username = Some(text),
                "password" => password = Some(text),
                _ => {}
            }
        }
        let missing = |field: &str| {
            ApiError::validation(
                vec![json!("body"), json!(field)],
                "Field required",
                "missing",
            )
        };
        return Ok(LoginForm {
            username: username.ok_or_else(|| missing("username"))?,
            password: password.ok_or_else(|| missing("password"))?,
        });
    }
    let Form(form) = Form::<LoginForm>::from_request(request, &())
        .await
        .map_err(|error| ApiError::validation(vec![json!("body")], error.body_text(), "missing"))?;
    Ok(form)
}

async fn login(State(state): State<Arc<AppState>>, request: Request) -> ApiResult {
    let form = login_form(request).await?;
    let stored = state.store.meta(keys::PIN_HASH).await?;
    let password = form.password.clone();
    let correct = form.username == USERNAME
        && match stored {
            Some(hash) => tokio::task::spawn_blocking(move || {
                electie_service_support::secret::verify(&password, &hash)
            })
            .await
            .map_err(ApiError::internal)?,
            None => false,
        };
    if !correct {
        let delay = state.sessions.failed();
        tokio::time::sleep(delay).await;
        return Err(ApiError::unauthorized("Incorrect username or password"));
    }
    state.sessions.succeeded();
    let token = state.sessions.open()?;
    Ok(Json(json!({ "access_token": token, "token_type": "bearer" })).into_response())
}

async fn election_config(State(state): State<Arc<AppState>>) -> ApiResult {
    let config = state.require_config()?;
    Ok(Json(json!({ "status": "success", "texts": config.election.texts() })).into_response())
}

/// `{"public_key": "<PEM>"}`.
#[derive(Debug, Deserialize)]
pub struct RegisterBody {
    /// The terminal's RSA public key.
    pub public_key: String,
}

/// Smallest terminal key accepted.
pub const MIN_TERMINAL_KEY_BITS: usize = 2048;

async fn register_terminal(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody<RegisterBody>,
) -> ApiResult {
    if !state.store.switch(Switch::RegisterTerminals).await? {
        return Err(ApiError::detail(
            StatusCode::BAD_REQUEST,
            "Registration is disabled",
        ));
    }
    let key = PublicKey::from_pem(&body.public_key).map_err(|error| {
        ApiError::detail(
            StatusCode::BAD_REQUEST,
            format!("Invalid public key: {error}"),
        )
    })?;
    if key.bits() < MIN_TERMINAL_KEY_BITS {
        return Err(ApiError::detail(
            StatusCode::BAD_REQUEST,
            format!(
                "Invalid public key: {} bits, at least {MIN_TERMINAL_KEY_BITS} required",
                key.bits()
            ),
        ));
    }
    let id = state
        .store
        .register_terminal(
            state.polling_place_id,
            &key.to_pem(),
            &peer.ip().to_string(),
        )
        .await?;
    tracing::info!(terminal = %id, "terminal registered");
    Ok(
        Json(json!({ "new_id": id, "gateway_public_key": state.gateway_public_pem }))
            .into_response(),
    )
}

async fn terminals_status(
    State(state): State<Arc<AppState>>,
    _commission: Commission,
) -> ApiResult {
    let registration = state.store.switch(Switch::RegisterTerminals).await?;
    let terminals = state.store.terminals().await?;
    Ok(Json(json!({
        "status": "success",
        "registration_status": registration,
        "terminals": terminals,
    }))
    .into_response())
}

fn closed() -> ApiError {
    ApiError::detail(StatusCode::CONFLICT, "Polling place is closed")
}

async fn start(State(state): State<Arc<AppState>>, _commission: Commission) -> ApiResult {
    let _guard = state.lifecycle.lock().await;
    if state.store.meta(keys::CLOSED).await?.is_some() {
        return Err(closed());
    }
    if !state.store.set_election_running(true).await? {
        return Err(ApiError::detail(
            StatusCode::BAD_REQUEST,
            "Election is already running",
        ));
    }
    crate::socket::announce(&state, true).await;
    Ok(success("Election was started"))
}

async fn end(State(state): State<Arc<AppState>>, _commission: Commission) -> ApiResult {
    let _guard = state.lifecycle.lock().await;
    if !state.store.set_election_running(false).await? {
        return Err(ApiError::detail(
            StatusCode::BAD_REQUEST,
            "Election is already stopped",
        ));
    }
    crate::socket::announce(&state, false).await;
    // Synchronize what is left, then close the polling place.
    state.sync.trigger();
    Ok(success("Election was stopped"))
}

fn event_json((action, created_at): &(String, String)) -> Value {
    json!({ "action": action, "created_at": created_at })
}

async fn events(State(state): State<Arc<AppState>>, _commission: Commission) -> ApiResult {
    let events = state.store.events().await?;
    Ok(Json(json!({
        "status": "success",
        "events": events.iter().map(event_json).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn first_start(State(state): State<Arc<AppState>>, _commission: Commission) -> ApiResult {
    let events = state.store.events().await?;
    let first = events
        .iter()
        .rev()
        .find(|(action, _)| action == "elections_started");
    Ok(Json(json!({ "status": "success", "event": first.map(event_json) })).into_response())
}

async fn last_end(State(state): State<Arc<AppState>>, _commission: Commission) -> ApiResult {
    let events = state.store.events().await?;
    let last = events
        .iter()
        .find(|(action, _)| action == "elections_stopped");
    Ok(Json(json!({ "status": "success", "event": last.map(event_json) })).into_response())
}

async fn generate_paper(
    State(state): State<Arc<AppState>>,
    _commission: Commission,
    JsonBody(request): JsonBody<crate::paper::PaperRequest>,
) -> ApiResult {
    let config = state.require_config()?;
    if request.polling_place_id != state.polling_place_id {
        return Err(ApiError::detail(
            StatusCode::BAD_REQUEST,
            format!(
                "This gateway serves polling place {}",
                state.polling_place_id
            ),
        ));
    }
    let pdf = crate::paper::generate(&state, &config, &request).await?;
    let sha256 = crate::random::hex(&sha2::Sha256::digest(&pdf));
    state.store.store_paper(&pdf, &sha256).await?;
    Ok(Json(json!({
        "status": "success",
        "message": "Commission paper was generated",
        "sha256": sha256,
    }))
    .into_response())
}

use sha2::Digest;

async fn get_paper(State(state): State<Arc<AppState>>, _commission: Commission) -> ApiResult {
    let Some((pdf, _)) = state.store.paper().await? else {
        return Err(ApiError::detail(
            StatusCode::NOT_FOUND,
            "Commission paper was not generated yet",
        ));
    };
    let data = base64::engine::general_purpose::STANDARD.encode(pdf);
    Ok(Json(json!({ "status": "success", "data": data })).into_response())
}

async fn send_paper(State(state): State<Arc<AppState>>, _commission: Commission) -> ApiResult {
    let config = state.require_config()?;
    let Some((pdf, sha256)) = state.store.paper().await? else {
        return Err(ApiError::detail(
            StatusCode::NOT_FOUND,
            "Commission paper was not generated yet",
        ));
    };
    crate::sync::send_paper(&state, &config, &pdf, &sha256).await?;
    state.store.paper_sent().await?;
    Ok(success("Commission paper was sent to the server"))
}

// ---- synchronization service ------------------------------------------------------------

fn synchronization() -> AppRouter {
    both(
        Router::new(),
        "/synchronization-service-api",
        get(|| async {
            Json(json!({ "status": "success", "message": "Hello from synchronization service." }))
        }),
    )
    .route(
        "/synchronization-service-api/synchronize",
        post(synchronize),
    )
    .route(
        "/synchronization-service-api/statistics",
        post(statistics).get(statistics),
    )
}

async fn synchronize(State(state): State<Arc<AppState>>) -> ApiResult {
    state.require_config()?;
    if state.sync.run_now().await {
        Ok(success("Synchronization started"))
    } else {
        Ok(success("Synchronization already started"))
    }
}

async fn statistics(State(state): State<Arc<AppState>>) -> ApiResult {
    let counts = state.store.sync_counts().await?;
    let rejected = state.store.rejected_votes().await?;
    let status = state.sync.status();
    let closed: Option<Value> = state
        .store
        .meta(keys::CLOSED)
        .await?
        .and_then(|text| serde_json::from_str(&text).ok());
    Ok(Json(json!({
        "status": "success",
        "last_synchronization": status.last_attempt,
        "last_success_synchronization": status.last_success,
        "statistics": {
            "all_count": counts.all,
            "syncronized_count": counts.synchronized,
            "unsyncronized_count": counts.all - counts.synchronized,
            "rejected_count": counts.rejected,
        },
        "rejected_votes": rejected
            .iter()
            .map(|(seqno, message)| json!({ "seqno": seqno, "message": message }))
            .collect::<Vec<_>>(),
        "last_error": status.last_error,
        "closed": closed,
    }))
    .into_response())
}
