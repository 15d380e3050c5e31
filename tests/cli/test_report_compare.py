"""`cjo report` comparing each breakdown group with the rest of the customers, through the
real CLI on a small hand-written log (nothing here depends on the sample's numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import RunCjo, json_of

FUNNEL = """kind: funnel
id: buy
name: view to buy
steps:
  - {event: view}
  - {event: buy}
window: 1d
breakdown: {property: channel}
"""

GROUPS = {"web": (40, 30), "app": (40, 10), "sms": (5, 5)}
"""Per channel: customers who viewed, of whom the first ones bought."""


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[str, str]:
    journeys = tmp_path / "journeys"
    journeys.mkdir()
    (journeys / "buy.yaml").write_text(FUNNEL, encoding="utf-8")
    lines = []
    for channel, (viewed, bought) in GROUPS.items():
        for n in range(viewed):
            customer = f"{channel}-{n}"
            for event, ts in [("view", "2026-06-01T10:00:00Z"), ("buy", "2026-06-01T11:00:00Z")][
                : 2 if n < bought else 1
            ]:
                record = {"customer_id": customer, "event": event, "ts": ts}
                lines.append(json.dumps({**record, "properties": {"channel": channel}}))
    log = tmp_path / "events.jsonl"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(journeys), str(log)


def test_json_compares_each_channel_with_the_rest(
    run_cjo: RunCjo, workspace: tuple[str, str]
) -> None:
    journeys, log = workspace
    document = json_of(run_cjo("report", "-w", journeys, "--log", log, "-f", "json"))
    breakdown = document["funnels"][0]["breakdown"]
    assert breakdown["comparison"] == "each group against the rest, Holm-corrected"
    compared = {g["value"]: g["compared"] for g in breakdown["groups"]}
    # app 10/40 = 25% against web and sms, 35/45 = 77.8%: -52.8 points.
    assert compared["app"]["difference_points"] == pytest.approx(100 * (10 / 40 - 35 / 45))
    assert compared["app"]["verdict"] == "significant"
    assert compared["web"]["difference_points"] == pytest.approx(100 * (30 / 40 - 15 / 45))
    assert compared["sms"]["verdict"] == "too few to tell"
    assert compared["sms"]["p_value"] is None


def test_the_table_at_80_columns(run_cjo: RunCjo, workspace: tuple[str, str]) -> None:
    journeys, log = workspace
    result = run_cjo("report", "-w", journeys, "--log", log, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if cell_len(line) > 80] == []
    assert [line for line in lines if "…" in line] == []
    text = result.stdout
    assert "vs rest" in text and "-52.8 pt*" in text and "too few" in text
    csv_out = run_cjo("report", "-w", journeys, "--log", log, "-f", "csv").stdout
    assert "pt" not in csv_out and "rest" not in csv_out
