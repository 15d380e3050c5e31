"""`cjo demo`, `cjo map --log` and `cjo report --html` on the bundled sample.

The numbers a measured map shows must be the numbers `cjo report` and `cjo simulate`
print for the same log: the test reads all three as JSON and compares them.
"""

from __future__ import annotations

import json
import shutil
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.cli.test_map_cmd import check_golden
from tests.conftest import REPO, RunCjo, json_of

LOG = str(REPO / "samples" / "events.jsonl")
CUSTOMERS = str(REPO / "samples" / "customers.csv")


def cjo_json(run_cjo: RunCjo, *args: str) -> Any:
    return json_of(run_cjo(*args, "--log", LOG, "--customers", CUSTOMERS))


def test_the_overlay_says_what_report_and_simulate_say(run_cjo: RunCjo) -> None:
    report = {f["funnel"]: f for f in cjo_json(run_cjo, "report", "-f", "json")["funnels"]}
    simulate = {j["id"]: j for j in cjo_json(run_cjo, "simulate", "-f", "json")["journeys"]}
    overlay = cjo_json(run_cjo, "map", "lisa_map", "-f", "json")
    assert overlay["customers"] == 2000
    seen_kpis = seen_journeys = 0
    transitions = []
    for phase in overlay["phases"]:
        for kpi in phase["kpis"]:
            steps = report[kpi["funnel"]]["steps"]
            assert kpi["started"] == steps[0]["customers"]
            assert kpi["completed"] == steps[-1]["customers"]
            assert kpi["rate"] == pytest.approx(steps[-1]["from_start"], abs=1e-6)
            assert phase["reached"] >= kpi["started"]
            transitions += [
                (before["customers"] - after["customers"], phase["id"])
                for before, after in pairwise(steps)
            ]
            seen_kpis += 1
        for journey in phase["journeys"]:
            replayed = simulate[journey["journey"]]
            assert journey["entered"] == replayed["entered"]
            assert journey["converted"] == replayed["converted"]
            assert journey["holdout_entered"] == replayed["holdout"]["entered"]
            assert journey["holdout_converted"] == replayed["holdout"]["converted"]
            assert phase["reached"] >= journey["entered"] + journey["holdout_entered"]
            seen_journeys += 1
        if phase["top_exit"] is not None:
            assert phase["top_exit"]["lost"] > 0
    assert seen_kpis == 7 and seen_journeys == 12
    assert overlay["top_exit"]["lost"] == max(lost for lost, _ in transitions)


@pytest.mark.parametrize(
    ("args", "golden"),
    [
        (["--width", "80"], "lisa_map_measured_80.txt"),
        (["--width", "160"], "lisa_map_measured_160.txt"),
        (["--format", "markdown"], "lisa_map_measured.md"),
    ],
)
def test_measured_map_golden(run_cjo: RunCjo, args: list[str], golden: str) -> None:
    result = run_cjo(
        "map", "lisa_map", *args, "--log", LOG, "--customers", CUSTOMERS, env={"NO_COLOR": "1"}
    )
    assert result.returncode == 0, result.stderr
    check_golden(golden, result.stdout.replace(str(REPO), "<repo>"))


def test_map_log_errors(run_cjo: RunCjo, tmp_path: Path) -> None:
    mermaid = run_cjo("map", "lisa_map", "--format", "mermaid", "--log", LOG)
    assert mermaid.returncode == 2 and "Mermaid" in mermaid.stderr
    missing = run_cjo("map", "lisa_map", "--log", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_demo_runs_the_whole_loop(run_cjo: RunCjo, tmp_path: Path) -> None:
    result = run_cjo("demo", cwd=tmp_path, env={"COLUMNS": "120"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for part in ("1. validate", "2. load", "3. report", "4. simulate", "5. map"):
        assert part in out
    assert "no problems in" in out
    assert "Where we lose リサ" in out
    assert "Traceback" not in result.stderr
    demo = tmp_path / "cjo-demo"
    page = (demo / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    with duckdb.connect(str(demo / "cjo.duckdb"), read_only=True) as con:
        tables = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
        assert {
            "events",
            "rejects",
            "customers",
            "funnel_steps",
            "funnel_customers",
            "entries",
            "visits",
            "sends",
            "exits",
            "step_stats",
            "journey_entrants",
        } <= tables
        ((funnels,),) = con.execute("SELECT count(DISTINCT funnel) FROM funnel_steps").fetchall()
        assert funnels == 7
    # A second run replaces its own output and leaves no temporary file behind.
    again = run_cjo("demo", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in demo.iterdir()) == ["cjo.duckdb", "report.html"]


def test_demo_refuses_a_file_as_out(run_cjo: RunCjo, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("mine", encoding="utf-8")
    result = run_cjo("demo", "--out", "taken", cwd=tmp_path)
    assert result.returncode == 2
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "mine"


def test_report_html_holds_every_part(run_cjo: RunCjo, tmp_path: Path) -> None:
    page_path = tmp_path / "report.html"
    result = run_cjo(
        "report", "-f", "json", "--log", LOG, "--customers", CUSTOMERS, "--html", str(page_path)
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    page = page_path.read_text(encoding="utf-8")
    for funnel in report["funnels"]:
        assert f'id="funnel-{funnel["funnel"]}"' in page
        for step in funnel["steps"]:
            assert step["name"] in page
            assert f"{step['customers']:,} · " in page
    # the sample records one journey's run (first_purchase_incentive): its measured bars
    for part in (
        'class="funnel-chart"',
        'class="flow-chart"',
        "Effects: measured and planned",
        'class="holdout-chart"',
    ):
        assert part in page
    assert "<polyline" in page  # the emotion curve
    assert "Where we lose" in page
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_report_html_bad_target(run_cjo: RunCjo, tmp_path: Path) -> None:
    into_dir = run_cjo("report", "--log", LOG, "--html", str(tmp_path))
    assert into_dir.returncode == 2
    nowhere = run_cjo("report", "--log", LOG, "--html", str(tmp_path / "no" / "r.html"))
    assert nowhere.returncode == 2 and "does not exist" in nowhere.stderr


def test_hostile_names_are_escaped_in_html(run_cjo: RunCjo, tmp_path: Path) -> None:
    ws = tmp_path / "journeys"
    shutil.copytree(REPO / "journeys", ws)
    hostile = '"<script>alert(1)</script><img src=x onerror=alert(2)>'
    funnels = (ws / "funnels.yaml").read_text(encoding="utf-8")
    funnels = funnels.replace("name: 購入ファネル (purchase funnel)", f"name: '{hostile}'")
    funnels = funnels.replace(
        "{event: add_to_cart, name: カート追加}", f"{{event: add_to_cart, name: '{hostile}'}}"
    )
    (ws / "funnels.yaml").write_text(funnels, encoding="utf-8")
    page_path = tmp_path / "r.html"
    result = run_cjo("report", "-w", str(ws), "--log", LOG, "--html", str(page_path))
    assert result.returncode == 0, result.stderr
    page = page_path.read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    mapped = run_cjo("map", "lisa_map", "-w", str(ws), "-f", "html", "--log", LOG)
    assert mapped.returncode == 0, mapped.stderr
    assert "<script" not in mapped.stdout and "<img" not in mapped.stdout
