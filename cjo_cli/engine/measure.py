"""Funnels, journeys and maps measured together on one loaded log, for the commands
that show them side by side (`cjo map --log`, `cjo report --html`, `cjo demo`).

Each number comes from the same engine call as in `cjo report` and `cjo simulate`,
so a map's overlay, the HTML report and those commands always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import duckdb

from cjo_cli.engine.funnel_result import FunnelOptions, FunnelResult, prepare_funnels
from cjo_cli.engine.funnels import run_funnels
from cjo_cli.engine.map_overlay import (
    EntrantLog,
    MapOverlay,
    measure_map,
    needed_funnels,
    needed_journeys,
)
from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.simulate import Simulation, simulate
from cjo_cli.events.tables import log_customers, log_span
from cjo_cli.model import Funnel, Journey, JourneyMap, Workspace


@dataclass(frozen=True)
class Measured:
    funnels: dict[str, FunnelResult]
    """Every funnel measured, by id (the asked ones and the maps' KPI funnels)."""
    simulation: Simulation | None
    overlays: dict[str, MapOverlay]
    customers: int
    """Distinct customers in the log."""
    log_start: int | None
    log_end: int | None
    """The log's first and last event times (µs); None for an empty log."""
    notes: tuple[str, ...] = ()
    """What was changed in the funnels and why (see `prepare_funnels`)."""


def measure(
    con: duckdb.DuckDBPyConnection,
    ws: Workspace,
    funnels: Sequence[Funnel],
    journeys: Sequence[Journey],
    maps: Sequence[JourneyMap],
    options: FunnelOptions,
    *,
    keep_tables: bool = False,
    replay_progress: Callable[[int], None] | None = None,
) -> Measured:
    """Run the funnels, replay the journeys, and put the numbers on the maps: whatever a
    map needs (its KPI funnels, its stages' journeys) is measured too."""
    funnel_ids = dict.fromkeys(
        [f.id for f in funnels] + [f for m in maps for f in needed_funnels(m)]
    )
    journey_ids = dict.fromkeys(
        [j.id for j in journeys] + [j for m in maps for j in needed_journeys(m)]
    )
    if maps:
        # `reached` counts the customers of each funnel: the funnels keep them.
        options = replace(options, keep_customers=True)
    asked = {f.id for f in funnels}
    # A funnel measured only for a map needs its totals, not its breakdown.
    wanted = [
        ws.funnels[f] if f in asked else replace(ws.funnels[f], breakdown=None) for f in funnel_ids
    ]
    prepared = prepare_funnels(wanted, options)
    results = run_funnels(con, prepared.funnels, options)
    simulation = None
    if journey_ids:
        # Plan order is workspace order, as in `cjo simulate`, so totals are listed alike.
        plan = build_plan(ws, [j for j in ws.journeys.values() if j.id in journey_ids])
        entrants = EntrantLog()
        simulation = simulate(
            con,
            plan,
            keep_tables=keep_tables,
            on_customer=entrants.add,
            progress=replay_progress,
        )
        entrants.write(con)
        start, end = simulation.log_start, simulation.log_end
    else:
        start, end = log_span(con)
    by_id = {result.funnel.id: result for result in results}
    totals = simulation.totals if simulation is not None else None
    customers = log_customers(con)
    overlays = {m.id: measure_map(con, m, ws, by_id, totals, customers) for m in maps}
    return Measured(by_id, simulation, overlays, customers, start, end, prepared.notes)
