"""ElectionConfig, validate_batch / vote_verdicts with the exact messages, Tally,
allocate_seats and rank."""

import json
from typing import Any, Dict, List

import pytest

import electie
from electie import BatchRejected, ElectionConfig, Tally, TokenStore, Vote

from conftest import NRSR_2020


@pytest.fixture(scope="module")
def nrsr() -> ElectionConfig:
    if not NRSR_2020.is_dir():
        pytest.fail(f"NR SR 2020 configuration not found at {NRSR_2020} (set ELECTIE_DATA)")
    return ElectionConfig.load(NRSR_2020)


def vote(party: Any, candidates: List[Any], token: str = "t", election: str = "election_id") -> Dict[str, Any]:
    return {"party_id": party, "candidate_ids": candidates, "token": token, "election_id": election}


def rejection(config: ElectionConfig, votes: List[Any], place: int = 0, tokens: Any = None) -> str:
    with pytest.raises(BatchRejected) as caught:
        electie.validate_batch(config, place, votes, tokens)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == caught.value.message
    return caught.value.message


def test_config_loads_every_form(nrsr: ElectionConfig, small_election: Dict[str, Any]) -> None:
    assert len(nrsr.party_ids) == 25 and len(nrsr.candidate_ids) == 2736
    assert nrsr.party_of_candidate(1075) == 10
    assert nrsr.election_id == "election_id" and nrsr.max_candidates == 5
    small = ElectionConfig.from_dict(small_election)
    assert small.key_pair(1)["polling_place_id"] == 1  # type: ignore[index]
    assert small.key_pair(7) is None
    assert ElectionConfig.from_json(json.dumps(small_election)).party_ids == [0, 1, 2]
    assert small.parties()[0]["name"] == "Strana 0 Ľudí"
    with pytest.raises(electie.ConfigError):
        ElectionConfig.from_json("{}")
    with pytest.raises(electie.ConfigError):
        ElectionConfig.load("/nonexistent/config.json")
    assert small.with_election_id("e2").election_id == "e2"
    assert small.with_max_candidates(4).max_candidates == 4


def test_rules_and_their_exact_messages(nrsr: ElectionConfig) -> None:
    ok = vote(10, [1075])
    assert electie.validate_batch(nrsr, 0, [ok]) is None
    assert rejection(nrsr, [ok], place=999999) == "Invalid polling place id"
    assert rejection(nrsr, []) == "Empty batch"
    assert rejection(nrsr, [electie.DecryptionError("x")]) == "Invalid vote encryption or signature"
    assert rejection(nrsr, [None]) == "Invalid decryption - decrypted vote is none"
    assert rejection(nrsr, [[1, 2]]) == "Invalid decryption - unspecified"
    assert rejection(nrsr, [vote(10, [1075, 1076, 1077, 1078, 1079, 1080])]) == "Number of candidates is more than 5"
    assert rejection(nrsr, [vote(10, [1075, 1075])]) == "Duplicate candidates ids"
    assert (
        rejection(nrsr, [vote(None, [1075])])
        == "When party_id is None there is no possibility to have length of candidate_ids greater than zero"
    )
    assert rejection(nrsr, [vote(10, [1075, 0])]) == "Invalid candidates ids - candidate |0| is not in party |10|"
    assert rejection(nrsr, [vote(99, [1075])]) == "Invalid party id"
    assert rejection(nrsr, [vote(-1, [])]) == "Invalid party id"
    store = TokenStore()
    store.add(0, "t")
    assert rejection(nrsr, [ok], tokens=store) == "Duplicate combination of token and polling place id"
    assert rejection(nrsr, [vote(10, [1075], election="other")]) == "Invalid election id"
    assert rejection(nrsr, [ok, ok]) == "Duplicate tokens in the batch"
    assert rejection(nrsr, [vote("10", [])]).startswith("Invalid vote format - party_id")
    assert rejection(nrsr, [vote(10, [1.5])]).startswith("Invalid vote format - candidate_ids[0]")
    assert rejection(nrsr, [vote(10, [2**70])]).startswith("Invalid vote format - candidate_ids[0]")
    assert rejection(nrsr, [{"party_id": 10}]).startswith("Invalid vote format - missing field")
    # the first failure in order wins
    assert rejection(nrsr, [vote(99, []), None]) == "Invalid party id"


def test_accepting_stores_tokens_and_models_are_accepted(nrsr: ElectionConfig) -> None:
    store = TokenStore()
    batch = [Vote(party_id=10, candidate_ids=[1075], token="a", election_id="election_id"), vote(None, [], "b")]
    electie.validate_batch(nrsr, 3, batch, store, accept=True)
    assert len(store) == 2 and store.contains(3, "a") and not store.contains(4, "a")
    assert rejection(nrsr, batch, place=3, tokens=store) == "Duplicate combination of token and polling place id"
    with pytest.raises(ValueError):
        electie.validate_batch(nrsr, 3, batch, None, accept=True)
    with pytest.raises(TypeError):
        electie.validate_batch(nrsr, 3, 5)  # type: ignore[arg-type]


