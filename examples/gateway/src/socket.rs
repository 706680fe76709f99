//! The socket.io channel the original terminals keep open
//! (`/voting-process-manager-api/ws/socket.io`, Socket.IO 5 / Engine.IO 4, default
//! namespace, polling transport, no auth payload needed): the gateway tells every
//! terminal `actual_state` on connect and on every start/end; terminals report their
//! own state with `vt_stauts` (sic), which `/terminals-status` shows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use socketioxide::SocketIo;
use socketioxide::extract::{Data, SocketRef};
use socketioxide::layer::SocketIoLayer;
use socketioxide::socket::Sid;

use crate::app::AppState;
use crate::store::Switch;

/// Where the original terminals connect.
pub const PATH: &str = "/voting-process-manager-api/ws/socket.io";
/// Engine.IO ping interval: a polling client answers well within it.
const PING_INTERVAL: Duration = Duration::from_secs(25);
/// How long a ping may stay unanswered before the terminal counts as disconnected.
const PING_TIMEOUT: Duration = Duration::from_secs(60);

/// The layer to mount and the handle to emit through.
pub fn layer() -> (SocketIoLayer, SocketIo) {
    SocketIo::builder()
        .req_path(PATH)
        .ping_interval(PING_INTERVAL)
        .ping_timeout(PING_TIMEOUT)
        .build_layer()
}

fn state_payload(running: bool) -> serde_json::Value {
    json!({ "state": if running { "start" } else { "stop" } })
}

/// `vt_stauts` as terminals send it.
#[derive(Debug, Deserialize)]
struct TerminalStatus {
    vt_id: String,
    status: String,
}

/// Registers the default namespace's handlers.
pub fn register(io: &SocketIo, state: Arc<AppState>) {
    let terminals: Arc<Mutex<HashMap<Sid, String>>> = Arc::default();
    io.ns("/", move |socket: SocketRef| {
        let state = state.clone();
        let terminals = terminals.clone();
        async move {
            let running = state.store.switch(Switch::Election).await.unwrap_or(false);
            if let Err(error) = socket.emit("actual_state", &state_payload(running)) {
                tracing::warn!(%error, "cannot send actual_state to a new terminal");
            }
            let (on_status_state, on_status_terminals) = (state.clone(), terminals.clone());
            socket.on(
                "vt_stauts",
                move |socket: SocketRef, Data(report): Data<TerminalStatus>| {
                    let state = on_status_state.clone();
                    let terminals = on_status_terminals.clone();
                    async move {
                        terminals
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .insert(socket.id, report.vt_id.clone());
                        match state.store.set_terminal_status(&report.vt_id, &report.status).await {
                            Ok(true) => {}
                            Ok(false) => tracing::warn!(terminal = %report.vt_id, "status from an unregistered terminal"),
                            Err(error) => tracing::error!(%error, "cannot record a terminal status"),
                        }
                    }
                },
            );
            socket.on_disconnect(move |socket: SocketRef| {
                let state = state.clone();
                let terminals = terminals.clone();
                async move {
                    let terminal = terminals
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .remove(&socket.id);
                    if let Some(terminal) = terminal
                        && let Err(error) = state.store.set_terminal_status(&terminal, "disconnected").await
                    {
                        tracing::error!(%error, "cannot record a terminal status");
                    }
                }
            });
        }
    });
}

/// Tells every connected terminal that the election started or stopped.
pub async fn announce(state: &AppState, running: bool) {
    if let Err(error) = state.io.emit("actual_state", &state_payload(running)).await {
        tracing::warn!(%error, "cannot broadcast actual_state");
    }
}
