"""An independent recount of the ballot feed in plain Python (no electie code).

Reads the whole feed, counts party and preferential votes, and allocates the 150 NR SR
seats by the law (30-tally.md): 5 % / 7 % / 10 % thresholds by coalition size on all
valid votes, republic electoral number rounded to the nearest integer, floor, then the
largest remainders (equal remainders: more votes), or seats over the house taken back
from the smallest remainders. Exact integers and fractions only.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from night import http


def read_feed(url: str, election: str) -> list[dict]:
    ballots, start = [], 1
    while True:
        status, page = http("GET", f"{url}/feed/elections/{election}/batchfrom/{start}")
        assert status == 200, (status, page)
        ballots += page["batch"]
        if len(page["batch"]) < page["batchmaxsize"]:
            return ballots
        start += len(page["batch"])


def recount(ballots: list[dict], coalition_sizes: dict[int, int], house: int = 150):
    parties = Counter(b["party_id"] for b in ballots if b["party_id"] is not None)
    preferential = Counter(c for b in ballots if b["party_id"] is not None for c in b["candidate_ids"])
    valid = sum(parties.values())
    needed = {1: 5, 2: 7, 3: 7}
    passing = {p: v for p, v in parties.items()
               if valid and Fraction(v * 100, valid) >= needed.get(coalition_sizes.get(p, 1), 10)}
    seats = {p: 0 for p in parties}
    if passing:
        rvc = (2 * sum(passing.values()) + house + 1) // (2 * (house + 1))  # nearest, half up
        remainder = {}
        for p, v in passing.items():
            seats[p], remainder[p] = divmod(v, rvc)
        # in rounds of at most one seat per subject: free seats to the largest remainders
        # (equal: more votes), seats over the house back from the smallest (equal: fewer)
        while (free := house - sum(seats.values())) > 0:
            for p in sorted(passing, key=lambda p: (-remainder[p], -passing[p]))[:free]:
                seats[p] += 1
        while (excess := sum(seats.values()) - house) > 0:
            holders = [p for p in passing if seats[p] > 0]
            for p in sorted(holders, key=lambda p: (remainder[p], passing[p]))[:excess]:
                seats[p] -= 1
    return {"blank": sum(1 for b in ballots if b["party_id"] is None), "parties": dict(parties),
            "preferential": dict(preferential), "seats": seats, "total": len(ballots)}
