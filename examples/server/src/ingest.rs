//! `POST /elections/vote` and `POST /elections/polling-places/{id}/close`.
//!
//! A batch is handled under its polling place's lock, in this order:
//!
//! 1. rule 1 (the polling place has keys), then the batch is not empty;
//! 2. with sync fields (spec 41 §2): a batch wholly at or below `last_seqno` whose chain
//!    head equals the stored chain at its last seqno is a resend after a lost response
//!    and is answered as the first time without opening anything; any other batch that
//!    does not start at `last_seqno + 1` is 409 `Out of sequence`;
//! 3. the votes are opened in parallel on the server's rayon pool (the library's batch
//!    path, AWS-LC backend);
//! 4. with sync fields, the chain is recomputed over the opened votes' signed bytes
//!    (`electie_core::sync`) and must equal `chain_head` (else 409);
//! 5. validation by `electie_core::Validator`: all-or-nothing by default, per-vote
//!    verdicts with `?mode=verdicts`;
//! 6. one write: the log rows, and the sync state advanced with them (refused if the
//!    stored state moved, if the polling place closed, or on a (token, polling place)
//!    that is already stored — the database's unique index is the last word);
//! 7. after the commit, and only then, the tokens and the tally in memory (in log
//!    position order, see [`crate::state`]).
//!
//! A batch that does not continue the polling place's sync state as this instance
//! knows it is judged on the state read from the database (a database may be shared
//! by several server instances), and a write refused
//! because another instance moved the state on, closed the polling place, or stored
//! one of the batch's tokens is judged again against the stored state and log, so
//! every instance answers as a single one would.
//!
//! The handler runs this in a task of its own, so a client that hangs up or a request
//! timeout cannot stop it between the commit and step 7.

use std::sync::Arc;

use axum::http::StatusCode;
use electie_core::decode::decode_opened;
use electie_core::python_json::Value as PyValue;
use electie_core::sync::{ChainHead, ChainPosition};
use electie_core::validation::Verdict;
use electie_core::{ElectionConfig, Message, PollingPlaceId, Rejection, Validator, Vote};
use electie_crypto::{Opened, Sealed};
use serde_json::{Value, json};

use crate::error::{ApiError, FieldProblem};
use crate::state::{AppState, PlaceState};
use crate::storage::{BatchWrite, CloseWrite, SyncAdvance};
use crate::storage::{StoreError, VoteRow, WriteOp, WriteReply};

/// How a batch is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The original all-or-nothing answer.
    #[default]
    Compat,
    /// One verdict per vote; rejected votes are recorded and block nothing.
    Verdicts,
}

/// A parsed `POST /elections/vote` body.
#[derive(Debug, Clone)]
pub struct VoteRequest {
    /// The polling place.
    pub polling_place_id: i64,
    /// The sealed votes.
    pub votes: Vec<Sealed>,
    /// `first_seqno` and `chain_head`, when given.
    pub sync: Option<(u64, ChainHead)>,
}

/// What a handled batch answers, with what the request log says about it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// JSON body.
    pub body: Value,
    /// For the log.
    pub outcome: String,
}

/// The genesis chain head of a polling place, hex.
pub fn genesis_hex(config: &ElectionConfig, polling_place: i64) -> String {
    ChainHead::genesis(PollingPlaceId(polling_place), config.election_id()).to_string()
}

fn body_loc(path: &[Value]) -> Vec<Value> {
    let mut loc = vec![json!("body")];
    loc.extend_from_slice(path);
    loc
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a JSON body into an object, or the 422 FastAPI answers.
///
/// # Errors
/// 422 for text that is not JSON or not an object.
pub fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::Invalid(vec![FieldProblem::new(
            body_loc(&[]),
            "missing",
            "Field required",
        )]));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(other) => Err(ApiError::Invalid(vec![FieldProblem::new(
            body_loc(&[]),
            "model_attributes_type",
            format!(
                "Input should be a valid dictionary or object to extract fields from, got {}",
                type_name(&other)
            ),
        )])),
        Err(error) => Err(ApiError::Invalid(vec![FieldProblem::new(
            body_loc(&[json!(error.column())]),
            "json_invalid",
            format!("JSON decode error: {error}"),
        )])),
    }
}

