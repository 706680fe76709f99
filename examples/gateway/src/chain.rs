//! The spec 41 §2 hash chain comes from [`electie_core::sync`] (one implementation shared
//! with the server); this module only adapts it to the store's columns.

use electie_core::PollingPlaceId;
pub use electie_core::sync::{ChainHead, ChainPosition};

/// The chain before the first vote of this polling place.
pub fn genesis(polling_place: i64, election_id: &str) -> ChainHead {
    ChainHead::genesis(PollingPlaceId(polling_place), election_id)
}
