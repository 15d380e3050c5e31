"""What a funnel run asks for and what it returns (`engine.funnel_result`): the
breakdown a run uses, the funnels a report can compute, step stats from the engine's
values and the `funnel_steps` rows."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from cjo_cli.engine.funnel_result import (
    BreakdownChoice,
    FunnelGroup,
    FunnelOptions,
    FunnelResult,
    StepStats,
    empty_group,
    group_from_values,
    parse_breakdown,
    prepare_funnels,
    reads_properties,
    step_rows,
)
from cjo_cli.model import Breakdown, EventFilter, Exclusion, Funnel, FunnelStep
from cjo_cli.model.conditions import PropertyFilter


def funnel(*events: str, breakdown: Breakdown | None = None, id: str = "f") -> Funnel:
    steps = tuple(FunnelStep(EventFilter(name), f"step {name}") for name in events)
    return Funnel(id, id, steps, breakdown=breakdown)


BY_CHANNEL = Breakdown("property", "channel", "last_touch")
BY_VARIANT = Breakdown("variant", journey="ab")
BY_PERSONA = Breakdown("persona")


@pytest.mark.parametrize(
    ("own", "asked", "expected"),
    [
        (None, None, None),
        # The funnel's own breakdown.
        (BY_CHANNEL, None, BreakdownChoice("property", "channel", "last_touch")),
        (Breakdown("property", "tier"), None, BreakdownChoice("property", "tier", "first_touch")),
        (BY_PERSONA, None, BreakdownChoice("persona")),
        (BY_VARIANT, None, BreakdownChoice("variant", "ab")),
        # `--by` overrides it, whatever it is.
        (None, "persona", BreakdownChoice("persona")),
        (BY_CHANNEL, "persona", BreakdownChoice("persona")),
        (BY_PERSONA, "device", BreakdownChoice("property", "device", "first_touch")),
        (BY_VARIANT, "device:last_touch", BreakdownChoice("property", "device", "last_touch")),
        (BY_CHANNEL, "device:first_touch", BreakdownChoice("property", "device", "first_touch")),
        # Surrounding blanks are ignored.
        (None, "  persona ", BreakdownChoice("persona")),
        (None, " channel ", BreakdownChoice("property", "channel", "first_touch")),
        # The hyphenated spelling is the underscored one; a key may hold a colon.
        (None, "channel:last-touch", BreakdownChoice("property", "channel", "last_touch")),
        (None, "utm:src:last_touch", BreakdownChoice("property", "utm:src", "last_touch")),
        # A journey's variant; a property named variant takes an attribution.
        (None, "variant", BreakdownChoice("variant")),
        (None, "variant:signup_ab", BreakdownChoice("variant", "signup_ab")),
        (None, "variant:last_touch", BreakdownChoice("property", "variant", "last_touch")),
        # A step's value: `stepN`, `step_N`, `step-N`; all steps.
        (None, "channel:step2", BreakdownChoice("property", "channel", "step_2")),
        (None, "channel:step_1", BreakdownChoice("property", "channel", "step_1")),
        (None, "channel:Step-2", BreakdownChoice("property", "channel", "step_2")),
        (None, "channel:all_steps", BreakdownChoice("property", "channel", "all_steps")),
        (None, "channel:all-steps", BreakdownChoice("property", "channel", "all_steps")),
        (
            Breakdown("property", "channel", "step", step=2),
            None,
            BreakdownChoice("property", "channel", "step_2"),
        ),
        (
            Breakdown("property", "channel", "all_steps"),
            None,
            BreakdownChoice("property", "channel", "all_steps"),
        ),
    ],
)
def test_parse_breakdown(
    own: Breakdown | None, asked: str | None, expected: BreakdownChoice | None
) -> None:
    options = FunnelOptions(breakdown=asked)
    assert parse_breakdown(funnel("a", "b", breakdown=own), options) == expected


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("category:lst", "unknown attribution 'lst' in 'category:lst'"),
        ("category:last touch", "unknown attribution 'last touch'"),
        ("category:", "unknown attribution ''"),
        (":last_touch", "':last_touch' names no property"),
        ("category:step0", "unknown attribution 'step0'"),
        ("category:step", "unknown attribution 'step'"),
        ("category:stepx", "or PROPERTY:stepN (N: a step number)"),
        # The funnel has two steps.
        ("category:step3", "f: breakdown by step 3, but the funnel has 2 steps"),
    ],
)
def test_a_typo_in_the_attribution_is_an_error_not_first_touch(asked: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_breakdown(funnel("a", "b"), FunnelOptions(breakdown=asked))


@pytest.mark.parametrize(
    ("choice", "label"),
    [
        (BreakdownChoice("persona"), "persona"),
        (BreakdownChoice("variant"), "variant"),
        (BreakdownChoice("variant", "signup_ab"), "variant of signup_ab"),
        (BreakdownChoice("property", "channel"), "channel (first touch)"),
        (BreakdownChoice("property", "channel", "last_touch"), "channel (last touch)"),
        (BreakdownChoice("property", "utm_source", "first_touch"), "utm_source (first touch)"),
        (BreakdownChoice("property", "channel", "step_2"), "channel (step 2)"),
        (BreakdownChoice("property", "channel", "all_steps"), "channel (all steps)"),
    ],
)
def test_breakdown_label(choice: BreakdownChoice, label: str) -> None:
    assert choice.label == label


def test_prepare_funnels_drops_a_variant_breakdown_with_a_note() -> None:
    by_variant = funnel("a", "b", breakdown=BY_VARIANT, id="ab_funnel")
    by_channel = funnel("a", "b", breakdown=BY_CHANNEL, id="channel_funnel")
    by_persona = funnel("a", "b", breakdown=BY_PERSONA, id="persona_funnel")
    plain = funnel("a", "b", id="plain")
    prepared = prepare_funnels([by_variant, by_channel, by_persona, plain], FunnelOptions())
    assert prepared.funnels == (
        replace(by_variant, breakdown=None),
        by_channel,
        by_persona,
        plain,
    )
    assert prepared.notes == (
        "ab_funnel: a breakdown by A/B variant comes from the journey replay; "
        "`cjo simulate` shows conversion per variant. Showing the funnel without it",
    )


def test_prepare_funnels_one_note_per_variant_funnel_in_order() -> None:
    first = funnel("a", breakdown=BY_VARIANT, id="first")
    second = funnel("a", breakdown=BY_VARIANT, id="second")
    prepared = prepare_funnels([second, first], FunnelOptions())
    assert [f.breakdown for f in prepared.funnels] == [None, None]
    assert [note.split(":")[0] for note in prepared.notes] == ["second", "first"]


def test_prepare_funnels_keeps_everything_when_by_is_given() -> None:
    # `--by` overrides the funnel's breakdown (parse_breakdown), so nothing is dropped.
    by_variant = funnel("a", "b", breakdown=BY_VARIANT)
    prepared = prepare_funnels([by_variant], FunnelOptions(breakdown="persona"))
    assert prepared.funnels == (by_variant,)
    assert prepared.notes == ()


def test_prepare_funnels_of_nothing() -> None:
    prepared = prepare_funnels([], FunnelOptions())
    assert (prepared.funnels, prepared.notes) == ((), ())


def test_group_from_values_rates_and_times() -> None:
    f = funnel("view", "cart", "buy")
    # [count1, count2, median2, mean2, count3, median3, mean3]
    group = group_from_values(f, [10, 5, 30, 40.5, 2, 7, 8.25], 3)
    assert group == FunnelGroup(
        None,
        (
            StepStats("step view", "view", 10, 1.0, 1.0, None, None),
            StepStats("step cart", "cart", 5, 0.5, 0.5, 30.0, 40.5),
            StepStats("step buy", "buy", 2, 0.2, 0.4, 7.0, 8.25),
        ),
        3,
    )
    # Integer medians come back as floats.
    assert isinstance(group.steps[1].median_seconds, float)
    assert isinstance(group.steps[2].mean_seconds, float)


def test_group_from_values_none_where_nobody_reached() -> None:
    f = funnel("view", "cart", "buy")
    group = group_from_values(f, [4, 0, None, None, 0, None, None], 0)
    assert [
        (s.customers, s.from_start, s.from_previous, s.median_seconds, s.mean_seconds)
        for s in group.steps
    ] == [
        (4, 1.0, 1.0, None, None),
        (0, 0.0, 0.0, None, None),
        # Nobody reached step 2: no rate from it.
        (0, 0.0, None, None, None),
    ]


def test_group_from_values_of_a_funnel_nobody_entered() -> None:
    f = funnel("view", "cart")
    group = group_from_values(f, [0, 0, None, None], 0)
    assert [(s.customers, s.from_start, s.from_previous) for s in group.steps] == [
        (0, None, None),
        (0, None, None),
    ]


def test_group_from_values_of_one_step() -> None:
    group = group_from_values(funnel("view"), [7], 1)
    assert group == FunnelGroup(None, (StepStats("step view", "view", 7, 1.0, 1.0, None, None),), 1)


@pytest.mark.parametrize("steps", [1, 2, 4])
def test_empty_group(steps: int) -> None:
    names = [f"e{i}" for i in range(steps)]
    group = empty_group(funnel(*names))
    assert group == FunnelGroup(
        None,
        tuple(StepStats(f"step {n}", n, 0, None, None, None, None) for n in names),
        0,
    )


def test_step_rows() -> None:
    f = funnel("view", "cart")
    total = group_from_values(f, [4, 2, 10, 12.0], 1)
    web = replace(group_from_values(f, [3, 2, 10, 12.0], 0), label="web")
    app = replace(group_from_values(f, [1, 0, None, None], 0), label="app")
    broken_down = FunnelResult(f, total, "channel (first touch)", (web, app))
    other = funnel("a", id="g")
    plain = FunnelResult(other, group_from_values(other, [9], 0))
    rows = step_rows([broken_down, plain])
    assert rows == [
        # The whole funnel: no breakdown, no group.
        ("f", None, None, 1, "step view", "view", 4, 1.0, 1.0, None, None),
        ("f", None, None, 2, "step cart", "cart", 2, 0.5, 0.5, 10.0, 12.0),
        ("f", "channel (first touch)", "web", 1, "step view", "view", 3, 1.0, 1.0, None, None),
        ("f", "channel (first touch)", "web", 2, "step cart", "cart", 2, 2 / 3, 2 / 3, 10.0, 12.0),
        ("f", "channel (first touch)", "app", 1, "step view", "view", 1, 1.0, 1.0, None, None),
        ("f", "channel (first touch)", "app", 2, "step cart", "cart", 0, 0.0, 0.0, None, None),
        ("g", None, None, 1, "step a", "a", 9, 1.0, 1.0, None, None),
    ]
    assert all(len(row) == 11 for row in rows)


def test_step_rows_of_nothing() -> None:
    assert step_rows([]) == []


def test_full_trend_lists_every_period_between_the_first_and_the_last() -> None:
    from cjo_cli.engine.funnel_result import TrendPoint, full_trend

    def periods(points: list[str], interval: str) -> list[str]:
        found = full_trend([TrendPoint(p, 1, 0, 0) for p in points], interval)
        return [point.period for point in found]

    assert full_trend([], "week") == ()
    assert periods(["2026-02-27", "2026-03-02"], "day") == [
        "2026-02-27",
        "2026-02-28",
        "2026-03-01",
        "2026-03-02",
    ]
    assert periods(["2026-06-01", "2026-06-22"], "week") == [
        "2026-06-01",
        "2026-06-08",
        "2026-06-15",
        "2026-06-22",
    ]
    assert periods(["2026-11-01", "2027-02-01"], "month") == [
        "2026-11-01",
        "2026-12-01",
        "2027-01-01",
        "2027-02-01",
    ]
    filled = full_trend(
        [TrendPoint("2026-06-01", 3, 1, 0), TrendPoint("2026-06-03", 2, 0, 2)], "day"
    )
    assert filled[1] == TrendPoint("2026-06-02", 0, 0, 0)
    assert (filled[0].entered, filled[2].open) == (3, 2)


WHERE = (PropertyFilter("plan", "eq", "pro"),)
PLAIN = funnel("view", "buy")


@pytest.mark.parametrize(
    ("changed", "reads"),
    [
        (PLAIN, False),
        (replace(PLAIN, exclusions=(Exclusion(EventFilter("refund"), 1, 2),)), False),
        # A `where` on a step, on one alternative of an `any` step, on an exclusion.
        (replace(PLAIN, steps=(FunnelStep(EventFilter("view", WHERE), "v"),)), True),
        (
            replace(
                PLAIN,
                steps=(
                    FunnelStep(
                        EventFilter("view"),
                        "v",
                        any_of=(EventFilter("view"), EventFilter("open", WHERE)),
                    ),
                ),
            ),
            True,
        ),
        (replace(PLAIN, exclusions=(Exclusion(EventFilter("refund", WHERE), 1, 2),)), True),
        # A persona (its segment may read them) and any breakdown of its own.
        (replace(PLAIN, persona="vip"), True),
        (replace(PLAIN, breakdown=BY_CHANNEL), True),
        (replace(PLAIN, breakdown=BY_PERSONA), True),
        (replace(PLAIN, breakdown=BY_VARIANT), True),
    ],
)
def test_reads_properties(changed: Funnel, reads: bool) -> None:
    assert reads_properties(changed) is reads
