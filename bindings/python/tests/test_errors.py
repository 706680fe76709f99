"""Wrong input raises TypeError or a ValueError subclass with a clear message, never
crashes the interpreter."""

import math
import os
from typing import Any, Dict

import pytest

import electie
from electie import electiersa


def test_wrong_types_are_type_errors(keys: Dict[str, str]) -> None:
    with pytest.raises(TypeError, match="encrypted_message and encrypted_object"):
        electiersa.decrypt_vote(123, keys["server_private"], keys["gateway_public"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="encrypted_vote.encrypted_message must be a str"):
        electiersa.decrypt_vote(
            {"encrypted_message": 1, "encrypted_object": "x"},  # type: ignore[arg-type]
            keys["server_private"],
            keys["gateway_public"],
        )
    with pytest.raises(TypeError, match="rsa_private_key_pem must be a PEM string"):
        electiersa.decrypt_vote({"encrypted_message": "", "encrypted_object": ""}, None, keys["gateway_public"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        electiersa.encrypt_vote({"a": {1, 2}}, keys["gateway_private"], keys["server_public"])
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        electiersa.encrypt_vote({"a": [object()]}, keys["gateway_private"], keys["server_public"])
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        electiersa.encrypt_vote({(1, 2): 1}, keys["gateway_private"], keys["server_public"])
    with pytest.raises(TypeError):
        electiersa.encrypt_vote({}, keys["gateway_private"], keys["server_public"], "32")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        electiersa.get_rsa_key_pair("2048")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="iterable"):
        electie.decrypt_votes(5, keys["server_private"], keys["gateway_public"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"encrypted_votes\[1\]"):
        electie.decrypt_votes([{"encrypted_message": "", "encrypted_object": ""}, 7], keys["server_private"], keys["gateway_public"])


def test_bad_values_are_value_errors(keys: Dict[str, str]) -> None:
    pair = {"encrypted_message": "AAAA", "encrypted_object": "AAAA"}
    for garbage in ("", "not a key", keys["server_public"], "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"):
        with pytest.raises(electie.InvalidKeyError) as caught:
            electiersa.decrypt_vote(pair, garbage, keys["gateway_public"])
        assert isinstance(caught.value, ValueError) and "private key" in str(caught.value)
    with pytest.raises(electie.InvalidKeyError, match="public key"):
        electiersa.decrypt_vote(pair, keys["server_private"], "garbage")
    with pytest.raises(electie.DecryptionError):
        electiersa.decrypt_vote(pair, keys["server_private"], keys["gateway_public"])
    with pytest.raises(electie.DecryptionError):
        electiersa.decrypt_vote({"encrypted_message": "***", "encrypted_object": "@@"}, keys["server_private"], keys["gateway_public"])
    with pytest.raises(electie.EncryptionError) as too_long:
        electiersa.encrypt_vote({}, keys["gateway_private"], keys["server_public"], 20)
    assert isinstance(too_long.value, ValueError)
    with pytest.raises(ValueError, match="got -1"):
        electiersa.encrypt_vote({}, keys["gateway_private"], keys["server_public"], -1)
    with pytest.raises(ValueError, match="key size"):
        electiersa.get_rsa_key_pair(512)
    with pytest.raises(ValueError, match="-5 bits"):
        electiersa.get_rsa_key_pair(-5)
    nested: Any = []
    for _ in range(2000):
        nested = [nested]
    with pytest.raises(ValueError, match="nesting"):
        electiersa.encrypt_vote({"deep": nested}, keys["gateway_private"], keys["server_public"])
    circular: Dict[str, Any] = {}
    circular["self"] = circular
    with pytest.raises(ValueError):
        electiersa.encrypt_vote(circular, keys["gateway_private"], keys["server_public"])
    with pytest.raises(ValueError, match="surrogate"):
        electiersa.encrypt_vote({"t": "\ud800"}, keys["gateway_private"], keys["server_public"])


def test_keys_in_other_accepted_forms(keys: Dict[str, str]) -> None:
    vote = {"party_id": 1, "nan": math.inf}
    sealed = electiersa.encrypt_vote(vote, keys["gateway_private"].replace("\n", "\r\n") + "\n", keys["server_public"])
    escaped = keys["gateway_public"].replace("\n", "\\n")
    assert electiersa.decrypt_vote(sealed, "  " + keys["server_private"] + "\n", escaped) == vote
    assert electiersa.decrypt_vote(sealed, keys["server_private"].encode(), keys["gateway_public"].encode()) == vote  # type: ignore[arg-type]


def test_key_cache_is_bounded_and_can_be_turned_off(keys: Dict[str, str]) -> None:
    sealed = electiersa.encrypt_vote({"a": 1}, keys["gateway_private"], keys["server_public"])
    previous = electie.set_key_cache_size(0)
    try:
        assert electiersa.decrypt_vote(sealed, keys["server_private"], keys["gateway_public"]) == {"a": 1}
        electie.set_key_cache_size(1)
        for _ in range(3):
            assert electiersa.decrypt_vote(sealed, keys["server_private"], keys["gateway_public"]) == {"a": 1}
    finally:
        electie.set_key_cache_size(previous)


def test_the_build_opens_with_the_backend_it_was_built_with() -> None:
    # The wheel and the sdist build with the crate's default features, AWS-LC among
    # them; ELECTIE_RSA_BACKEND=rustcrypto checks a --no-default-features build.
    assert electie.rsa_backend() == os.environ.get("ELECTIE_RSA_BACKEND", "aws-lc")
