//! The live results page at `/results`.
//!
//! - `GET /results` — the whole page, rendered on the server (readable without
//!   JavaScript): participation, and once results are published the parties with
//!   votes, shares, thresholds and seats, the seat chart (SVG, one dot per seat), the
//!   elected candidates with their preferential votes, and the areas one level down.
//!   `?region=`, `?county=`, `?municipality=` select an area (drill-down by links),
//!   `?lang=en` English (Slovak by default).
//! - `GET /results/fragment` — the same view without the document around it; the
//!   script swaps it in on every update and on drill-down (no reload).
//! - `GET /results/events` — server-sent events: a `results` event when anything the
//!   page shows may have changed (votes counted, a polling place closed, results
//!   published or hidden), and one on connect so a reconnected page catches up.
//! - `GET /results/results.css`, `/results/results.js` — the assets, compiled into the
//!   binary (no CDN, no internet).
//!
//! The numbers come from [`crate::results`], the functions the `/elastic/...` routes
//! answer with, so the page and the API cannot disagree. Before publication the page
//! says so and shows participation only, like the API.
//!
//! Party colours come from the configuration (`color`, `#rgb` or `#rrggbb`); a party
//! without one gets entry `i % 12` of a fixed palette of twelve colours (Paul Tol's
//! colour-blind-safe sets, `PALETTE` in `render.rs`) by its position `i` in the
//! configuration.

mod hemicycle;
mod i18n;
mod render;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use electie_core::ElectionConfig;
use electie_tally::results::{LocalityResult, Status};
use futures_util::Stream;
use tokio::sync::watch;

use crate::state::AppState;
use i18n::Lang;
use render::{Snapshot, View};

const STYLE: &str = include_str!("results.css");
const SCRIPT: &str = include_str!("results.js");
/// How often the change watcher looks at the tally, the feed and the publish flag.
const WATCH_EVERY: Duration = Duration::from_millis(250);

type Shared = State<Arc<AppState>>;

/// The page's routes, to merge into the server's router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/results", get(page))
        .route("/results/", get(page))
        .route("/results/fragment", get(fragment))
        .route("/results/events", get(events))
        .route("/results/results.css", get(style))
        .route("/results/results.js", get(script))
}

fn view_of(query: &HashMap<String, String>) -> Result<View, ()> {
    let code = |name: &str| -> Result<Option<i64>, ()> {
        match query.get(name).map(|v| v.trim()) {
            None | Some("") => Ok(None),
            Some(text) => text.parse::<i64>().map(Some).map_err(|_| ()),
        }
    };
    Ok(
        match (code("region")?, code("county")?, code("municipality")?) {
            (_, _, Some(code)) => View::Municipality(code),
            (_, Some(code), None) => View::County(code),
            (Some(code), None, None) => View::Region(code),
            (None, None, None) => View::National,
        },
    )
}

async fn page(State(state): Shared, Query(query): Query<HashMap<String, String>>) -> Response {
    respond(&state, &query, render::page).await
}

async fn fragment(State(state): Shared, Query(query): Query<HashMap<String, String>>) -> Response {
    respond(&state, &query, render::app).await
}

/// The whole page or its live fragment (`draw`) for the view the query names.
async fn respond(
    state: &AppState,
    query: &HashMap<String, String>,
    draw: fn(&ElectionConfig, View, Lang, Option<&Snapshot>) -> String,
) -> Response {
    let lang = Lang::from_query(query.get("lang").map(String::as_str));
    let config = Arc::clone(&state.config);
    match view_of(query) {
        Ok(view) if render::exists(&config, view) => match snapshot(state, view).await {
            Ok(snapshot) => html(StatusCode::OK, draw(&config, view, lang, Some(&snapshot))),
            Err(message) => unavailable(message),
        },
        // an unknown or malformed area: the page says so, with a way back
        _ => html(
            StatusCode::NOT_FOUND,
            draw(&config, View::Municipality(i64::MIN), lang, None),
        ),
    }
}

fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

fn unavailable(message: String) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CACHE_CONTROL, "no-store")],
        Html(format!(
            "<!doctype html><meta charset=\"utf-8\"><title>503</title><p>{}</p>",
            render::escape(&message)
        )),
    )
        .into_response()
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        STYLE,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// Whether polling place `place` lies in the area `view`.
fn in_view(config: &ElectionConfig, view: View, place: usize) -> bool {
    let place = &config.polling_places()[place];
    match view {
        View::National => true,
        View::Region(code) => place.region_code == code,
        View::County(code) => place.county_code == code,
        View::Municipality(code) => place.municipality_code == code,
    }
}

