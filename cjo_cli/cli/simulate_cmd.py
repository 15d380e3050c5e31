"""`cjo simulate [JOURNEY_IDS...] --log FILE...`: replay a recorded log through journeys."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cjo_cli.cli import inputs, options
from cjo_cli.errors import UsageError

if TYPE_CHECKING:
    from cjo_cli.engine.replay_plan import Plan
    from cjo_cli.engine.replay_records import CustomerReplay
    from cjo_cli.engine.replay_stats import ReplayTotals
    from cjo_cli.model import Workspace
    from cjo_cli.output.simulate_report import LogInfo


class SimulateFormat(StrEnum):
    table = "table"
    json = "json"


def simulate_command(
    journey_ids: list[str] = typer.Argument(
        None,
        metavar="JOURNEY_IDS",
        help="Journeys to replay (default: every journey of the workspace).",
        show_default=False,
    ),
    logs: list[str] = options.LOGS,
    workspace: Path = options.WORKSPACE,
    log_format: str = options.LOG_FORMAT,
    column_map: list[str] = options.COLUMN_MAP,
    customers: Path | None = options.CUSTOMERS,
    max_rejects: str = options.MAX_REJECTS,
    identity: options.Identity = options.IDENTITY,
    rejects: Path | None = options.REJECTS,
    source_tz: str | None = options.SOURCE_TZ,
    output_format: SimulateFormat = typer.Option(
        SimulateFormat.table, "--format", "-f", help="table or json."
    ),
    explain: str | None = typer.Option(
        None,
        "--explain",
        metavar="CUSTOMER_ID",
        help="Print this customer's path through each journey, with reasons.",
    ),
    save_test: Path | None = typer.Option(
        None,
        "--save-test",
        metavar="FILE",
        help="With --explain and one journey: write a `cjo test` of this customer's story "
        "and the path the replay took.",
    ),
    db: Path | None = typer.Option(
        None,
        "--db",
        metavar="FILE",
        help="Write events, entries, visits, sends, exits and step_stats to this DuckDB file.",
    ),
    memory_limit: str | None = options.MEMORY_LIMIT,
    threads: int | None = options.THREADS,
    jobs: int | None = options.JOBS,
    engine: options.Engine = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_conf: list[str] = options.SPARK_CONF,
) -> None:
    """Replay a recorded event log through journeys: who would have entered, what would
    have been sent and when, who converted (against the holdout), where customers left.

    The replay rules (entry, waits, caps, quiet hours, goals, holdouts): docs/replay.md."""
    from cjo_cli.engine.replay_plan import build_plan
    from cjo_cli.output import progress, simulate_report

    ws = inputs.workspace(workspace)
    journeys = inputs.pick_documents("journey", ws.journeys, journey_ids or [])
    if save_test is not None:
        if explain is None or len(journeys) != 1:
            raise UsageError("--save-test needs --explain CUSTOMER_ID and one journey id")
        inputs.check_output_file(save_test, "--save-test")
    plan = build_plan(ws, journeys)
    names = {journey.id: journey.name for journey in journeys}
    given = inputs.log_input(
        logs,
        log_format,
        column_map,
        max_rejects,
        customers,
        identity=identity,
        rejects_file=rejects,
        source_tz=source_tz,
    )
    keep = db is not None and explain is None
    if engine is options.Engine.spark:
        inputs.refuse_duckdb_options(
            db=db, explain=explain, memory_limit=memory_limit, threads=threads, jobs=jobs
        )
        if plan.rate_limited:
            limited = ", ".join(j.id for j in plan.journeys if j.rate is not None)
            raise UsageError(
                f"journey {limited}: `limits.rate` couples every customer in one time order, "
                "which Spark's partitions of customers cannot keep: replay it with "
                "--engine duckdb (the embedded engine)"
            )
        totals, info = _replay_on_spark(
            given, ws, [j.id for j in journeys], spark_master, spark_conf
        )
    elif explain is not None:
        _explain(given, plan, explain, output_format, memory_limit, threads, save_test)
        return
    else:
        ids = tuple(journey.id for journey in journeys)
        totals, info = _replay_on_duckdb(
            given, ws, plan, db if keep else None, memory_limit, threads, (ids, jobs)
        )
    notes = simulate_report.assumptions(totals, plan.reads_traits and customers is None)
    if output_format is SimulateFormat.json:
        typer.echo(simulate_report.format_json(totals, names, info, notes))
    else:
        simulate_report.print_summary(totals, names, notes)
    if keep:
        progress.note(
            f"wrote {db} (tables events, rejects, entries, visits, sends, exits, step_stats)"
        )


def _replay_on_duckdb(
    given: inputs.LogInput,
    ws: Workspace,
    plan: Plan,
    db: Path | None,
    memory_limit: str | None,
    threads: int | None,
    jobs: tuple[tuple[str, ...], int | None],
) -> tuple[ReplayTotals, LogInfo]:
    """The replay's totals and what the JSON says of the log. `jobs`: the journeys the
    plan was built from, and the replay processes asked for (None: by the log's size)."""
    from cjo_cli.cli.input_warnings import warn_unmet
    from cjo_cli.engine.replay_parallel import (
        MAX_WORKERS,
        PARALLEL_MIN_ROWS,
        Workers,
        available_cores,
    )
    from cjo_cli.engine.simulate import relevant_events, simulate
    from cjo_cli.output import progress
    from cjo_cli.output.simulate_report import LogInfo

    with inputs.database(db, threads, memory_limit) as con:
        summary = inputs.open_log(con, given, copy=db is not None).summary
        warn_unmet(
            con,
            ws,
            journeys=[j.id for j in plan.journeys],
            customers_given=given.customers is not None,
        )
        journey_ids, asked = jobs
        processes = asked or (available_cores() if summary.read >= PARALLEL_MIN_ROWS else 1)
        workers = Workers(ws, journey_ids, min(processes, MAX_WORKERS))
        with progress.replaying(lambda: relevant_events(con, plan)) as tick:
            simulation = simulate(
                con, plan, keep_tables=db is not None, progress=tick, workers=workers
            )
    totals = simulation.totals
    return totals, LogInfo(summary, totals.customers, simulation.log_start, simulation.log_end)


def _explain(
    given: inputs.LogInput,
    plan: Plan,
    customer: str,
    output_format: SimulateFormat,
    memory_limit: str | None,
    threads: int | None,
    save_test: Path | None = None,
) -> None:
    """Print one customer's path through the journeys, with the reason for every move;
    with `save_test`, write it as a journey test too."""
    from cjo_cli.engine.replay_feed import load_traits
    from cjo_cli.engine.simulate import customer_events, explain
    from cjo_cli.events.tables import log_span
    from cjo_cli.output import simulate_report

    with inputs.database(None, threads, memory_limit) as con:
        inputs.open_log(con, given, copy=False)
        replay = explain(con, plan, customer)
        if replay is not None and save_test is not None:
            _write_test(
                save_test,
                plan.journeys[0].id,
                customer,
                customer_events(con, plan, customer),
                load_traits(con, plan).get(customer),
                replay,
                log_span(con)[1] or 0,
            )
    if replay is None:
        raise UsageError(f"--explain {customer}: no event of this customer is in the log")
    if output_format is SimulateFormat.json:
        typer.echo(simulate_report.explain_json(replay))
    else:
        simulate_report.print_explain(replay)


def _replay_on_spark(
    given: inputs.LogInput,
    ws: Workspace,
    journey_ids: list[str],
    master: str,
    conf: list[str] | None,
) -> tuple[ReplayTotals, LogInfo]:
    """The replay's totals on Spark, and what the JSON says of the log."""
    from cjo_cli.output.simulate_report import LogInfo
    from cjo_cli.spark.replay import simulate

    with inputs.spark_log(given, master, conf or []) as spark:
        found = simulate(spark.log, ws, journey_ids, spark.traits)
        summary = spark.log.summary
    info = LogInfo(summary, found.totals.customers, found.log_start, found.log_end)
    return found.totals, info


def _write_test(
    path: Path,
    journey: str,
    customer: str,
    events: list[tuple[int, str, str]],
    traits: dict[str, object] | None,
    replay: CustomerReplay,
    log_end: int,
) -> None:
    import re

    from cjo_cli.output import progress
    from cjo_cli.output.files import write_text_atomically
    from cjo_cli.output.story_yaml import story_yaml

    test_id = re.sub(r"[^a-z0-9_]+", "_", f"{journey}_{customer}".lower()).strip("_")
    if not test_id[:1].isalpha():
        test_id = f"t_{test_id}"
    write_text_atomically(
        path, story_yaml(test_id, journey, customer, events, traits, replay, log_end)
    )
    progress.note(f"wrote {path} (run it with `cjo test {path}`)")
