//! `stop_requested` against real signals sent to this test process.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

use std::time::Duration;

use electie_service_support::stop_requested;

#[tokio::test]
async fn sigterm_resolves_it_and_nothing_else_does() {
    // A SIGTERM handler of our own first: from here on a SIGTERM that arrives before
    // `stop_requested` listens is swallowed instead of ending the test process.
    let mut ours =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
    let waiting = tokio::spawn(stop_requested());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "resolved with no signal sent");

    // Until it wakes, SIGTERM again now and then (it may not listen yet the first time).
    let pid = std::process::id().to_string();
    let woke = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let status = tokio::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .await
                .unwrap();
            assert!(status.success());
            ours.recv().await;
            if waiting.is_finished() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    assert!(woke.is_ok(), "SIGTERM did not resolve stop_requested");
}
