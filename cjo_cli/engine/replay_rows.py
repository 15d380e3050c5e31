"""The reduced log's rows as plain Python lists: one customer's (`CustomerRows`), or a
run of whole customers (`Rows`, what a replay worker process gets).

Nothing here imports DuckDB or Arrow (`replay_feed` turns Arrow batches into these),
so a worker process that only replays loads neither.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cjo_cli.engine.replay import replay_customer
from cjo_cli.engine.replay_plan import Plan
from cjo_cli.engine.replay_records import CustomerReplay


@dataclass(frozen=True)
class CustomerRows:
    customer: str
    times: list[int]
    masks: list[int]
    """The filter bits of each row; 0 for the row of no events that says since when an
    audience journey knows the customer (only when some journey enters on a schedule)."""
    properties: list[Any]

    @property
    def events(self) -> int:
        """How many of the rows are the log's events (every one has a bit)."""
        return len(self.masks) - self.masks.count(0)

    def names(self, plan: Plan) -> list[str | None]:
        """The event of each row (None for the row of no events), for the trace: the
        feed does not carry it, every bit of a row names the row's event."""
        return [plan.event_of(mask) for mask in self.masks]

    def replay(
        self,
        plan: Plan,
        log_end: int,
        traits: Mapping[str, dict[str, Any]],
        explain: bool = False,
    ) -> CustomerReplay:
        """This customer's replay through the plan (`replay.replay_customer`)."""
        return replay_customer(
            plan,
            self.customer,
            self.times,
            self.masks,
            self.properties,
            self.names(plan) if explain else [],
            log_end,
            traits.get(self.customer),
            explain,
        )


@dataclass(frozen=True)
class Rows:
    """Rows of the reduced log sorted by customer, column by column, and where each
    customer's rows start."""

    customers: list[str]
    starts: list[int]
    """The first row of each customer, in `customers` order."""
    times: list[int]
    masks: list[int]
    properties: list[Any]

    def __len__(self) -> int:
        return len(self.times)

    def split(self) -> Iterator[CustomerRows]:
        """Each customer's rows, in order."""
        ends = [*self.starts[1:], len(self.times)] if self.starts else []
        for customer, start, end in zip(self.customers, self.starts, ends, strict=True):
            yield CustomerRows(
                customer,
                self.times[start:end],
                self.masks[start:end],
                self.properties[start:end],
            )
