#!/usr/bin/env python3
"""A simulated election night against a real electie-server.

Gateways are simulated the way real ones talk to the server (spec 41 §2-3): each
polling place numbers its votes 1, 2, 3, ..., keeps the SHA-256 hash chain over
them, sends sealed batches (`electie seal`: signed with the gateway key, sealed for
the polling place's server key) with `first_seqno` and `chain_head`, and at the end
closes the polling place with a sealed close message, which puts its ballots into the
public ballot feed.

Run it to watch the results page fill up:

    cargo build -p electie-cli -p electie-server
    python3 examples/server/election-night/night.py --data-dir /tmp/night

then open http://127.0.0.1:8222/results and, in another terminal,
`target/debug/electie observe --server http://127.0.0.1:8222 --state /tmp/observer.json`.

The tests import this file (`Night`, `Gateway`) to drive a server step by step.
Simulation shortcut: every simulated gateway uses one gateway key pair (each polling
place still has its own server key pair, made by `electie-server enroll`).
Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def binary(name: str, env: str) -> str:
    """The binary from the environment variable `env`, else target/debug/`name`."""
    path = os.environ.get(env) or str(REPO / "target" / "debug" / name)
    if not Path(path).is_file():
        raise SystemExit(f"{path} not found: run `cargo build -p electie-cli -p electie-server` or set {env}")
    return path


def http(method: str, url: str, body=None, headers=None, timeout: float = 30.0):
    """(status, parsed JSON or text) of one request; never raises on HTTP errors."""
    data = None
    headers = dict(headers or {})
    if body is not None:
        if isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        else:
            data = json.dumps(body).encode()
            headers.setdefault("content-type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def chain_genesis(polling_place_id: int, election_id: str) -> bytes:
    return hashlib.sha256(f"electie-chain-v1\n{polling_place_id}\n{election_id}".encode()).digest()


def chain_advance(head: bytes, seqno: int, signed: bytes) -> bytes:
    return hashlib.sha256(head + seqno.to_bytes(8, "big") + hashlib.sha256(signed).digest()).digest()


class Gateway:
    """One polling place's gateway: numbers, chains, seals and sends its votes."""

    def __init__(self, night: "Night", polling_place_id: int, server_public_pem: Path):
        self.night = night
        self.polling_place_id = polling_place_id
        self.server_public_pem = server_public_pem
        self.seqno = 0
        self.head = chain_genesis(polling_place_id, night.election_id)
        self.closed = False

    def seal(self, objects: list[dict]) -> list[dict]:
        lines = "".join(json.dumps(o) + "\n" for o in objects)
        done = subprocess.run(
            [self.night.electie, "seal", "--signer-key", str(self.night.gateway_dir / "private.pem"),
             "--recipient-key", str(self.server_public_pem), "-"],
            input=lines.encode(), capture_output=True, timeout=120, check=True)
        return [json.loads(line) for line in done.stdout.decode().splitlines()]

    def cast(self, votes: list[tuple[int | None, list[int]]]) -> tuple[int, object]:
        """Sends one batch of (party_id, candidate_ids) votes; returns the answer."""
        first = self.seqno + 1
        head = self.head
        plain = []
        for offset, (party_id, candidate_ids) in enumerate(votes):
            vote = {"party_id": party_id, "candidate_ids": candidate_ids,
                    "token": secrets.token_hex(16), "election_id": self.night.election_id}
            head = chain_advance(head, first + offset, json.dumps(vote).encode())
            plain.append(vote)
        body = {"polling_place_id": self.polling_place_id, "votes": self.seal(plain),
                "first_seqno": first, "chain_head": head.hex()}
        status, answer = http("POST", f"{self.night.url}/elections/vote", body)
        if status == 200:
            self.seqno += len(votes)
            self.head = head
        return status, answer

    def close(self) -> tuple[int, object]:
        message = {"polling_place_id": self.polling_place_id, "last_seqno": self.seqno,
                   "chain_head": self.head.hex(),
                   "closed_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
        (sealed,) = self.seal([message])
        status, answer = http("POST", f"{self.night.url}/elections/polling-places/{self.polling_place_id}/close", sealed)
        if status == 200:
            self.closed = True
        return status, answer


class Night:
    """A server in `data_dir` with simulated gateways for a sample of polling places."""

    def __init__(self, data_dir: Path, places: int = 12, seed: int = 2020, listen: str = "127.0.0.1:0",
                 feed_batch_size: int | None = None, log=None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.electie = binary("electie", "ELECTIE_BIN")
        self.server_bin = binary("electie-server", "ELECTIE_SERVER_BIN")
        self.random = random.Random(seed)
        self.listen = listen
        self.feed_batch_size = feed_batch_size
        self.log = log or (lambda message: print(message, file=sys.stderr))
        self.process: subprocess.Popen | None = None
        self.url = ""
        # a simulation's admin password, kept beside the data so a copy of the
        # directory (the tests copy a prepared one) or a restart can log in again
        password_file = self.data_dir / "simulation-admin-password"
        if password_file.exists():
            self.password = password_file.read_text().strip()
        else:
            self.password = secrets.token_urlsafe(18)
            subprocess.run([self.server_bin, "admin", "--data-dir", str(self.data_dir), "--username", "admin",
                            "--password-stdin"], input=(self.password + "\n").encode(), check=True,
                           capture_output=True, timeout=120)
            password_file.write_text(self.password + "\n")
            password_file.chmod(0o600)
        self.gateway_dir = self.data_dir / "gateway"
        if not (self.gateway_dir / "private.pem").exists():
            subprocess.run([self.electie, "keygen", "--out", str(self.gateway_dir)], check=True,
                           capture_output=True, timeout=120)
        self.config = self._bundled_config()
        self.election_id = self.config.get("election_id", "election_id")
        self.gateways: dict[int, Gateway] = {}
        for place in self._sample(places):
            pem = self.data_dir / "server-keys" / f"{place}.pem"
            pem.parent.mkdir(exist_ok=True)
            if not pem.exists():
                done = subprocess.run([self.server_bin, "enroll", "--data-dir", str(self.data_dir), "--polling-place",
                                       str(place), "--gateway-public-key", str(self.gateway_dir / "public.pem")],
                                      check=True, capture_output=True, timeout=120)
                pem.write_bytes(done.stdout)
            self.gateways[place] = Gateway(self, place, pem)

    def _bundled_config(self) -> dict:
        """The NR SR 2020 configuration the server serves by default (read from the
        repository's data directory, the same files the server embeds)."""
        data = REPO / "data" / "nrsr_2020"
        parties = json.loads((data / "parties.json").read_text())
        candidates = json.loads((data / "candidates.json").read_text())
        places = json.loads((data / "polling_places.json").read_text())
        for index, party in enumerate(parties):
            party["_id"] = index
            party["candidates"] = [dict(c, _id=i) for i, c in enumerate(candidates)
                                   if c["party_number"] == party["party_number"]]
        for index, place in enumerate(places):
            place["_id"] = index
        return {"parties": parties, "polling_places": places, "election_id": "election_id"}

    def _sample(self, count: int) -> list[int]:
        """`count` polling places: the first of every region, then whole counties
        and municipalities, so that drill-down reaches complete areas."""
        places = self.config["polling_places"]
        chosen: list[int] = []
        # two municipalities in full, so a municipality and its county have closed places
        by_municipality: dict[int, list[int]] = {}
        for place in places:
            by_municipality.setdefault(place["municipality_code"], []).append(place["_id"])
        small = [ids for ids in by_municipality.values() if 2 <= len(ids) <= 3]
        for ids in self.random.sample(small, 2):
            chosen.extend(ids)
        seen_regions = {places[i]["region_code"] for i in chosen}
        for place in places:
            if place["region_code"] not in seen_regions:
                seen_regions.add(place["region_code"])
                chosen.append(place["_id"])
        rest = [p["_id"] for p in places if p["_id"] not in chosen]
        chosen.extend(self.random.sample(rest, max(0, count - len(chosen))))
        return sorted(chosen[:max(count, len(chosen))])

    def start(self, timeout: float = 60.0) -> None:
        command = [self.server_bin, "serve", "--data-dir", str(self.data_dir), "--listen", self.listen]
        if self.feed_batch_size:
            command += ["--feed-batch-size", str(self.feed_batch_size)]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + timeout
        assert self.process.stderr is not None
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                raise RuntimeError(f"electie-server exited with {self.process.wait()}")
            if "listening on http://" in line:
                self.url = line.strip().split("listening on ", 1)[1]
                break
        else:
            raise RuntimeError("electie-server did not start in time")
        # keep draining the log so the server never blocks on a full pipe
        threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def admin_token(self) -> str:
        status, answer = http("POST", f"{self.url}/token",
                              f"username=admin&password={self.password}",
                              {"content-type": "application/x-www-form-urlencoded"})
        assert status == 200, (status, answer)
        return answer["access_token"]

    def publish(self, published: bool = True) -> None:
        route = "publish" if published else "hide"
        status, answer = http("POST", f"{self.url}/elastic/results/{route}", {},
                              {"authorization": f"Bearer {self.admin_token()}"})
        assert status == 200, (status, answer)

    def random_votes(self, count: int) -> list[tuple[int | None, list[int]]]:
        """Votes drawn like a real night: party shares skewed, 3 % blank, half the
        voters circle 1-4 candidates of their party."""
        parties = self.config["parties"]
        weights = [1.0 / (1 + (i * 7) % 11) for i in range(len(parties))]
        votes = []
        for _ in range(count):
            if self.random.random() < 0.03:
                votes.append((None, []))
                continue
            party = self.random.choices(parties, weights)[0]
            circled: list[int] = []
            if party["candidates"] and self.random.random() < 0.5:
                top = party["candidates"][:12]
                circled = sorted(c["_id"] for c in self.random.sample(top, self.random.randint(1, min(4, len(top)))))
            votes.append((party["_id"], circled))
        return votes

    def cast(self, place: int, count: int) -> None:
        status, answer = self.gateways[place].cast(self.random_votes(count))
        assert status == 200, (place, status, answer)

    def close(self, place: int) -> None:
        status, answer = self.gateways[place].close()
        assert status == 200, (place, status, answer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="the server's data directory (created)")
    parser.add_argument("--listen", default="127.0.0.1:8222")
    parser.add_argument("--places", type=int, default=40, help="polling places simulated")
    parser.add_argument("--votes-per-place", type=int, default=300)
    parser.add_argument("--batch", type=int, default=10, help="votes per gateway request")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between waves")
    parser.add_argument("--publish-at", type=float, default=0.25,
                        help="publish results when this share of the votes is in")
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args()

    night = Night(args.data_dir, places=args.places, seed=args.seed, listen=args.listen)
    night.start()
    print(f"server:   {night.url}  (admin password: {night.password})")
    print(f"results:  {night.url}/results")
    print(f"observer: {REPO}/target/debug/electie observe --server {night.url} --state {args.data_dir}/observer.json")
    left = {place: args.votes_per_place for place in night.gateways}
    total = sum(left.values())
    published = False
    try:
        while any(left.values()) or not all(g.closed for g in night.gateways.values()):
            for place in list(left):
                if left[place] > 0:
                    n = min(args.batch, left[place])
                    night.cast(place, n)
                    left[place] -= n
                elif not night.gateways[place].closed and night.random.random() < 0.3:
                    night.close(place)
            done = total - sum(left.values())
            if not published and done >= args.publish_at * total:
                night.publish()
                published = True
            closed = sum(g.closed for g in night.gateways.values())
            print(f"\rvotes {done}/{total}, polling places closed {closed}/{len(night.gateways)}", end="", flush=True)
            time.sleep(args.pause)
        print("\nall polling places closed; the server keeps running (Ctrl-C stops it)")
        while night.process and night.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        night.stop()


if __name__ == "__main__":
    main()
