//! A terminal that seals with the real Python `electiersa` 0.1.1, as the original
//! terminals do: its key pair from `get_rsa_key_pair`, its token check and votes from
//! `encrypt_vote`. The gateway must register it, open its payloads and verify them
//! against its key.
//!
//! Needs a Python with electiersa 0.1.1 in `ELECTIE_PYTHON`; `./test.sh` runs it with
//! the virtual environment `bindings/python/test-python.sh` creates:
//! `ELECTIE_PYTHON=bindings/python/.venv/bin/python cargo test -p electie-gateway --test electiersa_terminal -- --ignored`
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::*;
use serde_json::{Value, json};

const HELPER: &str = r#"
import json, sys
from electiersa import electiersa
request = json.load(sys.stdin)
if request["op"] == "keypair":
    private, public = electiersa.get_rsa_key_pair()
    print(json.dumps({"private": private, "public": public}))
else:
    sealed = electiersa.encrypt_vote(request["object"], request["private"], request["public"])
    print(json.dumps({"encrypted_message": sealed.encrypted_message, "encrypted_object": sealed.encrypted_object}))
"#;

fn python(request: &Value) -> Value {
    let interpreter = std::env::var("ELECTIE_PYTHON")
        .expect("ELECTIE_PYTHON must name a Python with electiersa 0.1.1 (see this file's docs)");
    let (status, stdout, stderr) = run_to_end(
        Command::new(interpreter).args(["-c", HELPER]),
        Some(&request.to_string()),
    );
    assert_eq!(status, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs ELECTIE_PYTHON with electiersa 0.1.1; ./test.sh runs it"]
async fn a_terminal_sealing_with_python_electiersa_votes() {
    let dir = TempDir::new("electiersa");
    let gateway_public = prepare_gateway(dir.path(), 0);
    let config = ConfigServer::start(0, &gateway_public).await;
    let gateway = Gateway::start(dir.path(), &config.base, "30");
    let client = http();
    let base = gateway.base.clone();
    let commission = commission_registering_terminals(&client, &base).await;

    let keys = python(&json!({"op": "keypair"}));
    let registered: Value = client
        .post(format!("{base}/voting-process-manager-api/register-vt"))
        .json(&json!({"public_key": keys["public"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let terminal_id = registered["new_id"].as_str().unwrap().to_owned();
    let gateway_key = registered["gateway_public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(gateway_key, gateway_public);
    let seal = |object: Value| {
        python(
            &json!({"op": "seal", "object": object, "private": keys["private"], "public": gateway_key}),
        )
    };
    let post = |route: &'static str, payload: Value| {
        let (client, base, terminal_id) = (client.clone(), base.clone(), terminal_id.clone());
        async move {
            let response = client
                .post(format!("{base}/voting-service-api/api/{route}"))
                .json(&json!({"voting_terminal_id": terminal_id, "payload": payload}))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };

    commission.start().await.unwrap();
    let token = commission.issue_token().await.unwrap();
    assert_eq!(
        post("token-validity", seal(json!({"token": token}))).await,
        (200, json!({"status": "success"}))
    );
    let bad = seal(json!({"token": token, "vote": {"party_id": 10, "candidate_ids": [0]}}));
    assert_eq!(
        post("vote", bad).await,
        (
            400,
            json!({"detail": "Invalid candidates ids - candidate |0| is not in party |10|"})
        )
    );
    let vote =
        seal(json!({"token": token, "vote": {"party_id": 10, "candidate_ids": [1075, 1076]}}));
    assert_eq!(post("vote", vote.clone()).await, (200, Value::Null));
    assert_eq!(
        post("vote", vote).await,
        (403, json!({"detail": "Token is invalid."})),
        "a replayed payload"
    );
    let stats: Value = client
        .post(format!("{base}/synchronization-service-api/statistics"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["statistics"]["all_count"], 1);
}
