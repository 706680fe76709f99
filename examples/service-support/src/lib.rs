#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod secret;

use std::net::SocketAddr;

/// The environment variable both services read their log filter from
/// (`tracing_subscriber`'s `EnvFilter` syntax, e.g. `info,sqlx=warn`).
pub const LOG_FILTER_VARIABLE: &str = "ELECTIE_LOG";

/// Sends the process's `tracing` events to stderr, one line each, filtered by
/// [`LOG_FILTER_VARIABLE`] or, when it is unset or does not parse, by `default_filter`.
/// Colour only when stderr is a terminal, so a log file or a test harness reading the
/// pipe sees plain `key=value` text.
///
/// Calling it again, or after another subscriber was installed, changes nothing (the
/// first one stays); it never panics.
pub fn init_logging(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env(LOG_FILTER_VARIABLE)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// What the ready line says before the address: a service prints
/// `listening on http://ADDR` on stderr once its socket is bound.
pub const LISTENING_PREFIX: &str = "listening on http://";

/// Prints the ready line, `listening on http://ADDR`, on stderr.
///
/// Printed directly, not through `tracing`, so it keeps its shape whatever the log
/// filter: the services' tests, `election-night/night.py` and the READMEs read the
/// address from it (a test binds port 0 and never guesses a free port).
pub fn announce_listening(address: SocketAddr) {
    eprintln!("{LISTENING_PREFIX}{address}");
}

/// Resolves when the process is asked to stop: Ctrl-C (SIGINT), or SIGTERM on Unix.
///
/// Both services hand it (followed by their own log line) to axum's graceful shutdown:
/// the listener stops accepting, requests in flight run to their end (a vote batch
/// being written commits), then the service commits what its writer has queued, closes
/// its store and exits 0. Each call listens afresh, so several waiters (the HTTP server
/// and the server's results-page event streams) all wake on one signal.
///
/// Should the operating system refuse the Ctrl-C handler, it resolves at once (the
/// service stops cleanly rather than run without a way to be stopped cleanly); should it
/// refuse the SIGTERM handler, only Ctrl-C stops it.
pub async fn stop_requested() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
