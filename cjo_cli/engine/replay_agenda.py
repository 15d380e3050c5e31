"""A customer's agenda of scheduled audience checks (docs/replay.md, "Audience entry").

Each journey that enters on a schedule has the same instants for every customer
(`Plan.scheduled`); a customer's agenda holds, per such journey, the next instant
at or after the moment the customer became known. The replay asks it for the next
due check and takes them in (instant, send priority) order, like timers.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence

from cjo_cli.engine.replay_plan import PlanJourney
from cjo_cli.engine.replay_records import NEVER


class Agenda:
    def __init__(
        self,
        journeys: Sequence[tuple[PlanJourney, tuple[int, ...]]],
        known_from: int,
        after: Mapping[str, int] | None = None,
    ) -> None:
        """`journeys`: each audience journey with its instants for this customer. `after`:
        per journey, a time up to which no check can hold (its first instant is later)."""
        # (next instant, rank, journey, index of that instant): a short list (one item per
        # audience journey), so a linear scan beats a heap.
        self.items: list[tuple[int, int, PlanJourney, int]] = []
        self.instants = {journey.id: instants for journey, instants in journeys}
        for journey, instants in journeys:
            index = bisect_left(instants, known_from)
            if after is not None and journey.id in after:
                index = max(index, bisect_right(instants, after[journey.id]))
            if index < len(instants):
                self.items.append((instants[index], journey.rank, journey, index))
        self.due = self._earliest()
        """The next check's instant (NEVER: none left)."""

    def _earliest(self) -> int:
        return min((item[0] for item in self.items), default=NEVER)

    def first(self, until: int) -> tuple[int, int, PlanJourney] | None:
        """The earliest check due at or before `until` (lowest rank first at one instant),
        as (instant, rank, journey), or None."""
        due = [item for item in self.items if item[0] <= until]
        if not due:
            return None
        instant, rank, journey, _ = min(due, key=lambda item: (item[0], item[1]))
        return instant, rank, journey

    def done(self, journey: PlanJourney) -> None:
        """The journey's current check is taken: move on to its next instant."""
        for position, (_, rank, item_journey, index) in enumerate(self.items):
            if item_journey is journey:
                following = index + 1
                instants = self.instants[journey.id]
                if following < len(instants):
                    self.items[position] = (instants[following], rank, journey, following)
                else:
                    del self.items[position]
                self.due = self._earliest()
                return
