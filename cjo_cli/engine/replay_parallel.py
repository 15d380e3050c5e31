"""The replay on several cores: chunks of whole customers replayed in worker processes.

The parent streams the reduced log from DuckDB as the serial replay does (Arrow
batches sorted by customer), cuts it into chunks of whole customers
(`replay_feed.customer_chunks`) and hands each chunk, as plain lists
(`replay_rows.Rows`), to a worker, which replays its customers with
`replay_customer` and counts them in totals of its own. The
parent adds the chunks' totals up in chunk order, so the result is the serial
replay's, number for number: every count is a sum over customers, keyed counts
meet their keys in the same order, and revenue is summed exactly.

Workers start from a fresh interpreter (forkserver, or spawn where there is no
fork): the parent's DuckDB and Arrow threads are never copied into them, and they
import neither (this module loads them only in the parent), which keeps each worker
and the fork server small: a replay on several cores should take no more memory than
on one. A plan's
conditions are closures, which pickle cannot carry, so each worker compiles the
plan again from the workspace, as the Spark executors do. A plan that limits its
send rate couples all customers in one time order and is never split (see
`simulate._replays`).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cjo_cli.engine.replay_plan import Plan, build_plan
from cjo_cli.engine.replay_rows import Rows
from cjo_cli.engine.replay_stats import ReplayTotals
from cjo_cli.errors import InputError
from cjo_cli.model import Workspace

if TYPE_CHECKING:  # the parent's alone: a worker imports neither Arrow nor DuckDB
    import pyarrow as pa

PARALLEL_MIN_ROWS = 200_000
"""Below this many log rows one process replays faster than starting others."""

MAX_WORKERS = 8
CHUNK_ROWS = 16_384
"""Rows a worker gets at once: small enough that the workers finish close together."""
IN_FLIGHT_PER_WORKER = 2
"""Chunks queued per worker: enough to keep each busy, few enough to bound memory."""


def available_cores() -> int:
    """The cores this process may run on (a `taskset` or container limit counts)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class Workers:
    """What a worker needs to compile the parent's plan, and how many workers to run."""

    ws: Workspace
    journey_ids: tuple[str, ...]
    """The journeys in the order the parent's plan was built from."""
    processes: int
    chunk_rows: int = CHUNK_ROWS
    """About how many rows a worker gets at once (whole customers)."""


def replay_in_workers(
    workers: Workers,
    plan: Plan,
    feed: Callable[[], tuple[Iterable[pa.RecordBatch], int] | None],
    log_end: int,
    traits: Mapping[str, dict[str, Any]],
    totals: ReplayTotals,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Replay the reduced log's customers on `workers.processes` processes into `totals`.
    `plan` is the parent's, scheduled over the log's span (the workers check theirs
    against its journeys). `feed` starts the reduced log (`replay_feed.reduced_log`): its
    batches and how many mask columns they have, or None. The workers start first, and
    compile their plans while DuckDB sorts."""
    import pyarrow as pa

    from cjo_cli.engine.replay_feed import batch_rows, customer_chunks

    assert plan.span is not None or not plan.audiences
    order = tuple(journey.id for journey in plan.journeys)
    context = _context()
    pool = ProcessPoolExecutor(
        workers.processes,
        context,
        initializer=_start_worker,
        initargs=(workers.ws, workers.journey_ids, order, plan.span, log_end),
    )
    pending: deque[Future[ReplayTotals]] = deque()
    for _ in range(workers.processes):  # each submit starts a process, until all are
        pool.submit(_ready)

    def merge_oldest() -> None:
        totals.merge(pending.popleft().result())
        if progress is not None:
            progress(totals.events)

    try:
        found = feed()
        if found is None:
            return
        batches, width = found
        for chunk in customer_chunks(batches, workers.chunk_rows):
            rows = batch_rows(pa.concat_batches(chunk), width)
            pending.append(pool.submit(_replay_chunk, rows, _traits_of(rows, traits)))
            if len(pending) >= IN_FLIGHT_PER_WORKER * workers.processes:
                merge_oldest()
        while pending:
            merge_oldest()
    except BrokenProcessPool:
        raise InputError(
            "a replay process died (killed, or out of memory); nothing was reported: "
            "run again, or with --jobs 1"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # The server imports the replay once; each worker is then a cheap fork of it.
    context.set_forkserver_preload([__name__])
    return context


def _traits_of(rows: Rows, traits: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The traits of the chunk's customers (a worker gets only those it replays)."""
    if not traits:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for customer in rows.customers:
        value = traits.get(customer)
        if value is not None:
            found[customer] = value
    return found


# -- in a worker process -------------------------------------------------------------

_worker_plan: Plan | None = None
_worker_log_end = 0


def _start_worker(
    ws: Workspace,
    journey_ids: tuple[str, ...],
    order: tuple[str, ...],
    span: tuple[int, int] | None,
    log_end: int,
) -> None:
    global _worker_plan, _worker_log_end
    # The parent alone handles Ctrl-C; a SIGTERM ends a worker, and the parent says so.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    plan = build_plan(ws, [ws.journeys[journey_id] for journey_id in journey_ids])
    if span is not None:
        plan = plan.scheduled(*span)
    if tuple(journey.id for journey in plan.journeys) != order:
        raise RuntimeError("a replay worker compiled another plan than the parent's")
    _worker_plan, _worker_log_end = plan, log_end


def _ready() -> None:
    """Nothing: submitted to start the workers early."""


def _replay_chunk(rows: Rows, traits: Mapping[str, dict[str, Any]]) -> ReplayTotals:
    plan = _worker_plan
    assert plan is not None, "the worker's initializer did not run"
    totals = ReplayTotals(plan)
    for customer in rows.split():
        totals.add(customer.replay(plan, _worker_log_end, traits), customer.events)
    return totals
