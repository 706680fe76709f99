"""electie against electiersa 0.1.1 in one run, on the same sealed votes and keys.

1. ``decrypt_vote`` called as services call it: PEM strings on every call, one vote
   at a time (``electie.electiersa.decrypt_vote`` vs ``electiersa.decrypt_vote``).
2. A batch: ``electie.decrypt_votes`` (parallel, GIL released) vs
   ``electiersa.decrypt_vote`` in a loop.

Votes are sealed by the real electiersa (as gateways seal them) with the 2048-bit keys
of the interop vectors. Each figure is the median over ``--rounds`` rounds of the
time per vote; the ratio is electiersa's median over electie's.

    python bench/bench_decrypt.py [--votes 2000] [--original-votes 200] [--rounds 5]
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

from electiersa import electiersa as original

import electie
from electie import electiersa

VECTORS = Path(__file__).resolve().parents[3] / "testdata" / "vectors" / "electiersa-v0.1.1.json"


def keys() -> Dict[str, str]:
    path = Path(os.environ.get("ELECTIE_VECTORS", VECTORS))
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: data[f"{name}_pem"] for name in ("server_private", "server_public", "gateway_private", "gateway_public")}
    server_private, server_public = original.get_rsa_key_pair()
    gateway_private, gateway_public = original.get_rsa_key_pair()
    return {
        "server_private": server_private,
        "server_public": server_public,
        "gateway_private": gateway_private,
        "gateway_public": gateway_public,
    }


def per_vote(run: Callable[[], Any], count: int, rounds: int) -> List[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) / count)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=2000, help="votes per electie round and batch")
    parser.add_argument("--original-votes", type=int, default=200, help="votes per electiersa round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    pems = keys()
    sealed = [
        original.encrypt_vote(
            {"party_id": index % 25, "candidate_ids": [1075 + index % 5], "token": f"{index:032x}", "election_id": "election_id"},
            pems["gateway_private"],
            pems["server_public"],
        )
        for index in range(max(args.votes, args.original_votes))
    ]
    private_pem, public_pem = pems["server_private"], pems["gateway_public"]

    def original_loop(count: int) -> Callable[[], Any]:
        return lambda: [original.decrypt_vote(item, private_pem, public_pem) for item in sealed[:count]]

    def electie_loop() -> Any:
        return [electiersa.decrypt_vote(item, private_pem, public_pem) for item in sealed[: args.votes]]

    def electie_batch() -> Any:
        return electie.decrypt_votes(sealed[: args.votes], private_pem, public_pem)

    # Both sides must agree before anything is timed.
    expected = original_loop(20)()
    assert electie_loop()[:20] == expected and electie_batch()[:20] == expected

    reference = statistics.median(per_vote(original_loop(args.original_votes), args.original_votes, args.rounds))
    single = statistics.median(per_vote(electie_loop, args.votes, args.rounds))
    batch = statistics.median(per_vote(electie_batch, args.votes, args.rounds))

    print(
        f"electie {electie.__version__} (RSA backend {electie.rsa_backend()}), {os.cpu_count()} CPUs; "
        f"median of {args.rounds} rounds, time per vote"
    )
    print(f"  electiersa.decrypt_vote, loop of {args.original_votes:>5}: {reference * 1e6:9.1f} us  ({1 / reference:8.0f} votes/s)")
    print(
        f"  electie.electiersa.decrypt_vote, loop of {args.votes:>5}: {single * 1e6:9.1f} us  ({1 / single:8.0f} votes/s)"
        f"  {reference / single:6.1f}x"
    )
    print(
        f"  electie.decrypt_votes, batch of {args.votes:>5}: {batch * 1e6:9.1f} us  ({1 / batch:8.0f} votes/s)"
        f"  {reference / batch:6.1f}x"
    )


if __name__ == "__main__":
    main()
