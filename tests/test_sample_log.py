"""The sample event log: seeded, committed as generated, readable, and covering the sample."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import duckdb

from cjo_cli.events.formats import with_formats
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import connect
from cjo_cli.sample_log import DEMO_CUSTOMERS, DEMO_SEED, write_demo_log, write_sample
from tests.conftest import REPO, RunCjo, json_of

SAMPLES = REPO / "samples"


def test_the_committed_copy_is_what_the_generator_writes(tmp_path: Path) -> None:
    counts = write_sample(tmp_path, customers=2000, seed=7)
    for name in counts:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name
    assert (DEMO_CUSTOMERS, DEMO_SEED) == (2000, 7)


def test_the_demo_log_is_the_committed_one(tmp_path: Path) -> None:
    log, customers = write_demo_log(tmp_path / "demo")
    assert log.read_bytes() == (SAMPLES / "events.jsonl").read_bytes()
    assert customers.read_bytes() == (SAMPLES / "customers.csv").read_bytes()
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == sorted(
        [log.name, customers.name]
    )


def test_the_same_seed_gives_the_same_files_and_another_seed_does_not(tmp_path: Path) -> None:
    write_sample(tmp_path / "a", customers=50, seed=1)
    write_sample(tmp_path / "b", customers=50, seed=1)
    write_sample(tmp_path / "c", customers=50, seed=2)
    for name in ("events.jsonl", "segment.jsonl", "customers.csv"):
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), name
    first = (tmp_path / "a" / "events.jsonl").read_bytes()
    assert first != (tmp_path / "c" / "events.jsonl").read_bytes()


def segment_calls() -> list[dict[str, object]]:
    with (SAMPLES / "segment.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_the_sample_is_messy_on_purpose_and_nothing_is_lost() -> None:
    con = connect()
    summary = load_events(con, with_formats([SAMPLES / "events.jsonl", SAMPLES / "segment.jsonl"]))
    canonical, segment = summary.files
    lines = sum(1 for _ in (SAMPLES / "events.jsonl").open(encoding="utf-8"))
    assert canonical.read + canonical.rejected == lines
    assert canonical.rejected == 6
    reasons = {r for (r,) in con.execute("SELECT DISTINCT reason FROM rejects").fetchall()}
    assert "not valid JSON" in reasons and "missing customer id" in reasons
    # The Segment copy holds the same events, plus the identify calls, which are not events.
    identifies = sum(1 for call in segment_calls() if call["type"] == "identify")
    assert segment.read == canonical.read
    assert segment.not_events == segment.rejected == identifies


def histories(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = con.execute(
        "SELECT customer_id, list(event ORDER BY event) FROM events GROUP BY customer_id"
    ).fetchall()
    return {customer: events for customer, events in rows}


def test_the_segment_copy_stitched_is_the_canonical_history() -> None:
    calls = segment_calls()
    identified = {str(c["anonymousId"]): str(c["userId"]) for c in calls if c["type"] == "identify"}
    before_identify = [c for c in calls if "userId" not in c and c["anonymousId"] in identified]
    assert before_identify  # new visitors browse anonymously before they give themselves away
    canonical, segment, apart = connect(), connect(), connect()
    load_events(canonical, with_formats([SAMPLES / "events.jsonl"]))
    summary = load_events(segment, with_formats([SAMPLES / "segment.jsonl"]))
    load_events(apart, with_formats([SAMPLES / "segment.jsonl"]), stitch_identities=False)
    assert summary.merged == len(identified) and summary.conflicts == 0
    ours, theirs = histories(canonical), histories(segment)
    # Every customer who identifies has the whole history, the anonymous visits included;
    # visitors who never do keep their anonymous id, with theirs.
    known = set(identified.values())
    assert all(theirs[customer] == ours[customer] for customer in known if customer in ours)
    never = sorted(events for customer, events in ours.items() if customer not in known)
    assert never and sorted(v for c, v in theirs.items() if c not in known) == never
    assert len(theirs) == len(ours) < len(histories(apart))


def test_every_event_the_sample_workspace_waits_for_is_in_the_sample_log(run_cjo: RunCjo) -> None:
    result = run_cjo("validate", "journeys", "--log", "samples/events.jsonl")
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


def test_the_sample_tells_a_believable_story(run_cjo: RunCjo) -> None:
    log = ("--log", "samples/events.jsonl", "--customers", "samples/customers.csv")
    report = json_of(run_cjo("report", *log, "-f", "json"))
    for funnel in report["funnels"]:
        counts = [step["customers"] for step in funnel["steps"]]
        assert all(later < earlier for earlier, later in pairwise(counts)), funnel["funnel"]
        assert counts[-1] > 0, funnel["funnel"]
        for group in (funnel["breakdown"] or {"groups": []})["groups"]:
            assert group["value"] not in (None, "(none)"), funnel["funnel"]  # events carry it
    replay = json_of(run_cjo("simulate", *log, "-f", "json"))
    journeys = {j["id"]: j for j in replay["journeys"]}
    assert all(j["entered"] > 0 and j["converted"] > 0 for j in journeys.values())
    # One journey really ran: its effect is measured, and clear.
    recorded = [j for j in journeys.values() if j["assignment"] == "recorded"]
    assert [j["id"] for j in recorded] == ["first_purchase_incentive"]
    effect = recorded[0]["effect"]
    assert effect["verdict"] == "significant" and 8 <= effect["difference_points"] <= 15
    assert effect["holdout"] >= 100 and not any("plans" in w for w in recorded[0]["warnings"])
    # The others are predictions, each with what its holdout could detect.
    for journey in journeys.values():
        if journey["assignment"] == "simulated" and journey["id"] != "account_signup_ab":
            assert journey["effect"] is None and journey["holdout_plan"] is not None
    # The A/B test's layouts are recorded too: layout b converts better.
    variants = journeys["account_signup_ab"]["variants"]
    assert variants["b"]["vs_first"]["significant"] and variants["b"]["vs_first"]["variant"] == "a"
    assert variants["b"]["vs_first"]["difference_points"] > 0


def test_cjo_sample_log(run_cjo: RunCjo, tmp_path: Path) -> None:
    result = run_cjo("sample-log", str(tmp_path / "out"), "--customers", "30")
    assert result.returncode == 0
    assert "events.jsonl" in result.stdout
    assert (tmp_path / "out" / "customers.csv").read_text(encoding="utf-8").count("\n") == 31
