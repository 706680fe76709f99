//! The router: routes of spec 40 and 41 §2–3, limits, CORS and the request log.
//!
//! Layers, outside in: request id (`x-request-id`, generated when absent and sent
//! back), the request log (one line per request: id, method, path, status, polling
//! place, outcome, milliseconds; never a token or a vote), panic catcher, load
//! shedding over a concurrency limit (503 with `Retry-After` instead of a queue),
//! request timeout, body limit (413), and CORS (any origin on open routes by
//! default; admin routes only for the origins given with `--admin-origin`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::error_handling::HandleErrorLayer;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use electie_core::PollingPlaceId;
use serde::Deserialize;
use serde_json::{Value, json};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};

use crate::error::{ApiError, FieldProblem, RETRY_AFTER_SECONDS};
use crate::ingest::{self, Answer, Mode};
use crate::results::{self, ResultsError};
use crate::state::{AppState, PUBLISHED_KEY};
use crate::storage::{StoredPaper, WriteOp};

/// Limits of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Largest request body (413 above).
    pub max_body_bytes: usize,
    /// Requests handled at once; more are refused with 503 at once.
    pub max_concurrent_requests: usize,
    /// A request taking longer is answered 503 (its write, if started, still finishes).
    pub request_timeout: Duration,
    /// Origins allowed on open routes; empty: any.
    pub cors_origins: Vec<String>,
    /// Origins allowed on admin routes; empty: none.
    pub admin_origins: Vec<String>,
}

/// The polling place a request concerned, for the request log.
#[derive(Debug, Clone, Copy)]
pub struct PlaceTag(pub i64);

/// What became of a request, for the request log.
#[derive(Debug, Clone)]
pub struct Outcome(pub String);

type Shared = State<Arc<AppState>>;

fn answer(answer: Answer, place: Option<i64>) -> Response {
    let mut response = (answer.status, Json(answer.body)).into_response();
    response.extensions_mut().insert(Outcome(answer.outcome));
    if let Some(place) = place {
        response.extensions_mut().insert(PlaceTag(place));
    }
    response
}

fn tagged(mut response: Response, place: i64) -> Response {
    response.extensions_mut().insert(PlaceTag(place));
    response
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large")
    } else {
        ApiError::detail(StatusCode::BAD_REQUEST, "Request body could not be read")
    }
}

#[derive(Debug, Deserialize)]
struct ModeQuery {
    mode: Option<String>,
}

async fn root() -> Json<Value> {
    Json(json!({"status": "success", "message": "Server is running"}))
}

async fn vote(
    State(state): Shared,
    Query(query): Query<ModeQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mode = match query.mode.as_deref() {
        None | Some("compat") => Mode::Compat,
        Some("verdicts") => Mode::Verdicts,
        Some(other) => {
            return ApiError::Invalid(vec![FieldProblem::new(
                vec![json!("query"), json!("mode")],
                "enum",
                format!("Input should be 'compat' or 'verdicts', got {other:?}"),
            )])
            .into_response();
        }
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(rejection).into_response(),
    };
    let request = match ingest::parse_vote_request(&body, state.settings.max_batch) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let place = request.polling_place_id;
    // Its own task: the batch completes (commit and memory) even if the client hangs up.
    let task = tokio::spawn(ingest::ingest(Arc::clone(&state), request, mode));
    let result = match task.await {
        Ok(result) => result,
        Err(error) => Err(ApiError::Unavailable(format!("batch task failed: {error}"))),
    };
    match result {
        Ok(done) => answer(done, Some(place)),
        Err(error) => tagged(error.into_response(), place),
    }
}

#[derive(Debug, Deserialize)]
struct PlaceQuery {
    polling_place_id: Option<String>,
}

fn place_query(query: &PlaceQuery) -> Result<i64, ApiError> {
    let loc = vec![json!("query"), json!("polling_place_id")];
    match &query.polling_place_id {
        None => Err(ApiError::Invalid(vec![FieldProblem::new(
            loc,
            "missing",
            "Field required",
        )])),
        Some(text) => text.trim().parse::<i64>().map_err(|_| {
            ApiError::Invalid(vec![FieldProblem::new(
                loc,
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            )])
        }),
    }
}

