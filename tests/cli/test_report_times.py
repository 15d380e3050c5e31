"""`cjo report --interval` and the trend and times to each step through the real CLI, on a
small hand-written log (nothing here depends on the sample's numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import RunCjo, json_of

FUNNEL = """kind: funnel
id: cart
name: view to buy
steps:
  - {event: view}
  - {event: cart}
  - {event: buy}
window: 2d
breakdown: {property: channel}
"""

# 2026-06-01 is a Monday. a: view, cart 30 s later, buy 2 h after the cart (converted).
# b: view on Sunday 2026-06-07, cart 10 min later, never buys; its window closed long
# before the log's end. c: view on 2026-06-15, the day before the log ends (z's event):
# its window is still open.
EVENTS = [
    ("a", "view", "2026-06-01T10:00:00Z", "web"),
    ("a", "cart", "2026-06-01T10:00:30Z", "web"),
    ("a", "buy", "2026-06-01T12:00:30Z", "web"),
    ("b", "view", "2026-06-07T09:00:00Z", "app"),
    ("b", "cart", "2026-06-07T09:10:00Z", "app"),
    ("c", "view", "2026-06-15T08:00:00Z", "web"),
    ("z", "page_view", "2026-06-16T08:00:00Z", "web"),
]


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[str, str]:
    journeys = tmp_path / "journeys"
    journeys.mkdir()
    (journeys / "cart.yaml").write_text(FUNNEL, encoding="utf-8")
    log = tmp_path / "events.jsonl"
    lines = [
        json.dumps({"customer_id": c, "event": e, "ts": ts, "properties": {"channel": ch}})
        for c, e, ts, ch in EVENTS
    ]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(journeys), str(log)


def report(run_cjo: RunCjo, workspace: tuple[str, str], *args: str) -> dict[str, object]:
    journeys, log = workspace
    document: dict[str, object] = json_of(
        run_cjo("report", "-w", journeys, "--log", log, "-f", "json", *args)
    )
    return document


def test_the_trend_by_week_by_default(run_cjo: RunCjo, workspace: tuple[str, str]) -> None:
    (funnel,) = report(run_cjo, workspace)["funnels"]  # type: ignore[misc]
    assert funnel["interval"] == "week"
    assert funnel["log_end"] == "2026-06-16T08:00:00+00:00"
    assert funnel["trend"] == [
        {"period": "2026-06-01", "entered": 2, "converted": 1, "open": 0},
        {"period": "2026-06-08", "entered": 0, "converted": 0, "open": 0},
        {"period": "2026-06-15", "entered": 1, "converted": 0, "open": 1},
    ]
    groups = {g["value"]: g["trend"] for g in funnel["breakdown"]["groups"]}
    assert groups == {
        "app": [{"period": "2026-06-01", "entered": 1, "converted": 0, "open": 0}],
        "web": [
            {"period": "2026-06-01", "entered": 1, "converted": 1, "open": 0},
            {"period": "2026-06-08", "entered": 0, "converted": 0, "open": 0},
            {"period": "2026-06-15", "entered": 1, "converted": 0, "open": 1},
        ],
    }


@pytest.mark.parametrize(
    ("interval", "periods"),
    [
        ("day", [f"2026-06-{day:02d}" for day in range(1, 16)]),
        ("month", ["2026-06-01"]),
    ],
)
def test_interval(
    run_cjo: RunCjo, workspace: tuple[str, str], interval: str, periods: list[str]
) -> None:
    (funnel,) = report(run_cjo, workspace, "--interval", interval)["funnels"]  # type: ignore[misc]
    assert funnel["interval"] == interval
    assert [p["period"] for p in funnel["trend"]] == periods
    assert sum(p["entered"] for p in funnel["trend"]) == funnel["steps"][0]["customers"] == 3


def test_the_times_to_each_step(run_cjo: RunCjo, workspace: tuple[str, str]) -> None:
    (funnel,) = report(run_cjo, workspace)["funnels"]  # type: ignore[misc]
    view, cart, buy = funnel["steps"]
    assert view["percentiles"] is None and view["histogram"] is None
    # To the cart: 30 s (a) and 10 min (b): nearest rank p25 and p50 are a's.
    assert cart["percentiles"] == {"p25": 30.0, "p50": 30.0, "p75": 600.0, "p90": 600.0}
    assert [b["customers"] for b in cart["histogram"]] == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert cart["histogram"][-1] == {"le_seconds": None, "customers": 0}
    assert buy["percentiles"]["p50"] == 7200.0
    assert buy["percentiles_from_start"]["p50"] == 7230.0
    assert [b["customers"] for b in buy["histogram_from_start"]] == [0] * 4 + [1] + [0] * 6


def test_an_unknown_interval_is_a_usage_error(run_cjo: RunCjo, workspace: tuple[str, str]) -> None:
    journeys, log = workspace
    result = run_cjo("report", "-w", journeys, "--log", log, "--interval", "year")
    assert result.returncode == 2
    assert "--interval" in result.stderr and "Traceback" not in result.stderr


def test_table_and_markdown(run_cjo: RunCjo, workspace: tuple[str, str]) -> None:
    journeys, log = workspace
    table = run_cjo("report", "-w", journeys, "--log", log, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert table.returncode == 0, table.stderr
    assert "Time to each step from the one before" in table.stdout
    assert "Conversion by week of step 1" in table.stdout
    assert "open: 1 not converted yet" in table.stdout
    assert all(cell_len(line) <= 80 for line in table.stdout.splitlines())
    markdown = run_cjo("report", "-w", journeys, "--log", log, "-f", "markdown")
    assert "| 2026-06-15 | 1 | 0 | 0.0% | 1 |" in markdown.stdout
    assert "| 2 | cart | 30s | 30s | 10m | 10m | 30s | 10m |" in markdown.stdout
    csv = run_cjo("report", "-w", journeys, "--log", log, "-f", "csv")
    # CSV stays one row per funnel, group and step, with the columns it always had.
    assert csv.stdout.splitlines()[0].endswith("median_seconds,mean_seconds")