def test_verdicts_judge_each_vote(nrsr: ElectionConfig) -> None:
    store = TokenStore()
    verdicts = electie.vote_verdicts(
        nrsr, 0, [vote(10, [1075], "a"), vote(99, [], "b"), vote(10, [], "a"), None, vote(None, [], "c")], store, accept=True
    )
    assert [v if v is None else (v.message, v.rule) for v in verdicts] == [
        None,
        ("Invalid party id", 8),
        ("Duplicate tokens in the batch", 11),
        ("Invalid decryption - decrypted vote is none", 3),
        None,
    ]
    assert len(store) == 2
    # accept=True needs a store to record the tokens in, for both functions alike
    for check in (electie.validate_batch, electie.vote_verdicts):
        with pytest.raises(ValueError, match="accept=True needs tokens"):
            check(nrsr, 0, [vote(10, [1075], "d")], accept=True)
    assert nrsr.check_ballot(10, [1075]) is None
    assert nrsr.check_ballot(None, [1]).message.startswith("When party_id is None")  # type: ignore[union-attr]


def test_tally_counts_merges_and_renders_the_original_shapes(nrsr: ElectionConfig) -> None:
    first, second = Tally(nrsr), Tally(nrsr)
    for index in range(60):
        assert first.count(index % 3, vote(10, [1075], f"t{index}")) is None
    for index in range(40):
        second.add(index % 2, 3, [338] if index % 2 else [])
    second.add(0, None)
    refused = first.count(0, vote(10, [0]))
    assert isinstance(refused, BatchRejected) and refused.rule == 7
    with pytest.raises(electie.TallyError):
        first.add(0, 12345, [])
    first.merge(second)
    assert first.total_votes == 101 and first.blank_votes == 1
    assert first.party_votes()[10] == 60 and first.party_votes()[3] == 40
    assert first.candidate_votes()[1075] == 60 and first.candidate_votes()[338] == 20
    results = first.party_results()
    assert [list(r) for r in results[:1]] == [
        ["id", "doc_count", "percentage", "in_parliament", "relative_percentage", "seats"]
    ]
    assert (results[0]["id"], results[0]["doc_count"], results[0]["percentage"]) == ("10", 60, 60.0)
    assert sum(r["seats"] for r in results) == 150
    with_candidates = first.party_results(with_candidates=True)
    assert list(with_candidates[0])[2] == "candidates"
    assert first.status()["total_votes"] == 101
    assert list(first.status()) == ["registered_voters", "total_votes", "participation", "number_of_polling_places"]
    assert first.status("region_code", 1)["number_of_polling_places"] < 5998
    candidates = first.candidate_results()
    assert [list(c) for c in candidates[:1]] == [["name", "doc_count", "percentage"]]
    assert candidates[0]["doc_count"] == 60
    localities = first.results_by_locality("region_code")
    assert list(localities[0]) == ["type", "code", "doc_count", "parties", "registered_participants", "participation"]
    assert sum(l["doc_count"] for l in localities) == 101
    assert len(first.results_by_locality("region_code", 1)) == 1
    with pytest.raises(ValueError):
        first.results_by_locality("planet_code")
    first.merge(first)
    assert first.total_votes == 202


def test_allocate_seats_and_rank() -> None:
    assert electie.allocate_seats([53_000, 24_000, 23_000], 7, "sainte-lague") == [3, 2, 2]
    assert electie.allocate_seats({"A": 600_000, "B": 350_000, "C": 40_000}, 150, "sk-nrsr") == {"A": 95, "B": 55, "C": 0}
    assert electie.allocate_seats([100, 80, 30, 20], 8, "dhondt") == [4, 3, 1, 0]
    assert sum(electie.allocate_seats([100, 80, 30, 20], 8, "hare")) == 8
    assert sum(electie.allocate_seats([100, 80, 30, 20], 8, "modified-sainte-lague", first_divisor=1.4)) == 8
    with pytest.raises(electie.TallyError):
        electie.allocate_seats([10, 10], 1, "dhondt", tie="fail")
    assert electie.allocate_seats([10, 10], 1, "dhondt", tie="list-order") == [1, 0]
    with pytest.raises(ValueError):
        electie.allocate_seats([1], 1, "no-such-method")
    with pytest.raises(TypeError):
        electie.allocate_seats("abc", 1)  # type: ignore[arg-type]
    ranking = electie.rank(["a", "b", "c"], [[1, 2, 3], [1, 3, 2], [2, 1, None]])
    assert ranking[0] == ["a"]
    with pytest.raises(ValueError):
        electie.rank(["a", "b"], [[1]])


def test_allocate_seats_names_every_method_it_takes() -> None:
    with pytest.raises(ValueError) as caught:
        electie.allocate_seats([1], 1, "D'Hondt")
    assert not isinstance(caught.value, electie.ElectieError)
    prefix = "unknown method \"D'Hondt\": expected one of "
    assert str(caught.value).startswith(prefix)
    names = str(caught.value)[len(prefix) :].split(", ")
    assert len(names) == 14 and names[:3] == ["sk-nrsr", "sk-ep", "dhondt"]
    for name in names:
        assert sum(electie.allocate_seats([600_000, 350_000, 40_000], 21, name)) == 21, name
    with pytest.raises(ValueError, match="first_divisor"):
        electie.allocate_seats([3, 2], 2, "modified-sainte-lague", first_divisor=0.0)
    # Only the method that has a first divisor reads it.
    assert electie.allocate_seats([3, 2], 2, "sainte-lague", first_divisor=0.0) == [1, 1]