fn not_found_place() -> ApiError {
    ApiError::detail(StatusCode::NOT_FOUND, "Polling place not found")
}

async fn sync_state(
    State(state): Shared,
    Query(query): Query<PlaceQuery>,
) -> Result<Response, ApiError> {
    let place_id = place_query(&query)?;
    if state
        .config
        .polling_place_index(PollingPlaceId(place_id))
        .is_none()
    {
        return Err(not_found_place());
    }
    let place = state.place(place_id);
    let place = {
        let mut place = place.lock().await;
        // As stored: another instance on the same database may have moved it on.
        state.refresh_place(place_id, &mut place).await?;
        place.clone()
    };
    Ok(tagged(
        Json(json!({
            "polling_place_id": place_id,
            "last_seqno": place.last_seqno,
            "chain_head": place.chain_head,
            "closed": place.closed,
        }))
        .into_response(),
        place_id,
    ))
}

async fn public_key_pairs(state: &AppState) -> Result<Vec<Value>, ApiError> {
    Ok(state
        .store
        .all_keys()
        .await?
        .into_iter()
        .map(|keys| {
            json!({
                "_id": keys.polling_place_id,
                "polling_place_id": keys.polling_place_id,
                "public_key_pem": keys.server_public_key_pem,
                "g_public_key_pem": keys.gateway_public_key_pem,
            })
        })
        .collect())
}

async fn voting_data(State(state): Shared) -> Result<Json<Value>, ApiError> {
    let mut data = state.config.to_server_json();
    let pairs = public_key_pairs(&state).await?;
    if let Some(object) = data.as_object_mut() {
        object.insert("key_pairs".into(), Value::Array(pairs));
    }
    Ok(Json(data))
}

async fn gateway_config(
    State(state): Shared,
    Query(query): Query<PlaceQuery>,
) -> Result<Response, ApiError> {
    let place_id = place_query(&query)?;
    let mut data = state
        .config
        .to_gateway_json(PollingPlaceId(place_id))
        .ok_or_else(not_found_place)?;
    let pairs: Vec<Value> = match state.store.keys(place_id).await? {
        Some(keys) => vec![json!({
            "_id": keys.polling_place_id,
            "polling_place_id": keys.polling_place_id,
            "public_key_pem": keys.server_public_key_pem,
            "g_public_key_pem": keys.gateway_public_key_pem,
        })],
        None => Vec::new(),
    };
    if let Some(object) = data.as_object_mut() {
        object.insert("key_pairs".into(), Value::Array(pairs));
    }
    Ok(tagged(Json(data).into_response(), place_id))
}

/// The user of a valid admin bearer token, if the request carries one.
fn admin_user(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    state.tokens.check(token.trim())
}

fn require_admin(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    admin_user(state, headers)
        .ok_or_else(|| ApiError::Unauthorized("Could not validate credentials".into()))
}

/// Results are shown when published (the flag as stored: another instance may have
/// changed it) or to an admin.
async fn visible(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if admin_user(state, headers).is_some() || state.published_now().await? {
        Ok(())
    } else {
        Err(ApiError::detail(
            StatusCode::BAD_REQUEST,
            "Results are not published yet",
        ))
    }
}

fn results_error(error: ResultsError) -> ApiError {
    match error {
        ResultsError::UnknownLevel(message) => ApiError::Invalid(vec![FieldProblem::new(
            vec![json!("body"), json!("filter_by")],
            "enum",
            format!(
                "{message}; expected region_code, county_code, municipality_code or administrative_area_code"
            ),
        )]),
        ResultsError::Seats(message) => ApiError::detail(StatusCode::CONFLICT, message),
        #[allow(unreachable_patterns)]
        other => ApiError::detail(StatusCode::CONFLICT, other.to_string()),
    }
}

/// An optional JSON object body: empty means `{}`.
fn optional_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    ingest::json_object(body)
}

fn optional_string(
    object: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<String>, ApiError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(_) => Err(ApiError::Invalid(vec![FieldProblem::new(
            vec![json!("body"), json!(name)],
            "string_type",
            "Input should be a valid string",
        )])),
    }
}

