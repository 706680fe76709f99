//! The exported API as Rust sees it (the same functions the Kotlin and Swift bindings
//! call), on the real NR SR 2020 configuration.

use std::path::Path;
use std::sync::Arc;

use electie_core::python_json::Value;
use electie_core::{ElectionConfig, PollingPlaceId};
use electie_crypto::{PrivateKey, PublicKey, Sealed, open};
use electie_uniffi::{
    Ballot, GatewayConfig, TerminalError, TerminalKeyPair, VoteSealer, blank_ballot, party_ballot,
    sealed_payload_to_json,
};

/// The gateway form of NR SR 2020 for polling place 0, with `gateway`'s public key.
fn nrsr_2020_gateway(
    gateway_public_pem: &str,
) -> Result<Arc<GatewayConfig>, Box<dyn std::error::Error>> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/nrsr_2020");
    let config = ElectionConfig::load(directory)?;
    let mut json = config
        .to_gateway_json(PollingPlaceId(0))
        .ok_or("no polling place 0")?;
    json["key_pairs"] = serde_json::json!([{
        "polling_place_id": 0,
        "public_key_pem": gateway_public_pem,
        "g_public_key_pem": gateway_public_pem,
    }]);
    Ok(GatewayConfig::from_json(json.to_string())?)
}

fn rejected(result: Result<(), TerminalError>) -> String {
    match result {
        Err(TerminalError::VoteRejected(message)) => message,
        other => panic!("expected VoteRejected, got {other:?}"),
    }
}

#[test]
fn lists_the_ballot_and_checks_votes_with_the_servers_messages() {
    let config =
        nrsr_2020_gateway(&PrivateKey::generate(2048).unwrap().public_key().to_pem()).unwrap();
    assert_eq!(config.polling_place_id(), 0);
    assert_eq!(config.election_id(), "election_id");
    assert_eq!(config.max_candidates(), 5);
    let parties = config.parties();
    assert_eq!(parties.len(), 25);
    let party = config.party(10).unwrap();
    assert_eq!(party.candidates.len(), 150);
    assert!(
        party
            .candidates
            .windows(2)
            .all(|pair| pair[0].order < pair[1].order)
    );
    assert!(
        party
            .candidates
            .iter()
            .any(|candidate| candidate.id == 1075)
    );
    assert_eq!(config.party(999), None);

    let ids: Vec<i64> = party
        .candidates
        .iter()
        .map(|candidate| candidate.id)
        .collect();
    config
        .validate(&party_ballot(10, ids[..5].to_vec()))
        .unwrap();
    config.validate(&blank_ballot()).unwrap();
    assert_eq!(config.rejection(&party_ballot(10, vec![1075])), None);
    assert_eq!(
        rejected(config.validate(&party_ballot(10, ids[..6].to_vec()))),
        "Number of candidates is more than 5"
    );
    assert_eq!(
        rejected(config.validate(&party_ballot(10, vec![1075, 0]))),
        "Invalid candidates ids - candidate |0| is not in party |10|"
    );
    assert_eq!(
        config.rejection(&party_ballot(10, vec![1075, 1075])),
        Some("Duplicate candidates ids".to_owned())
    );
    assert_eq!(
        config.rejection(&Ballot {
            party_id: None,
            candidate_ids: vec![1075],
        }),
        Some(
            "When party_id is None there is no possibility to have length of candidate_ids greater than zero"
                .to_owned()
        )
    );
    assert_eq!(
        config.rejection(&party_ballot(-1, vec![])),
        Some("Invalid party id".to_owned())
    );
}

#[test]
fn sealed_votes_open_with_the_gateway_key() {
    let gateway = PrivateKey::generate(2048).unwrap();
    let config = nrsr_2020_gateway(&gateway.public_key().to_pem()).unwrap();
    let terminal = TerminalKeyPair::generate().unwrap();
    let terminal_public = PublicKey::from_pem(&terminal.public_key_pem()).unwrap();
    let sealer = VoteSealer::new(
        Arc::clone(&config),
        Arc::clone(&terminal),
        config.gateway_public_key_pem().unwrap(),
    )
    .unwrap();

    let open_payload = |payload| {
        let json = sealed_payload_to_json(&payload);
        open(
            &Sealed::from_json(&json).unwrap(),
            &gateway,
            &terminal_public,
        )
        .unwrap()
    };
    let token_check = open_payload(sealer.seal_token_check("00ff".into()).unwrap());
    assert_eq!(token_check.signed_json(), r#"{"token": "00ff"}"#);
    let vote = open_payload(
        sealer
            .seal_vote("00ff".into(), &party_ballot(10, vec![1075]))
            .unwrap(),
    );
    assert_eq!(
        vote.signed_json(),
        r#"{"token": "00ff", "vote": {"party_id": 10, "candidate_ids": [1075]}}"#
    );
    assert_eq!(
        vote.as_object().unwrap().get("token"),
        Some(&Value::from("00ff"))
    );

    // A vote the server would refuse is not sealed at all.
    assert_eq!(
        sealer
            .seal_vote("00ff".into(), &party_ballot(10, vec![0]))
            .unwrap_err(),
        TerminalError::VoteRejected(
            "Invalid candidates ids - candidate |0| is not in party |10|".into()
        )
    );
}

#[test]
fn keys_round_trip_and_bad_input_is_a_typed_error() {
    let keys = TerminalKeyPair::generate().unwrap();
    assert_eq!(keys.bits(), 2048);
    assert!(
        keys.public_key_pem()
            .starts_with("-----BEGIN PUBLIC KEY-----\n")
    );
    let restored = TerminalKeyPair::from_private_key_pem(keys.private_key_pem()).unwrap();
    assert_eq!(restored.public_key_pem(), keys.public_key_pem());
    assert!(matches!(
        TerminalKeyPair::from_private_key_pem("nope".into()),
        Err(TerminalError::InvalidKey(_))
    ));
    assert!(matches!(
        TerminalKeyPair::generate_with_bits(64),
        Err(TerminalError::InvalidKey(_))
    ));
    assert!(matches!(
        GatewayConfig::from_json("[]".into()),
        Err(TerminalError::InvalidConfig(_))
    ));
    // The server form is not a gateway's configuration.
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/nrsr_2020");
    let server_form = ElectionConfig::load(directory).unwrap().to_server_json();
    assert!(matches!(
        GatewayConfig::from_json(server_form.to_string()),
        Err(TerminalError::InvalidConfig(_))
    ));
}
