"""Plain-Python baselines for counting, over the votes the Rust tally bench generated.

Written as a careful Python developer would: dicts and collections.Counter keyed by
(polling place, party) and (polling place, candidate), the configuration's lookups
built once.

Usage:
  python3 tally_baseline.py count <config-dir> <votes.jsonl> [repeats]
      count decoded votes (already parsed dicts) -> {"votes", "accepted", "median_seconds",
      "votes_per_second", "votes_per_cpu_second"} (CPU time of the counting thread: the
      figure that a loaded machine disturbs least)
  python3 tally_baseline.py validate-count <config-dir> <votes.jsonl> [repeats]
      rules 4-8 per vote, then count the accepted ones (rejections counted by reason)
  python3 tally_baseline.py end-to-end <config-dir> <votes.jsonl>
      what `electie tally` does: read the file, json.loads each line, validate, count,
      party totals and percentages with round(x, 4); prints the time taken
  python3 tally_baseline.py lean <config-dir> <votes.jsonl>
      the same job as the leanest plain Python a developer would write: one pass over
      the lines, json.loads, the rule checks, collections.Counter per party, candidate
      and polling place, no list of votes kept; prints the time taken
  python3 tally_baseline.py generate <config-dir> <votes.jsonl> <count> [seed]
      writes `count` votes `{"polling_place_id", "party_id", "candidate_ids"}` in
      batches of 1000 per polling place (for tally_cli_vs_python.sh)
"""
import random
import json
import statistics
import sys
import time
from collections import Counter


def load(config_dir):
    with open(f"{config_dir}/parties.json", encoding="utf-8") as f:
        parties = json.load(f)
    with open(f"{config_dir}/candidates.json", encoding="utf-8") as f:
        candidates = json.load(f)
    with open(f"{config_dir}/polling_places.json", encoding="utf-8") as f:
        places = json.load(f)
    party_by_number = {p["party_number"]: i for i, p in enumerate(parties)}
    candidate_party = {i: party_by_number[c["party_number"]] for i, c in enumerate(candidates)}
    return set(range(len(parties))), candidate_party, set(range(len(places))), places


def count(votes):
    party_votes = Counter()
    blank_votes = Counter()
    candidate_votes = Counter()
    for vote in votes:
        place = vote["polling_place_id"]
        party = vote["party_id"]
        if party is None:
            blank_votes[place] += 1
            continue
        party_votes[(place, party)] += 1
        for candidate in vote["candidate_ids"]:
            candidate_votes[(place, candidate)] += 1
    return party_votes, blank_votes, candidate_votes


def check(vote, party_ids, candidate_party, place_ids, max_candidates=5):
    if vote["polling_place_id"] not in place_ids:
        return "Invalid polling place id"
    candidate_ids = vote["candidate_ids"]
    party_id = vote["party_id"]
    if len(candidate_ids) > max_candidates:
        return f"Number of candidates is more than {max_candidates}"
    if len(set(candidate_ids)) != len(candidate_ids):
        return "Duplicate candidates ids"
    if party_id is None:
        if candidate_ids:
            return "When party_id is None there is no possibility to have length of candidate_ids greater than zero"
        return None
    if party_id not in party_ids:
        return "Invalid party id"
    for candidate_id in candidate_ids:
        if candidate_party.get(candidate_id) != party_id:
            return f"Invalid candidates ids - candidate |{candidate_id}| is not in party |{party_id}|"
    return None


def validate_count(votes, party_ids, candidate_party, place_ids):
    party_votes = Counter()
    blank_votes = Counter()
    candidate_votes = Counter()
    rejections = Counter()
    for vote in votes:
        reason = check(vote, party_ids, candidate_party, place_ids)
        if reason is not None:
            rejections[reason] += 1
            continue
        place = vote["polling_place_id"]
        party = vote["party_id"]
        if party is None:
            blank_votes[place] += 1
            continue
        party_votes[(place, party)] += 1
        for candidate in vote["candidate_ids"]:
            candidate_votes[(place, candidate)] += 1
    return party_votes, blank_votes, candidate_votes, rejections


