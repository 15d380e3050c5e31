"""The worked scenarios of the DuckDB engine's tests, run again with Spark answering:
each scenario's own assertions check Spark's results, and every result is also
compared with DuckDB's (funnels step by step, replays customer by customer)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import tests.engine.test_funnels as funnel_cases
import tests.engine.test_replay as replay_scenarios
from cjo_cli.engine.funnel_result import FunnelOptions, FunnelResult
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import connect
from cjo_cli.model import Funnel
from cjo_cli.output.simulate_report import to_json_data
from cjo_cli.spark.funnels import run_funnel as spark_funnel
from cjo_cli.spark.replay import simulate as spark_simulate
from cjo_cli.spec.workspace import validate_paths
from tests.engine import replay_helpers
from tests.spark.conftest import spark_log

REPLAY_SCENARIOS = [
    getattr(replay_scenarios, name) for name in dir(replay_scenarios) if name.startswith("test_")
]
# The worked funnel cases (the hypothesis ones have their own Spark twin).
FUNNEL_CASES = [
    getattr(funnel_cases, name)
    for name in dir(funnel_cases)
    if name.startswith("test_")
    and name
    not in {
        "test_engine_equals_reference",
        "test_sql_path_equals_reference",
        "test_engine_invariants",
        "test_counted_attempt_times_match_the_reference",
    }
]


def _name(test: Callable[..., Any]) -> str:
    return test.__name__.removeprefix("test_")


@pytest.mark.parametrize("scenario", REPLAY_SCENARIOS, ids=_name)
def test_replay_scenario_on_spark(
    spark: Any, scenario: Callable[[Path], None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def both(
        folder: Path, documents: list[str], events: list[dict[str, Any]], journeys: Any = None
    ) -> tuple[dict[str, Any], Any]:
        expected, totals = replay_helpers.run(folder, documents, events, journeys)
        ws = validate_paths([folder / "ws"], keep_model=True).workspace
        con = connect()
        load_events(con, [(folder / "events.jsonl", "jsonl")])
        ids = journeys or list(ws.journeys)
        found = spark_simulate(spark_log(spark, con), ws, ids, {}, keep_replays=True)
        assert found.replays == expected
        assert json.dumps(to_json_data(found.totals, {}, {}, [])) == json.dumps(
            to_json_data(totals, {}, {}, [])
        )
        return found.replays, found.totals

    monkeypatch.setattr(replay_scenarios, "run", both)
    scenario(tmp_path)


@pytest.mark.parametrize("case", FUNNEL_CASES, ids=_name)
def test_funnel_case_on_spark(
    spark: Any, case: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = funnel_cases.run

    def both(f: Funnel, log: Any, **options: Any) -> FunnelResult:
        expected = original(f, log, **options)
        found = spark_funnel(spark_log(spark, funnel_cases.load(log)), f, FunnelOptions(**options))
        assert (found.total, found.breakdown_by, found.groups) == (
            expected.total,
            expected.breakdown_by,
            expected.groups,
        )
        # Some cases also check which DuckDB path ran (`sql` or `exact`): not Spark's business.
        return replace(found, engine=expected.engine)

    monkeypatch.setattr(funnel_cases, "run", both)
    case()