/// An integer field (not a bool, not a float, within 64 bits).
pub fn int_field(
    object: &serde_json::Map<String, Value>,
    name: &str,
    path: &[Value],
) -> Result<Option<i64>, FieldProblem> {
    let mut loc = body_loc(path);
    loc.push(json!(name));
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number.as_i64().map(Some).ok_or_else(|| {
            FieldProblem::new(
                loc,
                "int_type",
                "Input should be a valid integer within 64 bits",
            )
        }),
        Some(other) => Err(FieldProblem::new(
            loc,
            "int_type",
            format!("Input should be a valid integer, got {}", type_name(other)),
        )),
    }
}

fn string_field(
    object: &serde_json::Map<String, Value>,
    name: &str,
    path: &[Value],
) -> Result<Option<String>, FieldProblem> {
    let mut loc = body_loc(path);
    loc.push(json!(name));
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(FieldProblem::new(
            loc,
            "string_type",
            format!("Input should be a valid string, got {}", type_name(other)),
        )),
    }
}

fn missing(name: &str, path: &[Value]) -> FieldProblem {
    let mut loc = body_loc(path);
    loc.push(json!(name));
    FieldProblem::new(loc, "missing", "Field required")
}

/// Reads a sealed payload `{"encrypted_message", "encrypted_object"}` at `path`.
///
/// # Errors
/// The problems found.
pub fn sealed_at(value: &Value, path: &[Value]) -> Result<Sealed, Vec<FieldProblem>> {
    let Value::Object(object) = value else {
        return Err(vec![FieldProblem::new(
            body_loc(path),
            "model_type",
            format!("Input should be an object, got {}", type_name(value)),
        )]);
    };
    let mut problems = Vec::new();
    let mut take = |name: &str| match string_field(object, name, path) {
        Ok(Some(text)) => Some(text),
        Ok(None) => {
            problems.push(missing(name, path));
            None
        }
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let message = take("encrypted_message");
    let wrapped = take("encrypted_object");
    match (message, wrapped) {
        (Some(encrypted_message), Some(encrypted_object)) => Ok(Sealed {
            encrypted_message,
            encrypted_object,
        }),
        _ => Err(problems),
    }
}

/// Parses a vote batch body. `max_batch` is checked before the votes are read.
///
/// # Errors
/// 422 with every problem found; 413 for a batch over `max_batch` votes.
pub fn parse_vote_request(body: &[u8], max_batch: usize) -> Result<VoteRequest, ApiError> {
    let object = json_object(body)?;
    let mut problems = Vec::new();
    let polling_place_id = match int_field(&object, "polling_place_id", &[]) {
        Ok(Some(id)) => Some(id),
        Ok(None) => {
            problems.push(missing("polling_place_id", &[]));
            None
        }
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let mut votes = Vec::new();
    match object.get("votes") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            if items.len() > max_batch {
                return Err(ApiError::detail(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "Batch too large: {} votes, at most {max_batch}",
                        items.len()
                    ),
                ));
            }
            votes.reserve(items.len());
            for (index, item) in items.iter().enumerate() {
                match sealed_at(item, &[json!("votes"), json!(index)]) {
                    Ok(sealed) => votes.push(sealed),
                    Err(found) => problems.extend(found),
                }
            }
        }
        Some(other) => problems.push(FieldProblem::new(
            body_loc(&[json!("votes")]),
            "list_type",
            format!("Input should be a valid list, got {}", type_name(other)),
        )),
    }
    let first_seqno = match int_field(&object, "first_seqno", &[]) {
        Ok(Some(first)) if first >= 1 => Some(first as u64),
        Ok(Some(_)) => {
            problems.push(FieldProblem::new(
                body_loc(&[json!("first_seqno")]),
                "greater_than_equal",
                "Input should be greater than or equal to 1",
            ));
            None
        }
        Ok(None) => None,
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let chain_head = match string_field(&object, "chain_head", &[]) {
        Ok(Some(text)) => match text.parse::<ChainHead>() {
            Ok(head) => Some(head),
            Err(_) => {
                problems.push(FieldProblem::new(
                    body_loc(&[json!("chain_head")]),
                    "value_error",
                    "chain_head must be 64 lower-case hex characters",
                ));
                None
            }
        },
        Ok(None) => None,
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let present = |name: &str| object.get(name).is_some_and(|value| !value.is_null());
    if present("first_seqno") != present("chain_head") {
        let absent = if present("first_seqno") {
            "chain_head"
        } else {
            "first_seqno"
        };
        problems.push(FieldProblem::new(
            body_loc(&[json!(absent)]),
            "missing",
            "first_seqno and chain_head are given together or not at all",
        ));
    }
    match (polling_place_id, problems.is_empty()) {
        (Some(polling_place_id), true) => Ok(VoteRequest {
            polling_place_id,
            votes,
            sync: first_seqno.zip(chain_head),
        }),
        _ => Err(ApiError::Invalid(problems)),
    }
}

/// A payload read as a vote, or why it is refused (rules 2, 3, format).
type Decoded = Result<Vote, Rejection>;

/// An opened payload read as a vote: rules 2 and 3 and the format checks, with the
/// bytes its signature covers (what the chain hashes).
fn decode(opened: electie_crypto::Result<Opened>) -> (Decoded, Option<Vec<u8>>) {
    let Ok(opened) = opened else {
        return (Err(Rejection::InvalidEncryption), None);
    };
    let (value, signed) = opened.into_parts();
    (decode_opened(&value), Some(signed.into_bytes()))
}

fn accepted_answer() -> Value {
    json!({"status": "success", "message": Message::BATCH_ACCEPTED})
}

fn verdicts_answer(verdicts: &[(Option<i64>, Option<String>)]) -> Value {
    let items: Vec<Value> = verdicts
        .iter()
        .map(|(seqno, rejection)| match rejection {
            None => json!({"seqno": seqno, "accepted": true}),
            Some(message) => json!({"seqno": seqno, "accepted": false, "message": message}),
        })
        .collect();
    json!({"status": "success", "message": Message::BATCH_ACCEPTED, "verdicts": items})
}

fn out_of_sequence(place: &PlaceState) -> ApiError {
    ApiError::OutOfSequence {
        last_seqno: place.last_seqno,
        chain_head: place.chain_head.clone(),
    }
}

fn closed_error() -> ApiError {
    ApiError::Message(StatusCode::CONFLICT, "Polling place is closed".into())
}

/// Makes the process stop dead at a named point when `ELECTIE_CRASH_POINT` names it
/// (feature `crash-points`, tests only): `before-commit`, `after-commit`.
#[cfg(feature = "crash-points")]
pub fn crash_point(name: &str) {
    if std::env::var("ELECTIE_CRASH_POINT").as_deref() == Ok(name) {
        std::process::abort();
    }
}

/// Handles one batch (see the module documentation).
///
/// # Errors
/// The refusal, in the original shapes.
pub async fn ingest(
    state: Arc<AppState>,
    request: VoteRequest,
    mode: Mode,
) -> Result<Answer, ApiError> {
    let place_id = request.polling_place_id;
    let Some(opener) = state.opener(place_id).await? else {
        return Err(ApiError::bad_message(
            Rejection::InvalidPollingPlace.to_string(),
        ));
    };
    if request.votes.is_empty() {
        return Err(ApiError::bad_message(Rejection::EmptyBatch.to_string()));
    }
    let place_lock = state.place(place_id);
    let mut place = place_lock.lock().await;
    if place.closed {
        return Err(closed_error());
    }
    let count = request.votes.len() as u64;
    if let Some((first, head)) = &request.sync {
        let last = first + count - 1;
        if *first != place.last_seqno as u64 + 1 {
            // Not the next batch by what this instance knows: another instance on the
            // same database may have stored more, so decide on the stored state. (When
            // it is the next one here but not in the database, the write is refused and
            // judged again below.)
            state.refresh_place(place_id, &mut place).await?;
            if place.closed {
                return Err(closed_error());
            }
        }
        let stored_last = place.last_seqno as u64;
        if last <= stored_last {
            return resend(&state, place_id, *first, last, head, mode, &place).await;
        }
        if *first != stored_last + 1 {
            return Err(out_of_sequence(&place));
        }
    }

    // This batch's write follows once it is opened and judged: a group about to
    // commit may wait a moment for it.
    let announcement = state.store.announce_write();
    let sealed = request.votes;
    let opened = open_on_pool(&state.pool, move || opener.open_batch(&sealed)).await?;
    let (items, signed): (Vec<Decoded>, Vec<Option<Vec<u8>>>) =
        opened.into_iter().map(decode).unzip();

    // The chain over the batch, when the gateway numbers its votes.
    let mut chains: Vec<Option<String>> = vec![None; items.len()];
    let mut advance = None;
    if let Some((first, head)) = &request.sync {
        let all_signed: Option<Vec<&Vec<u8>>> = signed.iter().map(Option::as_ref).collect();
        match all_signed {
            Some(all_signed) => {
                let mut position = ChainPosition {
                    last_seqno: place.last_seqno as u64,
                    chain_head: place.chain_head.parse().map_err(|_| {
                        ApiError::Unavailable("stored chain head is not hex".into())
                    })?,
                };
                for (slot, bytes) in chains.iter_mut().zip(all_signed) {
                    position.append(bytes);
                    *slot = Some(position.chain_head.to_string());
                }
                if position.chain_head != *head {
                    return Err(out_of_sequence(&place));
                }
                advance = Some(SyncAdvance {
                    from_last_seqno: place.last_seqno,
                    last_seqno: position.last_seqno as i64,
                    chain_head: position.chain_head.to_string(),
                });
                debug_assert_eq!(*first, place.last_seqno as u64 + 1);
            }
            None if mode == Mode::Verdicts => {
                // Without a payload's signed bytes the chain cannot be checked: an
                // honest gateway's payloads always open, so the batch is refused whole.
                return Err(ApiError::bad_message(
                    Rejection::InvalidEncryption.to_string(),
                ));
            }
            // Compatibility mode: validation reports the payload at its place below.
            None => {}
        }
    }

    let polling_place = PollingPlaceId(place_id);
    let first_seqno = request.sync.as_ref().map(|(first, _)| *first as i64);
    // Rule 9 is judged against the tokens this instance knows; the database's unique
    // index is the last word. A refusal there means another instance stored the token:
    // catch up with the log (which brings its token in) and judge again, so the answer
    // is the one a single instance would give.
    let mut attempts = 0;
    drop(announcement);
    let (position, accepted_votes, answers) = loop {
        attempts += 1;
        let judged = judge(&state, polling_place, &items, &chains, first_seqno, mode)?;
        let write = WriteOp::Batch(BatchWrite {
            polling_place_id: place_id,
            rows: judged.rows,
            sync: advance.clone(),
        });
        match state.store.write(write).await {
            Ok(WriteReply::Logged { position }) => {
                break (position, judged.accepted, judged.answers);
            }
            Ok(other) => {
                return Err(ApiError::Unavailable(format!(
                    "unexpected write reply {other:?}"
                )));
            }
            Err(StoreError::Conflict(DUPLICATE_TOKEN)) if attempts < 3 => {
                state.catch_up().await?;
            }
            Err(StoreError::Conflict("Out of sequence" | "Polling place is closed")) => {
                // Another server instance moved this polling place on or closed it:
                // answer from the stored state, as a single instance would have.
                state.refresh_place(place_id, &mut place).await?;
                if place.closed {
                    return Err(closed_error());
                }
                if let Some((first, head)) = &request.sync {
                    let last = first + count - 1;
                    if last <= place.last_seqno as u64 {
                        return resend(&state, place_id, *first, last, head, mode, &place).await;
                    }
                }
                return Err(out_of_sequence(&place));
            }
            Err(StoreError::Conflict(message)) => return Err(ApiError::bad_message(message)),
            Err(error) => return Err(error.into()),
        }
    };
    #[cfg(feature = "crash-points")]
    crash_point("after-commit");
    if let Some(advance) = advance {
        place.last_seqno = advance.last_seqno;
        place.chain_head = advance.chain_head;
    }
    state
        .record_committed(polling_place, position, &accepted_votes)
        .await;
    drop(place);

    let accepted = accepted_votes.len();
    let outcome = format!("stored {} votes, {accepted} accepted", answers.len());
    let body = match mode {
        Mode::Compat => accepted_answer(),
        Mode::Verdicts => verdicts_answer(&answers),
    };
    Ok(Answer {
        status: StatusCode::OK,
        body,
        outcome,
    })
}

/// The storage conflict of rule 9 (the unique index on token and polling place).
const DUPLICATE_TOKEN: &str = "Duplicate combination of token and polling place id";

/// A batch judged: its log rows, its accepted votes, and each vote's answer.
struct Judged {
    rows: Vec<VoteRow>,
    accepted: Vec<Vote>,
    answers: Vec<(Option<i64>, Option<String>)>,
}

/// Validation (step 5) and the log rows of the batch.
fn judge(
    state: &AppState,
    polling_place: PollingPlaceId,
    items: &[Decoded],
    chains: &[Option<String>],
    first_seqno: Option<i64>,
    mode: Mode,
) -> Result<Judged, ApiError> {
    let place_id = polling_place.0;
    let validator = Validator::new(&state.config);
    let verdicts: Vec<Verdict> = match mode {
        Mode::Compat => {
            state
                .with_stored_tokens(|tokens| {
                    validator.check_decoded_batch(polling_place, items, tokens)
                })
                .map_err(|rejection| ApiError::bad_message(rejection.to_string()))?;
            vec![Ok(()); items.len()]
        }
        Mode::Verdicts => {
            state.with_stored_tokens(|tokens| validator.verdicts(polling_place, items, tokens))
        }
    };
    let mut rows = Vec::with_capacity(items.len());
    let mut accepted = Vec::with_capacity(items.len());
    let mut answers = Vec::with_capacity(items.len());
    for (index, ((item, verdict), chain)) in items.iter().zip(&verdicts).zip(chains).enumerate() {
        let seqno = first_seqno.map(|first| first + index as i64);
        let reason = verdict.as_ref().err().map(ToString::to_string);
        let row = match item {
            Ok(vote) => VoteRow {
                polling_place_id: place_id,
                seqno,
                chain: chain.clone(),
                accepted: verdict.is_ok(),
                reason: reason.clone(),
                token: Some(vote.token.clone()),
                party_id: vote.party_id.map(|party| party.0),
                candidate_ids: vote
                    .candidate_ids
                    .iter()
                    .map(|candidate| candidate.0)
                    .collect(),
                election_id: Some(vote.election_id.clone()),
            },
            Err(_) => VoteRow {
                polling_place_id: place_id,
                seqno,
                chain: chain.clone(),
                accepted: false,
                reason: reason.clone(),
                token: None,
                party_id: None,
                candidate_ids: Vec::new(),
                election_id: None,
            },
        };
        rows.push(row);
        answers.push((seqno, reason));
        if let (Ok(vote), Ok(())) = (item, verdict) {
            accepted.push(vote.clone());
        }
    }
    Ok(Judged {
        rows,
        accepted,
        answers,
    })
}

/// A batch wholly at or below the stored `last_seqno`: the same answer as the first
/// time if its chain head is the one stored at its last seqno, else out of sequence.
async fn resend(
    state: &AppState,
    place_id: i64,
    first: u64,
    last: u64,
    head: &ChainHead,
    mode: Mode,
    place: &PlaceState,
) -> Result<Answer, ApiError> {
    let stored = state.store.chain_at(place_id, last as i64).await?;
    if stored.as_deref() != Some(head.to_string().as_str()) {
        return Err(out_of_sequence(place));
    }
    let body = match mode {
        Mode::Compat => accepted_answer(),
        Mode::Verdicts => {
            let stored = state
                .store
                .verdicts(place_id, first as i64, last as i64)
                .await?;
            let answers: Vec<(Option<i64>, Option<String>)> = stored
                .into_iter()
                .map(|verdict| {
                    (
                        Some(verdict.seqno),
                        if verdict.accepted {
                            None
                        } else {
                            verdict.reason
                        },
                    )
                })
                .collect();
            verdicts_answer(&answers)
        }
    };
    Ok(Answer {
        status: StatusCode::OK,
        body,
        outcome: format!("resend of {first}..={last}, nothing stored"),
    })
}

/// The plaintext of a close (spec 41 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
struct CloseRequest {
    polling_place_id: i64,
    last_seqno: i64,
    chain_head: ChainHead,
    closed_at: String,
}

fn read_close(value: &PyValue) -> Result<CloseRequest, String> {
    let object = value.as_object().ok_or("the close must be an object")?;
    let int = |name: &str| match object.get(name) {
        Some(PyValue::Int(int)) => int.as_i64().ok_or(format!("{name} is out of range")),
        _ => Err(format!("{name} must be an integer")),
    };
    let text = |name: &str| match object.get(name) {
        Some(PyValue::String(text)) => Ok(text.clone()),
        _ => Err(format!("{name} must be a string")),
    };
    let last_seqno = int("last_seqno")?;
    if last_seqno < 0 {
        return Err("last_seqno must not be negative".into());
    }
    Ok(CloseRequest {
        polling_place_id: int("polling_place_id")?,
        last_seqno,
        chain_head: text("chain_head")?
            .parse()
            .map_err(|_| "chain_head must be 64 lower-case hex characters".to_owned())?,
        closed_at: text("closed_at")?,
    })
}

fn closed_answer(place_id: i64, place: &PlaceState) -> Answer {
    Answer {
        status: StatusCode::OK,
        body: json!({
            "status": "success",
            "message": "Polling place closed",
            "polling_place_id": place_id,
            "last_seqno": place.last_seqno,
            "chain_head": place.chain_head,
        }),
        outcome: format!("closed at {}", place.last_seqno),
    }
}

/// Closes a polling place (spec 41 §3).
///
/// Runs `open` on the server's opening pool and waits for it without holding a
/// runtime thread. The job goes straight to a pool thread and its answer comes back
/// by a one-shot channel: two thread hand-offs a batch, where a blocking task that
/// waits on the pool took four (small batches pay them once per few votes). A panic
/// in `open` is caught and
/// answered 503, as a failed blocking task was, instead of reaching the pool (where it
/// would abort the process).
async fn open_on_pool<T: Send + 'static>(
    pool: &rayon::ThreadPool,
    open: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    pool.spawn(move || {
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(open));
        // the request may have gone (the client disconnected): nobody to answer
        let _ = reply.send(opened);
    });
    match answer.await {
        Ok(Ok(opened)) => Ok(opened),
        Ok(Err(_)) => Err(ApiError::Unavailable(
            "opening task failed: it panicked".to_owned(),
        )),
        Err(_) => Err(ApiError::Unavailable(
            "opening task failed: the opening pool stopped".to_owned(),
        )),
    }
}

