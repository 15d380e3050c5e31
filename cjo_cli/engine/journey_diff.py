"""Two versions of a journey replayed on the same log (`cjo diff`): per-step, per-send
and goal totals of each, and the customers whose path through it changed.

A customer's path is the steps visited, each with its time and, for a send step,
what became of the send (`sent`/`capped` and when), then each entry's exit reason;
two versions treat a customer alike when the paths are equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_stats import ReplayTotals
from cjo_cli.engine.simulate import simulate
from cjo_cli.model import Journey, Workspace
from cjo_cli.model.clock import utc_text


@dataclass
class Paths:
    """Each customer's path through the journey: the steps and sends, in order."""

    by_customer: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, replay: CustomerReplay) -> None:
        outcome: dict[tuple[int, str], list[str]] = {}
        for send in replay.sends:
            outcome.setdefault((send.entry, send.step), []).append(
                f"{send.status}@{utc_text(send.ts, '%m-%d %H:%M')}"
            )
        moves = []
        for visit in replay.visits:
            text = f"{visit.step}@{utc_text(visit.ts, '%Y-%m-%d %H:%M')}"
            done = outcome.get((visit.entry, visit.step))
            if done:
                text += f" ({done.pop(0)})"
            moves.append(text)
        moves += [f"exit:{e.exit_reason}" for e in replay.entries]
        if replay.entries:
            self.by_customer[replay.customer] = tuple(moves)


def side(totals: ReplayTotals, journey_id: str) -> dict[str, Any]:
    """One version's numbers, as the JSON of `cjo diff` shows them."""
    journey = totals.journeys[journey_id]
    return {
        "entered": journey.treated.entered,
        "converted": journey.treated.converted,
        "conversion_rate": journey.treated.rate,
        "exits": dict(journey.exits),
        "sends": {tp: send.sent for tp, send in journey.sends.items()},
        "steps": {
            step.id: {"unique": step.unique, "total": step.total} for step in journey.steps.values()
        },
    }


@dataclass(frozen=True)
class JourneyDiff:
    journey: str
    sides: tuple[dict[str, Any], dict[str, Any]]
    """The old and the new version's numbers (`side`)."""
    changed: tuple[str, ...]
    """Customers whose path differs, sorted."""
    paths: tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]

    def examples(self, show: int) -> list[dict[str, Any]]:
        """The first `show` changed customers with both paths."""
        old, new = self.paths
        return [
            {"customer_id": c, "old": list(old.get(c, ())), "new": list(new.get(c, ()))}
            for c in self.changed[:show]
        ]


def diff_versions(
    con: duckdb.DuckDBPyConnection, versions: Sequence[tuple[Workspace, Journey]]
) -> JourneyDiff:
    """Replay the old and the new version (each in its own workspace) on the log."""
    old_version, new_version = versions
    journey_id = old_version[1].id
    sides = []
    paths = []
    for ws, journey in (old_version, new_version):
        found = Paths()
        simulation = simulate(con, build_plan(ws, [journey]), on_customer=found.add)
        sides.append(side(simulation.totals, journey_id))
        paths.append(found.by_customer)
    old, new = paths
    changed = tuple(sorted(c for c in set(old) | set(new) if old.get(c) != new.get(c)))
    return JourneyDiff(journey_id, (sides[0], sides[1]), changed, (old, new))
