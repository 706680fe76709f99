"""electie.electiersa against the electiersa 0.1.1 vectors and the real package."""

import inspect
import json
from typing import Any, Dict

import pytest
from electiersa import electiersa as original

import electie
from electie import electiersa


def label(annotation: Any) -> str:
    """An annotation's name without its module (Tuple[str, str], dict, VoteEncrypted)."""
    return getattr(annotation, "__name__", str(annotation).replace("typing.", ""))


def sealed(case: Dict[str, Any]) -> electiersa.VoteEncrypted:
    return electiersa.VoteEncrypted(
        encrypted_message=case["encrypted_message"], encrypted_object=case["encrypted_object"]
    )


def test_same_public_names_signatures_and_sync_ness() -> None:
    for name in ("get_rsa_key_pair", "encrypt_vote", "decrypt_vote"):
        mine, theirs = getattr(electiersa, name), getattr(original, name)
        ours, reference = inspect.signature(mine), inspect.signature(theirs)
        assert [(p.name, p.kind, p.default, label(p.annotation)) for p in ours.parameters.values()] == [
            (p.name, p.kind, p.default, label(p.annotation)) for p in reference.parameters.values()
        ], name
        assert label(ours.return_annotation) == label(reference.return_annotation), name
        assert not inspect.iscoroutinefunction(mine)
    assert list(electiersa.VoteEncrypted.model_fields) == list(original.VoteEncrypted.model_fields)
    for field in ("encrypted_message", "encrypted_object"):
        assert electiersa.VoteEncrypted.model_fields[field].annotation is str
    assert electiersa.VoteEncrypted is electie.VoteEncrypted


def test_every_case_opens_like_the_original(vectors: Dict[str, Any], keys: Dict[str, str]) -> None:
    for case in vectors["cases"]:
        mine = electiersa.decrypt_vote(sealed(case), keys["server_private"], keys["gateway_public"])
        theirs = original.decrypt_vote(
            original.VoteEncrypted(**case_pair(case)), keys["server_private"], keys["gateway_public"]
        )
        assert mine == theirs == case["vote"], case["name"]
        assert list(mine) == list(theirs), case["name"]  # key order
        assert json.dumps(mine) == case["python_json_dumps_of_vote"], case["name"]


def case_pair(case: Dict[str, Any]) -> Dict[str, str]:
    return {key: case[key] for key in ("encrypted_message", "encrypted_object")}


def test_original_vote_encrypted_and_mappings_are_accepted(
    vectors: Dict[str, Any], keys: Dict[str, str]
) -> None:
    case = vectors["cases"][0]
    theirs = original.VoteEncrypted(**case_pair(case))
    assert electiersa.decrypt_vote(theirs, keys["server_private"], keys["gateway_public"]) == case["vote"]
    assert electiersa.decrypt_vote(case_pair(case), keys["server_private"], keys["gateway_public"]) == case["vote"]


def test_what_electie_seals_the_original_opens(vectors: Dict[str, Any], keys: Dict[str, str]) -> None:
    for case in vectors["cases"]:
        result = electiersa.encrypt_vote(
            case["vote"], keys["gateway_private"], keys["server_public"], case["aes_key_length"]
        )
        assert isinstance(result, electiersa.VoteEncrypted)
        opened = original.decrypt_vote(result, keys["server_private"], keys["gateway_public"])
        assert opened == case["vote"], case["name"]
        assert json.dumps(opened) == case["python_json_dumps_of_vote"], case["name"]


def test_every_negative_case_raises_a_value_error(vectors: Dict[str, Any], keys: Dict[str, str]) -> None:
    assert vectors["negative_cases"]
    for case in vectors["negative_cases"]:
        with pytest.raises(electie.DecryptionError) as caught:
            electiersa.decrypt_vote(sealed(case), keys["server_private"], keys["gateway_public"])
        assert isinstance(caught.value, ValueError), case["name"]
        assert caught.value.stage in {"decrypt", "payload", "signature"}
        # the original refuses them too
        with pytest.raises(Exception):
            original.decrypt_vote(
                original.VoteEncrypted(**case_pair(case)), keys["server_private"], keys["gateway_public"]
            )


