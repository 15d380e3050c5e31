"""What a run's inputs lack is said on stderr, naming the document, before zeros that
would look like measurements: events its documents name that the log never shows (with
a did-you-mean), and customer attributes compared without a --customers file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REPO, RunCjo

SAMPLE = str(REPO / "samples" / "events.jsonl")
CUSTOMERS = str(REPO / "samples" / "customers.csv")

WORKSPACE = """\
kind: touchpoint
id: mail
name: mail
channel: email
---
kind: persona
id: gold
name: Gold
segment: {attribute: plan, op: eq, value: gold}
---
kind: funnel
id: typo
steps: [{event: page_view}, {event: purchse}]
---
kind: journey
id: welcome
persona: gold
entry: {event: page_view}
exit_on: [{event: unsubscribed}]
steps:
  hello: {send: mail, next: done}
  done: {exit: true}
"""


def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "journeys"
    folder.mkdir()
    (folder / "all.yaml").write_text(WORKSPACE, encoding="utf-8")
    log = tmp_path / "log.jsonl"
    rows = [
        {"customer_id": "c1", "event": "page_view", "ts": "2026-06-01T10:00:00Z"},
        {"customer_id": "c1", "event": "purchase", "ts": "2026-06-01T11:00:00Z"},
        {"customer_id": "c1", "event": "unsubscribe", "ts": "2026-06-01T12:00:00Z"},
    ]
    log.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return tmp_path


def test_report_names_the_missing_step_event(run_cjo: RunCjo, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    result = run_cjo("report", "typo", "--log", "log.jsonl", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (
        "warning: funnel 'typo' step 2: event 'purchse' never occurs in the log; did you "
        "mean 'purchase'?"
    ) in result.stderr
    assert "journeys/all.yaml:" in result.stderr
    assert "welcome" not in result.stderr  # the journey is not part of this report


def test_simulate_names_the_exit_event_and_the_attributes(run_cjo: RunCjo, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    result = run_cjo("simulate", "welcome", "--log", "log.jsonl", cwd=root)
    assert result.returncode == 0, result.stderr
    stderr = " ".join(result.stderr.split())
    assert "journey 'welcome' exit_on: event 'unsubscribed' never occurs in the log" in stderr
    assert "compliance risk" in stderr and "did you mean 'unsubscribe'?" in stderr
    assert (
        "warning: persona 'gold' segment compares customer attributes (plan) and no "
        "--customers file was given"
    ) in stderr
    assert "typo" not in stderr


def test_the_sample_referral_report_says_why_it_is_zero(run_cjo: RunCjo) -> None:
    without = run_cjo("report", "referral", "--log", SAMPLE)
    assert without.returncode == 0, without.stderr
    assert "persona 'mika' segment compares customer attributes (loyalty_member)" in " ".join(
        without.stderr.split()
    )
    given = run_cjo("report", "referral", "--log", SAMPLE, "--customers", CUSTOMERS)
    assert "compares customer attributes" not in given.stderr


def test_map_with_a_log_checks_its_stages(run_cjo: RunCjo) -> None:
    result = run_cjo("map", "lisa_map", "--log", SAMPLE)
    assert result.returncode == 0, result.stderr
    assert "compares customer attributes" in result.stderr  # the sample's stages need traits
