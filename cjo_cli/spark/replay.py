"""`cjo simulate` on Spark: the same state machine, run where the customers' rows are.

Spark filters the log to the event names the plan reads and brings each
customer's rows together in (ts, file, row) order. A Python task per partition
rebuilds the plan from the workspace, computes each row's filter bits with the
Python form of the condition language (`filters_match`, held equal to the SQL
`filters_sql` by tests), drops rows with no bit (as the DuckDB feed does), and
calls `engine.replay.replay_customer` customer by customer. Each task adds its
customers into a `ReplayTotals` and returns it; the driver merges them. One
engine, two executors: no journey rule is written twice.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cjo_cli.conditions.python import filters_match
from cjo_cli.engine.replay import replay_customer
from cjo_cli.engine.replay_plan import Plan, build_plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_stats import ReplayTotals
from cjo_cli.model import PropertyFilter, Workspace
from cjo_cli.spark.funnels import customer_groups, sorted_by_customer
from cjo_cli.spark.read import SparkLog

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

OUTPUT_SCHEMA = "kind string, customer string, payload binary"


@dataclass
class SparkSimulation:
    totals: ReplayTotals
    log_start: int | None
    log_end: int | None
    replays: dict[str, CustomerReplay] = field(default_factory=dict)
    """Each customer's replay, when asked for (the parity tests compare them)."""


class RowMasks:
    """Each row's filter bits, as `Plan.mask_sql` computes them in DuckDB."""

    def __init__(self, plan: Plan) -> None:
        self.by_event: dict[str, list[tuple[int, Sequence[PropertyFilter]]]] = {}
        for index, event_filter in enumerate(plan.filters):
            self.by_event.setdefault(event_filter.event, []).append(
                (1 << index, event_filter.where)
            )

    def mask(self, event: str, properties: str | None) -> int:
        found = 0
        parsed: Mapping[str, Any] | None = None
        for bit, where in self.by_event.get(event, ()):
            if where:
                if parsed is None:
                    value = json.loads(properties or "{}")
                    parsed = value if isinstance(value, dict) else {}
                if not filters_match(parsed, where):
                    continue
            found |= bit
        return found


def simulate(
    log: SparkLog,
    ws: Workspace,
    journey_ids: Sequence[str],
    traits: Mapping[str, dict[str, Any]] | None = None,
    keep_replays: bool = False,
) -> SparkSimulation:
    """Replay `journey_ids` over the log on Spark; totals as `engine.simulate.simulate`."""
    plan = build_plan(ws, [ws.journeys[j] for j in journey_ids])
    start, end = log.span()
    span = end - start if start is not None and end is not None else 0
    result = SparkSimulation(ReplayTotals(plan, span), start, end)
    if start is None or end is None or not (plan.filters or plan.audiences):
        return result
    log_start = start
    ids = list(journey_ids)
    people = dict(traits or {})
    log_end = end

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        worker_plan = build_plan(ws, [ws.journeys[j] for j in ids]).scheduled(log_start, log_end)
        audiences = bool(worker_plan.audiences)
        masks = RowMasks(worker_plan)
        reads_properties = set(worker_plan.property_events())
        totals = ReplayTotals(worker_plan)
        kinds: list[str] = []
        customers: list[str] = []
        payloads: list[bytes] = []
        for customer, rows in customer_groups(batches):
            times: list[int] = []
            bits: list[int] = []
            props: list[str | None] = []
            names: list[str | None] = []
            if audiences:  # known from its first row: as the DuckDB feed's row of no events
                times, bits, props, names = [rows[0][0]], [0], [None], [None]
            for t, name, p in rows:
                if name is None:  # a customers-file row (see `known_customers`)
                    continue
                mask = masks.mask(name, p)
                if not mask:
                    continue
                times.append(t)
                bits.append(mask)
                props.append(p if name in reads_properties else None)
                names.append(name)
            if not times:
                continue
            replay = replay_customer(
                worker_plan, customer, times, bits, props, names, log_end, people.get(customer)
            )
            totals.add(replay, len(times) - audiences)
            if keep_replays:
                kinds.append("replay")
                customers.append(customer)
                payloads.append(pickle.dumps(replay))
        kinds.append("totals")
        customers.append("")
        payloads.append(pickle.dumps(totals))
        yield pa.RecordBatch.from_pydict(
            {"kind": kinds, "customer": customers, "payload": payloads},
            schema=pa.schema(
                [("kind", pa.string()), ("customer", pa.string()), ("payload", pa.binary())]
            ),
        )

    if plan.audiences:
        # An audience checks every known customer: all of the log's, from their first row,
        # and the customers file's, from the log's start (rows of no event).
        rows = known_customers(log, people, log_start)
        found = sorted_by_customer(rows, None).mapInArrow(run, OUTPUT_SCHEMA)
    else:
        found = sorted_by_customer(log.events, set(plan.event_names())).mapInArrow(
            run, OUTPUT_SCHEMA
        )
    for row in found.collect():
        payload = pickle.loads(row["payload"])
        if row["kind"] == "totals":
            result.totals.merge(payload)
        else:
            result.replays[row["customer"]] = payload
    return result


def known_customers(log: SparkLog, people: Mapping[str, Any], log_start: int) -> DataFrame:
    """The log's rows, and a row of no event at the log's start for each customer of the
    customers file."""
    events = log.events.select("customer_id", "t", "event", "properties", "file", "row")
    if not people:
        return events
    schema = events.schema
    listed = log.events.sparkSession.createDataFrame(
        [(customer, log_start, None, None, None, -1) for customer in sorted(people)], schema
    )
    return events.unionByName(listed)
