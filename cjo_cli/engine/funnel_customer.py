"""One customer's counted funnel attempt from their raw events, in Python (docs/funnels.md).

The DuckDB engine (`funnels.py`) matches steps in SQL and hands the exact path
(`funnel_exact`) the matched instants. An executor that has the customer's rows
but no DuckDB (Spark, one customer group at a time) uses this module instead:
the same definitions, evaluated in Python with the Python form of the condition
language (`conditions.holds`/`filters_match`, held equal to the SQL by tests),
and the same `funnel_exact` attempt functions, so both engines count alike:

- a row matches step i when its event and `where` match (those of any alternative
  of an `any` step); step 1 (any step of an
  unordered funnel) also needs the funnel's persona segment to hold as of the row
  (history: the customer's events at or before it, over the whole log);
- `--since/--until` slice the step rows, the exclusion events and, for strict
  funnels, the events that decide adjacency; not the persona's history;
- the instants are the distinct times of matching rows, ascending, each with its
  rows' step masks in ascending order;
- exclusions and the breakdown value follow `funnel_sql._apply_exclusions` (with
  `funnel_clean`'s preference for an attempt no exclusion removes) and
  `funnel_sql.breakdown_values`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cjo_cli.conditions.python import HistoryEvent, Moment, filters_match, holds
from cjo_cli.engine.funnel_exact import ATTEMPTS, Barrier, Instant, clean_attempt
from cjo_cli.engine.funnel_result import NONE_LABEL, step_of
from cjo_cli.model import Funnel, Persona
from cjo_cli.model.clock import SECOND
from cjo_cli.model.conditions import EventCondition, leaves


@dataclass(frozen=True)
class EventRow:
    """One event of the customer: time in µs (UTC), name, properties as JSON text."""

    ts: int
    event: str
    properties: str


@dataclass(frozen=True)
class Attempt:
    level: int
    times: tuple[int | None, ...]
    """One per funnel step; None past the level reached."""
    excluded: bool
    value: str | None
    """The breakdown property's value (property breakdowns only)."""


