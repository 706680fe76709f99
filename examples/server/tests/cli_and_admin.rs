//! The command lines (`enroll`, `admin`, `serve` flags and variables), login, publish
//! and hide, CORS, the Authorization header on open routes, the commission paper, and
//! SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use electie_crypto::{Backend, PublicKey, Sealer};
use electie_test_support::run_to_end;
use serde_json::{Value, json};

#[tokio::test]
async fn enroll_admin_login_publish_and_restart() {
    let installation = Installation::new(Db::Sqlite);
    let gateway_key = std::path::Path::new(KEYS).join("gateway_public.pem");
    let gateway_key = gateway_key.to_str().unwrap();

    // enroll: the server's public key for the polling place, the same on every call.
    let (code, first, stderr) = installation.run(
        "enroll",
        &["--polling-place", "42", "--gateway-public-key", gateway_key],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(first.starts_with("-----BEGIN PUBLIC KEY-----"), "{first}");
    let (code, second, _) = installation.run(
        "enroll",
        &["--polling-place", "42", "--gateway-public-key", gateway_key],
        None,
    );
    assert_eq!((code, &second), (0, &first));
    // Bad data: exit 2 with a reason.
    let (code, _, stderr) = installation.run(
        "enroll",
        &[
            "--polling-place",
            "999999",
            "--gateway-public-key",
            gateway_key,
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not in the configuration"), "{stderr}");
    let (code, _, stderr) = installation.run(
        "enroll",
        &[
            "--polling-place",
            "1",
            "--gateway-public-key",
            "/nonexistent.pem",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(installation.data_dir().join("electie-server.sqlite"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key store is private");
    }

    let mut server = installation.start(&[]);
    let client = client();
    let server_key = PublicKey::from_pem(&first).unwrap();
    let keys = TestKeys::load();
    let sealer = Sealer::with_backend(&keys.gateway, &server_key, Backend::fastest()).unwrap();
    let body = batch(
        42,
        &[
            seal(&sealer, &vote(Some(10), &[1075], "cli-1")),
            seal(&sealer, &vote(Some(2), &[], "cli-2")),
        ],
    );
    // "Bearer null" as the public app sends it is ignored on open routes.
    let response = client
        .post(server.url("/elections/vote"))
        .bearer_auth("null")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    // Public keys only, in the server form and in the gateway form.
    let response = client
        .get(server.url("/elections/voting-data"))
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    assert!(!text.contains("PRIVATE"), "no private key in voting-data");
    let data: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["key_pairs"][0]["public_key_pem"], first.trim_end());
    assert_eq!(data["parties"].as_array().unwrap().len(), 25);
    let (status, gateway) = get(
        &client,
        &server.url("/elections/gateway-config?polling_place_id=42"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(gateway["key_pairs"][0]["public_key_pem"], first.trim_end());
    assert_eq!(
        gateway["key_pairs"][0]["g_public_key_pem"],
        read_key("gateway_public.pem").trim_end()
    );
    assert!(!gateway.to_string().contains("PRIVATE"));

    // No admin yet: admin actions refused, results hidden.
    let response = client
        .post(server.url("/elastic/results/publish"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = client
        .post(server.url("/token"))
        .form(&[("username", "admin"), ("password", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"detail": "Incorrect username or password"})
    );
    let response = client
        .post(server.url("/elastic/get-parties-results"))
        .bearer_auth("null")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"detail": "Results are not published yet"})
    );

    // admin: the password from stdin without its trailing newline.
    let (code, _, stderr) = installation.run(
        "admin",
        &["--username", "admin", "--password-stdin"],
        Some("s3cret\n"),
    );
    assert_eq!(code, 0, "{stderr}");
    let response = client
        .post(server.url("/token"))
        .form(&[("username", "admin"), ("password", "s3cret\n")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let login: Value = client
        .post(server.url("/token"))
        .form(&[
            ("username", "admin"),
            ("password", "s3cret"),
            ("grant_type", "password"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(login["token_type"], "bearer");
    let form = reqwest::multipart::Form::new()
        .text("username", "admin")
        .text("password", "s3cret");
    let response = client
        .post(server.url("/token"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "multipart login");
    let token = login["access_token"].as_str().unwrap();
    let response = client
        .post(server.url("/token"))
        .form(&[("username", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);

    // Publish needs the bearer token; then results are public.
    let response = client
        .post(server.url("/elastic/results/publish"))
        .bearer_auth("null")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = client
        .post(server.url("/elastic/results/publish"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, parties) = post(
        &client,
        &server.url("/elastic/get-parties-results"),
        &json!({}),
    )
    .await;
    assert_eq!(status, 200, "{parties}");
    assert_eq!(parties.as_array().unwrap().len(), 25);
    assert_eq!(
        parties[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "id",
            "doc_count",
            "percentage",
            "in_parliament",
            "relative_percentage",
            "seats"
        ]
    );
    let (status, one) = post(
        &client,
        &server.url("/elastic/get-parties-results"),
        &json!({"party": "DOBRÁ VOĽBA"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one.as_array().unwrap().len(), 1);
    let (status, localities) = post(
        &client,
        &server.url("/elastic/get-results-by-locality"),
        &json!({"filter_by": "region_code"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        localities
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["doc_count"].as_u64().unwrap())
            .sum::<u64>(),
        2
    );
    let (status, _) = post(
        &client,
        &server.url("/elastic/get-results-by-locality"),
        &json!({"filter_by": "planet"}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, candidates) = post(
        &client,
        &server.url("/elastic/get-candidates-results"),
        &json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(candidates.as_array().unwrap().len(), 1);

    // CORS: any origin on open routes, none on admin routes by default.
    let response = client
        .get(server.url("/"))
        .header("origin", "https://results.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let response = client
        .post(server.url("/token"))
        .header("origin", "https://results.example")
        .form(&[("username", "admin"), ("password", "s3cret")])
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // The commission paper: sealed by the gateway, stored with its hash.
    let document = b"%PDF-1.4 zapisnica";
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(document);
    let digest: String = {
        use sha2::Digest;
        sha2::Sha256::digest(document)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let seal_paper = |sha: &str| {
        let text = format!(r#"{{"data": "{data}", "sha256": "{sha}"}}"#);
        let value = electie_core::python_json::loads(&text).unwrap();
        sealed_json(
            &sealer
                .seal_value(
                    &value,
                    electie_crypto::AesKeyLength::Aes256,
                    &mut electie_crypto::system_rng(),
                )
                .unwrap(),
        )
    };
    let mut paper = seal_paper(&digest);
    paper["polling_place_id"] = json!(42);
    let (status, answer) = post(&client, &server.url("/database/commission-paper"), &paper).await;
    assert_eq!(status, 200, "{answer}");
    let mut wrong = seal_paper(&"0".repeat(64));
    wrong["polling_place_id"] = json!(42);
    let (status, _) = post(&client, &server.url("/database/commission-paper"), &wrong).await;
    assert_eq!(status, 400);

    // SIGTERM stops cleanly; the publish flag, the votes and the paper survive.
    assert!(server.terminate().success(), "{}", server.log());
    let store = installation.store().await;
    let papers = store.papers(42).await.unwrap();
    store.shutdown().await;
    assert_eq!(papers.len(), 1);
    assert_eq!(papers[0].sha256, digest);
    let server = installation.start(&[]);
    let (_, status) = get(&client, &server.url("/elastic/results/status")).await;
    assert_eq!(status, json!({"status": "success", "published": true}));
    let (_, totals) = get(&client, &server.url("/elastic/elections-status")).await;
    assert_eq!(totals["data"]["total_votes"], 2);
    // Tokens from before the restart stay valid within their 10 minutes.
    let response = client
        .post(server.url("/elastic/results/hide"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, _) = post(
        &client,
        &server.url("/elastic/get-parties-results"),
        &json!({}),
    )
    .await;
    assert_eq!(status, 400);
    // The request log names the polling place and never a token.
    let log = server.log();
    assert!(log.contains("request_id="));
    assert!(!log.contains(token));
}

#[test]
fn bad_flags_exit_2() {
    let installation = Installation::new(Db::Sqlite);
    let (code, _, _) = installation.run("serve", &["--listen", "not-an-address"], None);
    assert_eq!(code, 2);
    let (code, _, stderr) = installation.run(
        "serve",
        &["--config", "/nonexistent/config", "--listen", "127.0.0.1:0"],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    let output = std::process::Command::new(BIN)
        .args(["admin", "--username", "a", "--password-stdin"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "--data-dir is required");
    // Every flag also reads its ELECTIE_ variable.
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_to_end(
        std::process::Command::new(BIN)
            .args(["admin", "--username", "env-admin", "--password-stdin"])
            .env("ELECTIE_DATA_DIR", dir.path()),
        Some("pw\n"),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("electie-server.sqlite").exists());
}
