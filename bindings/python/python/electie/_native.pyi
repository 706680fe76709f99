"""Type stubs of the native module ``electie._native`` (checked with mypy.stubtest)."""

from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

__version__: str
__all__ = [
    "ElectieError",
    "InvalidKeyError",
    "EncryptionError",
    "DecryptionError",
    "JsonError",
    "ConfigError",
    "VoteFormatError",
    "BatchRejected",
    "TallyError",
    "get_rsa_key_pair",
    "encrypt_vote",
    "decrypt_vote",
    "decrypt_votes",
    "set_key_cache_size",
    "rsa_backend",
    "__version__",
]

class ElectieError(ValueError): ...
class InvalidKeyError(ElectieError): ...
class EncryptionError(ElectieError): ...

class DecryptionError(ElectieError):
    stage: str

class JsonError(ElectieError): ...
class ConfigError(ElectieError): ...
class VoteFormatError(ElectieError): ...

class BatchRejected(ElectieError):
    message: str
    rule: Optional[int]

class TallyError(ElectieError): ...

def get_rsa_key_pair(key_length: int = 2048) -> Tuple[str, str]: ...
def encrypt_vote(
    vote: Any,
    g_rsa_private_key_pem: Union[str, bytes],
    rsa_public_key_pem: Union[str, bytes],
    aes_key_length: int = 32,
) -> Tuple[str, str]: ...
def decrypt_vote(
    encrypted_vote: Any,
    rsa_private_key_pem: Union[str, bytes],
    g_rsa_public_key_pem: Union[str, bytes],
) -> Any: ...
def decrypt_votes(
    encrypted_votes: Iterable[Any],
    rsa_private_key_pem: Union[str, bytes],
    g_rsa_public_key_pem: Union[str, bytes],
) -> List[Union[Any, DecryptionError]]: ...
def set_key_cache_size(size: int) -> int: ...
def rsa_backend() -> str: ...