async fn party_results(
    state: Arc<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    with_candidates: bool,
) -> Result<Json<Value>, ApiError> {
    visible(&state, &headers).await?;
    let body = body.map_err(body_error)?;
    let object = optional_object(&body)?;
    let party = optional_string(&object, "party")?;
    state.tally_for_results().await?;
    let rows = state
        .with_tally(|tally| {
            results::parties(
                &state.config,
                &state.seat_rules,
                tally,
                party.as_deref(),
                with_candidates,
            )
        })
        .map_err(results_error)?;
    Ok(Json(serde_json::to_value(rows).unwrap_or(Value::Null)))
}

async fn parties_results(
    State(state): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    party_results(state, headers, body, false).await
}

async fn party_candidate_results(
    State(state): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    party_results(state, headers, body, true).await
}

async fn candidates_results(
    State(state): Shared,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    visible(&state, &headers).await?;
    state.tally_for_results().await?;
    let rows = state
        .with_tally(|tally| results::candidates(&state.config, &state.seat_rules, tally))
        .map_err(results_error)?;
    Ok(Json(serde_json::to_value(rows).unwrap_or(Value::Null)))
}

fn locality_code(text: Option<String>, loc: &'static str) -> Result<Option<i64>, ApiError> {
    match text {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => text.trim().parse::<i64>().map(Some).map_err(|_| {
            ApiError::Invalid(vec![FieldProblem::new(
                vec![json!(loc), json!("filter_value")],
                "int_parsing",
                "filter_value must be a locality code (an integer)",
            )])
        }),
    }
}

async fn results_by_locality(
    State(state): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    visible(&state, &headers).await?;
    let body = body.map_err(body_error)?;
    let object = ingest::json_object(&body)?;
    let Some(filter_by) = optional_string(&object, "filter_by")? else {
        return Err(ApiError::Invalid(vec![FieldProblem::new(
            vec![json!("body"), json!("filter_by")],
            "missing",
            "Field required",
        )]));
    };
    let code = locality_code(optional_string(&object, "filter_value")?, "body")?;
    state.tally_for_results().await?;
    let rows = state
        .with_tally(|tally| results::by_locality(&state.config, tally, &filter_by, code))
        .map_err(results_error)?;
    Ok(Json(serde_json::to_value(rows).unwrap_or(Value::Null)))
}

#[derive(Debug, Deserialize)]
struct StatusQuery {
    filter_by: Option<String>,
    filter_value: Option<String>,
}

async fn elections_status(
    State(state): Shared,
    Query(query): Query<StatusQuery>,
) -> Result<Json<Value>, ApiError> {
    let filter_by = query.filter_by.filter(|text| !text.is_empty());
    let code = locality_code(query.filter_value, "query")?;
    let filter = match (&filter_by, code) {
        (Some(level), Some(code)) => Some((level.as_str(), code)),
        (Some(level), None) => {
            // A level without a value is the whole election, if the level is known.
            electie_tally::results::LocalityLevel::parse(level)
                .map_err(|error| results_error(ResultsError::UnknownLevel(error.to_string())))?;
            None
        }
        (None, _) => None,
    };
    state.tally_for_results().await?;
    let status = state
        .with_tally(|tally| results::status(&state.config, tally, filter))
        .map_err(|error| match error {
            ResultsError::UnknownLevel(message) => ApiError::Invalid(vec![FieldProblem::new(
                vec![json!("query"), json!("filter_by")],
                "enum",
                message,
            )]),
            other => results_error(other),
        })?;
    Ok(Json(json!({"status": "success", "data": status})))
}

async fn set_published(
    state: &AppState,
    headers: &HeaderMap,
    published: bool,
) -> Result<Json<Value>, ApiError> {
    let user = require_admin(state, headers)?;
    state
        .store
        .set_setting(PUBLISHED_KEY, if published { "1" } else { "0" })
        .await?;
    state
        .published
        .store(published, std::sync::atomic::Ordering::SeqCst);
    tracing::info!(user, published, "results visibility changed");
    let message = if published {
        "Results published"
    } else {
        "Results hidden"
    };
    Ok(Json(json!({"status": "success", "message": message})))
}

