"""The original server's vote intake and party results, rebuilt on the electie wheel.

``POST /elections/vote`` takes a gateway's batch (``VotesEncrypted``), opens every vote
with the polling place's server key and checks its gateway signature (in parallel,
GIL released), validates the batch with the original server's rules and messages,
and stores and counts it — all or nothing. ``POST /elastic/get-parties-results``
answers party results with seats in the original shape.

Run it on a server-form configuration (``GET /elections/voting-data`` of the original,
with key pairs)::

    ELECTIE_CONFIG=voting-data.json uvicorn fastapi_server:app

A service still on electiersa changes one import: ``from electie import electiersa``.
"""

import os
import threading
from typing import Any, Dict, List, Optional, cast

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from electie import (
    BatchRejected,
    ElectionConfig,
    Message,
    Tally,
    TokenStore,
    VotesEncrypted,
    decrypt_votes,
    validate_batch,
)


class PartyFilter(BaseModel):
    """Body of ``get-parties-results``: optionally one party, by name."""

    party: Optional[str] = None


def failure(message: str) -> JSONResponse:
    return JSONResponse(status_code=400, content={"status": "failure", "message": message})


def create_app(config: ElectionConfig, seats: int = 150) -> FastAPI:
    """The server for one election; votes are kept in memory."""
    app = FastAPI(title="electie example server")
    tokens = TokenStore()
    tally = Tally(config)
    stored: List[Dict[str, Any]] = []
    # Validation and storing must be atomic: two batches with one token, one wins.
    commit = threading.Lock()
    party_names = {party["_id"]: party["name"] for party in config.parties()}

    @app.get("/")
    def root() -> Message:
        return Message(status="success", message="Server is running")

    @app.post("/elections/vote", response_model=Message)
    def vote(batch: VotesEncrypted) -> Any:
        key_pair = config.key_pair(batch.polling_place_id)
        if key_pair is None or not key_pair.get("private_key_pem"):
            return failure("Invalid polling place id")
        opened = decrypt_votes(
            batch.votes, key_pair["private_key_pem"], key_pair["g_public_key_pem"]
        )
        with commit:
            try:
                validate_batch(config, batch.polling_place_id, opened, tokens, accept=True)
            except BatchRejected as rejected:
                return failure(rejected.message)
            # Accepted: every item is a vote with the four fields.
            for item in cast(List[Dict[str, Any]], opened):
                vote = {
                    "party_id": item["party_id"],
                    "candidate_ids": item["candidate_ids"],
                    "token": item["token"],
                    "election_id": item["election_id"],
                    "polling_place_id": batch.polling_place_id,
                }
                tally.add(batch.polling_place_id, vote["party_id"], vote["candidate_ids"])
                stored.append(vote)
        return Message(status="success", message="Vote was successfully precessed")

    @app.post("/elastic/get-parties-results")
    def parties_results(body: Optional[PartyFilter] = None) -> Any:
        with commit:
            results = tally.party_results(seats=seats)
        if body is not None and body.party is not None:
            results = [
                result for result in results if party_names.get(int(result["id"])) == body.party
            ]
        return results

    app.state.stored_votes = stored
    app.state.tally = tally
    return app


def app_from_environment() -> FastAPI:
    """The app for ``uvicorn fastapi_server:app`` (configuration from ``ELECTIE_CONFIG``)."""
    return create_app(ElectionConfig.load(os.environ["ELECTIE_CONFIG"]))


if "ELECTIE_CONFIG" in os.environ:
    app = app_from_environment()
