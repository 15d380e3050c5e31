"""What a funnel run asks for and what it finds (docs/funnels.md), for every executor.

The DuckDB engine (`funnels`) and the Spark engine (`spark.funnels`) take the
same `FunnelOptions` and return the same `FunnelResult`; the breakdown is parsed,
labelled and turned into step stats here, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cjo_cli.model import Funnel, Persona

NONE_LABEL = "(none)"
"""The breakdown group of customers whose attempt has no value for the property."""

HISTOGRAM_BOUNDS = (
    60,
    300,
    900,
    3600,
    6 * 3600,
    86400,
    3 * 86400,
    7 * 86400,
    14 * 86400,
    30 * 86400,
)
"""Upper bounds (seconds, inclusive) of the time-to-convert bins: ≤1m, ≤5m, ≤15m, ≤1h, ≤6h,
≤1d, ≤3d, ≤7d, ≤14d, ≤30d, then one open bin. Fixed rather than derived from the window,
so that two funnels (or two runs) put the same times in the same bins."""

PERCENTILES = (25, 50, 75, 90)
"""The nearest-rank percentiles of the times to a step: an observed time each, so every
engine gives the same number to the microsecond."""

INTERVALS = ("day", "week", "month")
"""The periods of a funnel's trend (`--interval`); weeks start on Monday, all in UTC."""


@dataclass(frozen=True)
class TimeToStep:
    """How long the customers counted at a step took to get there (from the previous
    step, or from step 1), over the counted attempts."""

    percentiles: tuple[float, ...] | None
    """Seconds, one per PERCENTILES: the smallest time that at least p% of the customers
    took at most; None when nobody reached the step."""
    histogram: tuple[int, ...]
    """Customers per bin: one per HISTOGRAM_BOUNDS, then the open bin; they add up to
    the step's customers."""


@dataclass(frozen=True)
class TrendPoint:
    """The counted attempts that started (step 1) in one period."""

    period: str
    """The period's first day, ISO (`2026-06-01`)."""
    entered: int
    converted: int
    """Reached the last step."""
    open: int
    """Not converted, and the window (step 1 + the funnel's window) reaches past the log's
    end: these may still convert, they are not drop-offs."""


@dataclass(frozen=True)
class StepStats:
    name: str
    event: str
    customers: int
    from_start: float | None
    """Share of step 1's customers who reached this step (0..1)."""
    from_previous: float | None
    median_seconds: float | None
    """From the previous step, over the customers who reached this one."""
    mean_seconds: float | None
    time_from_previous: TimeToStep | None = None
    """None on step 1 (and where an executor did not compute it)."""
    time_from_start: TimeToStep | None = None


@dataclass(frozen=True)
class FunnelGroup:
    label: str | None
    """The breakdown value (None for the whole funnel)."""
    steps: tuple[StepStats, ...]
    excluded: int = 0
    """Customers an exclusion removed."""
    trend: tuple[TrendPoint, ...] = ()
    """By period of the counted attempt's step 1, one per period from the first to the
    last in which an attempt started (`full_trend`); entered adds up to step 1's
    customers and converted to the last step's."""


@dataclass(frozen=True)
class FunnelResult:
    funnel: Funnel
    total: FunnelGroup
    breakdown_by: str | None = None
    groups: tuple[FunnelGroup, ...] = ()
    engine: str = "sql"
    """`sql`, `exact` (DuckDB's per-customer path; see `funnels`) or `spark`."""
    interval: str = "week"
    """The trend's period (INTERVALS)."""
    log_end_us: int | None = None
    """The last event time of the log (within --since/--until), which `open` is measured
    against; None for an empty log."""
    groups_overlap: bool = False
    """A customer may be in several groups (`all_steps` attribution)."""
    assignment: str | None = None
    """For a variant breakdown: SIMULATED or RECORDED."""


SIMULATED = "simulated"
"""A variant from the replay's hash: a prediction (docs/replay.md)."""
RECORDED = "recorded"
"""A variant the log records (the ab step's `variant_from`)."""


@dataclass(frozen=True)
class VariantGroups:
    """Each customer's variant of a journey's A/B step, from its replay
    (`funnel_variant.replay_variants`)."""

    journey: str
    variants: Mapping[str, str]
    """Customer id → variant, for the customers who got one."""
    assignment: str
    """SIMULATED or RECORDED."""


@dataclass(frozen=True)
class FunnelOptions:
    since_us: int | None = None
    """Events before this instant (µs since the epoch) are ignored."""
    until_us: int | None = None
    """Events at or after this instant are ignored."""
    breakdown: str | None = None
    """`persona`, `PROPERTY` or `PROPERTY:ATTRIBUTION` (`last_touch`, `step2`...); overrides
    the funnel's own."""
    keep_customers: bool = False
    """Add every customer's attempt to the table `funnel_customers`."""
    personas: dict[str, Persona] = field(default_factory=dict)
    interval: str = "week"
    """The trend's period: one of INTERVALS."""
    variants: Mapping[str, VariantGroups] = field(default_factory=dict)
    """By journey id, the variants a variant breakdown reads (`funnel_variant`)."""