async fn publish(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    set_published(&state, &headers, true).await
}

async fn hide(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    set_published(&state, &headers, false).await
}

async fn results_status(State(state): Shared) -> Result<Json<Value>, ApiError> {
    let published = state.published_now().await?;
    Ok(Json(json!({"status": "success", "published": published})))
}

/// The OAuth2 password form's fields.
#[derive(Debug, Default)]
struct PasswordForm {
    username: Option<String>,
    password: Option<String>,
}

async fn read_password_form(request: Request) -> Result<PasswordForm, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut form = PasswordForm::default();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &()).await.map_err(|_| {
            ApiError::detail(
                StatusCode::BAD_REQUEST,
                "There was an error parsing the body",
            )
        })?;
        while let Some(field) = multipart.next_field().await.map_err(|_| {
            ApiError::detail(
                StatusCode::BAD_REQUEST,
                "There was an error parsing the body",
            )
        })? {
            let name = field.name().unwrap_or("").to_owned();
            let text = field.text().await.map_err(|_| {
                ApiError::detail(
                    StatusCode::BAD_REQUEST,
                    "There was an error parsing the body",
                )
            })?;
            match name.as_str() {
                "username" => form.username = Some(text),
                "password" => form.password = Some(text),
                _ => {}
            }
        }
    } else {
        let body = Bytes::from_request(request, &())
            .await
            .map_err(body_error)?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| {
            ApiError::Invalid(vec![FieldProblem::new(
                vec![json!("body")],
                "value_error",
                "Body is not a form",
            )])
        })?;
        for (name, value) in pairs {
            match name.as_str() {
                "username" => form.username = Some(value),
                "password" => form.password = Some(value),
                _ => {}
            }
        }
    }
    Ok(form)
}

async fn token(State(state): Shared, request: Request) -> Result<Json<Value>, ApiError> {
    let form = read_password_form(request).await?;
    let mut problems = Vec::new();
    if form.username.is_none() {
        problems.push(FieldProblem::new(
            vec![json!("body"), json!("username")],
            "missing",
            "Field required",
        ));
    }
    if form.password.is_none() {
        problems.push(FieldProblem::new(
            vec![json!("body"), json!("password")],
            "missing",
            "Field required",
        ));
    }
    let (Some(username), Some(password)) = (form.username, form.password) else {
        return Err(ApiError::Invalid(problems));
    };
    let hash = state.store.admin_hash(&username).await?;
    // Argon2 runs off the async threads; an unknown user costs the same as a wrong password.
    let valid = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => electie_service_support::secret::verify(&password, &hash),
        None => {
            let _ = electie_service_support::secret::verify(&password, DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false);
    if !valid {
        // Slow down guessing: every failure costs the client a second.
        tokio::time::sleep(Duration::from_secs(1)).await;
        return Err(ApiError::Unauthorized(
            "Incorrect username or password".into(),
        ));
    }
    let access_token = state
        .tokens
        .issue(&username)
        .map_err(ApiError::Unavailable)?;
    Ok(Json(
        json!({"access_token": access_token, "token_type": "bearer"}),
    ))
}

/// A valid Argon2id hash of nothing anyone types, verified for unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6Nk1cqMbSDB9uIU4wSWzy7GUFh6vg7iWoV3/xN7O2c0";

async fn commission_paper(
    State(state): Shared,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let object = ingest::json_object(&body)?;
    let place_id = match ingest::int_field(&object, "polling_place_id", &[]) {
        Ok(Some(id)) => id,
        Ok(None) => {
            return Err(ApiError::Invalid(vec![FieldProblem::new(
                vec![json!("body"), json!("polling_place_id")],
                "missing",
                "Field required",
            )]));
        }
        Err(problem) => return Err(ApiError::Invalid(vec![problem])),
    };
    // The sealed paper either beside polling_place_id or under "paper".
    let sealed = match object.get("paper") {
        Some(paper) => ingest::sealed_at(paper, &[json!("paper")]),
        None => ingest::sealed_at(&Value::Object(object.clone()), &[]),
    }
    .map_err(ApiError::Invalid)?;
    let Some(opener) = state.opener(place_id).await? else {
        return Err(ApiError::bad_message("Invalid polling place id"));
    };
    let sealed_copy = sealed.clone();
    let opened = tokio::task::spawn_blocking(move || opener.open(&sealed_copy))
        .await
        .map_err(|error| ApiError::Unavailable(error.to_string()))?
        .map_err(|_| ApiError::bad_message("Invalid commission paper encryption or signature"))?;
    let Some(payload) = opened.as_object() else {
        return Err(ApiError::bad_message(
            "Invalid commission paper format - not an object",
        ));
    };
    let Some(electie_core::python_json::Value::String(data)) = payload.get("data") else {
        return Err(ApiError::bad_message(
            "Invalid commission paper format - data must be a base64 string",
        ));
    };
    let document = decode_base64(data).ok_or_else(|| {
        ApiError::bad_message("Invalid commission paper format - data is not base64")
    })?;
    let digest = hex(&sha2_256(&document));
    if let Some(claimed) = payload.get("sha256") {
        let matches = matches!(claimed, electie_core::python_json::Value::String(text) if text.eq_ignore_ascii_case(&digest));
        if !matches {
            return Err(ApiError::bad_message(
                "Invalid commission paper format - sha256 does not match data",
            ));
        }
    }
    state
        .store
        .write(WriteOp::Paper(StoredPaper {
            polling_place_id: place_id,
            sha256: digest.clone(),
            data: data.clone(),
            encrypted_message: sealed.encrypted_message,
            encrypted_object: sealed.encrypted_object,
        }))
        .await?;
    Ok(tagged(
        Json(json!({"status": "success", "message": "Commission paper stored", "sha256": digest}))
            .into_response(),
        place_id,
    ))
}

fn sha2_256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
}

