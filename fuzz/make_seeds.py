#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target from the interop vectors and official
fixtures in testdata/ and the bundled NR SR 2020 data: fuzz/corpus/<target>/seed-<name>.

Run from anywhere: python3 fuzz/make_seeds.py.
The files are committed; libFuzzer adds its own finds beside them (ignored by git).
"""
import hashlib
import json
import math
import pathlib

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
TESTDATA = ROOT / "testdata"
VECTORS = json.loads((TESTDATA / "vectors" / "electiersa-v0.1.1.json").read_text())
DATA = ROOT / "data" / "nrsr_2020"


def write(target, name, text):
    directory = FUZZ / "corpus" / target
    directory.mkdir(parents=True, exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    (directory / f"seed-{name}").write_bytes(data)


def fixture(name):
    return json.loads((TESTDATA / "fixtures" / name).read_text())


def sealed_cases():
    for group in ("cases", "negative_cases", "compat_cases"):
        for case in VECTORS[group]:
            yield group, case


# open_sealed and parse_votes_encrypted: every sealed payload of the vectors.
payloads = []
for group, case in sealed_cases():
    payload = {"encrypted_message": case["encrypted_message"], "encrypted_object": case["encrypted_object"]}
    payloads.append(payload)
    write("open_sealed", f"{group}-{case['name']}", json.dumps(payload))
write("parse_votes_encrypted", "vectors-batch", json.dumps({"polling_place_id": 0, "votes": payloads}))
write("parse_votes_encrypted", "one-vote", json.dumps({"polling_place_id": 17, "votes": payloads[:1]}))
write("parse_votes_encrypted", "empty", json.dumps({"polling_place_id": 0, "votes": []}))

# python_json_roundtrip: the exact signed texts, the fixtures, awkward numbers and text.
for group, case in sealed_cases():
    if "python_json_dumps_of_vote" in case:
        write("python_json_roundtrip", f"{group}-{case['name']}", case["python_json_dumps_of_vote"])
for name in ("cz_ep_2019_dhondt.json", "sk_president_2019.json", "sk_nrsr_2020.json"):
    write("python_json_roundtrip", name, (TESTDATA / "fixtures" / name).read_text())
for name, text in {
    "floats": "[0.1, -0.0, 1e400, -1e400, 5e-324, 1.7976931348623157e308, 2.5e-8, 1E+2, NaN, Infinity, -Infinity]",
    "big-ints": "[18446744073709551616, -9223372036854775809, 123456789012345678901234567890]",
    "escapes": '{"a\\u0000b": "\\ud83d\\ude00 \\u013d \\" \\\\ \\/ \\b\\f\\n\\r\\t", "": null}',
    "nesting": "[[[[{\"k\": [true, false, null]}]]]]",
    "duplicate-keys": '{"a": 1, "a": 2, "b": {"a": 3}}',
}.items():
    write("python_json_roundtrip", name, text)

# parse_config: a small server form and a gateway form cut from NR SR 2020.
parties = json.loads((DATA / "parties.json").read_text())[:4]
candidates = json.loads((DATA / "candidates.json").read_text())
places = json.loads((DATA / "polling_places.json").read_text())[:3]
for index, party in enumerate(parties):
    party["_id"] = index
    party["candidates"] = [
        dict(c, _id=i) for i, c in enumerate(candidates) if c["party_number"] == party["party_number"]
    ][:3]
for index, place in enumerate(places):
    place["_id"] = index
key_pair = {
    "_id": 0,
    "polling_place_id": 0,
    "public_key_pem": VECTORS["server_public_pem"],
    "g_public_key_pem": VECTORS["gateway_public_pem"],
}
server = {
    "parties": parties,
    "polling_places": places,
    "key_pairs": [key_pair],
    "texts": {},
    "election_id": "election_id",
    "max_candidates": 5,
}
write("parse_config", "server-form", json.dumps(server, ensure_ascii=False))
gateway_place = {k: v for k, v in places[0].items() if k != "_id"}
gateway = {"parties": parties, "polling_place": gateway_place, "polling_place_id": 0, "key_pairs": [key_pair]}
write("parse_config", "gateway-form", json.dumps(gateway, ensure_ascii=False))
write("parse_config", "minimal", json.dumps({"parties": []}))

# validate_batch: the sample batch of data/, the vectors' votes, and broken votes.
sample = [json.loads(line) for line in (ROOT / "data" / "sample_votes.jsonl").read_text().splitlines() if line.strip()]
write("validate_batch", "sample-votes", json.dumps({"polling_place_id": 0, "votes": sample}, ensure_ascii=False))
vector_votes = [case["vote"] for _, case in sealed_cases() if isinstance(case.get("vote"), dict)]
write("validate_batch", "vector-votes", json.dumps({"polling_place_id": 5, "votes": vector_votes}))
write("validate_batch", "duplicate-tokens", json.dumps({"polling_place_id": 1, "votes": [sample[0], sample[0], {"party_id": None, "candidate_ids": [], "token": "x", "election_id": "election_id"}]}))
write("validate_batch", "unknown-place", json.dumps({"polling_place_id": -1, "votes": sample}))

# decode_tally_line: the usual shape, its variants the scanner leaves to the full
# decoder, and broken lines.
for name, line in {
    "usual": '{"polling_place_id": 12, "party_id": 10, "candidate_ids": [1075, 1076, 1080]}',
    "blank-vote": '{"polling_place_id":0,"party_id":null,"candidate_ids":[]}',
    "keys-reordered-extra": '{"candidate_ids": [-3], "token": "abc", "party_id": -1, "polling_place_id": 0}',
    "duplicate-key": '{"polling_place_id": 1, "party_id": 2, "party_id": 3, "candidate_ids": []}',
    "escaped-key": '{"polling_place_id": 1, "p\\u0061rty_id": 2, "candidate_ids": []}',
    "float": '{"polling_place_id": 1.0, "party_id": 2, "candidate_ids": []}',
    "minus-zero": '{"polling_place_id": -0, "party_id": 2, "candidate_ids": []}',
    "big": '{"polling_place_id": 9223372036854775808, "party_id": -9223372036854775808, "candidate_ids": []}',
    "missing-candidates": '{"polling_place_id": 1, "party_id": 2}',
    "nested-extra": '{"polling_place_id": 1, "party_id": 2, "candidate_ids": [], "x": {"y": [1]}}',
    "truncated": '{"polling_place_id": 1, "party_id": 2, "candidate_ids": [1',
}.items():
    write("decode_tally_line", name, line)

# allocate_seats: the official elections of the fixtures with every method index.
nrsr = fixture("sk_nrsr_2020.json")
nrsr_votes = [p["votes"] for p in nrsr["parties"]]
nrsr_coalitions = [p.get("coalition_size") or 1 for p in nrsr["parties"]]
cz = fixture("cz_ep_2019_dhondt.json")
cz_votes = [p["votes"] for p in cz["parties"]]
for method in range(26):
    write("allocate_seats", f"nrsr-2020-method-{method}", json.dumps({"votes": nrsr_votes, "seats": 150, "method": method, "tie": 1, "coalition_sizes": nrsr_coalitions}))
write("allocate_seats", "cz-ep-2019-dhondt", json.dumps({"votes": cz_votes, "seats": int(cz["seats"]), "method": 0, "tie": 0}))
write("allocate_seats", "ties", json.dumps({"votes": [10, 10, 10, 0], "seats": 2, "method": 0, "tie": 2}))
president = fixture("sk_president_2019.json")
round1 = president["round1"]
first = [c["votes"] for c in round1["candidates"]] if isinstance(round1, dict) and "candidates" in round1 else []
if first:
    write("allocate_seats", "sk-president-2019-round1", json.dumps({"votes": first, "seats": 1, "method": 1, "tie": 3}))

# rank_ballots: the Kubernetes steering elections.
for name in ("k8s_steering_2021_schulze.json", "k8s_steering_2022_schulze.json"):
    election = fixture(name)
    write("rank_ballots", name.removesuffix(".json"), json.dumps({"candidates": len(election["candidates"]), "ballots": election["ballots"]}))
write("rank_ballots", "tiny", json.dumps({"candidates": 3, "ballots": [[1, 2, 3], [3, 1, 2], [2, 3, 1], [1, None, 1]]}))
write("rank_ballots", "empty", json.dumps({"candidates": 0, "ballots": []}))
# Regression: a huge count once allocated n x n tables before looking at anything.
write("rank_ballots", "too-many-candidates", json.dumps({"candidates": 100000000, "ballots": []}))
# Regression: the fuzzer's timeout (850 candidates, n^3 steps) before the bound was 500.
write("rank_ballots", "timeout-850-candidates", '{"candidates":850, "ballots": []}')

for directory in sorted((FUZZ / "corpus").iterdir()):
    print(f"{directory.name}: {len(list(directory.iterdir()))} seeds")