@dataclass(frozen=True)
class BreakdownChoice:
    by: str  # "persona" | "property"
    key: str | None = None
    attribution: str = "first_touch"
    """One of ATTRIBUTIONS, or `step_N` for the value on step N's event."""

    @property
    def label(self) -> str:
        """How results name the breakdown: `persona`, `channel (first touch)`."""
        if self.by == "property":
            return f"{self.key} ({self.attribution.replace('_', ' ')})"
        if self.by == "variant" and self.key:
            return f"variant of {self.key}"
        return self.by


ATTRIBUTIONS = ("first_touch", "last_touch", "all_steps")
"""The attributions named by a word; `step_N` names step N's (`--by channel:step2`)."""


def step_of(attribution: str) -> int | None:
    """N for the attribution `step_N`, else None."""
    prefix, _, number = attribution.partition("_")
    return int(number) if prefix == "step" and number.isdigit() else None


def _attribution(text: str) -> str | None:
    """The attribution `text` names (`last-touch`, `step2`, `step_2`), None if none."""
    word = text.strip().lower().replace("-", "_")
    if word in ATTRIBUTIONS:
        return word
    number = word.removeprefix("step").lstrip("_ ")
    if word.startswith("step") and number.isdigit() and int(number) >= 1:
        return f"step_{int(number)}"
    return None


def breakdown_choice(text: str) -> BreakdownChoice:
    """`persona`, `PROPERTY` or `PROPERTY:ATTRIBUTION`; ValueError for an attribution
    that is not one of ATTRIBUTIONS or `stepN` (a typo must not give first-touch numbers
    under another name). The hyphenated spelling is read as the underscored one."""
    text = text.strip()
    if text == "persona":
        return BreakdownChoice("persona")
    key, colon, written = text.rpartition(":") if ":" in text else (text, "", "")
    # `variant` and `variant:JOURNEY` (a property named variant takes an attribution).
    if text == "variant" or (key.strip() == "variant" and _attribution(written) is None):
        return BreakdownChoice("variant", written.strip() or None)
    attribution = _attribution(written) if colon else "first_touch"
    if attribution is None:
        raise ValueError(
            f"unknown attribution {written.strip()!r} in {text!r}; use "
            + ", ".join(f"PROPERTY:{name}" for name in ATTRIBUTIONS)
            + " or PROPERTY:stepN (N: a step number)"
        )
    if not key.strip():
        raise ValueError(f"{text!r} names no property")
    return BreakdownChoice("property", key, attribution)


def parse_breakdown(funnel: Funnel, options: FunnelOptions) -> BreakdownChoice | None:
    """The breakdown a run uses: the options' (`--by`), else the funnel's own. ValueError
    when it names a step the funnel does not have."""
    choice = _choice(funnel, options)
    step = step_of(choice.attribution) if choice is not None else None
    if step is not None and step > len(funnel.steps):
        raise ValueError(
            f"{funnel.id}: breakdown by step {step}, but the funnel has {len(funnel.steps)} steps"
        )
    return choice


def _choice(funnel: Funnel, options: FunnelOptions) -> BreakdownChoice | None:
    if options.breakdown is not None:
        text = options.breakdown.strip()
        if text == "persona":
            return BreakdownChoice("persona")
        return breakdown_choice(text)
    if funnel.breakdown is None:
        return None
    breakdown = funnel.breakdown
    if breakdown.by == "property":
        attribution: str = breakdown.attribution
        if attribution == "step":
            attribution = f"step_{breakdown.step}"
        return BreakdownChoice("property", breakdown.property, attribution)
    if breakdown.by == "variant":
        return BreakdownChoice("variant", breakdown.journey)
    return BreakdownChoice(breakdown.by)


def variant_groups(
    funnel: Funnel, choice: BreakdownChoice, options: FunnelOptions
) -> VariantGroups | None:
    """The variants a variant breakdown of `funnel` reads: of the journey `--by` names,
    else the funnel's own, else the only journey replayed; None when not replayed."""
    journey = choice.key
    if journey is None and funnel.breakdown is not None:
        journey = funnel.breakdown.journey
    if journey is None and len(options.variants) == 1:
        journey = next(iter(options.variants))
    return options.variants.get(journey) if journey is not None else None


@dataclass(frozen=True)
class PreparedFunnels:
    funnels: tuple[Funnel, ...]
    notes: tuple[str, ...] = ()
    """What was changed and why, for the user."""


