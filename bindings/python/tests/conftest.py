"""Shared fixtures: the electiersa 0.1.1 interop vectors from the repository's
``testdata/`` and the NR SR 2020 configuration from its ``data/``.

``ELECTIE_TESTDATA`` and ``ELECTIE_DATA`` point elsewhere: test-python.sh copies these
tests out of the source tree and runs them against an installed wheel, passing both."""

import json
import os
from pathlib import Path
from typing import Any, Dict

import pytest

# bindings/python/tests/conftest.py -> the repository (`.parent` never fails, as
# `parents[3]` would in a shallow copy such as /check/tests).
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent.parent
TESTDATA = Path(os.environ.get("ELECTIE_TESTDATA", PROJECT_ROOT / "testdata"))
VECTORS = TESTDATA / "vectors" / "electiersa-v0.1.1.json"
NRSR_2020 = Path(os.environ.get("ELECTIE_DATA", PROJECT_ROOT / "data")) / "nrsr_2020"


@pytest.fixture(scope="session")
def vectors() -> Dict[str, Any]:
    if not VECTORS.is_file():
        pytest.fail(f"interop vectors not found at {VECTORS} (set ELECTIE_TESTDATA)")
    with VECTORS.open(encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="session")
def keys(vectors: Dict[str, Any]) -> Dict[str, str]:
    """server_* receive, gateway_* sign."""
    return {
        name: vectors[f"{name}_pem"]
        for name in ("server_private", "server_public", "gateway_private", "gateway_public")
    }


def small_election_dict(keys: Dict[str, str]) -> Dict[str, Any]:
    """A server-form configuration: 3 parties of 3 candidates, 2 polling places, key
    pairs from the vectors (server pair receives, gateway pair signs)."""
    parties = []
    for index in range(3):
        parties.append(
            {
                "_id": index,
                "party_number": index + 1,
                "name": f"Strana {index} Ľudí",
                "official_abbr": f"S{index}",
                "abbr": f"S{index}",
                "image": "",
                "color": "#000000",
                "candidates": [
                    {
                        "_id": index * 3 + order,
                        "party_number": index + 1,
                        "order": order + 1,
                        "first_name": "Ján",
                        "last_name": f"Kandidát{index * 3 + order}",
                        "degrees_before": "",
                        "age": 40,
                        "occupation": "",
                        "residence": "Žilina",
                    }
                    for order in range(3)
                ],
            }
        )
    places = [
        {
            "_id": place,
            "region_code": 1,
            "region_name": "Kraj",
            "administrative_area_code": 101,
            "administrative_area_name": "Obvod",
            "county_code": 101,
            "county_name": "Okres",
            "municipality_code": 500 + place,
            "municipality_name": "Obec",
            "polling_place_number": place + 1,
            "registered_voters_count": 1000,
        }
        for place in range(2)
    ]
    key_pairs = [
        {
            "_id": place,
            "polling_place_id": place,
            "private_key_pem": keys["server_private"],
            "public_key_pem": keys["server_public"],
            "g_private_key_pem": keys["gateway_private"],
            "g_public_key_pem": keys["gateway_public"],
        }
        for place in range(2)
    ]
    return {"parties": parties, "polling_places": places, "key_pairs": key_pairs}


@pytest.fixture(scope="session")
def small_election(keys: Dict[str, str]) -> Dict[str, Any]:
    return small_election_dict(keys)