def end_to_end(config_dir, votes_path):
    start = time.perf_counter()
    party_ids, candidate_party, place_ids, places = load(config_dir)
    votes = []
    rejections = Counter()
    with open(votes_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                vote = json.loads(line)
                if not isinstance(vote, dict) or "party_id" not in vote:
                    raise ValueError("format")
                vote.setdefault("candidate_ids", [])
            except ValueError:
                rejections["format"] += 1
                continue
            votes.append(vote)
    party_votes, blank_votes, candidate_votes, more = validate_count(votes, party_ids, candidate_party, place_ids)
    rejections.update(more)
    totals = Counter()
    for (place, party), n in party_votes.items():
        totals[party] += n
    valid = sum(totals.values())
    results = sorted(
        ({"id": str(p), "doc_count": n, "percentage": round(n / valid * 100, 4)} for p, n in totals.items()),
        key=lambda r: (-r["doc_count"], int(r["id"])),
    )
    registered = sum(p["registered_voters_count"] for p in places)
    total = valid + sum(blank_votes.values())
    out = {"parties": results, "status": {"registered_voters": registered, "total_votes": total,
           "participation": round(total / registered * 100, 2)}, "rejected": sum(rejections.values())}
    text = json.dumps(out)
    seconds = time.perf_counter() - start
    print(json.dumps({"votes": len(votes), "seconds": seconds, "output_bytes": len(text)}))


def lean(config_dir, votes_path):
    start = time.perf_counter()
    party_ids, candidate_party, place_ids, places = load(config_dir)
    party_votes = Counter()
    blank_votes = Counter()
    candidate_votes = Counter()
    rejections = Counter()
    loads = json.loads
    with open(votes_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                vote = loads(line)
                if not isinstance(vote, dict) or "party_id" not in vote:
                    raise ValueError("format")
                vote.setdefault("candidate_ids", [])
            except ValueError:
                rejections["format"] += 1
                continue
            reason = check(vote, party_ids, candidate_party, place_ids)
            if reason is not None:
                rejections[reason] += 1
                continue
            place = vote["polling_place_id"]
            party = vote["party_id"]
            if party is None:
                blank_votes[place] += 1
                continue
            party_votes[(place, party)] += 1
            for candidate in vote["candidate_ids"]:
                candidate_votes[(place, candidate)] += 1
    totals = Counter()
    for (place, party), n in party_votes.items():
        totals[party] += n
    valid = sum(totals.values())
    results = sorted(
        ({"id": str(p), "doc_count": n, "percentage": round(n / valid * 100, 4)} for p, n in totals.items()),
        key=lambda r: (-r["doc_count"], int(r["id"])),
    )
    registered = sum(p["registered_voters_count"] for p in places)
    total = valid + sum(blank_votes.values())
    out = {"parties": results, "status": {"registered_voters": registered, "total_votes": total,
           "participation": round(total / registered * 100, 2)}, "rejected": sum(rejections.values())}
    text = json.dumps(out)
    seconds = time.perf_counter() - start
    print(json.dumps({"votes": total, "seconds": seconds, "output_bytes": len(text)}))


def generate(config_dir, votes_path, n, seed):
    rng = random.Random(seed)
    with open(f"{config_dir}/parties.json", encoding="utf-8") as f:
        parties = json.load(f)
    with open(f"{config_dir}/candidates.json", encoding="utf-8") as f:
        candidates = json.load(f)
    with open(f"{config_dir}/polling_places.json", encoding="utf-8") as f:
        places = len(json.load(f))
    number_to_index = {p["party_number"]: i for i, p in enumerate(parties)}
    lists = [[] for _ in parties]
    for i, c in enumerate(candidates):
        lists[number_to_index[c["party_number"]]].append(i)
    weights = [420 // (i % 7 + 1) for i in range(len(parties))]
    with open(votes_path, "w", encoding="utf-8") as out:
        place = 0
        for k in range(n):
            if k % 1000 == 0:
                place = rng.randrange(places)
            if rng.random() < 0.02:
                party, chosen = None, []
            else:
                party = rng.choices(range(len(parties)), weights)[0]
                top = lists[party][:30]
                chosen = rng.sample(top, min(len(top), rng.randint(1, 4))) if top and rng.random() < 0.6 else []
            out.write(json.dumps({"polling_place_id": place, "party_id": party, "candidate_ids": chosen}) + "\n")


def main():
    mode, config_dir, votes_path = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "generate":
        generate(config_dir, votes_path, int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 1)
        return
    if mode == "end-to-end":
        end_to_end(config_dir, votes_path)
        return
    if mode == "lean":
        lean(config_dir, votes_path)
        return
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    party_ids, candidate_party, place_ids, _ = load(config_dir)
    with open(votes_path, encoding="utf-8") as f:
        votes = [json.loads(line) for line in f]
    timings = []
    cpu_timings = []
    accepted = len(votes)
    for _ in range(repeats):
        start = time.perf_counter()
        cpu_start = time.thread_time()
        if mode == "count":
            result = count(votes)
        else:
            result = validate_count(votes, party_ids, candidate_party, place_ids)
            accepted = len(votes) - sum(result[3].values())
        timings.append(time.perf_counter() - start)
        cpu_timings.append(time.thread_time() - cpu_start)
    seconds = statistics.median(timings)
    cpu_seconds = statistics.median(cpu_timings)
    print(json.dumps({"votes": len(votes), "accepted": accepted, "median_seconds": seconds,
                      "votes_per_second": len(votes) / seconds,
                      "votes_per_cpu_second": len(votes) / cpu_seconds}))


if __name__ == "__main__":
    main()
