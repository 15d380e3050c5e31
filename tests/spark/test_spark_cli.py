"""`--engine spark` from the command line: the same JSON as the embedded engine, and
clear errors (exit 2) for what it cannot do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_report_cmd import properties_case
from tests.conftest import REPO, RunCjo
from tests.spark.conftest import cjo_in_session

LOG = str(REPO / "samples" / "events.jsonl")
CUSTOMERS = str(REPO / "samples" / "customers.csv")
SPARK = ["--engine", "spark", "--spark-master", "local[2]"]


def test_report_and_simulate_print_what_duckdb_prints(
    run_cjo: RunCjo, spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for command in ("report", "simulate"):
        args = [command, "-f", "json", "--log", LOG, "--customers", CUSTOMERS]
        duck = run_cjo(*args)
        before = spark.sparkContext._jsc.getPersistentRDDs().size()  # others' frames
        found = cjo_in_session(spark, monkeypatch, *args, *SPARK)
        assert duck.returncode == 0, duck.stderr
        assert found.code == 0, found.stderr[-2000:]
        # The running session was used, and left running for its owner.
        assert "spark: using this process's running session (local[2])" in found.stderr
        assert spark.range(3).count() == 3
        # ... with nothing of the command's left cached in it.
        assert spark.sparkContext._jsc.getPersistentRDDs().size() == before
        if command == "simulate":
            assert found.stdout == duck.stdout  # byte for byte
        else:
            expected, got = json.loads(duck.stdout), json.loads(found.stdout)
            for funnel in expected["funnels"] + got["funnels"]:
                assert funnel.pop("engine") in {"sql", "exact", "spark"}
            assert got == expected


@pytest.mark.parametrize("extra_column", [False, True], ids=["native", "read-in-tasks"])
def test_properties_are_checked_as_the_embedded_engine_checks_them(
    run_cjo: RunCjo,
    spark: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    extra_column: bool,
) -> None:
    # docs/funnels.md: a Parquet log whose properties no funnel reads is not checked for
    # properties that are not JSON objects, on either engine: the same rows are counted.
    # With a column folded into the properties, Spark does not scan the files itself
    # (`parquet_read.native_plan`): its tasks read them with cjo's reader, as they must
    # read the other formats, and skip the same check.
    common = properties_case(tmp_path, extra_column)
    for funnel, expected_log in (
        ("plain", {"read": 4, "rejected": 0, "properties_checked": False}),
        ("picky", {"read": 3, "rejected": 1}),
    ):
        duck = run_cjo("report", funnel, *common)
        found = cjo_in_session(spark, monkeypatch, "report", funnel, *common, *SPARK)
        assert duck.returncode == 0 and found.code == 0, found.stderr[-2000:]
        expected, got = json.loads(duck.stdout), json.loads(found.stdout)
        assert expected["log"] == got["log"] == expected_log
        for document in (expected, got):
            for result in document["funnels"]:
                result.pop("engine")
        assert got == expected


def test_without_pyspark_it_says_how_to_install(run_cjo: RunCjo, tmp_path: Path) -> None:
    blocker = tmp_path / "pyspark"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('no pyspark here')\n")
    result = run_cjo("report", "--log", LOG, *SPARK, env={"PYTHONPATH": f"{tmp_path}:{REPO}"})
    assert result.returncode == 2
    assert "pip install 'cjo-cli[spark]'" in result.stderr


def test_options_spark_cannot_honour(run_cjo: RunCjo, tmp_path: Path) -> None:
    db = run_cjo("report", "--log", LOG, *SPARK, "--db", str(tmp_path / "x.duckdb"))
    assert db.returncode == 2 and "--db: only with --engine duckdb" in db.stderr
    explain = run_cjo("simulate", "--log", LOG, *SPARK, "--explain", "cust_00001")
    assert explain.returncode == 2 and "--explain" in explain.stderr
    pinned = run_cjo(
        "report", "--log", LOG, *SPARK, "--spark-conf", "spark.sql.session.timeZone=Asia/Tokyo"
    )
    assert pinned.returncode == 2 and "pins spark.sql.session.timeZone to UTC" in pinned.stderr
    bad = run_cjo("report", "--log", LOG, *SPARK, "--spark-conf", "no-equals-sign")
    assert bad.returncode == 2 and "KEY=VALUE" in bad.stderr
    # README (engines): the breakdowns only the embedded engine computes are refused
    # before Spark starts, for --by and for a funnel's own breakdown alike.
    variant = run_cjo("report", "account_signup", "--log", LOG, *SPARK, "--by", "variant")
    assert variant.returncode == 2 and "use --engine duckdb" in variant.stderr
    every = run_cjo("report", "purchase_funnel", "--log", LOG, *SPARK, "--by", "category:all_steps")
    assert every.returncode == 2, every.stderr
    assert "--by: all_steps attribution is computed by --engine duckdb only" in every.stderr
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "f.yaml").write_text(
        "kind: funnel\nid: f\nsteps: [{event: product_view}, {event: purchase}]\n"
        "window: 1d\nbreakdown: {property: category, attribution: all_steps}\n",
        encoding="utf-8",
    )
    own = run_cjo("report", "-w", str(ws), "--log", LOG, *SPARK)
    assert own.returncode == 2, own.stderr
    assert "funnel 'f': all_steps attribution" in own.stderr
