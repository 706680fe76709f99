//! Every gateway route of spec 41 §1 against a running `electie-gateway`: success, each
//! original error, malformed bodies (422, never 500), the commission's login, terminals
//! sealing with electie-crypto, tokens used concurrently, restarts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use electie_core::python_json::{Object, Value as PyValue};
use electie_crypto::PrivateKey;
use electie_gateway::client::{Answer, Commission, Terminal, vote_plaintext};
use reqwest::Method;
use serde_json::{Value, json};

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn post_json(client: &reqwest::Client, url: String, body: Value) -> Answer {
    let response = client.post(url).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

fn detail_list(answer: &Answer) -> &Vec<Value> {
    answer.body["detail"]
        .as_array()
        .unwrap_or_else(|| panic!("no 422 detail list: {answer:?}"))
}

struct Room {
    _dir: TempDir,
    _config: ConfigServer,
    gateway: Gateway,
    client: reqwest::Client,
    gateway_public: String,
}

async fn room(name: &str, polling_place: i64) -> Room {
    let dir = TempDir::new(name);
    let gateway_public = prepare_gateway(dir.path(), polling_place);
    let config = ConfigServer::start(polling_place, &gateway_public).await;
    let gateway = Gateway::start(dir.path(), &config.base, "30");
    let client = http();
    let configured = configured_within(&client, &gateway.base, Duration::from_secs(20)).await;
    assert!(configured, "no configuration: {}", gateway.log_text());
    Room {
        _dir: dir,
        _config: config,
        gateway,
        client,
        gateway_public,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn statevector_login_and_configuration_routes() {
    let room = room("statevector", 5).await;
    let (client, base) = (&room.client, room.gateway.base.clone());

    // Hellos, with and without the trailing slash.
    for (path, expected) in [
        (
            "/statevector/",
            json!({"message": "Hello from Statevector!"}),
        ),
        (
            "/statevector",
            json!({"message": "Hello from Statevector!"}),
        ),
        (
            "/voting-service-api/",
            json!({"message": "Hello from voting service!"}),
        ),
        (
            "/token-manager-api/",
            json!({"status": "success", "message": "Hello from token manager."}),
        ),
        (
            "/voting-process-manager-api/",
            json!({"status": "success", "message": "Hello from voting process manager."}),
        ),
        (
            "/synchronization-service-api/",
            json!({"status": "success", "message": "Hello from synchronization service."}),
        ),
    ] {
        let (status, body) = get(client, format!("{base}{path}")).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            expected,
            "{path}"
        );
    }

    // States start at 0, body exactly `0`.
    for name in ["state_election", "state_write", "state_register_terminals"] {
        assert_eq!(
            get(client, format!("{base}/statevector/{name}")).await,
            (200, "0".to_owned())
        );
        // Changing a state needs the commission.
        let answer = post_json(client, format!("{base}/statevector/{name}"), json!("1")).await;
        assert_eq!(answer.status, 401, "{name}");
        assert_eq!(answer.detail(), Some("Not authenticated"));
    }
    assert_eq!(
        get(client, format!("{base}/statevector/office_id")).await,
        (200, "5".to_owned())
    );
    assert_eq!(
        get(client, format!("{base}/statevector/pin")).await.0,
        404,
        "the PIN is never served"
    );
    let (status, key) = get(client, format!("{base}/statevector/server_key")).await;
    assert_eq!(status, 200);
    let key: String = serde_json::from_str(&key).unwrap();
    assert_eq!(key, room._config.server_key.public_key().to_pem());
    let (_, address) = get(client, format!("{base}/statevector/server_address")).await;
    assert_eq!(
        serde_json::from_str::<String>(&address).unwrap(),
        room._config.base
    );
    let (status, config) = get(client, format!("{base}/statevector/config/config.json")).await;
    assert_eq!(status, 200);
    let config: Value = serde_json::from_str(&config).unwrap();
    let expected = nrsr_2020();
    assert_eq!(
        config["parties"].as_array().unwrap().len(),
        expected.parties().len()
    );
    assert_eq!(config["parties"][0]["_id"], 0);
    assert_eq!(config["parties"][10]["candidates"][0]["_id"], 1075);
    assert!(config["key_pairs"][0].get("private_key_pem").is_none());
    let (status, yaml) = get(client, format!("{base}/statevector/config/datamodels.yaml")).await;
    assert_eq!(status, 200);
    assert!(
        yaml.contains("VotePartial:")
            && yaml.contains("maxItems: 5")
            && yaml.contains("- election_id"),
        "{yaml}"
    );

    // Login: wrong PIN, wrong user, malformed form, then right (form and multipart).
    let wrong = client
        .post(format!("{base}/voting-process-manager-api/token"))
        .form(&[("username", "admin"), ("password", "0000")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(wrong.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        wrong.json::<Value>().await.unwrap(),
        json!({"detail": "Incorrect username or password"})
    );
    let wrong_user = client
        .post(format!("{base}/voting-process-manager-api/token"))
        .form(&[("username", "root"), ("password", PIN)])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_user.status(), 401);
    let missing = client
        .post(format!("{base}/voting-process-manager-api/token"))
        .form(&[("username", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 422);
    let multipart = reqwest::multipart::Form::new()
        .text("username", "admin")
        .text("password", PIN);
    let by_multipart = client
        .post(format!("{base}/voting-process-manager-api/token"))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(by_multipart.status(), 200);
    let commission = Commission::login(client.clone(), &base, PIN).await.unwrap();
    assert_eq!(commission.bearer().len(), 64);
    let bad_bearer = client
        .get(format!(
            "{base}/voting-process-manager-api/terminals-status"
        ))
        .bearer_auth("not-a-login")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_bearer.status(), 401);

    // State changes: the JSON string or a bare 0/1; anything else 422.
    for (name, label) in [
        ("state_write", "Write"),
        ("state_register_terminals", "Register terminals"),
    ] {
        let answer = commission
            .call(
                Method::POST,
                &format!("/statevector/{name}"),
                Some(json!("1")),
            )
            .await
            .unwrap();
        assert_eq!(
            answer.body,
            json!({"message": format!("{label} state set to 1")})
        );
        assert_eq!(
            get(client, format!("{base}/statevector/{name}")).await.1,
            "1"
        );
        let answer = commission
            .call(
                Method::POST,
                &format!("/statevector/{name}"),
                Some(json!(0)),
            )
            .await
            .unwrap();
        assert_eq!(
            answer.body,
            json!({"message": format!("{label} state set to 0")})
        );
        assert_eq!(
            get(client, format!("{base}/statevector/{name}")).await.1,
            "0"
        );
        for bad in [
            json!("2"),
            json!(2),
            json!(null),
            json!({"state": 1}),
            json!("yes"),
            json!(true),
        ] {
            let answer = commission
                .call(
                    Method::POST,
                    &format!("/statevector/{name}"),
                    Some(bad.clone()),
                )
                .await
                .unwrap();
            assert_eq!(answer.status, 422, "{name} {bad}");
            assert!(!detail_list(&answer).is_empty());
        }
    }
    let no_body = client
        .post(format!("{base}/statevector/state_write"))
        .bearer_auth(commission.bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(no_body.status(), 422);
    let answer = commission
        .call(
            Method::POST,
            "/statevector/state_election",
            Some(json!("1")),
        )
        .await
        .unwrap();
    assert_eq!(answer.body, json!({"message": "Election state set to 1"}));

    let texts = commission
        .call(
            Method::GET,
            "/voting-process-manager-api/election-config",
            None,
        )
        .await
        .unwrap();
    assert_eq!(texts.body["status"], "success");
    assert_eq!(
        texts.body["texts"],
        serde_json::to_value(expected.texts()).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_terminals_votes_and_every_refusal() {
    let room = room("votes", 0).await;
    let (client, base) = (&room.client, room.gateway.base.clone());
    let commission = Commission::login(client.clone(), &base, PIN).await.unwrap();

    // Registration is off until the commission allows it: the exact original refusal.
    let refused = Terminal::register(client.clone(), &base).await.unwrap_err();
    let electie_gateway::client::ClientError::Refused(answer) = refused else {
        panic!("{refused}")
    };
    assert_eq!(
        (answer.status, answer.body),
        (400, json!({"detail": "Registration is disabled"}))
    );
    commission
        .set_state("state_register_terminals", true)
        .await
        .unwrap();
    let terminal = Terminal::register(client.clone(), &base).await.unwrap();
    let (office, number) = terminal.id().split_once(':').unwrap();
    assert_eq!(office, "0");
    assert!(
        number.len() == 6 && number.bytes().all(|b| b.is_ascii_digit()),
        "{}",
        terminal.id()
    );
    let other = Terminal::register(client.clone(), &base).await.unwrap();
    assert_ne!(terminal.id(), other.id());
    let registered = post_json(
        client,
        format!("{base}/voting-process-manager-api/register-vt"),
        json!({"public_key": PrivateKey::generate(2048).unwrap().public_key().to_pem()}),
    )
    .await;
    assert_eq!(
        registered.body["gateway_public_key"],
        json!(room.gateway_public)
    );
    for bad in [
        json!({"public_key": "not a key"}),
        json!({"public_key": PrivateKey::generate(1536).unwrap().public_key().to_pem()}),
    ] {
        let answer = post_json(
            client,
            format!("{base}/voting-process-manager-api/register-vt"),
            bad,
        )
        .await;
        assert_eq!(answer.status, 400, "{answer:?}");
        assert!(
            answer.detail().unwrap().starts_with("Invalid public key"),
            "{answer:?}"
        );
    }
    for bad in [json!({}), json!({"public_key": 5}), json!([1])] {
        let answer = post_json(
            client,
            format!("{base}/voting-process-manager-api/register-vt"),
            bad,
        )
        .await;
        assert_eq!(answer.status, 422, "{answer:?}");
    }
    let status = commission
        .call(
            Method::GET,
            "/voting-process-manager-api/terminals-status",
            None,
        )
        .await
        .unwrap();
    assert_eq!(status.body["registration_status"], true);
    let terminals = status.body["terminals"].as_array().unwrap();
    assert_eq!(terminals.len(), 3);
    assert_eq!(terminals[0]["ip_address"], "127.0.0.1");
    assert!(terminals.iter().any(|t| t["id"] == terminal.id()));

    // Tokens: created inactive, active once written, used by one vote only.
    let created = commission
        .call(Method::POST, "/token-manager-api/tokens/create", None)
        .await
        .unwrap();
    let token = created.body["token"].as_str().unwrap().to_owned();
    assert_eq!(created.body["status"], "success");
    assert!(
        token.len() == 32
            && token
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let validate = |token: &str| {
        commission.call(
            Method::POST,
            "/token-manager-api/tokens/validate",
            Some(json!({"token": token})),
        )
    };
    let refused = validate(&token).await.unwrap();
    assert_eq!(
        (refused.status, refused.body),
        (403, json!({"detail": "Invalid token"}))
    );
    let unknown = commission
        .call(
            Method::POST,
            "/token-manager-api/tokens/writer/update",
            Some(json!({"token": "0".repeat(32)})),
        )
        .await
        .unwrap();
    assert_eq!(
        unknown.status, 404,
        "an unknown token is not silently 'updated'"
    );
    let updated = commission
        .call(
            Method::POST,
            "/token-manager-api/tokens/writer/update",
            Some(json!({"token": token})),
        )
        .await
        .unwrap();
    assert_eq!(
        updated.body,
        json!({"status": "success", "message": "Updated NFC tokens successfully."})
    );
    let valid = validate(&token).await.unwrap();
    assert_eq!((valid.status, valid.body), (200, Value::Null));
    let deactivated = commission
        .call(
            Method::POST,
            "/token-manager-api/tokens/deactivate",
            Some(json!({"token": token})),
        )
        .await
        .unwrap();
    assert_eq!(
        (deactivated.status, deactivated.body.clone()),
        (200, Value::Null)
    );
    let again = commission
        .call(
            Method::POST,
            "/token-manager-api/tokens/deactivate",
            Some(json!({"token": token})),
        )
        .await
        .unwrap();
    assert_eq!(again.status, 403);
    // Writing it again makes it active again (it never voted).
    commission
        .call(
            Method::POST,
            "/token-manager-api/tokens/writer/update",
            Some(json!({"token": token})),
        )
        .await
        .unwrap();
    let deleted = commission
        .call(
            Method::DELETE,
            "/token-manager-api/tokens/delete",
            Some(json!({"token": token})),
        )
        .await
        .unwrap();
    assert_eq!(deleted.status, 200);
    assert_eq!(validate(&token).await.unwrap().status, 403);
    let deleted_again = commission
        .call(
            Method::DELETE,
            "/token-manager-api/tokens/delete",
            Some(json!({"token": token})),
        )
        .await
        .unwrap();
    assert_eq!(deleted_again.status, 403);
    for bad in [json!({}), json!({"token": 1}), json!("token")] {
        assert_eq!(
            commission
                .call(
                    Method::POST,
                    "/token-manager-api/tokens/validate",
                    Some(bad.clone())
                )
                .await
                .unwrap()
                .status,
            422,
            "{bad}"
        );
    }
    let unauthenticated = post_json(
        client,
        format!("{base}/token-manager-api/tokens/create"),
        json!({}),
    )
    .await;
    assert_eq!(unauthenticated.status, 401);

    // The writer: activate/deactivate set state_write; delete removes unwritten tokens only.
    let activated = commission
        .call(
            Method::POST,
            "/token-manager-api/tokens/writer/activate",
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        activated.body,
        json!({"status": "success", "message": "NFC writer machine was activated."})
    );
    assert_eq!(
        get(client, format!("{base}/statevector/state_write"))
            .await
            .1,
        "1"
    );
    let deactivated = commission
        .call(
            Method::POST,
            "/token-manager-api/tokens/writer/deactivate",
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        deactivated.body,
        json!({"status": "success", "message": "NFC writer machine was deactivated."})
    );
    assert_eq!(
        get(client, format!("{base}/statevector/state_write"))
            .await
            .1,
        "0"
    );
    let unwritten = commission
        .call(Method::POST, "/token-manager-api/tokens/create", None)
        .await
        .unwrap()
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let written = commission.issue_token().await.unwrap();
    for bad in [json!({"event": "lunch"}), json!({})] {
        assert_eq!(
            commission
                .call(
                    Method::POST,
                    "/token-manager-api/tokens/writer/delete",
                    Some(bad)
                )
                .await
                .unwrap()
                .status,
            422
        );
    }
    let cleared = commission
        .call(
            Method::POST,
            "/token-manager-api/tokens/writer/delete",
            Some(json!({"event": "write_error"})),
        )
        .await
        .unwrap();
    assert_eq!(
        cleared.body,
        json!({"status": "success", "message": "Unwritten NFC tokens successfully deleted from database."})
    );
    let gone = commission
        .call(
            Method::POST,
            "/token-manager-api/tokens/writer/update",
            Some(json!({"token": unwritten})),
        )
        .await
        .unwrap();
    assert_eq!(gone.status, 404);
    assert_eq!(validate(&written).await.unwrap().status, 200);

    // Votes: refused while the election is not running.
    let not_running = terminal.vote(&written, Some(10), &[1075]).await.unwrap();
    assert_eq!(
        (not_running.status, not_running.body),
        (409, json!({"detail": "Election is not running."}))
    );
    let started = commission.start().await.unwrap();
    assert_eq!(started.body["status"], "success");
    let twice = commission.start().await.unwrap();
    assert_eq!(
        (twice.status, twice.body),
        (400, json!({"detail": "Election is already running"}))
    );

    // Token check.
    let checked = terminal.check_token(&written).await.unwrap();
    assert_eq!(
        (checked.status, checked.body),
        (200, json!({"status": "success"}))
    );
    let checked = terminal.check_token("f".repeat(32).as_str()).await.unwrap();
    assert_eq!(
        (checked.status, checked.body),
        (403, json!({"detail": "Token is invalid."}))
    );

    // Unknown terminal, payload that does not open, payload signed by another key.
    let stranger = post_json(
        client,
        format!("{base}/voting-service-api/api/vote"),
        json!({"voting_terminal_id": "0:999999x", "payload": {"encrypted_message": "AAAA", "encrypted_object": "BBBB"}}),
    )
    .await;
    assert_eq!(
        (stranger.status, stranger.body),
        (403, json!({"detail": "Unknown voting terminal."}))
    );
    let garbage = terminal
        .post_payload(
            "vote",
            json!({"encrypted_message": "AAAA", "encrypted_object": "BBBB"}),
        )
        .await
        .unwrap();
    assert_eq!(
        (garbage.status, garbage.body),
        (400, json!({"detail": "Invalid payload."}))
    );
    let forged = other
        .seal(&vote_plaintext(&written, Some(10), &[1075]))
        .unwrap();
    let forged = terminal.post_payload("vote", forged).await.unwrap();
    assert_eq!(
        (forged.status, forged.body),
        (400, json!({"detail": "Invalid payload."})),
        "sealed by another terminal's key"
    );
    let forged_check = terminal
        .post_payload(
            "token-validity",
            other
                .seal(&{
                    let mut object = Object::new();
                    object.insert("token".into(), written.as_str().into());
                    object
                })
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(forged_check.status, 400);

    // Plaintexts of the wrong shape.
    let shapes: Vec<Object> = {
        let mut shapes = Vec::new();
        let mut no_vote = Object::new();
        no_vote.insert("token".into(), written.as_str().into());
        shapes.push(no_vote);
        let mut number_token = vote_plaintext("x", Some(10), &[]);
        number_token.insert("token".into(), 5.into());
        shapes.push(number_token);
        let mut string_party = vote_plaintext(&written, Some(10), &[]);
        if let Some(PyValue::Object(vote)) = string_party.get_mut("vote") {
            vote.insert("party_id".into(), "10".into());
        }
        shapes.push(string_party);
        let mut float_candidate = vote_plaintext(&written, Some(10), &[]);
        if let Some(PyValue::Object(vote)) = float_candidate.get_mut("vote") {
            vote.insert(
                "candidate_ids".into(),
                PyValue::Array(vec![PyValue::Float(1075.0)]),
            );
        }
        shapes.push(float_candidate);
        let mut huge = vote_plaintext(&written, Some(10), &[]);
        if let Some(PyValue::Object(vote)) = huge.get_mut("vote") {
            vote.insert(
                "party_id".into(),
                electie_core::python_json::loads("123456789012345678901234567890").unwrap(),
            );
        }
        shapes.push(huge);
        // `candidate_ids` is required (spec 41 §1, core's one grammar): no default `[]`.
        let mut no_candidates = vote_plaintext(&written, Some(10), &[]);
        if let Some(PyValue::Object(vote)) = no_candidates.get_mut("vote") {
            vote.shift_remove("candidate_ids");
        }
        shapes.push(no_candidates);
        shapes
    };
    for shape in &shapes {
        let answer = terminal
            .post_payload("vote", terminal.seal(shape).unwrap())
            .await
            .unwrap();
        assert_eq!(
            (answer.status, answer.body.clone()),
            (400, json!({"detail": "Invalid payload."})),
            "{shape:?}"
        );
    }

    // Rules 4–8 at the polling place, with the original messages; the token stays usable.
    for (party, candidates, message) in [
        (
            Some(10),
            vec![1075, 1076, 1077, 1078, 1079, 1080],
            "Number of candidates is more than 5",
        ),
        (Some(10), vec![1075, 1075], "Duplicate candidates ids"),
        (
            None,
            vec![1075],
            "When party_id is None there is no possibility to have length of candidate_ids greater than zero",
        ),
        (
            Some(10),
            vec![1075, 0],
            "Invalid candidates ids - candidate |0| is not in party |10|",
        ),
        (
            Some(10),
            vec![-1],
            "Invalid candidates ids - candidate |-1| is not in party |10|",
        ),
        (Some(99), vec![], "Invalid party id"),
        (Some(-1), vec![1], "Invalid party id"),
    ] {
        let answer = terminal.vote(&written, party, &candidates).await.unwrap();
        assert_eq!(
            (answer.status, answer.body.clone()),
            (400, json!({"detail": message})),
            "{party:?} {candidates:?}"
        );
    }
    assert_eq!(
        terminal.check_token(&written).await.unwrap().status,
        200,
        "a refused vote leaves the token active"
    );

    // A good vote: 200 null, then the token is spent.
    let cast = terminal
        .vote(&written, Some(10), &[1075, 1076])
        .await
        .unwrap();
    assert_eq!((cast.status, cast.body), (200, Value::Null));
    let again = other.vote(&written, Some(10), &[1075]).await.unwrap();
    assert_eq!(
        (again.status, again.body),
        (403, json!({"detail": "Token is invalid."}))
    );
    assert_eq!(terminal.check_token(&written).await.unwrap().status, 403);
    let reactivate = commission
        .call(
            Method::POST,
            "/token-manager-api/tokens/writer/update",
            Some(json!({"token": written})),
        )
        .await
        .unwrap();
    assert_eq!(
        reactivate.status, 409,
        "a used token never becomes active again"
    );
    let blank = commission.issue_token().await.unwrap();
    let cast = other.vote(&blank, None, &[]).await.unwrap();
    assert_eq!(cast.status, 200);
    let party_zero = commission.issue_token().await.unwrap();
    assert_eq!(
        terminal
            .vote(&party_zero, Some(0), &[])
            .await
            .unwrap()
            .status,
        200
    );

    // Malformed bodies: 422 in FastAPI's shape.
    for body in [
        json!({}),
        json!({"voting_terminal_id": terminal.id()}),
        json!({"voting_terminal_id": 5, "payload": {}}),
        json!([]),
    ] {
        let answer = post_json(
            client,
            format!("{base}/voting-service-api/api/vote"),
            body.clone(),
        )
        .await;
        assert_eq!(answer.status, 422, "{body}");
        let entry = &detail_list(&answer)[0];
        assert!(
            entry["loc"][0] == "body" && entry["msg"].is_string() && entry["type"].is_string(),
            "{answer:?}"
        );
    }
    let missing_payload = post_json(
        client,
        format!("{base}/voting-service-api/api/vote"),
        json!({"voting_terminal_id": "x"}),
    )
    .await;
    assert_eq!(
        detail_list(&missing_payload)[0]["loc"],
        json!(["body", "payload"])
    );
    let not_json = client
        .post(format!("{base}/voting-service-api/api/vote"))
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 422);
    let not_json = client
        .post(format!("{base}/voting-service-api/api/token-validity"))
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 422);

    // Events, start/end.
    let ended = commission.end().await.unwrap();
    assert_eq!(ended.body["status"], "success");
    let twice = commission.end().await.unwrap();
    assert_eq!(
        (twice.status, twice.body),
        (400, json!({"detail": "Election is already stopped"}))
    );
    let late = commission.issue_token().await.unwrap();
    assert_eq!(terminal.vote(&late, None, &[]).await.unwrap().status, 409);
    let events = commission
        .call(
            Method::GET,
            "/voting-process-manager-api/gateway-elections-events",
            None,
        )
        .await
        .unwrap();
    let actions: Vec<&str> = events.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["elections_stopped", "elections_started"],
        "newest first"
    );
    let first = commission
        .call(
            Method::GET,
            "/voting-process-manager-api/gateway-elections-events/first-start",
            None,
        )
        .await
        .unwrap();
    assert_eq!(first.body["event"]["action"], "elections_started");
    let last = commission
        .call(
            Method::GET,
            "/voting-process-manager-api/gateway-elections-events/last-end",
            None,
        )
        .await
        .unwrap();
    assert_eq!(last.body["event"]["action"], "elections_stopped");
    assert_eq!(
        post_json(
            client,
            format!("{base}/voting-process-manager-api/start"),
            json!({})
        )
        .await
        .status,
        401
    );

    // Statistics: three votes stored, none confirmed (this stand-in server has no sync).
    let stats = post_json(
        client,
        format!("{base}/synchronization-service-api/statistics"),
        json!({}),
    )
    .await;
    assert_eq!(stats.body["status"], "success");
    assert_eq!(
        stats.body["statistics"],
        json!({"all_count": 3, "syncronized_count": 0, "unsyncronized_count": 3, "rejected_count": 0})
    );
    let sync = post_json(
        client,
        format!("{base}/synchronization-service-api/synchronize"),
        json!({}),
    )
    .await;
    assert_eq!(
        sync.body,
        json!({"status": "success", "message": "Synchronization started"})
    );
    let stats = post_json(
        client,
        format!("{base}/synchronization-service-api/statistics"),
        json!({}),
    )
    .await;
    assert!(stats.body["last_synchronization"].is_string(), "{stats:?}");
    assert!(stats.body["last_success_synchronization"].is_null());
    assert!(
        stats.body["last_error"].as_str().unwrap().contains("404"),
        "{stats:?}"
    );

    // Terminals' statuses as the socket.io channel reports them are covered in socket.rs.
    let paper = commission
        .call(
            Method::GET,
            "/voting-process-manager-api/commission-paper",
            None,
        )
        .await
        .unwrap();
    assert_eq!(paper.status, 404);
    let send = commission
        .call(
            Method::POST,
            "/voting-process-manager-api/commission-paper/send",
            None,
        )
        .await
        .unwrap();
    assert_eq!(send.status, 404);
    for bad in [
        json!({}),
        json!({"polling_place_id": 0, "participated_members": "x", "president": {"name": "a", "agree": true}}),
    ] {
        let answer = commission
            .call(
                Method::POST,
                "/voting-process-manager-api/commission-paper/generate",
                Some(bad),
            )
            .await
            .unwrap();
        assert_eq!(answer.status, 422);
    }
    let wrong_place = commission
        .call(
            Method::POST,
            "/voting-process-manager-api/commission-paper/generate",
            Some(json!({"polling_place_id": 1, "participated_members": [], "president": {"name": "A", "agree": true}})),
        )
        .await
        .unwrap();
    assert_eq!(wrong_place.status, 400);
}

/// Eight requests per token race from two terminals: exactly one vote per token.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_votes_once_under_racing_requests() {
    let room = room("race", 1).await;
    let (client, base) = (&room.client, room.gateway.base.clone());
    let commission = commission_registering_terminals(client, &base).await;
    let terminals = std::sync::Arc::new([
        Terminal::register(client.clone(), &base).await.unwrap(),
        Terminal::register(client.clone(), &base).await.unwrap(),
    ]);
    assert_eq!(commission.start().await.unwrap().status, 200);
    const TOKENS: usize = 20;
    const RACERS: usize = 8;
    let mut tokens = Vec::new();
    for _ in 0..TOKENS {
        tokens.push(commission.issue_token().await.unwrap());
    }
    let mut tasks = Vec::new();
    for token in &tokens {
        for racer in 0..RACERS {
            let terminals = terminals.clone();
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let party = if racer % 2 == 0 { Some(10) } else { None };
                let answer = terminals[racer % 2].vote(&token, party, &[]).await.unwrap();
                (token, answer)
            }));
        }
    }
    let mut accepted = std::collections::HashMap::<String, usize>::new();
    for task in tasks {
        let (token, answer) = task.await.unwrap();
        match answer.status {
            200 => *accepted.entry(token).or_default() += 1,
            403 => assert_eq!(answer.body, json!({"detail": "Token is invalid."})),
            other => panic!("unexpected answer {other}: {answer:?}"),
        }
    }
    assert_eq!(accepted.len(), TOKENS, "every token voted");
    assert!(accepted.values().all(|&count| count == 1), "{accepted:?}");
    let stats = post_json(
        client,
        format!("{base}/synchronization-service-api/statistics"),
        json!({}),
    )
    .await;
    assert_eq!(stats.body["statistics"]["all_count"], TOKENS);
}

/// States, terminals, tokens, votes and the configuration survive a restart; logins do
/// not; the cached configuration serves while the server is away.
#[tokio::test(flavor = "multi_thread")]
async fn everything_but_logins_survives_a_restart() {
    let mut room = room("restart", 2).await;
    let client = room.client.clone();
    let base = room.gateway.base.clone();
    let commission = commission_registering_terminals(&client, &base).await;
    let key = PrivateKey::generate(2048).unwrap();
    let terminal = Terminal::register_with_key(client.clone(), &base, &key)
        .await
        .unwrap();
    commission.start().await.unwrap();
    let spent = commission.issue_token().await.unwrap();
    let kept = commission.issue_token().await.unwrap();
    assert_eq!(
        terminal.vote(&spent, Some(3), &[]).await.unwrap().status,
        200
    );
    assert_eq!(room.gateway.terminate(), Some(0));

    // Back up with the server unreachable: the cached configuration serves.
    let data_dir = room.gateway.data_dir.clone();
    let restarted = Gateway::start_on(
        &data_dir,
        &closed_port_url(),
        "30",
        &room.gateway.address.to_string(),
    );
    assert_eq!(
        get(&client, format!("{base}/statevector/state_election"))
            .await
            .1,
        "1"
    );
    assert_eq!(
        get(
            &client,
            format!("{base}/statevector/state_register_terminals")
        )
        .await
        .1,
        "1"
    );
    assert_eq!(
        get(&client, format!("{base}/statevector/office_id"))
            .await
            .1,
        "2"
    );
    let old_login = commission
        .call(
            Method::GET,
            "/voting-process-manager-api/terminals-status",
            None,
        )
        .await
        .unwrap();
    assert_eq!(old_login.status, 401, "logins do not survive a restart");
    let commission = Commission::login(client.clone(), &base, PIN).await.unwrap();
    let status = commission
        .call(
            Method::GET,
            "/voting-process-manager-api/terminals-status",
            None,
        )
        .await
        .unwrap();
    assert_eq!(status.body["terminals"][0]["id"], terminal.id());
    assert_eq!(
        terminal.vote(&spent, Some(3), &[]).await.unwrap().status,
        403
    );
    assert_eq!(
        terminal.vote(&kept, Some(4), &[]).await.unwrap().status,
        200,
        "the registered terminal and its token survived"
    );
    let stats = post_json(
        &client,
        format!("{base}/synchronization-service-api/statistics"),
        json!({}),
    )
    .await;
    assert_eq!(stats.body["statistics"]["all_count"], 2);
    drop(restarted);
}

fn pdf_tool(tool: &str) -> std::path::PathBuf {
    let path = std::path::PathBuf::from(format!("/usr/bin/{tool}"));
    assert!(
        path.exists(),
        "{tool} is missing: install Debian's poppler-utils (./test.sh does when it is missing)"
    );
    path
}

/// The zápisnica: a PDF with its fonts embedded whose text (as pdftotext reads it) has
/// the polling place, every party in configuration order with party 0, the counts,
/// participation in percent, the members with their diacritics and the chain head the
/// votes make.
#[tokio::test(flavor = "multi_thread")]
async fn zapisnica_pdf_has_every_party_the_counts_and_the_chain() {
    use base64::Engine;
    use electie_core::sync::ChainPosition;
    use electie_core::{CandidateId, PartyId, PollingPlaceId, Vote};

    let room = room("paper", 0).await;
    let (client, base) = (&room.client, room.gateway.base.clone());
    let commission = commission_registering_terminals(client, &base).await;
    let terminal = Terminal::register(client.clone(), &base).await.unwrap();
    commission.start().await.unwrap();
    let ballots: [(Option<i64>, Vec<i64>); 5] = [
        (Some(0), vec![]),
        (Some(10), vec![1075, 1076]),
        (Some(10), vec![]),
        (None, vec![]),
        (Some(24), vec![]),
    ];
    let mut chain = ChainPosition::genesis(PollingPlaceId(0), "election_id");
    for (party, candidates) in &ballots {
        let token = commission.issue_token().await.unwrap();
        assert_eq!(
            terminal
                .vote(&token, *party, candidates)
                .await
                .unwrap()
                .status,
            200
        );
        let vote = Vote {
            party_id: party.map(PartyId),
            candidate_ids: candidates.iter().copied().map(CandidateId).collect(),
            token,
            election_id: "election_id".into(),
        };
        chain.append(&vote.signed_bytes());
    }
    commission.end().await.unwrap();
    let generated = commission
        .call(
            Method::POST,
            "/voting-process-manager-api/commission-paper/generate",
            Some(json!({
                "polling_place_id": 0,
                "participated_members": [{"name": "Ľubomír Šťastný", "agree": true}, {"name": "Mária Ďurčová", "agree": false}],
                "president": {"name": "Žofia Čierna", "agree": true},
            })),
        )
        .await
        .unwrap();
    assert_eq!(generated.status, 200, "{generated:?}");
    let fetched = commission
        .call(
            Method::GET,
            "/voting-process-manager-api/commission-paper",
            None,
        )
        .await
        .unwrap();
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(fetched.body["data"].as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    use sha2::Digest;
    assert_eq!(
        generated.body["sha256"],
        json!(electie_gateway::random::hex(&sha2::Sha256::digest(&pdf)))
    );
    let dir = TempDir::new("paper-files");
    let path = dir.path().join("zapisnica.pdf");
    std::fs::write(&path, &pdf).unwrap();
    if let Ok(keep) = std::env::var("ELECTIE_KEEP_PAPER") {
        std::fs::copy(&path, keep).unwrap();
    }
    let text = std::process::Command::new(pdf_tool("pdftotext"))
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    let fonts = std::process::Command::new(pdf_tool("pdffonts"))
        .arg(&path)
        .output()
        .unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    let font_lines: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(
        !font_lines.is_empty()
            && font_lines
                .iter()
                .all(|line| line.contains("DejaVuSans") && line.contains(" yes ")),
        "{fonts}"
    );

    let config = nrsr_2020();
    let place = &config.polling_places()[0];
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = squeeze(&text);
    for needle in [
        "Zápisnica okrskovej volebnej komisie",
        &format!(
            "Obec: {} (kód {})",
            place.municipality_name, place.municipality_code
        ),
        &format!("Okres: {}", place.county_name),
        "Predseda: Žofia Čierna súhlasí so zápisnicou",
        "Člen: Ľubomír Šťastný súhlasí so zápisnicou",
        "Člen: Mária Ďurčová nesúhlasí so zápisnicou",
        &format!(
            "Počet voličov zapísaných v zozname voličov {}",
            place.registered_voters_count
        ),
        "Počet voličov, ktorí sa zúčastnili hlasovania 5",
        "Počet platných hlasov pre politické subjekty 4",
        "Počet prázdnych hlasov 1",
        &format!(
            "Posledné poradové číslo hlasu (last_seqno) {}",
            chain.last_seqno
        ),
        &chain.chain_head.to_string(),
        "Začiatok hlasovania",
        "Koniec hlasovania",
    ] {
        assert!(
            flat.contains(&squeeze(needle)),
            "{needle:?} not in:\n{text}"
        );
    }
    // Participation in percent, two decimals, Slovak comma.
    let registered = u128::from(place.registered_voters_count);
    let hundredths = (5 * 10_000 + registered / 2) / registered;
    let participation = format!(
        "Účasť voličov {},{:02} %",
        hundredths / 100,
        hundredths % 100
    );
    assert!(
        flat.contains(&participation),
        "{participation} not in:\n{text}"
    );
    // Every party, in configuration order, party 0 included, with its votes and share.
    let lines: Vec<String> = text.lines().map(squeeze).collect();
    let mut next_line = 0;
    for party in config.parties() {
        let votes = ballots
            .iter()
            .filter(|(id, _)| *id == Some(party.id.0))
            .count();
        let share = (votes as u128 * 10_000 + 2) / 4;
        let first_word = party.name.split_whitespace().next().unwrap();
        let prefix = format!("{} {first_word}", party.id.0);
        let found = lines[next_line..]
            .iter()
            .position(|line| line.starts_with(&prefix))
            .unwrap_or_else(|| panic!("party {prefix:?} missing or out of order in:\n{text}"));
        let line = &lines[next_line + found];
        let expected = format!("{votes} {},{:02} %", share / 100, share % 100);
        assert!(
            line.ends_with(&expected),
            "{prefix}: expected {expected} at the end of {line:?}"
        );
        next_line += found + 1;
    }
}

/// A minimal Engine.IO 4 polling client, as the original terminals' python-socketio
/// speaks it: handshake, namespace connect, packets separated by 0x1e.
struct Polling {
    client: reqwest::Client,
    url: String,
}

impl Polling {
    async fn open(client: &reqwest::Client, base: &str) -> Polling {
        let url = format!(
            "{base}{}/?EIO=4&transport=polling",
            electie_gateway::socket::PATH
        );
        let handshake = client.get(&url).send().await.unwrap();
        assert_eq!(handshake.status(), 200);
        let handshake = handshake.text().await.unwrap();
        let open: Value = serde_json::from_str(handshake.strip_prefix('0').unwrap()).unwrap();
        let sid = open["sid"].as_str().unwrap();
        assert!(open["pingTimeout"].as_u64().unwrap() >= 20_000, "{open}");
        Polling {
            client: client.clone(),
            url: format!("{url}&sid={sid}"),
        }
    }

    async fn send(&self, packet: &str) {
        let response = self
            .client
            .post(&self.url)
            .body(packet.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// Polls until a packet starting with `prefix` arrives (bounded).
    async fn until(&self, prefix: &str) -> String {
        for _ in 0..10 {
            let body = self
                .client
                .get(&self.url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            for packet in body.split('\u{1e}') {
                if packet == "2" {
                    self.send("3").await; // pong
                }
                if packet.starts_with(prefix) {
                    return packet.to_owned();
                }
            }
        }
        panic!("no packet starting with {prefix:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn socket_io_tells_terminals_the_state_and_records_theirs() {
    let room = room("socket", 4).await;
    let (client, base) = (&room.client, room.gateway.base.clone());
    let commission = commission_registering_terminals(client, &base).await;
    let terminal = Terminal::register(client.clone(), &base).await.unwrap();

    // Connect without an auth payload: actual_state arrives with the connect.
    let socket = Polling::open(client, &base).await;
    socket.send("40").await;
    let state = socket.until("42").await;
    assert_eq!(state, r#"42["actual_state",{"state":"stop"}]"#);

    // The terminal reports its state; /terminals-status shows it.
    socket
        .send(&format!(
            r#"42["vt_stauts",{{"vt_id":"{}","status":"waiting_for_scan","sid":"x"}}]"#,
            terminal.id()
        ))
        .await;
    let shows = |wanted: &'static str| {
        let commission = commission.clone();
        let id = terminal.id().to_owned();
        async move {
            let status = commission
                .call(
                    Method::GET,
                    "/voting-process-manager-api/terminals-status",
                    None,
                )
                .await
                .unwrap();
            status.body["terminals"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == id.as_str() && t["status"] == wanted)
        }
    };
    assert!(eventually(Duration::from_secs(10), || shows("waiting_for_scan")).await);

    // Start and end reach the terminal.
    commission.start().await.unwrap();
    assert_eq!(
        socket.until("42").await,
        r#"42["actual_state",{"state":"start"}]"#
    );
    commission.end().await.unwrap();
    assert_eq!(
        socket.until("42").await,
        r#"42["actual_state",{"state":"stop"}]"#
    );

    // A disconnect is recorded.
    socket.send("1").await;
    assert!(eventually(Duration::from_secs(10), || shows("disconnected")).await);
}
