"""The measured numbers a journey map shows when a log is given (`cjo map --log`).

Per phase (a stage of the map):

- `reached`: distinct customers who started one of the stage's KPI funnels (counted
  as `cjo report` counts step 1: after the funnel's persona and exclusions) or
  entered one of the stage's journeys in the replay (treated or holdout). None when
  the stage names no KPI funnel and no journey: nothing in the log says who is there.
- each KPI funnel's conversion, first step to last, exactly as `cjo report` prints it;
- each journey's entered / converted and holdout, exactly as `cjo simulate` prints it;
- the biggest exit point: of the stage's funnel transitions (customers at step n who
  did not reach step n+1) and journey steps (entries ended there by an exit event),
  the one that loses the most customers.

Nothing here reads the log again except the one `reached` query per stage, over the
`funnel_customers` table the funnels kept and the `journey_entrants` table built
from the replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

import duckdb
import pyarrow as pa

from cjo_cli.engine.effects import Effect
from cjo_cli.engine.funnel_result import FunnelResult
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_stats import ReplayTotals
from cjo_cli.model import JourneyMap, Workspace

ENTRANTS_TABLE = "journey_entrants"


@dataclass(frozen=True)
class KpiMeasure:
    funnel: str
    label: str
    started: int
    """Customers at the funnel's first step."""
    completed: int
    """Customers at its last step."""
    target_percent: float | None = None

    @property
    def rate(self) -> float | None:
        return self.completed / self.started if self.started else None

    @property
    def met(self) -> bool | None:
        """Whether the conversion reaches the KPI's target (None without a target or data)."""
        if self.target_percent is None or self.rate is None:
            return None
        return self.rate * 100 >= self.target_percent


@dataclass(frozen=True)
class JourneyMeasure:
    journey: str
    name: str
    entered: int
    converted: int
    holdout_entered: int
    holdout_converted: int | None
    """None unless the log records the journey's run: a simulated holdout measures nothing."""
    effect: Effect | None
    """Measured only when the log records the journey's run (`assignment`)."""

    @property
    def rate(self) -> float | None:
        return self.converted / self.entered if self.entered else None

    @property
    def holdout_rate(self) -> float | None:
        if self.holdout_converted is None or not self.holdout_entered:
            return None
        return self.holdout_converted / self.holdout_entered


@dataclass(frozen=True)
class ExitPoint:
    where: str
    """E.g. `購入ファネル: カート追加 → 購入手続き` or `カゴ落ちリマインド: step wait_open`."""
    lost: int
    of: int
    """Customers (funnels) or entries (journeys) that were there."""

    @property
    def share(self) -> float:
        return self.lost / self.of if self.of else 0.0


@dataclass(frozen=True)
class PhaseMeasure:
    phase: str
    reached: int | None
    kpis: tuple[KpiMeasure, ...] = ()
    journeys: tuple[JourneyMeasure, ...] = ()
    biggest_exit: ExitPoint | None = None


@dataclass(frozen=True)
class MapOverlay:
    map_id: str
    customers: int
    """Distinct customers in the log."""
    phases: Mapping[str, PhaseMeasure]

    @property
    def biggest_exit(self) -> tuple[str, ExitPoint] | None:
        """Where the map loses the most customers: (phase id, exit point)."""
        found = [(p.phase, p.biggest_exit) for p in self.phases.values() if p.biggest_exit]
        if not found:
            return None
        return max(found, key=lambda item: item[1].lost)


class EntrantLog:
    """Who entered which journey, collected from the replay (`on_customer`)."""

    def __init__(self) -> None:
        self.journeys: list[str] = []
        self.customers: list[str] = []

    def add(self, replay: CustomerReplay) -> None:
        for journey in {record.journey for record in replay.entries}:
            self.journeys.append(journey)
            self.customers.append(replay.customer)

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        """The table `journey_entrants(journey, customer_id)`, one row per pair."""
        table = pa.table(
            {"journey": pa.array(self.journeys, pa.string()), "customer_id": self.customers},
            schema=pa.schema([("journey", pa.string()), ("customer_id", pa.string())]),
        )
        con.register("cjo_entrants_arrow", table)
        try:
            con.execute(
                f"CREATE OR REPLACE TABLE {ENTRANTS_TABLE} AS SELECT * FROM cjo_entrants_arrow"
            )
        finally:
            con.unregister("cjo_entrants_arrow")


