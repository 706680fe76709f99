"""`electie observe` against a real server: agreement on an honest one at every stage
of the night, an independent recount in plain Python, and one tampered store per check
(the feed table of the server's SQLite file edited between runs)."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import PLACES, observe
from night import Night, binary, http
from recount import read_feed, recount

FEED_BATCH = 7  # small, so the observer pages through many batches


@pytest.fixture(scope="module")
def honest(tmp_path_factory, prepared):
    """A whole night, observed at each stage; the server is stopped at the end, its
    data directory and the observer's state kept for the tampering tests."""
    base = tmp_path_factory.mktemp("honest")
    shutil.copytree(prepared, base / "data")
    night = Night(base / "data", places=PLACES, feed_batch_size=FEED_BATCH)
    night.start()
    state = base / "observer.json"
    stages = {}
    try:
        places = sorted(night.gateways)
        half = len(places) // 2
        for place in places:
            night.cast(place, 9)
        stages["unpublished"] = observe(night.url, state)
        night.publish()
        for place in places[:half]:
            night.cast(place, 6)
            night.close(place)
        stages["partial"] = observe(night.url, state)
        for place in places[half:]:
            night.cast(place, 5)
            night.close(place)
        stages["complete"] = observe(night.url, state)
        stages["again"] = observe(night.url, state)
        api = {
            "parties": http("POST", f"{night.url}/elastic/get-party-candidate-results", {})[1],
            "status": http("GET", f"{night.url}/elastic/elections-status")[1],
            "feed": read_feed(night.url, night.election_id),
        }
        url = night.url
    finally:
        night.stop()
    return {"night": night, "base": base, "first": half * 15, "second": (len(places) - half) * 14, "state": state, "stages": stages, "api": api, "url": url}


def test_agrees_at_every_stage_and_resumes(honest):
    code, out, err, report = honest["stages"]["unpublished"]
    assert code == 0, (out, err)
    assert report["coverage"] == "unpublished" and report["lastseqno"] == 0 and report["differences"] == []

    code, out, err, report = honest["stages"]["partial"]
    assert code == 0, (out, err)
    assert report["coverage"] == "partial"
    assert report["lastseqno"] == honest["first"] and report["new"] == honest["first"]
    assert report["municipalities_agreeing"] > 0 and report["municipalities_pending"] > 0

    code, out, err, report = honest["stages"]["complete"]
    assert code == 0, (out, err)
    assert report["coverage"] == "complete" and report["verdict"] == "agree"
    assert report["lastseqno"] == honest["first"] + honest["second"]
    # resumed: what the partial run mirrored was re-read, only the rest is new
    assert report["reread"] == honest["first"] and report["new"] == honest["second"]

    code, out, err, report = honest["stages"]["again"]
    assert code == 0 and report["reread"] == report["lastseqno"] and report["new"] == 0

    state = json.loads(honest["state"].read_text())
    assert state["format"] == "electie-observer-state/1" and len(state["ballots"]) == report["lastseqno"]


def test_table_verdict_for_people(honest, tmp_path):
    night = Night(honest["base"] / "data", places=PLACES, feed_batch_size=FEED_BATCH,
                  listen=honest["url"].removeprefix("http://"))
    night.start()
    try:
        done = subprocess.run([binary("electie", "ELECTIE_BIN"), "observe", "--server", night.url],
                              capture_output=True, text=True, timeout=120)
    finally:
        night.stop()
    assert done.returncode == 0, done.stderr
    assert "verdict:   AGREE" in done.stdout
    assert "national results, status and all" in done.stdout


def test_independent_python_recount_agrees_with_the_published_results(honest):
    night, api = honest["night"], honest["api"]
    coalition = {p["_id"]: (2 if p["party_number"] == 12 else 1) for p in night.config["parties"]}
    mine = recount(api["feed"], coalition)
    assert mine["total"] == api["status"]["data"]["total_votes"] == len(api["feed"])
    published = {int(row["id"]): row for row in api["parties"]}
    assert {p: row["doc_count"] for p, row in published.items() if row["doc_count"]} == mine["parties"]
    assert {p: row["seats"] for p, row in published.items()} == {p: mine["seats"].get(p, 0) for p in published}
    assert sum(row["seats"] for row in api["parties"]) == 150
    for row in api["parties"]:
        for candidate in row["candidates"]:
            assert candidate["doc_count"] == mine["preferential"].get(int(candidate["id"]), 0), candidate


# --- tampering: the server's results stay honest, its public feed does not ---------


def tampered(honest, tmp_path, edit):
    """A copy of the honest night's data with `edit(connection)` applied to its SQLite
    file, served on the same address; returns (night, copy of the observer state)."""
    data = tmp_path / "data"
    shutil.copytree(honest["base"] / "data", data)
    connection = sqlite3.connect(data / "electie-server.sqlite")
    with connection:
        edit(connection)
    connection.close()
    state = tmp_path / "observer.json"
    shutil.copy(honest["state"], state)
    night = Night(data, places=PLACES, feed_batch_size=FEED_BATCH, listen=honest["url"].removeprefix("http://"))
    night.start()
    return night, state


def feed_rows(connection):
    return connection.execute("SELECT seqno, polling_place_id, party_id, candidate_ids FROM feed ORDER BY seqno").fetchall()


def run_both(night, state, tmp_path):
    """The observer that mirrored the honest feed, and a fresh one."""
    resumed = observe(night.url, state)
    fresh = observe(night.url, tmp_path / "fresh.json")
    return resumed, fresh


