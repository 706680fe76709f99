"""Shared fixtures: the electiersa 0.1.1 interop vectors from ``../shared/vectors``."""

import json
import os
from pathlib import Path
from typing import Any, Dict

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("ELECTIE_SHARED", PROJECT_ROOT.parent / "shared"))
VECTORS = SHARED / "vectors" / "electiersa-v0.1.1.json"
NRSR_2020 = PROJECT_ROOT / "data" / "nrsr_2020"


@pytest.fixture(scope="session")
def vectors() -> Dict[str, Any]:
    if not VECTORS.is_file():
        pytest.fail(f"interop vectors not found at {VECTORS} (set ELECTIE_SHARED)")
    with VECTORS.open(encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="session")
def keys(vectors: Dict[str, Any]) -> Dict[str, str]:
    """server_* receive, gateway_* sign."""
    return {
        name: vectors[f"{name}_pem"]
        for name in ("server_private", "server_public", "gateway_private", "gateway_public")
    }
