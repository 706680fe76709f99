//! The three configuration forms load into the same election.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use electie_core::config::ConfigForm;
use electie_core::{
    CandidateId, ConfigProblem, ElectionConfig, Error, PartyId, PartyIndex, PollingPlaceId,
};

fn directory() -> ElectionConfig {
    ElectionConfig::load(common::project("data/nrsr_2020")).unwrap()
}

#[test]
fn the_directory_form_assigns_ids_by_index() {
    let config = directory();
    assert_eq!(config.form(), ConfigForm::Directory);
    assert_eq!(config.parties().len(), 25);
    assert_eq!(config.candidates().len(), 2736);
    assert_eq!(config.polling_places().len(), 5998);
    assert_eq!(config.election_id(), "election_id");
    assert_eq!(config.max_candidates(), 5);
    // Party _id 10 (party_number 11) owns candidates 1075..=1224, in list order.
    let party = &config.parties()[10];
    assert_eq!((party.id, party.party_number), (PartyId(10), 11));
    let ids: Vec<i64> = party
        .candidates
        .iter()
        .map(|candidate| candidate.id.0)
        .collect();
    assert_eq!(ids, (1075..=1224).collect::<Vec<_>>());
    assert_eq!(
        config.party_of_candidate(CandidateId(1224)),
        Some(PartyId(10))
    );
    assert_eq!(
        config.party_of_candidate(CandidateId(1225)),
        Some(PartyId(11))
    );
    assert_eq!(config.party_of_candidate(CandidateId(2736)), None);
    assert_eq!(config.party_of_candidate(CandidateId(-1)), None);
    // The abbreviation the real data stores as the number 0.99 stays readable.
    assert_eq!(config.parties()[13].abbr, "0.99");
    // Localities are derived from the polling places.
    assert_eq!(
        config.regions().len(),
        9,
        "eight kraje and Zahraničie (abroad)"
    );
    assert_eq!(config.counties().len(), 80);
    assert_eq!(config.municipalities().len(), 2927);
    let registered: u64 = config
        .polling_places()
        .iter()
        .map(|place| place.registered_voters_count)
        .sum();
    assert_eq!(registered, 4_432_419);
}

fn with_keys(mut server: serde_json::Value) -> serde_json::Value {
    let pairs: Vec<serde_json::Value> = (0..5998)
        .map(|place| {
            serde_json::json!({
                "_id": place, "polling_place_id": place,
                "private_key_pem": "server-private", "public_key_pem": format!("server-public-{place}"),
                "g_private_key_pem": "gateway-private", "g_public_key_pem": format!("gateway-public-{place}"),
            })
        })
        .collect();
    server["key_pairs"] = serde_json::Value::Array(pairs);
    server
}

#[test]
fn the_server_form_round_trips_and_never_writes_private_keys() {
    let original = directory();
    let server_text = with_keys(original.to_server_json()).to_string();
    let server = ElectionConfig::from_json_str(&server_text).unwrap();
    assert_eq!(server.form(), ConfigForm::Server);
    assert_eq!(server.parties(), original.parties());
    assert_eq!(server.candidates().len(), 2736);
    assert_eq!(server.polling_places(), original.polling_places());
    assert_eq!(
        server.party_of_candidate(CandidateId(1075)),
        Some(PartyId(10))
    );
    let pair = server.key_pair(PollingPlaceId(17)).unwrap();
    assert_eq!(
        pair.private_key_pem
            .as_ref()
            .map(electie_core::PrivatePem::expose),
        Some("server-private")
    );
    assert!(
        !format!("{pair:?}").contains("server-private"),
        "redacted in Debug"
    );
    assert!(server.accepts_polling_place(PollingPlaceId(5997)));
    assert!(!server.accepts_polling_place(PollingPlaceId(5998)));

    let published = server.to_server_json().to_string();
    assert!(
        !published.contains("private"),
        "private keys must not leave the server"
    );
}

