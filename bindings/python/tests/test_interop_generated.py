"""Thousands of generated votes, each side opening what the other sealed."""

import json
import math
from typing import Any, Dict, List

from electiersa import electiersa as original
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import electie
from electie import electiersa

# Python ints far beyond 64 bits, but within Python's 4300-digit str limit.
BIG_INTS = st.integers(min_value=-(10**60), max_value=10**60) | st.integers()
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=24)
FLOATS = st.floats(allow_nan=False, allow_infinity=True)
SCALARS = st.none() | st.booleans() | BIG_INTS | FLOATS | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
VOTES = st.fixed_dictionaries(
    {
        "party_id": st.none() | BIG_INTS,
        "candidate_ids": st.lists(BIG_INTS, max_size=6),
        "token": TEXT,
        "election_id": TEXT,
    },
    optional={"extra": JSON, "ľščťžýáíé 🗳": JSON, "nested": st.dictionaries(TEXT, JSON, max_size=3)},
)
BATCHES = st.lists(VOTES, min_size=4, max_size=12)
SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


COUNTS = {"electie_sealed": 0, "original_sealed": 0}


def same(opened: Any, vote: Any) -> None:
    # json.dumps compares key order, big ints digit for digit and floats by repr.
    assert json.dumps(opened) == json.dumps(vote)


@SETTINGS
@given(BATCHES, st.sampled_from([16, 24, 32]))
def test_original_opens_what_electie_seals(
    keys: Dict[str, str], batch: List[Dict[str, Any]], aes_key_length: int
) -> None:
    for vote in batch:
        sealed = electiersa.encrypt_vote(vote, keys["gateway_private"], keys["server_public"], aes_key_length)
        COUNTS["electie_sealed"] += 1
        same(original.decrypt_vote(sealed, keys["server_private"], keys["gateway_public"]), vote)


@SETTINGS
@given(BATCHES)
def test_electie_opens_what_the_original_seals(keys: Dict[str, str], batch: List[Dict[str, Any]]) -> None:
    sealed = [original.encrypt_vote(vote, keys["gateway_private"], keys["server_public"]) for vote in batch]
    COUNTS["original_sealed"] += len(sealed)
    for item, vote in zip(sealed, batch):
        same(electiersa.decrypt_vote(item, keys["server_private"], keys["gateway_public"]), vote)
    for opened, vote in zip(electie.decrypt_votes(sealed, keys["server_private"], keys["gateway_public"]), batch):
        same(opened, vote)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_json_value_round_trips_through_electie(keys: Dict[str, str], value: Any) -> None:
    sealed = electiersa.encrypt_vote(value, keys["gateway_private"], keys["server_public"])
    same(electiersa.decrypt_vote(sealed, keys["server_private"], keys["gateway_public"]), value)


def test_special_values_match_json_dumps(keys: Dict[str, str]) -> None:
    vote = {
        "nan": math.nan,
        "inf": [math.inf, -math.inf, -0.0, 1e16, 1e-05, 2.5e-07, 0.1],
        1: "int key",
        2.5: "float key",
        True: "bool key",
        None: "none key",
        "tuple": (1, 2, (3,)),
        "big": 2**200,
        "neg_big": -(2**70),
        "empty": [[], {}, ""],
        "control": "\x00\x1f\x7f\n\t\"\\/",
        "astral": "🗳️ Ľubomír",
    }
    sealed = electiersa.encrypt_vote(vote, keys["gateway_private"], keys["server_public"])
    theirs = original.decrypt_vote(sealed, keys["server_private"], keys["gateway_public"])
    mine = electiersa.decrypt_vote(sealed, keys["server_private"], keys["gateway_public"])
    assert json.dumps(theirs) == json.dumps(mine) == json.dumps(vote)
    assert mine["big"] == 2**200 and isinstance(mine["big"], int)


def test_thousands_of_votes_crossed_over() -> None:
    # Runs after the two property tests above (pytest keeps file order).
    assert COUNTS["electie_sealed"] >= 1000, COUNTS
    assert COUNTS["original_sealed"] >= 1000, COUNTS
    print(COUNTS)