/// The numbers of one view, read from the tally once (one consistent state) and the
/// closed flags from storage.
async fn snapshot(state: &AppState, view: View) -> Result<Snapshot, String> {
    state
        .tally_for_results()
        .await
        .map_err(|error| error.to_string())?;
    let config = Arc::clone(&state.config);
    let closed_ids: std::collections::HashSet<i64> = state
        .store
        .sync_states()
        .await
        .map_err(|error| format!("storage: {error}"))?
        .into_iter()
        .filter(|row| row.closed)
        .map(|row| row.polling_place_id)
        .collect();
    let published = state.is_published();
    let options = &state.seat_rules;
    let thresholds: Vec<f64> = options
        .coalition_sizes
        .iter()
        .map(|size| {
            options
                .election
                .threshold
                .brackets
                .iter()
                .filter(|bracket| bracket.min_size <= size)
                .max_by_key(|bracket| bracket.min_size)
                .map_or(0.0, |bracket| bracket.percent.to_f64())
        })
        .collect();
    let house = options.election.seats;
    state.with_tally(|tally| {
        let places = config.polling_places();
        let mut counted = 0;
        let mut closed = 0;
        for (index, place) in places.iter().enumerate() {
            if in_view(&config, view, index) {
                counted += u64::from(tally.place_total(index) > 0);
                closed += u64::from(closed_ids.contains(&place.id.0));
            }
        }
        let filter = match view {
            View::National => None,
            View::Region(code) => Some(("region_code", code)),
            View::County(code) => Some(("county_code", code)),
            View::Municipality(code) => Some(("municipality_code", code)),
        };
        let status: Status =
            crate::results::status(&config, tally, filter).map_err(|error| error.to_string())?;
        let (child_level, children_codes): (Option<&str>, Vec<i64>) = match view {
            View::National => (
                Some("region_code"),
                config.regions().iter().map(|r| r.code).collect(),
            ),
            View::Region(code) => (
                Some("county_code"),
                config
                    .counties()
                    .iter()
                    .filter(|c| c.region_code == code)
                    .map(|c| c.code)
                    .collect(),
            ),
            View::County(code) => (
                Some("municipality_code"),
                config
                    .municipalities()
                    .iter()
                    .filter(|m| m.county_code == code)
                    .map(|m| m.code)
                    .collect(),
            ),
            View::Municipality(_) => (None, Vec::new()),
        };
        let mut children: Vec<LocalityResult> = Vec::new();
        if let Some(level) = child_level {
            for code in children_codes {
                let mut rows = crate::results::by_locality(&config, tally, level, Some(code))
                    .map_err(|error| error.to_string())?;
                if !published {
                    rows.iter_mut().for_each(|row| row.parties.clear());
                }
                children.extend(rows);
            }
        }
        let mut seats_error = None;
        let (national, locality) = match (published, filter) {
            (false, _) => (None, None),
            // an undecided tie: the API answers 409, the page says why and shows the
            // rest (too few votes for a republic electoral number is no seats yet)
            (true, None) => {
                match crate::results::parties(&config, &state.seat_rules, tally, None, true) {
                    Ok(rows) => (Some(rows), None),
                    Err(error) => {
                        seats_error = Some(error.to_string());
                        (None, None)
                    }
                }
            }
            (true, Some((level, code))) => (
                None,
                crate::results::by_locality(&config, tally, level, Some(code))
                    .map_err(|error| error.to_string())?
                    .into_iter()
                    .next(),
            ),
        };
        Ok(Snapshot {
            published,
            status,
            counted,
            closed,
            house,
            national,
            locality,
            children,
            thresholds,
            seats_error,
        })
    })
}

/// The change watchers, one per server state, started with the first subscriber. A
/// watcher's value is a fingerprint of what the page shows; it ends (closing every
/// event stream) when the process is asked to stop, so a graceful shutdown is not held
/// up by open pages, or when its server state is gone.
static WATCHERS: Mutex<Vec<(Weak<AppState>, watch::Receiver<String>)>> = Mutex::new(Vec::new());

fn watcher(state: &Arc<AppState>) -> watch::Receiver<String> {
    let mut watchers = WATCHERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    watchers.retain(|(weak, _)| weak.strong_count() > 0);
    if let Some((_, receiver)) = watchers
        .iter()
        .find(|(weak, _)| std::ptr::eq(weak.as_ptr(), Arc::as_ptr(state)))
    {
        return receiver.clone();
    }
    let (sender, receiver) = watch::channel(String::new());
    let weak = Arc::downgrade(state);
    watchers.push((weak.clone(), receiver.clone()));
    tokio::spawn(async move {
        let stop = electie_service_support::stop_requested();
        tokio::pin!(stop);
        let mut tick = tokio::time::interval(WATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut stop => break,
                _ = tick.tick() => {}
            }
            let Some(state) = weak.upgrade() else { break };
            let votes = state.with_tally(|tally| tally.total_votes());
            let feed = state.store.feed_last_seqno().await.unwrap_or(-1);
            let fingerprint = format!("{}-{votes}-{feed}", u8::from(state.is_published()));
            drop(state);
            sender.send_if_modified(|current| {
                if *current == fingerprint {
                    false
                } else {
                    *current = fingerprint;
                    true
                }
            });
        }
        // dropping the sender ends every event stream of this state
        let mut watchers = WATCHERS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        watchers.retain(|(other, _)| !std::ptr::eq(other.as_ptr(), weak.as_ptr()));
    });
    receiver
}

async fn events(State(state): Shared) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut receiver = watcher(&state);
    // the first event goes out at once: a page that reconnects catches up
    receiver.mark_changed();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let fingerprint = loop {
            receiver.changed().await.ok()?;
            let fingerprint = receiver.borrow_and_update().clone();
            // empty until the watcher's first look; a browser drops an event without data
            if !fingerprint.is_empty() {
                break fingerprint;
            }
        };
        Some((
            Ok(Event::default()
                .event("results")
                .data(fingerprint)
                .retry(Duration::from_secs(1))),
            receiver,
        ))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