#[test]
fn the_gateway_form_holds_one_polling_place_and_public_keys() {
    let server =
        ElectionConfig::from_json_str(&with_keys(directory().to_server_json()).to_string())
            .unwrap();
    let gateway_json = server.to_gateway_json(PollingPlaceId(17)).unwrap();
    assert!(gateway_json["polling_place"].get("_id").is_none());
    assert!(!gateway_json.to_string().contains("private"));
    let gateway = ElectionConfig::from_json_str(&gateway_json.to_string()).unwrap();
    assert_eq!(gateway.form(), ConfigForm::Gateway);
    assert_eq!(gateway.polling_places().len(), 1);
    assert_eq!(gateway.polling_places()[0], server.polling_places()[17]);
    assert_eq!(
        gateway.key_pair(PollingPlaceId(17)).unwrap().public_key_pem,
        "server-public-17"
    );
    assert!(server.to_gateway_json(PollingPlaceId(6000)).is_none());

    // Without polling_place_id, the one key pair names the polling place.
    let mut implicit = gateway_json.clone();
    implicit.as_object_mut().unwrap().remove("polling_place_id");
    let gateway = ElectionConfig::from_json_str(&implicit.to_string()).unwrap();
    assert_eq!(gateway.polling_places()[0].id, PollingPlaceId(17));
    implicit["key_pairs"] = serde_json::json!([]);
    assert!(matches!(
        ElectionConfig::from_json_str(&implicit.to_string()),
        Err(Error::Config(ConfigProblem::GatewayWithoutPollingPlaceId))
    ));
}

#[test]
fn election_id_and_max_candidates_are_read_from_the_json_forms() {
    let mut json = directory().to_server_json();
    json["election_id"] = "nrsr_2020".into();
    json["max_candidates"] = 4.into();
    let config = ElectionConfig::from_json_str(&json.to_string()).unwrap();
    assert_eq!(config.election_id(), "nrsr_2020");
    assert_eq!(config.max_candidates(), 4);
    json["max_candidates"] = (-1).into();
    assert!(matches!(
        ElectionConfig::from_json_str(&json.to_string()),
        Err(Error::Config(ConfigProblem::MaxCandidates(-1)))
    ));
}

#[test]
fn broken_configurations_are_named_errors() {
    let cases = [
        (r#"{"parties": "all"}"#, "invalid type"),
        (r#"{"texts": {}}"#, "neither the server form"),
        (r#"[1, 2]"#, "invalid type"),
        (
            r#"{"parties": [{"_id": 0, "party_number": 1, "name": "A"}, {"_id": 0, "party_number": 2, "name": "B"}]}"#,
            "duplicate party _id 0",
        ),
        (
            r#"{"parties": [{"_id": 0, "party_number": 1, "name": "A"}, {"_id": 1, "party_number": 1, "name": "B"}]}"#,
            "duplicate party_number 1",
        ),
        (
            r#"{"parties": [{"_id": 0, "party_number": 1, "name": "A", "candidates": [{"_id": 7, "party_number": 2, "order": 1}]}]}"#,
            "candidate _id 7 has party_number 2, which no party has",
        ),
        (
            r#"{"parties": [{"_id": 0, "name": "A"}]}"#,
            "missing field `party_number`",
        ),
    ];
    for (text, expected) in cases {
        let error = ElectionConfig::from_json_str(text).unwrap_err().to_string();
        assert!(error.contains(expected), "{text}: got {error:?}");
    }
    let missing = ElectionConfig::load("/nonexistent/electie")
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("neither a configuration JSON file nor a directory"),
        "{missing}"
    );
    let empty_dir = std::env::temp_dir().join(format!("electie-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty_dir).unwrap();
    let error = ElectionConfig::load(&empty_dir).unwrap_err().to_string();
    assert!(error.contains("parties.json"), "{error}");
    std::fs::remove_dir_all(&empty_dir).unwrap();
}

#[test]
fn sparse_ids_use_the_map_lookup() {
    let text = r#"{"parties": [
        {"_id": 1000000000000, "party_number": 1, "name": "A", "candidates": [{"_id": -5, "party_number": 1, "order": 1}]},
        {"_id": -3, "party_number": 2, "name": "B"}]}"#;
    let config = ElectionConfig::from_json_str(text).unwrap();
    assert_eq!(
        config.party_index(PartyId(1_000_000_000_000)),
        Some(PartyIndex(0))
    );
    assert_eq!(config.party_index(PartyId(-3)), Some(PartyIndex(1)));
    assert_eq!(config.party_index(PartyId(0)), None);
    assert_eq!(
        config.party_of_candidate(CandidateId(-5)),
        Some(PartyId(1_000_000_000_000))
    );
}
