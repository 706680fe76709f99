//! Deterministic kill and pause points for the tests (feature `crash-points`, off by
//! default, never in a production build).
//!
//! - [`crash_point`]: `ELECTIE_CRASH_POINT=<name>` makes the process die at once where
//!   that point is (a crash at a chosen moment of synchronization).
//! - [`pause_point`]: with `ELECTIE_PAUSE_DIR=<dir>`, the task that reaches point
//!   `<name>` while the file `<dir>/<name>.armed` exists consumes that file (one task
//!   per arming), creates `<dir>/<name>.reached` and waits until `<dir>/<name>.release`
//!   exists, which it removes before going on. A test orders two requests this way
//!   exactly as a rare scheduling would: it holds one at the point, does the other,
//!   then releases the first. The wait is bounded ([`PAUSE_LIMIT`]), so a test that
//!   dies never leaves a gateway stuck for good.
//!
//! The points:
//!
//! | name | kind | where |
//! |---|---|---|
//! | `sync-before-send` | crash | a batch is sealed, not sent |
//! | `sync-after-answer` | crash | the server stored the batch and answered; nothing recorded here |
//! | `vote-before-store` | pause | `POST /api/vote` checked that the election is running and opened and checked the ballot; its transaction has not begun |
//! | `sync-before-close` | pause | a run found the server holding every vote it read from the chain; it has not taken the lifecycle lock to close |

use std::path::PathBuf;
use std::time::Duration;

/// How long a paused task waits for its release at most.
pub const PAUSE_LIMIT: Duration = Duration::from_secs(60);

/// Makes the process die at once when `ELECTIE_CRASH_POINT` names this point.
pub fn crash_point(name: &str) {
    if std::env::var("ELECTIE_CRASH_POINT").as_deref() == Ok(name) {
        std::process::abort();
    }
}

/// Holds the calling task at this point when a test armed it (see the module docs).
pub async fn pause_point(name: &str) {
    let Some(dir) = std::env::var_os("ELECTIE_PAUSE_DIR").map(PathBuf::from) else {
        return;
    };
    // Removing the arming file is the claim: of two tasks at the point, one succeeds.
    if tokio::fs::remove_file(dir.join(format!("{name}.armed")))
        .await
        .is_err()
    {
        return;
    }
    let release = dir.join(format!("{name}.release"));
    if let Err(error) = tokio::fs::write(dir.join(format!("{name}.reached")), b"").await {
        tracing::error!(%error, point = name, "pause point: cannot signal the test");
        return;
    }
    tracing::info!(point = name, "paused");
    let deadline = tokio::time::Instant::now() + PAUSE_LIMIT;
    while tokio::fs::remove_file(&release).await.is_err() {
        if tokio::time::Instant::now() >= deadline {
            tracing::error!(point = name, "pause point: never released, going on");
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tracing::info!(point = name, "released");
}