def needed_funnels(jmap: JourneyMap) -> list[str]:
    """The KPI funnels of the map's stages, each once, in stage order."""
    return list(dict.fromkeys(kpi.funnel for stage in jmap.stages.values() for kpi in stage.kpis))


def needed_journeys(jmap: JourneyMap) -> list[str]:
    return list(dict.fromkeys(j for stage in jmap.stages.values() for j in stage.journeys))


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()
    return bool(rows[0][0])


def _reached(
    con: duckdb.DuckDBPyConnection, funnels: Iterable[str], journeys: Iterable[str]
) -> int | None:
    funnel_ids, journey_ids = list(funnels), list(journeys)
    parts, params = [], []
    if funnel_ids and _table_exists(con, "funnel_customers"):
        marks = ", ".join("?" for _ in funnel_ids)
        parts.append(
            f"SELECT customer_id FROM funnel_customers WHERE funnel IN ({marks}) "
            "AND NOT excluded AND level >= 1"
        )
        params += funnel_ids
    if journey_ids and _table_exists(con, ENTRANTS_TABLE):
        marks = ", ".join("?" for _ in journey_ids)
        parts.append(f"SELECT customer_id FROM {ENTRANTS_TABLE} WHERE journey IN ({marks})")
        params += journey_ids
    if not parts:
        return None
    union = " UNION ALL ".join(parts)
    ((count,),) = con.execute(
        f"SELECT count(DISTINCT customer_id) FROM ({union})", params
    ).fetchall()
    return int(count)


def _funnel_exits(result: FunnelResult) -> list[ExitPoint]:
    steps = result.total.steps
    return [
        ExitPoint(
            f"{result.funnel.name}: {before.name} → {after.name}",
            before.customers - after.customers,
            before.customers,
        )
        for before, after in pairwise(steps)
    ]


def _journey_exits(ws: Workspace, journey_id: str, totals: ReplayTotals) -> list[ExitPoint]:
    journey = ws.journeys[journey_id]
    found = []
    for step in totals.journeys[journey_id].steps.values():
        if step.drop_off:
            found.append(
                ExitPoint(f"{journey.name}: step {step.id} (exit event)", step.drop_off, step.total)
            )
    return found


def measure_map(
    con: duckdb.DuckDBPyConnection,
    jmap: JourneyMap,
    ws: Workspace,
    funnels: Mapping[str, FunnelResult],
    totals: ReplayTotals | None,
    customers: int,
) -> MapOverlay:
    """The overlay of one map. `funnels` must hold every KPI funnel of the map and
    `totals` every journey of its stages (see `needed_funnels`, `needed_journeys`);
    `customers` is the log's (`log_customers`)."""
    phases: dict[str, PhaseMeasure] = {}
    for phase_id, stage in jmap.stages.items():
        kpis = []
        exits: list[ExitPoint] = []
        for ref in stage.kpis:
            result = funnels[ref.funnel]
            funnel = result.funnel
            steps = result.total.steps
            label = ref.name or (funnel.kpi.name if funnel.kpi else "") or funnel.name
            target = funnel.kpi.target_percent if funnel.kpi else None
            first, last = steps[0].customers, steps[-1].customers
            kpis.append(KpiMeasure(funnel.id, label, first, last, target))
            exits += _funnel_exits(result)
        journeys = []
        for journey_id in stage.journeys if totals is not None else ():
            assert totals is not None
            journey_totals = totals.journeys[journey_id]
            treated, holdout = journey_totals.treated, journey_totals.holdout
            journeys.append(
                JourneyMeasure(
                    journey_id,
                    ws.journeys[journey_id].name,
                    treated.entered,
                    treated.converted,
                    holdout.entered,
                    holdout.converted if journey_totals.recorded else None,
                    journey_totals.effect(),
                )
            )
            exits += _journey_exits(ws, journey_id, totals)
        worst = max(exits, key=lambda point: point.lost) if exits else None
        phases[phase_id] = PhaseMeasure(
            phase_id,
            _reached(con, (k.funnel for k in kpis), (j.journey for j in journeys)),
            tuple(kpis),
            tuple(journeys),
            worst if worst is not None and worst.lost > 0 else None,
        )
    return MapOverlay(jmap.id, customers, phases)
