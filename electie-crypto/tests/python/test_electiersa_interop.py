"""electie's CLI against the real Python electiersa 0.1.1, in both directions.

Run: ``pytest electie-crypto/tests/python`` after ``cargo build -p electie-cli``
(or set ELECTIE_BIN). Skips cleanly when electiersa or the binary is missing.
"""

import json
import os
import pathlib
import subprocess

import pytest

electiersa = pytest.importorskip("electiersa.electiersa")

ROOT = pathlib.Path(__file__).resolve().parents[3]
KEYS = ROOT / "testdata" / "vectors" / "electiersa-v0.1.1-keys"
VECTORS = ROOT / "testdata" / "vectors" / "electiersa-v0.1.1.json"
BINARY = pathlib.Path(os.environ.get("ELECTIE_BIN", ROOT / "target" / "debug" / "electie"))

if not BINARY.exists():
    pytest.skip(f"electie binary not built at {BINARY}", allow_module_level=True)
if not KEYS.exists():
    pytest.skip(f"vectors not found at {KEYS}", allow_module_level=True)

VOTES = [
    {"token": "fjosjfidsw", "party_id": 10, "election_id": "election_id", "candidate_ids": [1075, 1076]},
    {"token": "Ľudovít Štúr 🗳️", "party_id": None, "candidate_ids": []},
    {"n": 2**70, "f": [1.5, -0.0, 1e16, 2.5e-07], "nested": {"b": 1, "a": [{"y": 2, "x": 1}]}},
    {"data": "JVBERi0xLjQK" * 200},
]


def key(name):
    return (KEYS / name).read_text()


def run(*args, stdin):
    return subprocess.run([str(BINARY), *args], input=stdin, capture_output=True, text=True)


@pytest.mark.parametrize("aes_key_bytes", ["16", "24", "32"])
def test_python_opens_what_electie_seals(aes_key_bytes):
    lines = "".join(json.dumps(vote) + "\n" for vote in VOTES)
    sealed = run(
        "seal",
        "--signer-key", str(KEYS / "gateway_private.pem"),
        "--recipient-key", str(KEYS / "server_public.pem"),
        "--aes-key-bytes", aes_key_bytes,
        "-",
        stdin=lines,
    )
    assert sealed.returncode == 0, sealed.stderr
    outputs = sealed.stdout.splitlines()
    assert len(outputs) == len(VOTES)
    for line, vote in zip(outputs, VOTES):
        pair = electiersa.VoteEncrypted(**json.loads(line))
        opened = electiersa.decrypt_vote(pair, key("server_private.pem"), key("gateway_public.pem"))
        assert json.dumps(opened) == json.dumps(vote)


@pytest.mark.parametrize("backend", ["rustcrypto", "aws-lc"])
def test_electie_opens_what_python_seals(backend):
    sealed = [
        electiersa.encrypt_vote(vote, key("gateway_private.pem"), key("server_public.pem"))
        for vote in VOTES
    ]
    lines = "".join(
        json.dumps({"encrypted_message": s.encrypted_message, "encrypted_object": s.encrypted_object}) + "\n"
        for s in sealed
    )
    opened = run(
        "open",
        "--recipient-key", str(KEYS / "server_private.pem"),
        "--signer-key", str(KEYS / "gateway_public.pem"),
        "--backend", backend,
        "-",
        stdin=lines,
    )
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.splitlines() == [json.dumps(vote) for vote in VOTES]


def test_keys_generated_by_electie_work_in_python(tmp_path):
    for name in ("server", "gateway"):
        result = run("keygen", "--out", str(tmp_path / name), stdin="")
        assert result.returncode == 0, result.stderr
    read = lambda name, part: (tmp_path / name / f"{part}.pem").read_text()
    vote = VOTES[1]
    sealed = electiersa.encrypt_vote(vote, read("gateway", "private"), read("server", "public"))
    assert electiersa.decrypt_vote(sealed, read("server", "private"), read("gateway", "public")) == vote


def test_every_vector_case_opens_through_the_cli():
    vectors = json.loads(VECTORS.read_text())
    good = vectors["cases"] + vectors["compat_cases"]
    lines = "".join(
        json.dumps({"encrypted_message": c["encrypted_message"], "encrypted_object": c["encrypted_object"]}) + "\n"
        for c in good + vectors["negative_cases"]
    )
    opened = run(
        "open",
        "--recipient-key", str(KEYS / "server_private.pem"),
        "--signer-key", str(KEYS / "gateway_public.pem"),
        "-",
        stdin=lines,
    )
    assert opened.returncode == 1
    outputs = opened.stdout.splitlines()
    assert outputs[: len(good)] == [c["python_json_dumps_of_vote"] for c in good]
    assert all(set(json.loads(line)) == {"error"} for line in outputs[len(good):])
