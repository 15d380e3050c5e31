"""Measure funnels, journeys and maps on one loaded log, for the commands that show
them together (`cjo map --log`, `cjo report --html`, `cjo demo`).

Each number comes from the same engine call as in `cjo report` and `cjo simulate`,
so a map's overlay, the HTML report and those commands always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    import duckdb

    from cjo_cli.engine.funnels import FunnelOptions, FunnelResult
    from cjo_cli.engine.map_overlay import MapOverlay
    from cjo_cli.engine.simulate import Simulation
    from cjo_cli.model import Funnel, Journey, JourneyMap, Workspace


@dataclass
class Measured:
    funnels: dict[str, FunnelResult]
    """Every funnel measured, by id (the asked ones and the maps' KPI funnels)."""
    simulation: Simulation | None
    overlays: dict[str, MapOverlay]
    customers: int
    """Distinct customers in the log."""


def without_variant_breakdowns(
    funnels: Sequence[Funnel], options: FunnelOptions, err: Console
) -> list[Funnel]:
    """The funnels as a report can compute them: a breakdown by A/B variant comes from
    the replay, so it is dropped with a note."""
    prepared = []
    for funnel in funnels:
        variant = funnel.breakdown is not None and funnel.breakdown.by == "variant"
        if options.breakdown is None and variant:
            err.print(
                f"[yellow]{funnel.id}: a breakdown by A/B variant comes from the journey "
                "replay; `cjo simulate` shows conversion per variant. Showing the funnel "
                "without it[/]"
            )
            funnel = replace(funnel, breakdown=None)
        prepared.append(funnel)
    return prepared


def run_funnels(
    con: duckdb.DuckDBPyConnection,
    funnels: Sequence[Funnel],
    options: FunnelOptions,
    err: Console,
) -> list[FunnelResult]:
    """`run_funnel` for each, after `without_variant_breakdowns`."""
    from cjo_cli.engine.funnels import run_funnel

    return [run_funnel(con, f, options) for f in without_variant_breakdowns(funnels, options, err)]


def measure(
    con: duckdb.DuckDBPyConnection,
    ws: Workspace,
    funnels: Sequence[Funnel],
    journeys: Sequence[Journey],
    maps: Sequence[JourneyMap],
    options: FunnelOptions,
    *,
    keep_tables: bool = False,
    quiet: bool = False,
) -> Measured:
    """Run the funnels, replay the journeys, and put the numbers on the maps: whatever a
    map needs (its KPI funnels, its stages' journeys) is measured too."""
    from cjo_cli.cli.simulate_cmd import run_replay
    from cjo_cli.engine.map_overlay import (
        EntrantLog,
        log_customers,
        measure_map,
        needed_funnels,
        needed_journeys,
    )
    from cjo_cli.engine.replay_plan import build_plan

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
    results = run_funnels(con, wanted, options, Console(stderr=True, quiet=quiet))
    simulation = None
    if journey_ids:
        # Plan order is workspace order, as in `cjo simulate`, so totals are listed alike.
        plan = build_plan(ws, [j for j in ws.journeys.values() if j.id in journey_ids])
        entrants = EntrantLog()
        simulation = run_replay(con, plan, keep_tables, quiet, on_customer=entrants.add)
        entrants.write(con)
    by_id = {result.funnel.id: result for result in results}
    totals = simulation.totals if simulation is not None else None
    customers = log_customers(con)
    overlays = {m.id: measure_map(con, m, ws, by_id, totals, customers) for m in maps}
    return Measured(by_id, simulation, overlays, customers)
