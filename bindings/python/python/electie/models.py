"""The election's data models (spec 20) as pydantic v2 models.

Field names and their order are the JSON contract of the original system. ``_id``
fields are the attribute ``id`` with the alias ``_id``: models read either name, and
``model_dump(by_alias=True)`` writes ``_id``. Unknown extra fields are ignored.
"""

from typing import List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Vote",
    "VotePartial",
    "VoteEncrypted",
    "VotesEncrypted",
    "Party",
    "Candidate",
    "PollingPlace",
    "KeyPair",
    "Text",
    "Message",
]


class VoteEncrypted(BaseModel):
    """A sealed vote, as electiersa's ``VoteEncrypted``.

    Attributes
    ----------
    encrypted_message: str
        AES-EAX encrypted ``{"vote": ..., "signature": ...}``, base64.
    encrypted_object: str
        RSA-OAEP encrypted AES key, tag and nonce, base64.
    """

    encrypted_message: str
    encrypted_object: str


class VotesEncrypted(BaseModel):
    """A gateway's batch for one polling place (``POST /elections/vote``)."""

    polling_place_id: int
    votes: List[VoteEncrypted] = []


class Vote(BaseModel):
    """A decrypted vote, fields in the order gateways sign them."""

    party_id: Optional[int]
    candidate_ids: List[int] = []
    token: str
    election_id: str


class VotePartial(BaseModel):
    """What a terminal sends inside ``{"token", "vote"}``."""

    party_id: Optional[int]
    candidate_ids: List[int] = []


class _WithId(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Candidate(_WithId):
    """A candidate; belongs to the party with the same ``party_number``."""

    id: int = Field(alias="_id")
    party_number: int
    order: int
    first_name: str
    last_name: str
    degrees_before: str
    age: Optional[int] = None
    occupation: str
    residence: str


class Party(_WithId):
    """A party; votes carry its ``_id`` in ``party_id``."""

    id: int = Field(alias="_id")
    party_number: int
    name: str
    official_abbr: str
    abbr: str
    image: str
    image_bytes: Optional[str] = None
    color: str
    candidates: List[Candidate] = []


class PollingPlace(_WithId):
    """A polling place."""

    id: int = Field(alias="_id")
    region_code: int
    region_name: str
    administrative_area_code: int
    administrative_area_name: str
    county_code: int
    county_name: str
    municipality_code: int
    municipality_name: str
    polling_place_number: int
    registered_voters_count: int


class KeyPair(_WithId):
    """The server pair of a polling place and its gateway's pair (private keys may be
    absent: a gateway holds public keys only)."""

    id: Optional[int] = Field(default=None, alias="_id")
    polling_place_id: int
    private_key_pem: Optional[str] = None
    public_key_pem: str
    g_private_key_pem: Optional[str] = None
    g_public_key_pem: str


class Text(BaseModel):
    """A text in Slovak and English."""

    sk: str
    en: str


class Message(BaseModel):
    """The server's answer: ``{"status": "success" | "failure", "message": ...}``."""

    status: Literal["success", "failure"]
    message: str
