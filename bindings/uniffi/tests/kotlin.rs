//! The Kotlin bindings, for real: uniffi generates them from the compiled library,
//! kotlinc compiles them and runs the scripts in `tests/bindings/` on the JVM, which
//! loads the cdylib through JNA.
//!
//! Needs `kotlinc` on `PATH` and JNA on `CLASSPATH`; `test-bindings.sh` installs both
//! and sets `ELECTIE_REQUIRE_KOTLIN=1`, so there they always run. Without them (a plain
//! `cargo test` on a machine without Kotlin) they are reported as ignored, with the
//! reason (see `build.rs`).

#[cfg(kotlin_tests)]
uniffi::build_foreign_language_testcases!("tests/bindings/test_terminal.kts");

#[cfg(not(kotlin_tests))]
#[test]
#[ignore = "Kotlin binding tests need kotlinc on PATH and JNA on CLASSPATH: run bindings/uniffi/test-bindings.sh"]
fn kotlin_binding_tests() {
    panic!(
        "missing {}: run bindings/uniffi/test-bindings.sh",
        env!("ELECTIE_KOTLIN_MISSING")
    );
}

/// A Kotlin script loads the NR SR 2020 gateway configuration built here with fresh keys,
/// checks votes against it, makes the terminal's key pair and seals the token check and
/// votes; Rust opens every payload with the gateway's private key and the terminal's
/// exported public key and checks the signed bytes exactly.
///
/// It needs arguments (paths, token), so it calls `kotlin_test::run_script`, the
/// function `build_foreign_language_testcases!` expands to, with them.
#[cfg(kotlin_tests)]
#[test]
fn kotlin_sealed_vote_opens_in_rust() -> Result<(), Box<dyn std::error::Error>> {
    use std::fs;
    use std::path::Path;

    use electie_core::python_json::Value;
    use electie_core::{ElectionConfig, PollingPlaceId};
    use electie_crypto::{PrivateKey, PublicKey, Sealed, open};

    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kotlin-seal-for-rust");
    if work.exists() {
        fs::remove_dir_all(&work)?;
    }
    fs::create_dir_all(&work)?;

    // The gateway's configuration for polling place 0, public keys only, as a gateway
    // hands it out; the gateway's private key stays here.
    let server = PrivateKey::generate(2048)?;
    let gateway = PrivateKey::generate(2048)?;
    let config = ElectionConfig::load(manifest.join("../../data/nrsr_2020"))?;
    let mut gateway_json = config
        .to_gateway_json(PollingPlaceId(0))
        .ok_or("polling place 0 is missing")?;
    gateway_json["key_pairs"] = serde_json::json!([{
        "polling_place_id": 0,
        "public_key_pem": server.public_key().to_pem(),
        "g_public_key_pem": gateway.public_key().to_pem(),
    }]);
    let config_path = work.join("config.json");
    fs::write(&config_path, serde_json::to_string(&gateway_json)?)?;

    let token = "9f86d081884c7d659a2feaa0c55ad015";
    uniffi::kotlin_test::run_script(
        env!("CARGO_TARGET_TMPDIR"),
        env!("CARGO_PKG_NAME"),
        &manifest
            .join("tests/bindings/seal_for_rust.kts")
            .to_string_lossy(),
        vec![
            config_path.to_string_lossy().into_owned(),
            work.to_string_lossy().into_owned(),
            token.to_owned(),
        ],
        &uniffi_bindgen::bindings::RunScriptOptions::default(),
    )?;

    let terminal = PublicKey::from_pem(&fs::read_to_string(work.join("terminal_public.pem"))?)?;
    let open_file = |name: &str| -> Result<electie_crypto::Opened, Box<dyn std::error::Error>> {
        let sealed = Sealed::from_json(&fs::read_to_string(work.join(name))?)?;
        Ok(open(&sealed, &gateway, &terminal)?)
    };

    let token_check = open_file("token_check.json")?;
    assert_eq!(
        token_check.signed_json(),
        format!(r#"{{"token": "{token}"}}"#)
    );

    let ids = fs::read_to_string(work.join("vote_ids.txt"))?;
    let vote = open_file("vote.json")?;
    assert_eq!(
        vote.signed_json(),
        format!(
            r#"{{"token": "{token}", "vote": {{"party_id": 10, "candidate_ids": [{}]}}}}"#,
            ids.replace(',', ", ")
        )
    );
    // Field by field, as the gateway reads it.
    let object = vote
        .as_object()
        .ok_or("the vote payload is not an object")?;
    assert_eq!(object.get("token"), Some(&Value::from(token)));
    let inner = object
        .get("vote")
        .and_then(Value::as_object)
        .ok_or("no vote object")?;
    assert_eq!(inner.get("party_id"), Some(&Value::from(10)));
    let expected_ids: Vec<Value> = ids
        .split(',')
        .map(|id| id.parse::<i64>().map(Value::from))
        .collect::<Result<_, _>>()?;
    assert_eq!(expected_ids.len(), 3);
    assert_eq!(
        inner.get("candidate_ids"),
        Some(&Value::Array(expected_ids))
    );
    for id in ids.split(',') {
        let candidate = electie_core::CandidateId(id.parse()?);
        assert_eq!(
            config.party_of_candidate(candidate),
            Some(electie_core::PartyId(10))
        );
    }

    let blank = open_file("blank_vote.json")?;
    assert_eq!(
        blank.signed_json(),
        format!(r#"{{"token": "{token}", "vote": {{"party_id": null, "candidate_ids": []}}}}"#)
    );

    // Only the gateway opens them: the server's key does not.
    let sealed = Sealed::from_json(&fs::read_to_string(work.join("vote.json"))?)?;
    assert!(open(&sealed, &server, &terminal).is_err());
    Ok(())
}