async fn close(
    State(state): Shared,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Ok(place_id) = id.parse::<i64>() else {
        return ApiError::Invalid(vec![FieldProblem::new(
            vec![json!("path"), json!("id")],
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        )])
        .into_response();
    };
    let result = async {
        let body = body.map_err(body_error)?;
        let value = Value::Object(ingest::json_object(&body)?);
        let sealed = ingest::sealed_at(&value, &[]).map_err(ApiError::Invalid)?;
        let task = tokio::spawn(ingest::close(Arc::clone(&state), place_id, sealed));
        task.await
            .map_err(|error| ApiError::Unavailable(error.to_string()))?
    }
    .await;
    match result {
        Ok(done) => answer(done, Some(place_id)),
        Err(error) => tagged(error.into_response(), place_id),
    }
}

fn feed_open(state: &AppState, election: Option<&str>) -> Result<(), ApiError> {
    if let Some(election) = election
        && election != state.config.election_id()
    {
        return Err(ApiError::detail(
            StatusCode::NOT_FOUND,
            "Election not found",
        ));
    }
    if let Some(until) = state.settings.feed_until {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        if now > until {
            return Err(ApiError::detail(
                StatusCode::GONE,
                "The feed period is over",
            ));
        }
    }
    Ok(())
}

async fn feed_elections(State(state): Shared) -> Result<Json<Value>, ApiError> {
    let over = feed_open(&state, None).is_err();
    let elections = if over {
        vec![]
    } else {
        vec![json!({"name": state.config.election_id()})]
    };
    Ok(Json(json!({"elections": elections})))
}

async fn feed_last(
    State(state): Shared,
    Path(election): Path<String>,
) -> Result<Json<Value>, ApiError> {
    feed_open(&state, Some(&election))?;
    let last = state.store.feed_last_seqno().await?;
    Ok(Json(json!({"electionname": election, "lastseqno": last})))
}

