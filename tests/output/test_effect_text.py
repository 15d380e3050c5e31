"""How an effect is said: measured only from a recorded run, with its verdict; a holdout
plan for a simulated journey, labelled as a prediction; variants with sizes only unless
their variant is recorded."""

from __future__ import annotations

from cjo_cli.engine.effects import WEEK_US, Arm, HoldoutPlan, measured_effect
from cjo_cli.engine.replay_stats import GroupTotals, JourneyTotals
from cjo_cli.output.effect_text import (
    effect_json,
    effect_line,
    overview_cell,
    plan_json,
    plan_line,
    variants_json,
    variants_line,
)


def test_effect_json_and_line() -> None:
    effect = measured_effect(Arm(400, 240), Arm(400, 120))
    data = effect_json(effect)
    assert data is not None
    assert (data["treated_rate"], data["holdout_rate"], data["difference_points"]) == (
        60.0,
        30.0,
        30.0,
    )
    assert data["significant"] is True and data["verdict"] == "significant"
    line = effect_line(effect)
    assert line.startswith("measured effect (recorded run): treated 60.0% of 400, holdout")
    assert line.endswith("), significant")
    assert effect_json(None) is None


def test_too_few_is_said_not_computed() -> None:
    effect = measured_effect(Arm(400, 240), Arm(3, 1))
    data = effect_json(effect)
    assert data is not None
    assert (data["difference_points"], data["ci_low"], data["significant"]) == (None, None, None)
    assert data["verdict"] == "too few to tell"
    assert "too few to tell (fewer than 30 customers in an arm)" in effect_line(effect)


def test_plan_json_and_line() -> None:
    plan = HoldoutPlan(10.0, 32.04, 0.081, 0.098, ((2, 0.243), (4, 0.172), (8, None)))
    data = plan_json(plan)
    assert data == {
        "holdout_percent": 10.0,
        "entrants_per_week": 32.0,
        "baseline_conversion": 8.1,
        "mde_points": 9.8,
        "weeks": [
            {"weeks": 2, "mde_points": 24.3},
            {"weeks": 4, "mde_points": 17.2},
            {"weeks": 8, "mde_points": None},
        ],
    }
    line = plan_line(plan, 13 * WEEK_US)
    assert line.startswith("holdout plan (a prediction, not a measured effect): 10% held out")
    assert "32.0 entrants a week, 8.1% baseline conversion" in line
    assert "9.8 pt over the log's 13.0 weeks, 24.3 pt after 2 weeks, 17.2 pt after 4" in line
    assert line.endswith("none (too few entrants) after 8")
    assert plan_json(None) is None


def journey(recorded: bool) -> JourneyTotals:
    totals = JourneyTotals("j", GroupTotals(200, 60, 200), holdout_percent=10.0)
    totals.variants = {"a": GroupTotals(0, 30, 100), "b": GroupTotals(0, 60, 100)}
    if recorded:
        totals.recorded_variants = ("a", "b")
    return totals


def test_simulated_variants_have_sizes_only() -> None:
    found = variants_json(journey(False))
    assert found == {
        "a": {"assignment": "simulated", "entries": 100},
        "b": {"assignment": "simulated", "entries": 100},
    }
    assert variants_line(journey(False)) == (
        "variants: a 100 entries (simulated); b 100 entries (simulated)"
    )


def test_recorded_variants_are_compared_with_the_first() -> None:
    found = variants_json(journey(True))
    assert found["a"]["vs_first"] is None and found["a"]["conversion_rate"] == 30.0
    assert found["b"]["vs_first"]["difference_points"] == 30.0
    line = variants_line(journey(True))
    assert line.startswith("variants: a 30/100 converted (30.0%); b 60/100 converted (60.0%)")
    assert ", significant)" in line


def test_overview_cell() -> None:
    simulated = journey(False)
    assert overview_cell(simulated, 4 * WEEK_US).startswith("plan: detects ")
    simulated.holdout_percent = 0.0
    assert overview_cell(simulated, 4 * WEEK_US) == "no holdout"
    recorded = JourneyTotals(
        "r", GroupTotals(400, 240, 400), GroupTotals(400, 120, 400), recorded=True
    )
    assert overview_cell(recorded, WEEK_US).startswith("measured +30.0 pt (")
    few = JourneyTotals("f", GroupTotals(400, 240, 400), GroupTotals(3, 1, 3), recorded=True)
    assert overview_cell(few, WEEK_US) == "measured: too few to tell"
