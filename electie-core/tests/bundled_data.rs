//! The configuration shipped in the project is the real one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[test]
fn bundled_nrsr_2020_is_identical_to_the_shared_reference() {
    for file in ["parties.json", "candidates.json", "polling_places.json"] {
        let bundled = std::fs::read(common::project(&format!("data/nrsr_2020/{file}"))).unwrap();
        let shared = std::fs::read(common::shared(&format!("data/nrsr_2020/{file}"))).unwrap();
        assert!(
            bundled == shared,
            "data/nrsr_2020/{file} differs from shared/"
        );
    }
}