async fn feed_batch(
    State(state): Shared,
    Path((election, from)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    feed_open(&state, Some(&election))?;
    let from = from
        .parse::<i64>()
        .ok()
        .filter(|from| *from >= 1)
        .ok_or_else(|| {
            ApiError::Invalid(vec![FieldProblem::new(
                vec![json!("path"), json!("fromseqno")],
                "greater_than_equal",
                "fromseqno must be an integer of at least 1",
            )])
        })?;
    let size = state.settings.feed_batch_size;
    let entries = state.store.feed_batch(from, size).await?;
    let batch: Vec<Value> = entries
        .into_iter()
        .map(|entry| {
            json!({
                "seqno": entry.seqno,
                "polling_place_id": entry.polling_place_id,
                "party_id": entry.party_id,
                "candidate_ids": entry.candidate_ids,
            })
        })
        .collect();
    Ok(Json(
        json!({"electionname": election, "fromseqno": from, "batchmaxsize": size, "batch": batch}),
    ))
}

async fn not_found() -> ApiError {
    ApiError::detail(StatusCode::NOT_FOUND, "Not Found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}

fn cors(origins: &[String], any_when_empty: bool) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(Any)
        .max_age(Duration::from_secs(600));
    if origins.is_empty() {
        if any_when_empty {
            layer.allow_origin(Any)
        } else {
            layer.allow_origin(AllowOrigin::list([]))
        }
    } else {
        let list: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|origin| HeaderValue::from_str(origin).ok())
            .collect();
        layer.allow_origin(AllowOrigin::list(list))
    }
}

/// The request log: one line per request.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let response = next.run(request).await;
    let place = response.extensions().get::<PlaceTag>().map(|tag| tag.0);
    let outcome = response
        .extensions()
        .get::<Outcome>()
        .map(|outcome| outcome.0.clone());
    tracing::info!(
        target: "electie_server::request",
        request_id = %id,
        %method,
        path,
        status = response.status().as_u16(),
        polling_place = place,
        outcome = outcome.as_deref().unwrap_or(""),
        ms = format_args!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    response
}

async fn overloaded(error: BoxError) -> Response {
    let (status, detail) = if error.is::<tower::load_shed::error::Overloaded>() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "Server overloaded, retry later",
        )
    } else if error.is::<tower::timeout::error::Elapsed>() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "Request timed out, retry later",
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "Service temporarily unavailable, retry later",
        )
    };
    let mut response = (status, Json(json!({"detail": detail}))).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response.extensions_mut().insert(Outcome(detail.into()));
    response
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a handler panicked");
    let mut response = (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"detail": "Internal Server Error"})),
    )
        .into_response();
    response.extensions_mut().insert(Outcome("panic".into()));
    response
}

/// The whole application.
pub fn router(state: Arc<AppState>, limits: &HttpLimits) -> Router {
    let open = Router::new()
        .route("/", get(root))
        .route("/elections/vote", post(vote))
        .route("/elections/sync-state", get(sync_state))
        .route("/elections/voting-data", get(voting_data))
        .route("/elections/gateway-config", get(gateway_config))
        .route("/elections/polling-places/{id}/close", post(close))
        .route("/elastic/get-parties-results", post(parties_results))
        .route(
            "/elastic/get-party-candidate-results",
            post(party_candidate_results),
        )
        .route("/elastic/get-candidates-results", post(candidates_results))
        .route(
            "/elastic/get-results-by-locality",
            post(results_by_locality),
        )
        .route("/elastic/elections-status", get(elections_status))
        .route("/elastic/results/status", get(results_status))
        .route("/database/commission-paper", post(commission_paper))
        .route("/feed/elections", get(feed_elections))
        .route("/feed/elections/{id}/lastseqno", get(feed_last))
        .route(
            "/feed/elections/{id}/batchfrom/{fromseqno}",
            get(feed_batch),
        )
        .merge(crate::results_page::routes())
        .layer(cors(&limits.cors_origins, true));
    let admin = Router::new()
        .route("/token", post(token))
        .route("/elastic/results/publish", post(publish))
        .route("/elastic/results/hide", post(hide))
        .layer(cors(&limits.admin_origins, false));
    let request_id = header::HeaderName::from_static("x-request-id");
    Router::new()
        .merge(open)
        .merge(admin)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(middleware::from_fn(log_request))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(HandleErrorLayer::new(overloaded))
                .load_shed()
                .concurrency_limit(limits.max_concurrent_requests)
                .timeout(limits.request_timeout),
        )
        .with_state(state)
}