def prepare_funnels(funnels: Sequence[Funnel], options: FunnelOptions) -> PreparedFunnels:
    """The funnels as a report can compute them: a breakdown by A/B variant comes from
    the journey replay, so without the replayed variants in `options` it is dropped,
    with a note."""
    prepared = []
    notes = []
    for funnel in funnels:
        variant = funnel.breakdown is not None and funnel.breakdown.by == "variant"
        choice = parse_breakdown(funnel, options)
        replayed = choice is not None and variant_groups(funnel, choice, options) is not None
        if options.breakdown is None and variant and not replayed:
            notes.append(
                f"{funnel.id}: a breakdown by A/B variant comes from the journey replay; "
                "`cjo simulate` shows conversion per variant. Showing the funnel without it"
            )
            funnel = replace(funnel, breakdown=None)
        prepared.append(funnel)
    return PreparedFunnels(tuple(prepared), tuple(notes))


def reads_properties(funnel: Funnel) -> bool:
    """Could computing `funnel` (without --by) read an event's properties: a step or an
    exclusion with `where`, a persona, or a breakdown? (A report whose funnels do not
    need not check that every row's properties are JSON: docs/funnels.md.)"""
    filters = [spec for step in funnel.steps for spec in step.alternatives]
    filters += [exclusion.event for exclusion in funnel.exclusions]
    return (
        any(spec.where for spec in filters)
        or funnel.persona is not None
        or funnel.breakdown is not None
    )


def group_from_values(funnel: Funnel, values: list[Any], excluded: int) -> FunnelGroup:
    """Step stats from [count1, count2, median2, mean2, count3, ...] (medians and means
    in seconds; None where nobody reached the step)."""
    counts: list[int] = []
    stats: list[StepStats] = []
    cursor = 0
    for index, step in enumerate(funnel.steps):
        count = int(values[cursor])
        cursor += 1
        median = mean = None
        if index:
            median, mean = values[cursor], values[cursor + 1]
            cursor += 2
        counts.append(count)
        first = counts[0]
        previous = counts[index - 1] if index else count
        stats.append(
            StepStats(
                step.name,
                step.event_label,
                count,
                count / first if first else None,
                count / previous if previous else None,
                float(median) if median is not None else None,
                float(mean) if mean is not None else None,
            )
        )
    return FunnelGroup(None, tuple(stats), excluded)


StepTimes = tuple[TimeToStep | None, TimeToStep | None]
"""A step's times (from the previous step, from step 1), as an executor found them."""


def no_times() -> TimeToStep:
    """The times to a step nobody reached."""
    return TimeToStep(None, (0,) * (len(HISTOGRAM_BOUNDS) + 1))


def with_times(
    group: FunnelGroup, times: Mapping[int, StepTimes], trend: Sequence[TrendPoint]
) -> FunnelGroup:
    """The group with the times to each step after the first (`times` by step number; a
    step missing from it was reached by nobody) and its trend."""
    steps = tuple(
        replace(
            step,
            time_from_previous=times.get(number, (no_times(), no_times()))[0],
            time_from_start=times.get(number, (no_times(), no_times()))[1],
        )
        if number > 1
        else step
        for number, step in enumerate(group.steps, 1)
    )
    return replace(group, steps=steps, trend=tuple(trend))


def full_trend(points: Sequence[TrendPoint], interval: str) -> tuple[TrendPoint, ...]:
    """Time-ordered `points` with an empty point for each period between the first and
    the last in which no attempt started: one point per period, so that a chart's
    time axis is even."""
    if not points:
        return ()
    found = {point.period: point for point in points}
    day, last = dt.date.fromisoformat(points[0].period), dt.date.fromisoformat(points[-1].period)
    filled = []
    while day <= last:
        filled.append(found.get(day.isoformat(), TrendPoint(day.isoformat(), 0, 0, 0)))
        if interval == "day":
            day += dt.timedelta(days=1)
        elif interval == "week":
            day += dt.timedelta(days=7)
        else:
            day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return tuple(filled)


def empty_group(funnel: Funnel) -> FunnelGroup:
    """The stats of a funnel nobody entered."""
    return group_from_values(funnel, [0, *[0, None, None] * (len(funnel.steps) - 1)], 0)


StepRow = tuple[str, str | None, str | None, int, str, str, int, Any, Any, Any, Any]


def step_rows(results: Sequence[FunnelResult]) -> list[StepRow]:
    """One row per funnel, group and step: (funnel, breakdown, group, step number, name,
    event, customers, from_start, from_previous, median_seconds, mean_seconds); the
    whole funnel's rows have no breakdown and no group."""
    rows: list[StepRow] = []
    for result in results:
        groups = [(None, result.total), *((g.label, g) for g in result.groups)]
        for label, group in groups:
            for number, step in enumerate(group.steps, 1):
                rows.append(
                    (
                        result.funnel.id,
                        result.breakdown_by if label is not None else None,
                        label,
                        number,
                        step.name,
                        step.event,
                        step.customers,
                        step.from_start,
                        step.from_previous,
                        step.median_seconds,
                        step.mean_seconds,
                    )
                )
    return rows
