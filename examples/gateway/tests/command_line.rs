//! The command lines of spec 41 §5: `init`, `pin`, `serve`, their refusals (exit 2 with
//! a reason) and `serve` without a configuration (503 on every route but `/`, retrying
//! until the server answers).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;

#[test]
fn init_creates_one_key_and_never_replaces_it() {
    let dir = TempDir::new("init");
    let data = dir.path().join("nested/data");
    let data = data.to_str().unwrap();
    let (status, first, stderr) =
        run_gateway(&["init", "--data-dir", data, "--polling-place", "7"], "");
    assert_eq!(status, 0, "{stderr}");
    assert!(first.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{first}");
    let key = electie_crypto::PublicKey::from_pem(&first).unwrap();
    assert_eq!(key.bits(), 2048);
    let (status, second, _) =
        run_gateway(&["init", "--data-dir", data, "--polling-place", "7"], "");
    assert_eq!(status, 0);
    assert_eq!(first, second, "a second init prints the same public key");
    let (status, _, stderr) =
        run_gateway(&["init", "--data-dir", data, "--polling-place", "8"], "");
    assert_eq!(status, 2);
    assert!(
        stderr.contains("already serves polling place 7"),
        "{stderr}"
    );
    let (status, third, _) = run_gateway(&["init", "--data-dir", data, "--polling-place", "7"], "");
    assert_eq!((status, third), (0, first));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("nested/data/gateway-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the private key is readable by its owner only"
        );
    }
}

#[test]
fn bad_flags_and_data_exit_2_with_a_reason() {
    let dir = TempDir::new("flags");
    let data = dir.path().to_str().unwrap();
    for (args, needle) in [
        (vec!["init", "--data-dir", data], "--polling-place"),
        (
            vec!["init", "--data-dir", data, "--polling-place", "-1"],
            "-1",
        ),
        (
            vec!["init", "--data-dir", data, "--polling-place", "x"],
            "invalid value",
        ),
        (vec!["pin", "--data-dir", data], "--pin-stdin"),
        (vec!["serve", "--data-dir", data], "--server"),
        (
            vec!["serve", "--data-dir", data, "--server", "ftp://x"],
            "http",
        ),
        (
            vec![
                "serve",
                "--data-dir",
                data,
                "--server",
                "http://127.0.0.1:1",
                "--sync-interval",
                "0",
            ],
            "more than 0",
        ),
        (
            vec![
                "serve",
                "--data-dir",
                data,
                "--server",
                "http://127.0.0.1:1",
                "--listen",
                "nowhere",
            ],
            "invalid value",
        ),
        (
            vec![
                "serve",
                "--data-dir",
                data,
                "--server",
                "http://127.0.0.1:1",
            ],
            "not initialised",
        ),
        (vec!["frobnicate"], "unrecognized subcommand"),
    ] {
        let (status, _, stderr) = run_gateway(&args, "");
        assert_eq!(status, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{args:?}: expected {needle:?} in {stderr}"
        );
    }
    // A PIN too short, or of two lines, is refused; a trailing newline is not part of it.
    let (status, _, stderr) = run_gateway(&["pin", "--data-dir", data, "--pin-stdin"], "123\n");
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("at least 4"), "{stderr}");
    let (status, _, _) = run_gateway(&["pin", "--data-dir", data, "--pin-stdin"], "1234\n5678\n");
    assert_eq!(status, 2);
}

#[test]
fn listening_address_taken_exits_2() {
    let dir = TempDir::new("taken");
    prepare_gateway(dir.path(), 0);
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = busy.local_addr().unwrap().to_string();
    let (status, _, stderr) = run_gateway(
        &[
            "serve",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--server",
            "http://127.0.0.1:1",
            "--listen",
            &address,
        ],
        "",
    );
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains(&address), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_configuration_only_root_answers_until_the_server_does() {
    let dir = TempDir::new("noconfig");
    let gateway_public = prepare_gateway(dir.path(), 3);
    let server_url = closed_port_url();
    let mut gateway = Gateway::start(dir.path(), &server_url, "2");
    let client = http();
    let root: serde_json::Value = client
        .get(&gateway.base)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(root["configured"], false);
    assert_eq!(root["polling_place_id"], 3);
    for path in [
        "/statevector/",
        "/statevector/state_election",
        "/voting-service-api/api/vote",
        "/token-manager-api/tokens/create",
    ] {
        let response = client
            .get(format!("{}{path}", gateway.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 503, "{path}");
    }
    // The server comes up on the address the gateway was given: it gets its configuration.
    let address: std::net::SocketAddr = server_url.trim_start_matches("http://").parse().unwrap();
    let _server = ConfigServer::start_at(address, 3, &gateway_public).await;
    assert!(
        configured_within(&client, &gateway.base, Duration::from_secs(20)).await,
        "the gateway never got its configuration: {}",
        gateway.log_text()
    );
    assert!(
        gateway
            .log_text()
            .contains("cannot get the configuration from the server")
    );
    assert_eq!(
        gateway.terminate(),
        Some(0),
        "SIGTERM stops the gateway cleanly"
    );
}
