//! Validate an arbitrary batch `{"polling_place_id": n, "votes": [...]}` of decrypted
//! votes against NR SR 2020: compatibility mode accepts exactly when every verdict does,
//! and when every vote decodes, the same votes as a `VoteBatch` get the same answer.
#![no_main]

use std::sync::LazyLock;

use electie_core::decode::decode_opened;
use electie_core::python_json::{Value, loads_bytes};
use electie_core::{ElectionConfig, InMemoryTokenStore, PollingPlaceId, Rejection, Validator, Vote, VoteBatch};
use libfuzzer_sys::fuzz_target;

static CONFIG: LazyLock<ElectionConfig> = LazyLock::new(|| {
    ElectionConfig::from_directory_json(
        include_str!("../../data/nrsr_2020/parties.json"),
        include_str!("../../data/nrsr_2020/candidates.json"),
        include_str!("../../data/nrsr_2020/polling_places.json"),
    )
    .expect("bundled configuration")
});

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(batch)) = loads_bytes(data) else { return };
    let Some(Value::Int(place)) = batch.get("polling_place_id") else { return };
    let place = PollingPlaceId(place.as_i64().unwrap_or(i64::MAX));
    let Some(Value::Array(votes)) = batch.get("votes") else { return };
    let items: Vec<Result<Vote, Rejection>> = votes.iter().map(decode_opened).collect();
    let (validator, store) = (Validator::new(&CONFIG), InMemoryTokenStore::new());
    let verdicts = validator.verdicts(place, &items, &store);
    let compat = validator.check_decoded_batch(place, &items, &store);
    assert_eq!(compat.is_ok(), !items.is_empty() && verdicts.iter().all(Result::is_ok), "{compat:?} {verdicts:?}");
    if let Ok(votes) = items.into_iter().collect::<Result<Vec<Vote>, Rejection>>() {
        let batch = VoteBatch::from_votes(&votes).expect("a fuzz input is far below 4 GiB");
        assert_eq!(batch.to_votes(), votes);
        assert_eq!(validator.check_vote_batch(place, &batch, &store), compat);
    }
});
