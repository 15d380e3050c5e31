"""`cjo simulate [JOURNEY_IDS...] --log FILE...`: replay a recorded log through journeys."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cjo_cli.cli import options
from cjo_cli.cli.report_cmd import expand_logs, load_workspace, pick_documents, read_logs
from cjo_cli.errors import UsageError

if TYPE_CHECKING:
    import duckdb

    from cjo_cli.engine.replay import CustomerReplay
    from cjo_cli.engine.replay_plan import Plan
    from cjo_cli.engine.replay_stats import ReplayTotals
    from cjo_cli.engine.simulate import Simulation
    from cjo_cli.events.database import Settings
    from cjo_cli.events.load import LoadSummary
    from cjo_cli.model import Workspace


class SimulateFormat(StrEnum):
    table = "table"
    json = "json"


def log_info(
    summary: LoadSummary, customers: int, start: int | None, end: int | None
) -> dict[str, Any]:
    """The JSON's `log` object: what was read, who was replayed, the log's span."""
    from cjo_cli.engine.replay_plan import to_datetime

    return {
        "read": summary.read,
        "rejected": summary.rejected,
        "customers_replayed": customers,
        "start": None if start is None else to_datetime(start).isoformat(),
        "end": None if end is None else to_datetime(end).isoformat(),
    }


def run_replay(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    keep_tables: bool,
    quiet: bool = False,
    on_customer: Callable[[CustomerReplay], None] | None = None,
) -> Simulation:
    """The replay with a progress bar on a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from cjo_cli.engine.replay import ReplayError
    from cjo_cli.engine.simulate import relevant_events, simulate

    console = Console(stderr=True)
    show = console.is_terminal and not quiet
    with Progress(
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        console=console,
        transient=True,
        disable=not show,
    ) as progress:
        task = progress.add_task("replay", total=relevant_events(con, plan) if show else None)
        try:
            return simulate(
                con,
                plan,
                keep_tables=keep_tables,
                on_customer=on_customer,
                progress=lambda done: progress.update(task, completed=done),
            )
        except ReplayError as exc:
            raise UsageError(str(exc)) from exc


def simulate_command(
    journey_ids: list[str] = typer.Argument(
        None,
        help="Journeys to replay (default: every journey of the workspace).",
        show_default=False,
    ),
    logs: list[str] = options.LOGS,
    workspace: Path = options.WORKSPACE,
    log_format: str = options.LOG_FORMAT,
    column_map: list[str] = options.COLUMN_MAP,
    customers: Path | None = options.CUSTOMERS,
    max_rejects: str = options.MAX_REJECTS,
    output_format: SimulateFormat = typer.Option(
        SimulateFormat.table, "--format", "-f", help="table or json."
    ),
    explain: str | None = typer.Option(
        None, "--explain", help="Print this customer's path through each journey, with reasons."
    ),
    db: Path | None = typer.Option(
        None,
        "--db",
        help="Write events, entries, visits, sends, exits and step_stats to this DuckDB file.",
    ),
    memory_limit: str | None = options.MEMORY_LIMIT,
    threads: int | None = options.THREADS,
    engine: options.Engine = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_conf: list[str] = options.SPARK_CONF,
) -> None:
    """Replay a recorded event log through journeys (SPEC §4): who would have entered,
    what would have been sent and when, who converted (against the holdout), where
    customers left."""
    from rich.console import Console

    from cjo_cli.engine.replay_plan import build_plan
    from cjo_cli.events.database import Settings
    from cjo_cli.output import simulate_report

    ws = load_workspace(workspace)
    journeys = pick_documents("journey", ws.journeys, journey_ids or [])
    plan = build_plan(ws, journeys)
    names = {journey.id: journey.name for journey in journeys}
    err = Console(stderr=True)
    settings = Settings(threads=threads, memory_limit=memory_limit)
    keep = db is not None and explain is None
    log_paths = expand_logs(logs or [])
    totals: ReplayTotals | None
    if engine is options.Engine.spark:
        from cjo_cli.cli.spark_run import refuse_duckdb_options

        refuse_duckdb_options(db=db, explain=explain, memory_limit=memory_limit, threads=threads)
        totals, info = _replay_on_spark(
            ws,
            [j.id for j in journeys],
            log_paths,
            log_format,
            column_map or [],
            max_rejects,
            customers,
            spark_master,
            spark_conf or [],
        )
    else:
        totals, info = _replay_on_duckdb(
            plan,
            log_paths,
            log_format,
            column_map or [],
            max_rejects,
            customers,
            output_format,
            explain,
            db if keep else None,
            settings,
        )
        if totals is None:  # --explain printed its path
            return
    notes = simulate_report.assumptions(totals, plan.reads_traits and customers is None)
    if output_format is SimulateFormat.json:
        typer.echo(simulate_report.format_json(totals, names, info, notes))
    else:
        simulate_report.print_summary(Console(), totals, names, notes)
    if keep:
        err.print(f"wrote {db} (tables events, rejects, entries, visits, sends, exits, step_stats)")


def _replay_on_duckdb(
    plan: Plan,
    logs: list[Path],
    log_format: str,
    column_map: list[str],
    max_rejects: str,
    customers: Path | None,
    output_format: SimulateFormat,
    explain: str | None,
    db: Path | None,
    settings: Settings,
) -> tuple[ReplayTotals | None, dict[str, Any]]:
    """The replay's totals and the JSON's `log` object; with --explain, the customer's
    path is printed instead and the totals are None."""
    from rich.console import Console

    from cjo_cli.engine.simulate import explain as explain_customer
    from cjo_cli.events.customers import load_customers
    from cjo_cli.events.database import open_database
    from cjo_cli.output import simulate_report

    err = Console(stderr=True)
    with open_database(db, settings) as con:
        summary = read_logs(con, logs, log_format, column_map, max_rejects, db is not None)
        if customers is not None:
            loaded = load_customers(con, customers)
            err.print(f"customers: {loaded.customers:,}", highlight=False)
        if explain is not None:
            replay = explain_customer(con, plan, explain)
            if replay is None:
                raise UsageError(f"--explain {explain}: no event of this customer is in the log")
            if output_format is SimulateFormat.json:
                typer.echo(simulate_report.explain_json(replay))
            else:
                simulate_report.print_explain(Console(), replay)
            return None, {}
        simulation = run_replay(con, plan, db is not None)
    totals = simulation.totals
    return totals, log_info(summary, totals.customers, simulation.log_start, simulation.log_end)


def _replay_on_spark(
    ws: Workspace,
    journey_ids: list[str],
    logs: list[Path],
    log_format: str,
    column_map: list[str],
    max_rejects: str,
    customers: Path | None,
    master: str,
    conf: list[str],
) -> tuple[ReplayTotals, dict[str, Any]]:
    """The replay's totals on Spark, and the JSON's `log` object."""
    from cjo_cli.cli.spark_run import spark_input
    from cjo_cli.spark.replay import simulate

    with spark_input(logs, log_format, column_map, max_rejects, customers, master, conf) as given:
        found = simulate(given.log, ws, journey_ids, given.traits)
        summary = given.log.summary
    info = log_info(summary, found.totals.customers, found.log_start, found.log_end)
    return found.totals, info
