"""A short check of an installed electie against the repository's real test data.

    python smoke.py TESTDATA_DIR [EXPECTED_RSA_BACKEND]

test-python.sh runs it in the fresh virtual environment where the sdist was built and
installed by pip: electie must come from that environment (not from a source tree), open
every vote sealed by the real electiersa 0.1.1 in the interop vectors to the recorded
vote, refuse every must-fail case, open what it seals itself, and give the official
seats of the Czech European Parliament election 2019. Exits non-zero on the first
difference, with a message saying what differed.
"""

import json
import sys
import sysconfig
from pathlib import Path
from typing import Any, Dict


def fail(message: str) -> None:
    print(f"smoke check failed: {message}", file=sys.stderr)
    raise SystemExit(1)


def main() -> None:
    if len(sys.argv) not in (2, 3):
        fail(f"usage: {sys.argv[0]} TESTDATA_DIR [EXPECTED_RSA_BACKEND]")
    testdata = Path(sys.argv[1])
    expected_backend = sys.argv[2] if len(sys.argv) == 3 else "aws-lc"

    import electie
    from electie import electiersa

    site = Path(sysconfig.get_paths()["platlib"]).resolve()
    location = Path(electie.__file__).resolve()
    if site not in location.parents:
        fail(f"electie imported from {location}, not from this environment's {site}")
    if electie.rsa_backend() != expected_backend:
        fail(f"RSA backend {electie.rsa_backend()!r}, expected {expected_backend!r}")

    vectors: Dict[str, Any] = json.loads(
        (testdata / "vectors" / "electiersa-v0.1.1.json").read_text(encoding="utf-8")
    )
    private, g_public = vectors["server_private_pem"], vectors["gateway_public_pem"]
    for case in vectors["cases"]:
        sealed = electiersa.VoteEncrypted(
            encrypted_message=case["encrypted_message"], encrypted_object=case["encrypted_object"]
        )
        opened = electiersa.decrypt_vote(sealed, private, g_public)
        if opened != case["vote"] or list(opened) != list(case["vote"]):
            fail(f"vector {case['name']!r} opened to {opened!r}, recorded {case['vote']!r}")
        resealed = electiersa.encrypt_vote(
            case["vote"], vectors["gateway_private_pem"], vectors["server_public_pem"]
        )
        if electiersa.decrypt_vote(resealed, private, g_public) != case["vote"]:
            fail(f"vector {case['name']!r} sealed by electie did not open to itself")
    for case in vectors["negative_cases"]:
        sealed = electiersa.VoteEncrypted(
            encrypted_message=case["encrypted_message"], encrypted_object=case["encrypted_object"]
        )
        try:
            electiersa.decrypt_vote(sealed, private, g_public)
        except electie.DecryptionError:
            continue
        fail(f"must-fail vector {case['name']!r} opened")

    election = json.loads((testdata / "fixtures" / "cz_ep_2019_dhondt.json").read_text(encoding="utf-8"))
    total = election["total_valid_votes"]
    passing = {
        party["name"]: party["votes"]
        for party in election["parties"]
        if party["votes"] * 100 >= total * election["threshold_rules"]["threshold_pct"]
    }
    seats = electie.allocate_seats(passing, election["seats"], "dhondt")
    official = {party["name"]: party["seats_official"] for party in election["parties"] if party["seats_official"]}
    if seats != official:
        fail(f"{election['name']}: seats {seats!r}, official {official!r}")

    print(
        f"smoke check passed: electie from {location.parent}, RSA backend {electie.rsa_backend()}, "
        f"{len(vectors['cases'])} vectors opened, {len(vectors['negative_cases'])} refused, "
        f"{sum(seats.values())} seats as officially allocated"
    )


if __name__ == "__main__":
    main()
