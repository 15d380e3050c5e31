"""`ReplayTotals.merge`: totals counted in parts (the Spark executor's partitions) add up
to the totals counted in one pass, whatever the split."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_stats import ReplayTotals
from cjo_cli.output.simulate_report import to_json_data
from cjo_cli.spec.workspace import validate_paths
from tests.engine.replay_helpers import run
from tests.engine.test_replay_properties import CART, POLICY, WELCOME, _iso, logs


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=logs(), cut=st.integers(0, 4))
def test_parts_add_up_to_the_whole(rows: list[dict[str, Any]], cut: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        found, whole = run(Path(folder), [POLICY, CART, WELCOME], _iso(rows))
        ws = validate_paths([Path(folder) / "ws"], keep_model=True).workspace
    plan = build_plan(ws, list(ws.journeys.values()))
    replays = [found[customer] for customer in sorted(found)]
    first, second = ReplayTotals(plan, whole.span_us), ReplayTotals(plan)
    for index, replay in enumerate(replays):
        (first if index < cut else second).add(replay)
    first.merge(second)
    assert first.customers == len(replays)
    expected = to_json_data(whole, {}, {}, [])
    assert json.dumps(to_json_data(first, {}, {}, [])) == json.dumps(expected)