/// # Errors
/// 400 for a close that does not open or does not read, 409 when it does not match
/// what is stored.
pub async fn close(
    state: Arc<AppState>,
    place_id: i64,
    sealed: Sealed,
) -> Result<Answer, ApiError> {
    let Some(opener) = state.opener(place_id).await? else {
        return Err(ApiError::bad_message(
            Rejection::InvalidPollingPlace.to_string(),
        ));
    };
    let opened = tokio::task::spawn_blocking(move || opener.open(&sealed))
        .await
        .map_err(|error| ApiError::Unavailable(format!("opening task failed: {error}")))?
        .map_err(|_| ApiError::bad_message("Invalid close encryption or signature"))?;
    let close = read_close(opened.value())
        .map_err(|problem| ApiError::bad_message(format!("Invalid close format - {problem}")))?;
    if close.polling_place_id != place_id {
        return Err(ApiError::bad_message(
            "Invalid close format - polling_place_id differs from the path",
        ));
    }
    let place_lock = state.place(place_id);
    let mut place = place_lock.lock().await;
    state.refresh_place(place_id, &mut place).await?;
    let head = close.chain_head.to_string();
    if place.closed {
        return if place.last_seqno == close.last_seqno && place.chain_head == head {
            Ok(closed_answer(place_id, &place))
        } else {
            Err(closed_error())
        };
    }
    if place.last_seqno != close.last_seqno || place.chain_head != head {
        return Err(out_of_sequence(&place));
    }
    let write = WriteOp::Close(CloseWrite {
        polling_place_id: place_id,
        last_seqno: close.last_seqno,
        chain_head: head,
        closed_at: close.closed_at,
    });
    match state.store.write(write).await {
        Ok(WriteReply::Closed { .. }) | Ok(_) => {}
        Err(StoreError::Conflict("Polling place is closed")) => {
            place.closed = true;
            return Err(closed_error());
        }
        Err(StoreError::Conflict(_)) => return Err(out_of_sequence(&place)),
        Err(error) => return Err(error.into()),
    }
    place.closed = true;
    Ok(closed_answer(place_id, &place))
}

/// Shuffles `items` uniformly with the operating system's random generator
/// (Fisher–Yates; each index drawn without modulo bias).
///
/// # Errors
/// When the OS generator fails.
pub fn shuffle_with_os_rng<T>(items: &mut [T]) -> Result<(), getrandom::Error> {
    for top in (1..items.len()).rev() {
        let bound = top as u64 + 1;
        // Reject the values past the largest multiple of `bound` below 2^64.
        let zone = u64::MAX - u64::MAX % bound;
        let pick = loop {
            let draw = getrandom::u64()?;
            if draw < zone {
                break draw % bound;
            }
        };
        items.swap(top, pick as usize);
    }
    Ok(())
}
