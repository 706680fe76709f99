"""Plain-Python baseline for validation: the original server's checks (rules 4-11)
written as a careful Python developer would, over the votes the Rust bench generated.

Usage: python3 validate_baseline.py <config-dir> <votes.jsonl> <batch-size> [repeats] [stored]
`stored`: tokens already stored, one `polling_place_id<TAB>token` per line (rule 9).
Prints one JSON line: {"votes": n, "accepted_batches": k, "median_seconds": s, "votes_per_second": r}.
"""
import json
import statistics
import sys
import time


def load(config_dir):
    with open(f"{config_dir}/parties.json", encoding="utf-8") as f:
        parties = json.load(f)
    with open(f"{config_dir}/candidates.json", encoding="utf-8") as f:
        candidates = json.load(f)
    party_by_number = {p["party_number"]: i for i, p in enumerate(parties)}
    candidate_party = {i: party_by_number[c["party_number"]] for i, c in enumerate(candidates)}
    return set(range(len(parties))), candidate_party


def validate_batch(batch, polling_place_id, party_ids, candidate_party, stored, election_id, max_candidates):
    for vote in batch:
        candidate_ids = vote["candidate_ids"]
        party_id = vote["party_id"]
        if len(candidate_ids) > max_candidates:
            return f"Number of candidates is more than {max_candidates}"
        if len(set(candidate_ids)) != len(candidate_ids):
            return "Duplicate candidates ids"
        if party_id is None:
            if candidate_ids:
                return "When party_id is None there is no possibility to have length of candidate_ids greater than zero"
        elif party_id not in party_ids:
            return "Invalid party id"
        else:
            for candidate_id in candidate_ids:
                if candidate_party.get(candidate_id) != party_id:
                    return f"Invalid candidates ids - candidate |{candidate_id}| is not in party |{party_id}|"
        if (vote["token"], polling_place_id) in stored:
            return "Duplicate combination of token and polling place id"
        if vote["election_id"] != election_id:
            return "Invalid election id"
    tokens = [vote["token"] for vote in batch]
    if len(set(tokens)) != len(tokens):
        return "Duplicate tokens in the batch"
    return None


def main():
    config_dir, votes_path, batch_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    stored_path = sys.argv[5] if len(sys.argv) > 5 else None
    party_ids, candidate_party = load(config_dir)
    with open(votes_path, encoding="utf-8") as f:
        votes = [json.loads(line) for line in f]
    batches = [votes[i:i + batch_size] for i in range(0, len(votes), batch_size)]
    stored = set()
    if stored_path:
        with open(stored_path, encoding="utf-8") as f:
            for line in f:
                place, token = line.rstrip("\n").split("\t")
                stored.add((token, int(place)))
    timings = []
    accepted = 0
    for _ in range(repeats):
        accepted = 0
        start = time.perf_counter()
        for batch in batches:
            if validate_batch(batch, batch[0]["polling_place_id"], party_ids, candidate_party,
                              stored, "election_id", 5) is None:
                accepted += 1
        timings.append(time.perf_counter() - start)
    seconds = statistics.median(timings)
    print(json.dumps({"votes": len(votes), "accepted_batches": accepted,
                      "median_seconds": seconds, "votes_per_second": len(votes) / seconds}))


if __name__ == "__main__":
    main()