def differences(result):
    code, out, err, report = result
    assert code == 1, (code, out, err)
    assert report["verdict"] == "differ"
    return "\n".join(report["differences"])


def test_a_deleted_ballot_leaves_a_gap(honest, tmp_path):
    night, state = tampered(honest, tmp_path, lambda db: db.execute("DELETE FROM feed WHERE seqno = 5"))
    try:
        resumed, fresh = run_both(night, state, tmp_path)
    finally:
        night.stop()
    assert "seqno 5 is missing" in differences(resumed)
    assert "seqno 5 is missing" in differences(fresh)


def test_a_deleted_last_ballot_shrinks_the_feed(honest, tmp_path):
    def edit(db):
        db.execute("DELETE FROM feed WHERE seqno = (SELECT MAX(seqno) FROM feed)")
    night, state = tampered(honest, tmp_path, edit)
    try:
        resumed, fresh = run_both(night, state, tmp_path)
    finally:
        night.stop()
    assert "the feed shrank" in differences(resumed)
    # a fresh observer has nothing to compare the feed with: the recount catches it
    text = differences(fresh)
    assert "doc_count: recount" in text and "server" in text


def test_a_changed_ballot(honest, tmp_path):
    def edit(db):
        seqno, place, party, candidates = feed_rows(db)[7]
        other = 10 if party != 10 else 9
        db.execute("UPDATE feed SET party_id = ?, candidate_ids = '[]' WHERE seqno = ?", (other, seqno))
    night, state = tampered(honest, tmp_path, edit)
    try:
        resumed, fresh = run_both(night, state, tmp_path)
    finally:
        night.stop()
    assert "ballot seqno 8 changed since an earlier run" in differences(resumed)
    text = differences(fresh)
    assert "party 10" in text or "party 9" in text
    assert "doc_count: recount" in text


def test_a_duplicated_ballot(honest, tmp_path):
    def edit(db):
        seqno, place, party, candidates = feed_rows(db)[2]
        db.execute("INSERT INTO feed (seqno, polling_place_id, party_id, candidate_ids) "
                   "VALUES ((SELECT MAX(seqno) + 1 FROM feed), ?, ?, ?)", (place, party, candidates))
    night, state = tampered(honest, tmp_path, edit)
    try:
        resumed, fresh = run_both(night, state, tmp_path)
    finally:
        night.stop()
    total = len(honest["api"]["feed"])
    for result in (resumed, fresh):
        assert f"the feed holds {total + 1} ballots, the server counts only {total} votes" in differences(result)


def test_a_reordered_range(honest, tmp_path):
    def edit(db):
        rows = feed_rows(db)
        # two ballots that differ, swapped in place
        first = rows[1]
        second = next(row for row in rows[2:] if row[1:] != first[1:])
        db.execute("UPDATE feed SET seqno = -1 WHERE seqno = ?", (first[0],))
        db.execute("UPDATE feed SET seqno = ? WHERE seqno = ?", (first[0], second[0]))
        db.execute("UPDATE feed SET seqno = ? WHERE seqno = -1", (second[0],))
    night, state = tampered(honest, tmp_path, edit)
    try:
        resumed, fresh = run_both(night, state, tmp_path)
    finally:
        night.stop()
    assert "ballot seqno 2 changed since an earlier run" in differences(resumed)
    # the same ballots in another order count the same: only a mirror can tell
    code, out, err, report = fresh
    assert code == 0 and report["coverage"] == "complete", (out, err)


def test_an_observer_stopped_mid_run_resumes(honest, tmp_path):
    night = Night(honest["base"] / "data", places=PLACES, feed_batch_size=1,
                  listen=honest["url"].removeprefix("http://"))
    night.start()
    state = tmp_path / "observer.json"
    try:
        command = [binary("electie", "ELECTIE_BIN"), "observe", "--server", night.url, "--state", str(state)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.15)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        if state.exists():
            json.loads(state.read_text())  # whole, never half written
        code, out, err, report = observe(night.url, state)
    finally:
        night.stop()
    assert code == 0, (out, err)
    assert report["coverage"] == "complete" and report["reread"] + report["new"] == report["lastseqno"]


def test_agrees_on_a_night_too_small_for_seats(make_night, tmp_path):
    # 10 votes: no republic electoral number yet, so no seats; the recount must agree
    night = make_night()
    night.start()
    place = min(night.gateways)
    night.cast(place, 10)
    night.close(place)
    night.publish()
    code, out, err, report = observe(night.url, tmp_path / "observer.json")
    assert code == 0, (out, err)
    assert report["coverage"] == "complete" and report["lastseqno"] == 10


def test_cannot_judge_an_unreachable_server(tmp_path):
    code, out, err, report = observe("http://127.0.0.1:9", None)
    assert code == 2 and report is None
    assert "cannot reach the server" in err


def test_a_state_file_of_another_server_is_refused(honest, tmp_path):
    night = Night(honest["base"] / "data", places=PLACES, listen=honest["url"].removeprefix("http://"))
    night.start()
    state = tmp_path / "observer.json"
    state.write_text(json.dumps({"format": "electie-observer-state/1", "server": "http://127.0.0.1:1",
                                 "election": "election_id", "ballots": []}))
    try:
        code, out, err, report = observe(night.url, state)
        garbage = tmp_path / "garbage.json"
        garbage.write_text("{not json")
        code2, _, err2, _ = observe(night.url, garbage)
    finally:
        night.stop()
    assert code == 2 and "give another --state" in err
    assert code2 == 2 and "not an observer state file" in err2
    assert garbage.read_text() == "{not json"
