"""What a replay may claim of a journey's effect: a holdout plan when the assignment is
simulated, a measured effect when the log records the journey's run.

The statistics are checked against published worked examples: Newcombe (1998),
"Interval estimation for the difference between independent proportions",
Statistics in Medicine 17:873-890, Table II example (a), 56/70 vs 48/80, method 10
(hybrid score): 0.0524 to 0.3339; and the sample size of Chow, Shao & Wang,
*Sample Size Calculations in Clinical Research* (2nd ed.), section 4.2, two-sample
test for equality: p1 = 0.65, p2 = 0.85, alpha 0.05, power 0.8 needs n = 70 per arm.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cjo_cli.engine.effects import (
    MIN_PER_ARM,
    WEEK_US,
    Z_95,
    Z_POWER_80,
    Arm,
    compare_variants,
    holdout_mismatch,
    holdout_plan,
    measured_effect,
    minimum_detectable,
    newcombe,
    wilson,
)
from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.output.simulate_report import to_json_data
from tests.engine.replay_helpers import event, journey, load_workspace, log_connection, replay_each


def test_newcombe_worked_example() -> None:
    found = newcombe(Arm(70, 56), Arm(80, 48))
    assert found is not None
    assert found.difference == pytest.approx(0.2)
    assert (round(found.low, 4), round(found.high, 4)) == (0.0524, 0.3339)
    assert found.significant


def test_wilson_contains_the_rate_and_stays_in_bounds() -> None:
    assert wilson(0, 10)[0] == pytest.approx(0.0, abs=1e-12)
    assert wilson(10, 10)[1] == pytest.approx(1.0)
    low, high = wilson(3, 10)
    assert low < 0.3 < high


def sample_size(p_holdout: float, p_treated: float) -> float:
    """Chow, Shao & Wang 4.2, equal arms: n = (z_a/2 + z_b)^2 (p1 q1 + p2 q2) / d^2."""
    z = Z_95 + Z_POWER_80
    variance = p_holdout * (1 - p_holdout) + p_treated * (1 - p_treated)
    return z * z * variance / (p_treated - p_holdout) ** 2


def test_minimum_detectable_matches_the_textbook_sample_size() -> None:
    assert math.ceil(sample_size(0.65, 0.85)) == 70
    found = minimum_detectable(0.65, 70, 70)
    assert found is not None
    assert round(found, 2) == 0.20


@given(
    p=st.floats(0.01, 0.9),
    n=st.integers(50, 1_000_000),
)
def test_minimum_detectable_inverts_the_sample_size(p: float, n: int) -> None:
    delta = minimum_detectable(p, n, n)
    if delta is None:
        return
    assert sample_size(p, p + delta) == pytest.approx(n, rel=1e-6)


def test_minimum_detectable_shrinks_with_more_customers() -> None:
    small, large = minimum_detectable(0.1, 100, 100), minimum_detectable(0.1, 10_000, 10_000)
    assert small is not None and large is not None and large < small
    assert minimum_detectable(0.1, 0, 100) is None
    assert minimum_detectable(0.5, 1, 1) is None  # not even a rise to 100% is detected


def test_holdout_plan_over_the_log_and_by_weeks() -> None:
    plan = holdout_plan(entrants=1_300, converted=130, holdout_percent=10, span_us=13 * WEEK_US)
    assert plan.entrants_per_week == pytest.approx(100)
    assert plan.baseline_conversion == pytest.approx(0.1)
    assert plan.mde == minimum_detectable(0.1, 1_170, 130)
    weeks = dict(plan.weeks)
    assert list(weeks) == [2, 4, 8]
    assert weeks[4] == minimum_detectable(0.1, 360, 40)
    assert weeks[2] is not None and weeks[8] is not None and weeks[2] > weeks[4] > weeks[8]
    empty = holdout_plan(0, 0, 10, 13 * WEEK_US)
    assert (empty.entrants_per_week, empty.baseline_conversion, empty.mde) == (None, None, None)


def test_small_arms_are_too_few_to_tell() -> None:
    few = measured_effect(Arm(400, 200), Arm(MIN_PER_ARM - 1, 3))
    assert few.difference is None and few.verdict == "too few to tell"
    enough = measured_effect(Arm(400, 200), Arm(MIN_PER_ARM, 3))
    assert enough.difference is not None and enough.verdict == "significant"


def test_holdout_mismatch() -> None:
    assert holdout_mismatch(10, 100, 1_000) is None
    assert holdout_mismatch(10, 300, 1_000) is not None
    assert "plans no holdout" in (holdout_mismatch(0, 5, 100) or "")
    assert holdout_mismatch(0, 0, 100) is None


def test_compare_variants_against_the_first() -> None:
    results = compare_variants([("a", Arm(200, 60)), ("b", Arm(200, 120)), ("c", Arm(10, 5))])
    assert [r.name for r in results] == ["a", "b", "c"]
    assert results[0].against_first is None
    assert results[1].against_first is not None
    assert results[1].against_first.difference == pytest.approx(0.3)
    assert results[2].against_first is None  # too few entries in c


# ---- through the replay ----------------------------------------------------------------

T0 = 1_780_000_000


def _ts(seconds: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(T0 + seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def recorded_run(treated_rate: float, holdout_rate: float, n: int = 400) -> list[dict[str, object]]:
    """n treated and n holdout customers of a journey that really ran: each entry event
    records the group; the given share of each group buys within a day."""
    rows: list[dict[str, object]] = []
    for group, rate in (("treated", treated_rate), ("control", holdout_rate)):
        for i in range(n):
            who = f"{group}_{i:04d}"
            start = i * 600
            rows.append(event(who, "cart", _ts(start), journey_group=group, layout="b"))
            if i < round(rate * n):
                rows.append(event(who, "buy", _ts(start + 3600)))
    return rows


def test_a_recorded_run_is_measured(tmp_path: Path) -> None:
    ws = load_workspace(
        tmp_path,
        journey(
            "paid",
            "remind: {send: mail, next: done}",
            goal="{event: buy, within: 1d}",
            holdout="50%",
            assignment="{property: journey_group, holdout: control}",
        ),
    )
    con = log_connection(tmp_path, recorded_run(0.6, 0.3))
    _, simulation = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    data = to_json_data(simulation.totals, {}, {}, [])
    (paid,) = data["journeys"]
    assert paid["assignment"] == "recorded"
    assert paid["holdout_plan"] is None
    effect = paid["effect"]
    assert (effect["treated"], effect["holdout"]) == (400, 400)
    assert effect["difference_points"] == pytest.approx(30.0)
    assert 0 < effect["ci_low"] < 30 < effect["ci_high"]
    assert effect["significant"] is True
    assert paid["sends"] == {"mail": 400}  # the recorded holdout gets nothing
    assert paid["warnings"] == []


def test_recorded_variants_are_measured(tmp_path: Path) -> None:
    steps = """
    split:
      ab:
        variant_from: {property: layout}
        variants: {a: {weight: 50, next: done}, b: {weight: 50, next: done}}
    """
    ws = load_workspace(tmp_path, journey("test", steps, goal="{event: buy, within: 1d}"))
    rows = []
    for layout, rate in (("a", 0.3), ("b", 0.6), ("zz", 0.5)):
        for i in range(200):
            who = f"{layout}_{i:04d}"
            rows.append(event(who, "cart", _ts(i * 60), layout=layout))
            if i < rate * 200:
                rows.append(event(who, "buy", _ts(i * 60 + 60)))
    con = log_connection(tmp_path, rows)
    _, simulation = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    (found,) = to_json_data(simulation.totals, {}, {}, [])["journeys"]
    a, b = found["variants"]["a"], found["variants"]["b"]
    assert (a["entries"], a["conversion_rate"]) == (200, 30.0)
    assert (b["entries"], b["conversion_rate"]) == (200, 60.0)
    assert b["vs_first"]["difference_points"] == pytest.approx(30.0)
    assert b["vs_first"]["significant"] is True
    assert found["variants_unrecorded"] == 200  # `zz` names no variant: simulated
    assert any("no recorded variant" in warning for warning in found["warnings"])


def test_renaming_a_simulated_journey_claims_no_effect(tmp_path: Path) -> None:
    """The bug report's experiment: six names of one journey moved its 'effect' from
    -7.8 to +2.8 points. Under simulated assignment no name shows an effect, and the
    holdout plan, which depends on the log only, is the same for all six."""
    names = ["referral_request", "referral", "ask_friends", "invite", "refer_v2", "mgm"]
    documents = [
        journey(
            name, "ask: {send: mail, next: done}", goal="{event: buy, within: 7d}", holdout="10%"
        )
        for name in names
    ]
    ws = load_workspace(tmp_path, *documents)
    rows = recorded_run(0.3, 0.3, n=150)
    con = log_connection(tmp_path, rows)
    _, simulation = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    found = to_json_data(simulation.totals, {}, {}, [])["journeys"]
    assert [j["effect"] for j in found] == [None] * 6
    assert all(j["assignment"] == "simulated" for j in found)
    assert all(j["holdout"]["conversion_rate"] is None for j in found)
    plans = {json.dumps(j["holdout_plan"]["baseline_conversion"]) for j in found}
    assert plans == {"30.0"}
    text = json.dumps(found)
    assert "lift" not in text and "difference" not in text
