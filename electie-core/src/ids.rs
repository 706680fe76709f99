//! Newtypes for the integer ids votes and configurations carry.
//!
//! Ids are signed because votes arrive from outside: a vote naming party `-1` is not
//! malformed, it names a party that does not exist, and validation says so with the
//! rule's own message (as the original server did).

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// A party's `_id`: what votes carry in `party_id`.
    PartyId
);
id_type!(
    /// A candidate's `_id`: what votes carry in `candidate_ids`.
    CandidateId
);
id_type!(
    /// A polling place's `_id`: what a batch carries in `polling_place_id`.
    PollingPlaceId
);

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub usize);

        impl $name {
            /// The position as a plain `usize` (to index a `Vec` of per-position data).
            #[inline]
            pub const fn get(self) -> usize {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

index_type!(
    /// A party's dense index: its position in
    /// [`ElectionConfig::parties`](crate::ElectionConfig::parties), what
    /// [`ElectionConfig::party_index`](crate::ElectionConfig::party_index) answers for
    /// a [`PartyId`]. Distinct from the id (ids are what votes carry, indices where
    /// counts are stored) and from the other indices, so one cannot stand for another.
    PartyIndex
);
index_type!(
    /// A candidate's dense index: its position in
    /// [`ElectionConfig::candidates`](crate::ElectionConfig::candidates).
    CandidateIndex
);
index_type!(
    /// A polling place's dense index: its position in
    /// [`ElectionConfig::polling_places`](crate::ElectionConfig::polling_places).
    PollingPlaceIndex
);