def json_text_value(value: Any) -> str | None:
    """A property as a breakdown label (`funnel_sql.breakdown_label_sql`): strings bare,
    null as None, a float in its shortest form (`1e+16`), anything else as compact JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class FunnelProgram:
    """Everything needed to count one funnel for one customer at a time."""

    def __init__(
        self,
        funnel: Funnel,
        persona: Persona | None,
        since_us: int | None = None,
        until_us: int | None = None,
        breakdown_key: str | None = None,
        attribution: str = "first_touch",
        only_value: str | None = None,
    ) -> None:
        """`only_value`: for an `all_steps` breakdown, which a customer counts in once per
        value, the program of one value: only the events whose breakdown label (NONE_LABEL
        when absent) it is fill steps (`values` lists a customer's)."""
        if attribution == "all_steps" and (breakdown_key is None or only_value is None):
            # One attempt per customer cannot hold a group per value: an executor that
            # does not know this must fail rather than count the wrong groups.
            raise ValueError("an all_steps breakdown needs one FunnelProgram per value")
        self.only_value = only_value
        self.funnel = funnel
        self.segment = persona.segment if persona is not None else None
        self.since_us = since_us
        self.until_us = until_us
        self.breakdown_key = breakdown_key
        self.attribution = attribution
        self.steps = len(funnel.steps)
        self.window = funnel.window.seconds * SECOND
        self.attempt_of = ATTEMPTS[funnel.order]

    def event_names(self) -> set[str] | None:
        """The events this funnel reads (None: all of them, for strict adjacency)."""
        if self.funnel.order == "strict":
            return None
        names = {spec.event for step in self.funnel.steps for spec in step.alternatives}
        names |= {exclusion.event.event for exclusion in self.funnel.exclusions}
        if self.segment is not None:
            names |= {
                leaf.event for leaf in leaves(self.segment) if isinstance(leaf, EventCondition)
            }
        return names

    def _label(self, properties: Mapping[str, Any]) -> str:
        value = json_text_value(properties.get(self.breakdown_key or ""))
        return NONE_LABEL if value is None else value

    def values(self, rows: Sequence[EventRow]) -> list[str]:
        """The breakdown labels of the customer's rows that match some step, sorted: the
        `all_steps` groups they may count in."""
        found = set()
        for row in rows:
            if not self._in_slice(row.ts):
                continue
            value = json.loads(row.properties or "{}")
            properties = value if isinstance(value, dict) else {}
            if any(
                spec.event == row.event and filters_match(properties, spec.where)
                for step in self.funnel.steps
                for spec in step.alternatives
            ):
                found.add(self._label(properties))
        return sorted(found)

    def _in_slice(self, ts: int) -> bool:
        return (self.since_us is None or ts >= self.since_us) and (
            self.until_us is None or ts < self.until_us
        )

    def attempt(
        self, rows: Sequence[EventRow], traits: Mapping[str, Any] | None = None
    ) -> Attempt | None:
        """The counted attempt of a customer whose events (any order) are `rows`;
        None when the customer never entered the funnel."""
        funnel = self.funnel
        parsed: dict[int, Mapping[str, Any]] = {}

        def props(index: int) -> Mapping[str, Any]:
            found = parsed.get(index)
            if found is None:
                value = json.loads(rows[index].properties or "{}")
                found = value if isinstance(value, dict) else {}
                parsed[index] = found
            return found

        history: list[HistoryEvent] | None = None
        persona_seen: dict[tuple[int, str], bool] = {}

        def persona_holds(index: int) -> bool:
            nonlocal history
            if self.segment is None:
                return True
            row = rows[index]
            key = (row.ts, row.properties)
            if key not in persona_seen:
                if history is None:
                    history = [HistoryEvent(r.event, r.ts, props(i)) for i, r in enumerate(rows)]
                moment = Moment(row.ts, props(index), traits or {}, history)
                persona_seen[key] = holds(self.segment, moment)
            return persona_seen[key]

        matched: list[tuple[int, int, int]] = []  # (ts, mask, row index)
        for index, row in enumerate(rows):
            if not self._in_slice(row.ts):
                continue
            if self.only_value is not None and self._label(props(index)) != self.only_value:
                continue
            mask = 0
            for number, step in enumerate(funnel.steps):
                if not any(
                    spec.event == row.event and filters_match(props(index), spec.where)
                    for spec in step.alternatives
                ):
                    continue
                first = number == 0 or funnel.order == "unordered"
                if first and not persona_holds(index):
                    continue
                mask |= 1 << number
            if mask:
                matched.append((row.ts, mask, index))
        if not matched:
            return None
        matched.sort()
        ranks: dict[int, int] = {}
        if funnel.order == "strict":
            distinct = sorted({row.ts for row in rows if self._in_slice(row.ts)})
            ranks = {ts: rank for rank, ts in enumerate(distinct, 1)}
        instants: list[Instant] = []
        position = 0
        while position < len(matched):
            ts = matched[position][0]
            masks = []
            while position < len(matched) and matched[position][0] == ts:
                masks.append(matched[position][1])
                position += 1
            instants.append(Instant(ts, tuple(masks), ranks.get(ts, 0)))
        found = self.attempt_of(instants, self.steps, self.window)
        if not found:
            return None
        level = len(found)
        excluded = self._excluded(rows, props, level, found)
        if excluded:
            # Another attempt of the same level that no exclusion removes counts instead.
            clean = clean_attempt(
                instants, self.steps, self.window, funnel.order, level, self._barriers(rows, props)
            )
            if clean is not None:
                found, excluded = clean, False
        times: tuple[int | None, ...] = (*found, *([None] * (self.steps - level)))
        value = self._value(rows, props, matched, level, found)
        return Attempt(level, times, excluded, value)

    def _barriers(self, rows: Sequence[EventRow], props: Any) -> list[Barrier]:
        """Each exclusion with the times of the customer's events it matches."""
        return [
            Barrier(
                exclusion.first_step,
                exclusion.last_step,
                tuple(
                    sorted(
                        row.ts
                        for index, row in enumerate(rows)
                        if row.event == exclusion.event.event
                        and self._in_slice(row.ts)
                        and filters_match(props(index), exclusion.event.where)
                    )
                ),
            )
            for exclusion in self.funnel.exclusions
        ]

    def _excluded(
        self,
        rows: Sequence[EventRow],
        props: Any,
        level: int,
        found: Sequence[int],
    ) -> bool:
        for exclusion in self.funnel.exclusions:
            first, last = exclusion.first_step, exclusion.last_step
            if level < first:
                continue
            start = found[first - 1]
            end = found[last - 1] if level >= last else found[0] + self.window
            for index, row in enumerate(rows):
                if (
                    row.event == exclusion.event.event
                    and self._in_slice(row.ts)
                    and start < row.ts < end
                    and filters_match(props(index), exclusion.event.where)
                ):
                    return True
        return False

    def _value(
        self,
        rows: Sequence[EventRow],
        props: Any,
        matched: Sequence[tuple[int, int, int]],
        level: int,
        found: Sequence[int],
    ) -> str | None:
        if self.breakdown_key is None:
            return None
        chosen = step_of(self.attribution)
        numbers = [chosen] if chosen is not None else list(range(1, level + 1))
        if self.attribution == "last_touch":
            numbers.reverse()
        unordered = self.funnel.order == "unordered"
        for step in numbers:
            if step > level:
                return None
            at = found[step - 1]
            # Several events at that instant could fill the step: the smallest value.
            values = [
                json_text_value(props(index).get(self.breakdown_key))
                for ts, mask, index in matched
                if ts == at and (unordered or mask >> (step - 1) & 1)
            ]
            present = [value for value in values if value is not None]
            if present:
                return min(present)
        return None
