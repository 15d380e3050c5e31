"""A few hostile rows in a real log change nothing but the reject count: every command
that reads the log measures the rest, as it would without them (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCjo, json_of

SAMPLE = REPO / "samples" / "events.jsonl"
WORKSPACE = REPO / "journeys"
HOSTILE_TIMES = ["infinity", "-infinity", "10000-01-01", "290000-01-01", "-0001-01-01"]


@pytest.fixture(scope="module")
def hostile_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "events.jsonl"
    rows = [
        json.dumps({"customer_id": "cust_00001", "event": "page_view", "ts": ts})
        for ts in HOSTILE_TIMES
    ]
    path.write_text(SAMPLE.read_text(encoding="utf-8") + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_simulate_replays_everyone_despite_out_of_range_times(
    run_cjo: RunCjo, hostile_log: Path
) -> None:
    clean = json_of(run_cjo("simulate", "-w", str(WORKSPACE), "--log", str(SAMPLE), "-f", "json"))
    dirty = json_of(
        run_cjo("simulate", "-w", str(WORKSPACE), "--log", str(hostile_log), "-f", "json")
    )
    assert dirty["log"]["rejected"] == clean["log"]["rejected"] + len(HOSTILE_TIMES)
    assert dirty["log"]["read"] == clean["log"]["read"]
    for key in ("customers_replayed", "start", "end"):
        assert dirty["log"][key] == clean["log"][key]
    assert dirty["journeys"] == clean["journeys"]


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--html", "{tmp}/report.html"],
        ["map", "lisa_map"],
        ["simulate", "cart_abandonment", "--explain", "cust_00001"],
    ],
    ids=["report-html", "map-log", "explain"],
)
def test_commands_that_crashed_on_them_now_run(
    run_cjo: RunCjo, hostile_log: Path, tmp_path: Path, args: list[str]
) -> None:
    full = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = run_cjo(*full, "-w", str(WORKSPACE), "--log", str(hostile_log))
    assert result.returncode == 0, result.stderr
    assert "rejected 11" in result.stderr  # the sample's 6 and these 5
