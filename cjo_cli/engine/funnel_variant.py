"""A funnel broken down by a journey's A/B variant (`--by variant`, `breakdown: {variant: J}`).

The log does not say which variant a customer got; the journey replay does
(docs/replay.md): each customer's variant is the one of their first entry into the
journey that reached its `ab` step, `(none)` for customers who never got one. The
variants are loaded as a customer → group table and the funnel is broken down by it
like by a property (`funnels`), a group per variant.

Without `variant_from` the replay hashes the variant: it is a prediction of what the
journey would assign, not what the customer saw; with it, the variant is the one the
log records. `VariantGroups.assignment` says which, and the report shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import duckdb

from cjo_cli.engine.funnel_result import (
    RECORDED,
    SIMULATED,
    FunnelOptions,
    FunnelResult,
    VariantGroups,
    parse_breakdown,
)
from cjo_cli.model import Funnel, Journey, Workspace

if TYPE_CHECKING:
    from cjo_cli.engine.replay_records import CustomerReplay


def assignment_of(journey: Journey) -> str:
    """RECORDED when every `ab` step of the journey reads the variant from the log."""
    steps = list(journey.ab_steps())
    recorded = bool(steps) and all(step.variant_from is not None for step in steps)
    return RECORDED if recorded else SIMULATED


def replay_variants(
    con: duckdb.DuckDBPyConnection, ws: Workspace, journey: Journey
) -> VariantGroups:
    """Replay `journey` over the `events` of `con`: each customer's variant."""
    # The replay is imported only when a breakdown asks for it (0.1 s of every report).
    from cjo_cli.engine.replay_plan import build_plan
    from cjo_cli.engine.simulate import simulate

    found: dict[str, str] = {}

    def keep(replay: CustomerReplay) -> None:
        entries = sorted(
            (e for e in replay.entries if e.journey == journey.id and e.variant is not None),
            key=lambda entry: entry.entry,
        )
        if entries and entries[0].variant is not None:
            found[replay.customer] = entries[0].variant

    simulate(con, build_plan(ws, [journey]), on_customer=keep)
    return VariantGroups(journey.id, found, assignment_of(journey))


def variant_journey(funnel: Funnel, options: FunnelOptions, ws: Workspace) -> str | None:
    """The journey whose variants break `funnel` down, None when the breakdown is not by
    variant. ValueError when `--by variant` names none and the workspace has no single
    journey with an `ab` step, or names one that does not exist or has no `ab` step."""
    choice = parse_breakdown(funnel, options)
    if choice is None or choice.by != "variant":
        return None
    journey_id = choice.key
    if journey_id is None and funnel.breakdown is not None and funnel.breakdown.by == "variant":
        journey_id = funnel.breakdown.journey
    if journey_id is None:
        with_ab = [j.id for j in ws.journeys.values() if any(True for _ in j.ab_steps())]
        if len(with_ab) != 1:
            which = ", ".join(sorted(with_ab)) or "none"
            raise ValueError(
                f"name the journey: variant:JOURNEY_ID (journeys with an ab step: {which})"
            )
        journey_id = with_ab[0]
    journey = ws.journeys.get(journey_id)
    if journey is None or not any(True for _ in journey.ab_steps()):
        raise ValueError(f"journey {journey_id!r} does not exist or has no ab step")
    return journey_id


def with_variants(
    con: duckdb.DuckDBPyConnection,
    ws: Workspace,
    funnels: Sequence[Funnel],
    options: FunnelOptions,
) -> FunnelOptions:
    """`options` with the variant groups every funnel's breakdown needs, each journey
    replayed once. ValueError as `variant_journey`."""
    wanted = {journey for f in funnels if (journey := variant_journey(f, options, ws))}
    groups = dict(options.variants)
    for journey_id in sorted(wanted - set(groups)):
        groups[journey_id] = replay_variants(con, ws, ws.journeys[journey_id])
    return replace(options, variants=groups)


def assignment_note(result: FunnelResult) -> str | None:
    """What the variants of a variant breakdown are, in docs/replay.md's words; None for
    any other breakdown."""
    if result.assignment == SIMULATED:
        return (
            "variants simulated: a stable hash of journey, customer and seed, as the replay "
            "assigns them; predictions, not what the customers got"
        )
    if result.assignment == RECORDED:
        return "variants recorded: the ones the log records (the ab step's variant_from)"
    return None
