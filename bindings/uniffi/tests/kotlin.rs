//! The Kotlin bindings, for real: uniffi generates them from the compiled library,
//! kotlinc compiles them and runs the scripts in `tests/bindings/` on the JVM, which
//! loads the cdylib through JNA.
//!
//! Needs `kotlinc` on `PATH` and JNA on `CLASSPATH`; `test-bindings.sh` (and `./test.sh`,
//! before the workspace tests) installs both and sets `ELECTIE_REQUIRE_KOTLIN=1`, so
//! there they always run. Without them (a plain `cargo test` on a machine without
//! Kotlin) they are reported as ignored, with the reason (see `build.rs`).

#[cfg(kotlin_tests)]
mod common;

#[cfg(not(kotlin_tests))]
#[test]
#[ignore = "Kotlin binding tests need kotlinc on PATH and JNA on CLASSPATH: run bindings/uniffi/test-bindings.sh"]
fn kotlin_binding_tests() {
    panic!(
        "missing {}: run bindings/uniffi/test-bindings.sh",
        env!("ELECTIE_KOTLIN_MISSING")
    );
}

/// Runs the Kotlin script `tests/bindings/{script}` with `args` against bindings
/// generated from this build's library: the bindings are compiled into a jar (warnings
/// are errors), then the script runs with assertions on (`-J-ea`), the library beside
/// the jar on the class path, where JNA finds it.
#[cfg(kotlin_tests)]
fn run_kotlin_script(script: &str, args: &[String]) -> common::Outcome<()> {
    use std::process::Command;

    let library = common::built_library()?;
    let work = common::scratch(&format!("kotlin-{script}"))?;
    common::generate_bindings(
        uniffi_bindgen::bindings::TargetLanguage::Kotlin,
        &library,
        &work,
    )?;
    let file_name = library.file_name().ok_or("the library has no file name")?;
    std::fs::copy(&library, work.join(file_name))?;

    let mut sources = Vec::new();
    let mut pending = vec![work.clone()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(directory)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "kt") {
                sources.push(path);
            }
        }
    }
    if sources.is_empty() {
        return Err("uniffi generated no Kotlin source".into());
    }

    let system_classpath = std::env::var("CLASSPATH").unwrap_or_default();
    let jar = work.join("electie_uniffi.jar");
    let compiled = Command::new("kotlinc")
        .args(["-nowarn", "-Werror", "-d"])
        .arg(&jar)
        .arg("-classpath")
        .arg(&system_classpath)
        .args(&sources)
        .status()?;
    if !compiled.success() {
        return Err("kotlinc failed on the generated bindings".into());
    }

    let classpath = format!("{}:{}:{system_classpath}", work.display(), jar.display());
    let script_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bindings")
        .join(script);
    let mut command = Command::new("kotlinc");
    command
        .args([
            "-nowarn",
            "-classpath",
            &classpath,
            "-J-ea",
            "-Werror",
            "-script",
        ])
        .arg(&script_path);
    if !args.is_empty() {
        command.arg("--").args(args);
    }
    if !command.status()?.success() {
        return Err(format!("{script} failed on the JVM").into());
    }
    Ok(())
}

/// `tests/bindings/test_terminal.kts`: the terminal's whole API from Kotlin, with its
/// own assertions.
#[cfg(kotlin_tests)]
#[test]
fn kotlin_terminal_script() -> common::Outcome<()> {
    run_kotlin_script("test_terminal.kts", &[])
}

/// A Kotlin script loads the NR SR 2020 gateway configuration built here with fresh keys,
/// checks votes against it, makes the terminal's key pair and seals the token check and
/// votes; Rust opens every payload with the gateway's private key and the terminal's
/// exported public key and checks the signed bytes exactly.
///
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
    run_kotlin_script(
        "seal_for_rust.kts",
        &[
            config_path.to_string_lossy().into_owned(),
            work.to_string_lossy().into_owned(),
            token.to_owned(),
        ],
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
