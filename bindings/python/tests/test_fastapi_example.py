"""The example server (examples/fastapi_server.py) end to end with FastAPI's test
client, fed by the real electiersa as gateways seal votes."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

import pytest
from electiersa import electiersa as original
from fastapi.testclient import TestClient

from electie import ElectionConfig

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "fastapi_server.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fastapi_server", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fastapi_server"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def client(small_election: Dict[str, Any]) -> TestClient:
    server = load_example()
    return TestClient(server.create_app(ElectionConfig.from_dict(small_election)))


def seal(keys: Dict[str, str], votes: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [
        original.encrypt_vote(vote, keys["gateway_private"], keys["server_public"]).model_dump()
        for vote in votes
    ]


def vote(party: Any, candidates: List[int], token: str) -> Dict[str, Any]:
    return {"party_id": party, "candidate_ids": candidates, "token": token, "election_id": "election_id"}


def post(client: TestClient, place: int, votes: List[Dict[str, str]]) -> Any:
    return client.post("/elections/vote", json={"polling_place_id": place, "votes": votes})


def test_vote_intake_and_results(client: TestClient, keys: Dict[str, str]) -> None:
    assert client.get("/").json() == {"status": "success", "message": "Server is running"}
    batch = seal(keys, [vote(0, [0, 1], "a"), vote(0, [2], "b"), vote(1, [3], "c"), vote(None, [], "d")])
    answer = post(client, 0, batch)
    assert (answer.status_code, answer.json()) == (
        200,
        {"status": "success", "message": "Vote was successfully precessed"},
    )
    # the same tokens again: refused as the original refuses them, nothing stored
    again = post(client, 0, batch[:1])
    assert (again.status_code, again.json()) == (
        400,
        {"status": "failure", "message": "Duplicate combination of token and polling place id"},
    )
    # ... but another polling place may carry them
    assert post(client, 1, batch[:1]).status_code == 200

    cases = [
        (7, seal(keys, [vote(0, [], "x")]), "Invalid polling place id"),
        (0, [], "Empty batch"),
        (0, seal(keys, [vote(0, [3], "x")]), "Invalid candidates ids - candidate |3| is not in party |0|"),
        (0, seal(keys, [vote(9, [], "x")]), "Invalid party id"),
        (0, seal(keys, [vote(0, [0, 0], "x")]), "Duplicate candidates ids"),
        (0, seal(keys, [vote(0, [], "y"), vote(1, [], "y")]), "Duplicate tokens in the batch"),
        (0, seal(keys, [{**vote(0, [], "x"), "election_id": "other"}]), "Invalid election id"),
    ]
    tampered = seal(keys, [vote(0, [], "z")])[0]
    tampered["encrypted_message"] = "A" + tampered["encrypted_message"][1:]
    cases.append((0, [tampered], "Invalid vote encryption or signature"))
    for place, votes, message in cases:
        answer = post(client, place, votes)
        assert (answer.status_code, answer.json()) == (400, {"status": "failure", "message": message})

    results = client.post("/elastic/get-parties-results", json={}).json()
    assert [(r["id"], r["doc_count"]) for r in results] == [("0", 3), ("1", 1), ("2", 0)]
    assert list(results[0]) == ["id", "doc_count", "percentage", "in_parliament", "relative_percentage", "seats"]
    # 4 votes: the republic electoral number 4/151 rounds to 0, so no seats yet and
    # nobody in parliament (electie-tally's one zero-quota rule for published results)
    assert results[0]["percentage"] == 75.0 and sum(r["seats"] for r in results) == 0
    assert not any(r["in_parliament"] for r in results)
    only = client.post("/elastic/get-parties-results", json={"party": "Strana 1 Ľudí"}).json()
    assert [r["id"] for r in only] == ["1"]
    assert len(client.app.state.stored_votes) == 5  # type: ignore[attr-defined]


def test_request_validation_is_fastapis(client: TestClient) -> None:
    answer = client.post("/elections/vote", json={"polling_place_id": 0, "votes": [{"encrypted_message": 1}]})
    assert answer.status_code == 422


def test_a_service_switches_by_changing_one_import(keys: Dict[str, str]) -> None:
    # A gateway-style service written against electiersa's API, with
    # `from electiersa import electiersa` replaced by `from electie import electiersa`.
    from fastapi import FastAPI, HTTPException

    from electie import electiersa

    app = FastAPI()

    @app.post("/vote")
    async def receive(encrypted_vote: electiersa.VoteEncrypted) -> Dict[str, Any]:
        try:
            vote = electiersa.decrypt_vote(encrypted_vote, keys["server_private"], keys["gateway_public"])
        except ValueError:
            raise HTTPException(status_code=400, detail="Invalid vote")
        return {"vote": vote, "sealed_back": electiersa.encrypt_vote(vote, keys["gateway_private"], keys["server_public"]).model_dump()}

    client = TestClient(app)
    vote_in = {"token": "ľ🗳", "vote": {"party_id": 3, "candidate_ids": []}, "big": 2**80}
    sealed = original.encrypt_vote(vote_in, keys["gateway_private"], keys["server_public"])
    answer = client.post("/vote", json=sealed.model_dump())
    assert answer.status_code == 200
    body = answer.json()
    assert body["vote"] == vote_in
    resealed = original.VoteEncrypted(**body["sealed_back"])
    assert original.decrypt_vote(resealed, keys["server_private"], keys["gateway_public"]) == vote_in
    bad = dict(sealed.model_dump(), encrypted_object="AAAA")
    assert client.post("/vote", json=bad).status_code == 400
    assert client.post("/vote", json={"encrypted_message": "x"}).status_code == 422