def test_compat_cases_open(vectors: Dict[str, Any], keys: Dict[str, str]) -> None:
    assert vectors["compat_cases"]
    for case in vectors["compat_cases"]:
        opened = electiersa.decrypt_vote(sealed(case), keys["server_private"], keys["gateway_public"])
        assert opened == original.decrypt_vote(
            original.VoteEncrypted(**case_pair(case)), keys["server_private"], keys["gateway_public"]
        ), case["name"]


def test_generated_keys_have_the_original_format_and_interoperate(
    vectors: Dict[str, Any], keys: Dict[str, str]
) -> None:
    private_pem, public_pem = electiersa.get_rsa_key_pair()
    for mine, reference in ((private_pem, keys["server_private"]), (public_pem, keys["server_public"])):
        assert mine.splitlines()[0] == reference.splitlines()[0]
        assert mine.splitlines()[-1] == reference.splitlines()[-1]
        assert not mine.endswith("\n") and "\r" not in mine
        assert max(len(line) for line in mine.splitlines()) == 64
        assert len(mine) == pytest.approx(len(reference), abs=8)
    vote = {"token": "t", "party_id": 1, "candidate_ids": []}
    # electie's keys in the original, both roles
    theirs = original.encrypt_vote(vote, keys["gateway_private"], public_pem)
    assert electiersa.decrypt_vote(theirs, private_pem, keys["gateway_public"]) == vote
    mine = electiersa.encrypt_vote(vote, private_pem, keys["server_public"])
    assert original.decrypt_vote(mine, keys["server_private"], public_pem) == vote
    # the original's keys in electie
    o_private, o_public = original.get_rsa_key_pair()
    sealed_vote = electiersa.encrypt_vote(vote, o_private, o_public, 16)
    assert electiersa.decrypt_vote(sealed_vote, o_private, o_public) == vote


def test_decrypt_votes_gives_one_result_per_item(vectors: Dict[str, Any], keys: Dict[str, str]) -> None:
    items = [sealed(case) for case in vectors["cases"]] + [
        sealed(case) for case in vectors["negative_cases"]
    ]
    results = electie.decrypt_votes(items * 3, keys["server_private"], keys["gateway_public"])
    assert len(results) == len(items) * 3
    for index, result in enumerate(results):
        item = index % len(items)
        if item < len(vectors["cases"]):
            assert result == vectors["cases"][item]["vote"]
        else:
            assert isinstance(result, electie.DecryptionError)
    assert electie.decrypt_votes([], keys["server_private"], keys["gateway_public"]) == []


def test_decrypt_votes_releases_the_gil(vectors: Dict[str, Any], keys: Dict[str, str]) -> None:
    import threading
    import time

    items = [sealed(case) for case in vectors["cases"]] * 160
    electie.decrypt_votes(items[:2], keys["server_private"], keys["gateway_public"])  # keys cached
    ticks = [0]
    running = threading.Event()
    stop = threading.Event()

    def spin() -> None:
        running.set()
        while not stop.is_set():
            ticks[0] += 1

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        running.wait()
        # How fast the other thread counts while this one waits without the GIL.
        start, before = time.perf_counter(), ticks[0]
        time.sleep(0.05)
        rate = (ticks[0] - before) / (time.perf_counter() - start)
        start, before = time.perf_counter(), ticks[0]
        electie.decrypt_votes(items, keys["server_private"], keys["gateway_public"])
        elapsed, during = time.perf_counter() - start, ticks[0] - before
    finally:
        stop.set()
        thread.join()
    # Holding the GIL for the whole call, the other thread would count for at most a
    # switch interval or two (5 ms each) of a call that lasts far longer.
    assert elapsed > 0.1
    assert during > 0.1 * rate * elapsed, (during, rate, elapsed)
