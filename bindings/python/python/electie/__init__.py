"""electie: counting polling-place e-votes.

- :mod:`electie.electiersa` — drop-in replacement for ``electiersa.electiersa``.
- :func:`decrypt_votes` — open many sealed votes in parallel (GIL released).
- :mod:`electie.models` — the election's pydantic models.
- :class:`ElectionConfig`, :func:`validate_batch`, :func:`vote_verdicts`,
  :class:`TokenStore` — the server's validation with its exact messages.
- :class:`Tally`, :func:`allocate_seats`, :func:`rank` — counting and seats.
"""

from typing import Any, Iterable, List, Union

from electie import _native
from electie._native import (
    BatchRejected,
    ConfigError,
    DecryptionError,
    ElectieError,
    ElectionConfig,
    EncryptionError,
    InvalidKeyError,
    JsonError,
    Tally,
    TallyError,
    TokenStore,
    VoteFormatError,
    allocate_seats,
    rank,
    rsa_backend,
    set_key_cache_size,
    validate_batch,
    vote_verdicts,
)
from electie.models import (
    Candidate,
    KeyPair,
    Message,
    Party,
    PollingPlace,
    Text,
    Vote,
    VoteEncrypted,
    VotePartial,
    VotesEncrypted,
)

__version__: str = _native.__version__

__all__ = [
    "BatchRejected",
    "Candidate",
    "ConfigError",
    "DecryptionError",
    "ElectieError",
    "ElectionConfig",
    "EncryptionError",
    "InvalidKeyError",
    "JsonError",
    "KeyPair",
    "Message",
    "Party",
    "PollingPlace",
    "Tally",
    "TallyError",
    "Text",
    "TokenStore",
    "Vote",
    "VoteEncrypted",
    "VoteFormatError",
    "VotePartial",
    "VotesEncrypted",
    "allocate_seats",
    "decrypt_votes",
    "rank",
    "rsa_backend",
    "set_key_cache_size",
    "validate_batch",
    "vote_verdicts",
]


def decrypt_votes(
    encrypted_votes: Iterable[Any],
    rsa_private_key_pem: str,
    g_rsa_public_key_pem: str,
) -> List[Union[Any, DecryptionError]]:
    """Open many sealed votes in parallel, with the GIL released.

    Returns one item per input, in order: the opened vote (a ``dict``), or the
    :class:`DecryptionError` that vote failed with (returned, not raised), so one bad
    vote does not hide the others. Items are anything :func:`electiersa.decrypt_vote`
    accepts (objects with ``encrypted_message`` and ``encrypted_object``, or mappings).
    """
    return _native.decrypt_votes(encrypted_votes, rsa_private_key_pem, g_rsa_public_key_pem)
