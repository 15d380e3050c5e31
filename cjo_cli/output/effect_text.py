"""How a journey's effect is said: measured from a recorded run, or planned.

A simulated replay claims no effect: it gets a holdout plan. Only a journey whose
log records its real run (`assignment`, `variant_from`) gets measured numbers.
Every text and JSON field here is one of those two, and says which.
"""

from __future__ import annotations

from typing import Any

from cjo_cli.engine.effects import MIN_PER_ARM, WEEK_US, Difference, Effect, HoldoutPlan
from cjo_cli.engine.replay_stats import JourneyTotals
from cjo_cli.output.numbers import percent, points


def _points(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 2)


def effect_json(effect: Effect | None) -> dict[str, Any] | None:
    if effect is None:
        return None
    difference = effect.difference
    return {
        "treated": effect.treated.customers,
        "holdout": effect.holdout.customers,
        "treated_converted": effect.treated.converted,
        "holdout_converted": effect.holdout.converted,
        "treated_rate": _points(effect.treated.rate),
        "holdout_rate": _points(effect.holdout.rate),
        "difference_points": None if difference is None else _points(difference.difference),
        "ci_low": None if difference is None else _points(difference.low),
        "ci_high": None if difference is None else _points(difference.high),
        "significant": None if difference is None else difference.significant,
        "verdict": effect.verdict,
    }


def plan_json(plan: HoldoutPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "holdout_percent": plan.holdout_percent,
        "entrants_per_week": None
        if plan.entrants_per_week is None
        else round(plan.entrants_per_week, 1),
        "baseline_conversion": _points(plan.baseline_conversion),
        "mde_points": _points(plan.mde),
        "weeks": [{"weeks": weeks, "mde_points": _points(mde)} for weeks, mde in plan.weeks],
    }


def variants_json(journey: JourneyTotals) -> dict[str, Any]:
    """Every variant's entries; conversion only where the variant is recorded."""
    measured = {result.name: result for result in journey.variant_results()}
    found: dict[str, Any] = {}
    for name, group in journey.variants.items():
        result = measured.get(name)
        if result is None:
            found[name] = {"assignment": "simulated", "entries": group.entries}
            continue
        against = result.against_first
        found[name] = {
            "assignment": "recorded",
            "entries": group.entries,
            "converted": group.converted,
            "conversion_rate": _points(result.arm.rate),
            "ci_low": None if result.interval is None else _points(result.interval[0]),
            "ci_high": None if result.interval is None else _points(result.interval[1]),
            "vs_first": None
            if against is None
            else {
                "variant": journey.recorded_variants[0],
                "difference_points": _points(against.difference),
                "ci_low": _points(against.low),
                "ci_high": _points(against.high),
                "significant": against.significant,
            },
        }
    return found


def _pt(fraction: float) -> str:
    return f"{points(fraction)} pt"


def effect_line(effect: Effect) -> str:
    """`measured effect: treated 60.0% vs holdout 30.0%: +30.0 pt (95% CI …), significant`."""
    head = (
        f"measured effect (recorded run): treated {percent(effect.treated.rate)} of "
        f"{effect.treated.customers:,}, holdout {percent(effect.holdout.rate)} of "
        f"{effect.holdout.customers:,}"
    )
    difference = effect.difference
    if difference is None:
        return f"{head}: too few to tell (fewer than {MIN_PER_ARM} customers in an arm)"
    return f"{head}: {_pt(difference.difference)} ({_ci(difference)}), {effect.verdict}"


def _ci(difference: Difference) -> str:
    return f"95% CI {points(difference.low)} … {points(difference.high)}"


def _mde(mde: float | None) -> str:
    return "none (too few entrants)" if mde is None else f"{mde * 100:.1f} pt"


def plan_line(plan: HoldoutPlan, span_us: int) -> str:
    """What the holdout could detect once the journey runs (a prediction, not an effect)."""
    per_week = "no" if plan.entrants_per_week is None else f"{plan.entrants_per_week:,.1f}"
    weeks = ", ".join(
        f"{_mde(mde)} after {weeks} weeks" if index == 0 else f"{_mde(mde)} after {weeks}"
        for index, (weeks, mde) in enumerate(plan.weeks)
    )
    return (
        f"holdout plan (a prediction, not a measured effect): {plan.holdout_percent:g}% held "
        f"out of {per_week} entrants a week, {percent(plan.baseline_conversion)} baseline "
        f"conversion; the smallest rise it detects: {_mde(plan.mde)} over the log's "
        f"{span_us / WEEK_US:.1f} weeks, {weeks}"
    )


def variants_line(journey: JourneyTotals) -> str:
    """Recorded variants with their conversion; simulated ones with their size only."""
    measured = {result.name: result for result in journey.variant_results()}
    parts = []
    for name, group in journey.variants.items():
        result = measured.get(name)
        if result is None:
            parts.append(f"{name} {group.entries:,} entries (simulated)")
            continue
        text = (
            f"{name} {group.converted:,}/{group.entries:,} converted ({percent(result.arm.rate)})"
        )
        if result.against_first is not None:
            against = result.against_first
            text += (
                f", {_pt(against.difference)} vs {journey.recorded_variants[0]} "
                f"({_ci(against)}" + (", significant)" if against.significant else ")")
            )
        elif result.name != journey.recorded_variants[0]:
            text += ", too few to tell"
        parts.append(text)
    return "variants: " + "; ".join(parts)


def overview_cell(journey: JourneyTotals, span_us: int) -> str:
    """The effect column of an overview table: measured, or what a holdout could detect."""
    effect = journey.effect()
    if effect is not None:
        if effect.difference is None:
            return "measured: too few to tell"
        d = effect.difference
        return f"measured {_pt(d.difference)} ({points(d.low)}…{points(d.high)})"
    plan = journey.holdout_plan(span_us)
    if plan is not None:
        return f"plan: detects {_mde(plan.mde)}"
    results = journey.variant_results()
    best = [r for r in results if r.against_first is not None]
    if best:
        top = max(best, key=lambda r: r.against_first.difference if r.against_first else 0.0)
        assert top.against_first is not None
        mark = "*" if top.against_first.significant else ""
        return f"A/B measured: {top.name} {_pt(top.against_first.difference)}{mark}"
    if results:
        return "A/B measured: too few to tell"
    return "no holdout"
