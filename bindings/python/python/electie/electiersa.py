"""Drop-in replacement for ``electiersa.electiersa`` (electiersa 0.1.1).

A service switches by changing ``from electiersa import electiersa`` to
``from electie import electiersa``. The names, parameters (names, order, defaults),
return types and sync-ness are the original's; the wire format is byte-compatible in
both directions. Differences: keys given as PEM text are parsed once and cached, the
RSA work runs in Rust with the GIL released, and every failure is a ``ValueError``
subclass (:class:`electie.DecryptionError`, :class:`electie.InvalidKeyError`,
:class:`electie.EncryptionError`) instead of the mix of ``ValueError``, ``KeyError``
and ``TypeError`` the original let escape. A value ``json.dumps`` cannot serialize
still raises ``TypeError``.
"""

import base64
import json  # noqa: F401  (electiersa's module namespace has it)
from typing import Any, Tuple

from pydantic import BaseModel  # noqa: F401  (electiersa's module namespace has it)

from electie import _native
from electie.models import VoteEncrypted

__all__ = ["VoteEncrypted", "get_rsa_key_pair", "encrypt_vote", "decrypt_vote"]


def _from_bytes_to_string(encrypted_bytes: bytes) -> str:
    """Standard base64 of ``encrypted_bytes`` as text (the original's helper)."""
    return base64.b64encode(encrypted_bytes).decode("utf-8")


def _from_string_to_bytes(string: str) -> bytes:
    """The bytes of base64 ``string`` (the original's helper)."""
    return base64.b64decode(string.encode("utf-8"))


def get_rsa_key_pair(key_length: int = 2048) -> Tuple[str, str]:
    """Generate an RSA key pair (public exponent 65537).

    Returns ``(private_key_pem, public_key_pem)``: the private key in PKCS#1
    (``-----BEGIN RSA PRIVATE KEY-----``), the public key in SubjectPublicKeyInfo
    (``-----BEGIN PUBLIC KEY-----``), exactly as electiersa writes them. Sizes from
    1384 (the smallest that can receive a sealed vote) to 8192 bits.
    """
    return _native.get_rsa_key_pair(key_length)


def encrypt_vote(
    vote: dict,  # type: ignore[type-arg]
    g_rsa_private_key_pem: str,
    rsa_public_key_pem: str,
    aes_key_length: int = 32,
) -> VoteEncrypted:
    """Sign ``vote`` with the sender's private key and seal it for the receiver.

    ``vote`` is any ``json.dumps``-serializable object; the signature covers
    ``json.dumps(vote)``. ``aes_key_length`` is 16, 24 or 32 (bytes).
    """
    encrypted_message, encrypted_object = _native.encrypt_vote(
        vote, g_rsa_private_key_pem, rsa_public_key_pem, aes_key_length
    )
    return VoteEncrypted.model_construct(
        encrypted_message=encrypted_message, encrypted_object=encrypted_object
    )


def decrypt_vote(
    encrypted_vote: VoteEncrypted,
    rsa_private_key_pem: str,
    g_rsa_public_key_pem: str,
) -> dict:  # type: ignore[type-arg]
    """Open a sealed vote with the receiver's private key and verify the sender's
    signature; return the vote (a ``dict`` in the order its keys were sealed).

    ``encrypted_vote`` is any object with ``encrypted_message`` and
    ``encrypted_object`` string attributes (this module's or electiersa's
    ``VoteEncrypted``) or a mapping with those keys. Raises
    :class:`electie.DecryptionError` (a ``ValueError``) on any failure.
    """
    result: Any = _native.decrypt_vote(encrypted_vote, rsa_private_key_pem, g_rsa_public_key_pem)
    return result  # type: ignore[no-any-return]
