"""`cjo simulate` through the real CLI on the bundled sample."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, RunCjo, json_of

SAMPLE = str(REPO / "samples" / "events.jsonl")
CUSTOMERS = str(REPO / "samples" / "customers.csv")
CART = REPO / "journeys" / "orchestration" / "cart_abandonment.yaml"


def simulate_json(run_cjo: RunCjo, *args: str) -> dict[str, object]:
    document: dict[str, object] = json_of(run_cjo("simulate", *args, "--format", "json"))
    return document


def test_json_contract_on_the_sample_is_stable(run_cjo: RunCjo) -> None:
    args = ("--log", SAMPLE, "--customers", CUSTOMERS)
    document = simulate_json(run_cjo, *args)
    again = run_cjo("simulate", *args, "--format", "json")
    assert json.loads(again.stdout) == document
    journeys = document["journeys"]
    assert isinstance(journeys, list) and len(journeys) == 12
    assert document["log"]["read"] == 43743  # type: ignore[index]
    assert document["assumptions"]
    for journey in journeys:
        assert {"id", "entered", "converted", "holdout", "exits", "sends", "steps"} <= set(journey)
        assert set(journey["exits"]) == {"goal", "exit_event", "end", "censored"}
        assert sum(journey["exits"].values()) == journey["entries"]
        assert journey["converted"] <= journey["entered"] <= journey["entries"]
        for step in journey["steps"]:
            assert step["unique"] <= step["total"]
    cart = next(j for j in journeys if j["id"] == "cart_abandonment")
    assert cart["entered"] > 0 and cart["holdout"]["entered"] > 0
    assert cart["sends"]["cart_push"] > 0
    # with the customers file, the persona journey that needs traits has entries
    replenish = next(j for j in journeys if j["id"] == "replenishment_reminder")
    assert replenish["entered"] + replenish["holdout"]["entered"] > 0


def test_table_summary_and_named_journeys(run_cjo: RunCjo) -> None:
    result = run_cjo("simulate", "cart_abandonment", "--log", SAMPLE)
    assert result.returncode == 0, result.stderr
    assert "cart_abandonment" in result.stdout and "holdout" in result.stdout
    assert "Assumptions" in result.stdout and "lead_capture" not in result.stdout
    # no customers file while a split reads traits: the summary says so
    every = run_cjo("simulate", "--log", SAMPLE)
    assert "No --customers file" in every.stdout


def test_db_tables(run_cjo: RunCjo, tmp_path: Path) -> None:
    db = tmp_path / "out.duckdb"
    result = run_cjo("simulate", "--log", SAMPLE, "--db", str(db), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
        assert {"events", "entries", "visits", "sends", "exits", "step_stats"} <= tables
        ((entries,),) = con.execute("SELECT count(*) FROM entries").fetchall()
        ((exits,),) = con.execute("SELECT count(*) FROM exits").fetchall()
        assert entries == exits > 0
        ((held,),) = con.execute(
            "SELECT count(*) FROM sends s JOIN entries e USING (customer_id, journey, entry) "
            "WHERE e.holdout"
        ).fetchall()
        assert held == 0
        cart = next(j for j in document["journeys"] if j["id"] == "cart_abandonment")
        ((sent,),) = con.execute(
            "SELECT count(*) FROM sends WHERE touchpoint = 'cart_push' AND status = 'sent' "
            "AND journey = 'cart_abandonment'"
        ).fetchall()
        assert sent == cart["sends"]["cart_push"]
        stats = con.execute(
            "SELECT step, \"unique\", total FROM step_stats WHERE journey = 'cart_abandonment'"
        ).fetchall()
        assert [(s["id"], s["unique"], s["total"]) for s in cart["steps"]] == stats
    assert [p.name for p in tmp_path.iterdir()] == ["out.duckdb"]


def test_explain_a_customer(run_cjo: RunCjo, tmp_path: Path) -> None:
    db = tmp_path / "out.duckdb"
    run_cjo("simulate", "cart_abandonment", "--log", SAMPLE, "--db", str(db))
    with duckdb.connect(str(db), read_only=True) as con:
        ((customer,),) = con.execute(
            "SELECT customer_id FROM sends WHERE status = 'sent' ORDER BY ALL LIMIT 1"
        ).fetchall()
    result = run_cjo("simulate", "cart_abandonment", "--log", SAMPLE, "--explain", customer)
    assert result.returncode == 0, result.stderr
    assert "entered on 'cart_abandoned'" in result.stdout
    assert "sent cart_push" in result.stdout
    as_json = run_cjo("simulate", "--log", SAMPLE, "--explain", customer, "--format", "json")
    path = json.loads(as_json.stdout)["path"]
    assert any("exit:" in step["reason"] for step in path)
    missing = run_cjo("simulate", "--log", SAMPLE, "--explain", "nobody-at-all")
    assert missing.returncode == 2 and "nobody-at-all" in missing.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("no_such_journey", "--log", SAMPLE),
        ("--log", "missing.jsonl"),
        (),
    ],
)
def test_usage_errors_exit_2(run_cjo: RunCjo, args: tuple[str, ...]) -> None:
    result = run_cjo("simulate", *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_spark_refuses_a_rate_limited_journey(run_cjo: RunCjo, tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    shutil.copytree(REPO / "journeys", folder)
    path = folder / "orchestration" / "cart_abandonment.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("limits:\n", "limits:\n  rate: {max: 100, per: 1h}\n", 1))
    assert "rate: {max: 100" in path.read_text(encoding="utf-8")
    result = run_cjo(
        "simulate",
        "cart_abandonment",
        "--workspace",
        str(folder),
        "--log",
        SAMPLE,
        "--engine",
        "spark",
    )
    assert result.returncode == 2, result.stderr
    assert "limits.rate" in result.stderr and "--engine duckdb" in result.stderr


def test_several_processes_give_the_same_json(run_cjo: RunCjo) -> None:
    # The sample is below the size at which the replay goes parallel by itself: --jobs 2
    # forces two worker processes, which must print exactly what one process prints.
    args = ("--log", SAMPLE, "--customers", CUSTOMERS, "--format", "json")
    alone = run_cjo("simulate", *args, "--jobs", "1")
    together = run_cjo("simulate", *args, "--jobs", "2")
    assert alone.returncode == 0 and together.returncode == 0, together.stderr
    assert together.stdout == alone.stdout


def test_jobs_is_the_embedded_engines_option(run_cjo: RunCjo) -> None:
    result = run_cjo("simulate", "--log", SAMPLE, "--jobs", "2", "--engine", "spark")
    assert result.returncode == 2
    assert "--jobs: only with --engine duckdb" in result.stderr
