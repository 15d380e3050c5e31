"""`cjo report [FUNNEL_IDS...] --log FILE...`: funnel conversion from an event log."""

from __future__ import annotations

import datetime as dt
import glob
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from cjo_cli.cli import options
from cjo_cli.cli import options as options_module
from cjo_cli.errors import EXIT_FINDINGS, UsageError

if TYPE_CHECKING:
    import duckdb

    from cjo_cli.cli.measure import Measured
    from cjo_cli.engine.funnels import FunnelResult
    from cjo_cli.events.load import LoadSummary
    from cjo_cli.model import Workspace


Picked = TypeVar("Picked")


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def expand_logs(items: list[str]) -> list[Path]:
    """`--log` values as files: globs expanded (sorted), each file once."""
    paths: list[Path] = []
    for item in items:
        if any(char in item for char in "*?[") and not Path(item).exists():
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise UsageError(f"--log {item}: no file matches")
            paths += [Path(match) for match in matches]
        else:
            paths.append(Path(item))
    unique: list[Path] = []
    for path in paths:
        if path not in unique:
            unique.append(path)
    return unique


def check_time(text: str | None, flag: str) -> str | None:
    """An ISO date or time; a naive one is UTC (as in the logs)."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"bad {flag} {text!r}: use an ISO date or time, e.g. 2026-06-01") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


def load_workspace(workspace: Path) -> Workspace:
    """The workspace's model; exit 1 with the findings when it has errors."""
    from cjo_cli.output.findings_formats import format_text
    from cjo_cli.spec.workspace import validate_paths

    if not workspace.is_dir():
        raise UsageError(f"no workspace directory {workspace}; give --workspace")
    result = validate_paths([workspace], keep_model=True)
    errors = [f for f in result.findings if f.level.value == "error"]
    if errors:
        typer.echo(format_text(errors), err=True)
        typer.echo(f"cjo: the workspace has {len(errors)} error(s); fix them first", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    return result.workspace


def pick_documents(kind: str, documents: Mapping[str, Picked], ids: list[str]) -> list[Picked]:
    """The named documents of one kind, in the given order (all of them when none is
    named); an unknown id is a usage error with the known ones and a suggestion."""
    from cjo_cli.spec.suggest import did_you_mean

    if not ids:
        if not documents:
            raise UsageError(f"the workspace has no {kind}s")
        return list(documents.values())
    picked = []
    for wanted in ids:
        if wanted not in documents:
            known = ", ".join(sorted(documents)) or "none"
            raise UsageError(
                f"no {kind} {wanted!r} ({kind}s: {known}){did_you_mean(wanted, documents)}"
            )
        picked.append(documents[wanted])
    return picked


def check_log_options(logs: list[Path], log_format: str, column_map: list[str]) -> dict[str, str]:
    """Usage errors in --log, --log-format and --map, before anything is read; the mapping."""
    from cjo_cli.events.formats import FORMATS
    from cjo_cli.events.load import parse_mapping

    if not logs:
        raise UsageError("give the event log with --log FILE (several, or a glob, are fine)")
    if log_format not in FORMATS:
        raise UsageError(f"unknown --log-format {log_format!r}; one of: {', '.join(FORMATS)}")
    mapping = parse_mapping(column_map)
    for path in logs:
        if not path.is_file():
            raise UsageError(f"--log {path}: no such file")
    return mapping


def read_logs(
    con: duckdb.DuckDBPyConnection,
    logs: list[Path],
    log_format: str,
    column_map: list[str],
    max_rejects: str,
    copy: bool,
    quiet: bool = False,
) -> LoadSummary:
    """Load (or, for Parquet when nothing is kept, scan in place) the logs; say what was
    read and rejected; stop with exit 2 when too much was unreadable."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from cjo_cli.events.load import (
        check_rejects,
        load_events,
        scan_parquet,
        sniff,
    )

    mapping = check_log_options(logs, log_format, column_map)
    formats = {sniff(path) if log_format == "auto" else log_format for path in logs}
    console = Console(stderr=True)
    if log_format == "auto" and not quiet:
        console.print(f"log format: {', '.join(sorted(formats))} (sniffed)", highlight=False)
    show = console.is_terminal and not quiet
    with Progress(
        SpinnerColumn(),
        TextColumn("reading {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not show,
    ) as progress:
        task = progress.add_task(logs[0].name, total=len(logs))

        def done(summary: object) -> None:
            progress.advance(task)
            index = min(int(progress.tasks[0].completed), len(logs) - 1)
            progress.update(task, description=logs[index].name)

        if formats == {"parquet"} and not copy:
            summary = scan_parquet(con, logs, mapping, on_file=done)
        else:
            summary = load_events(con, logs, log_format, mapping, on_file=done)
    if not quiet:
        console.print(
            f"log: read {summary.read:,}, rejected {summary.rejected:,}"
            + (" (see the rejects table)" if summary.rejected else ""),
            highlight=False,
        )
    check_rejects(summary, max_rejects)
    return summary


def keep_results(con: duckdb.DuckDBPyConnection, results: list[FunnelResult]) -> None:
    """The `funnel_steps` table of a `--db` file."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS funnel_steps (
            funnel VARCHAR, breakdown VARCHAR, "group" VARCHAR, step INTEGER, name VARCHAR,
            event VARCHAR, customers BIGINT, from_start DOUBLE, from_previous DOUBLE,
            median_seconds DOUBLE, mean_seconds DOUBLE
        )
        """
    )
    rows = []
    for result in results:
        groups = [(None, result.total), *((g.label, g) for g in result.groups)]
        for label, group in groups:
            for number, step in enumerate(group.steps, 1):
                rows.append(
                    (
                        result.funnel.id,
                        result.breakdown_by if label is not None else None,
                        label,
                        number,
                        step.name,
                        step.event,
                        step.customers,
                        step.from_start,
                        step.from_previous,
                        step.median_seconds,
                        step.mean_seconds,
                    )
                )
    if rows:
        con.executemany("INSERT INTO funnel_steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def report(
    funnel_ids: list[str] = typer.Argument(
        None, help="Funnels to report (default: every funnel of the workspace).", show_default=False
    ),
    logs: list[str] = options.LOGS,
    workspace: Path = options.WORKSPACE,
    log_format: str = options.LOG_FORMAT,
    column_map: list[str] = options.COLUMN_MAP,
    customers: Path | None = options.CUSTOMERS,
    max_rejects: str = options.MAX_REJECTS,
    output_format: ReportFormat = typer.Option(
        ReportFormat.table, "--format", "-f", help="table, json, csv or markdown."
    ),
    by: str | None = typer.Option(
        None,
        "--by",
        help="Break down by persona, or by an event property (PROPERTY or PROPERTY:last_touch).",
    ),
    since: str | None = typer.Option(None, "--since", help="Ignore events before this time."),
    until: str | None = typer.Option(None, "--until", help="Ignore events at or after this time."),
    db: Path | None = typer.Option(
        None,
        "--db",
        help="Keep the events, rejects and results in this DuckDB file (written atomically).",
    ),
    html: Path | None = typer.Option(
        None,
        "--html",
        help="Also write a self-contained HTML report: funnels, journeys (replayed), maps.",
        dir_okay=False,
    ),
    memory_limit: str | None = options.MEMORY_LIMIT,
    threads: int | None = options.THREADS,
    engine: options.Engine = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_conf: list[str] = options.SPARK_CONF,
) -> None:
    """Funnel conversion per step, from step 1 and from the previous step, with the
    median and mean time between steps (SPEC §5)."""
    from rich.console import Console

    from cjo_cli.cli.measure import measure, run_funnels
    from cjo_cli.engine.funnels import FunnelOptions
    from cjo_cli.events.customers import load_customers
    from cjo_cli.events.database import Settings, open_database

    ws = load_workspace(workspace)
    funnels = pick_documents("funnel", ws.funnels, funnel_ids or [])
    options = FunnelOptions(
        since=check_time(since, "--since"),
        until=check_time(until, "--until"),
        breakdown=by,
        keep_customers=db is not None,
        personas=dict(ws.personas),
    )
    if by is not None and not by.strip():
        raise UsageError("--by needs persona or a property name")
    if html is not None:
        check_output_file(html, "--html")
    settings = Settings(threads=threads, memory_limit=memory_limit)
    err = Console(stderr=True)
    log_paths = expand_logs(logs or [])
    if engine is options_module.Engine.spark:
        from cjo_cli.cli.measure import without_variant_breakdowns
        from cjo_cli.cli.spark_run import refuse_duckdb_options, spark_input
        from cjo_cli.spark.funnels import run_funnels as run_on_spark

        refuse_duckdb_options(db=db, html=html, memory_limit=memory_limit, threads=threads)
        with spark_input(
            log_paths,
            log_format,
            column_map or [],
            max_rejects,
            customers,
            spark_master,
            spark_conf or [],
        ) as given:
            prepared = without_variant_breakdowns(funnels, options, err)
            results = run_on_spark(given.log, prepared, options, given.traits)
            summary = given.log.summary
        print_results(results, output_format, summary.read, summary.rejected)
        return
    with open_database(db, settings) as con:
        summary = read_logs(
            con, log_paths, log_format, column_map or [], max_rejects, db is not None
        )
        if customers is not None:
            loaded = load_customers(con, customers)
            err.print(f"customers: {loaded.customers:,}", highlight=False)
        if html is None:
            results = run_funnels(con, funnels, options, err)
        else:
            # The page also shows the journeys (replayed) and the maps (measured).
            measured = measure(
                con, ws, funnels, list(ws.journeys.values()), list(ws.maps.values()), options
            )
            results = [measured.funnels[funnel.id] for funnel in funnels]
            page = html_page(con, ws, log_paths, summary, measured, results, customers is None)
        if db is not None:
            keep_results(con, results)
    print_results(results, output_format, summary.read, summary.rejected)
    if html is not None:
        write_text_atomically(html, page)
        err.print(f"wrote {html} (open it in a browser; it needs no network)", highlight=False)
    if db is not None:
        extra = ", journey_entrants" if html is not None else ""
        err.print(f"wrote {db} (tables events, rejects, funnel_steps, funnel_customers{extra})")


def print_results(
    results: list[FunnelResult], output_format: ReportFormat, read: int, rejected: int
) -> None:
    from rich.console import Console

    from cjo_cli.output import funnel_report

    if output_format is ReportFormat.json:
        typer.echo(funnel_report.format_json(results, read, rejected))
    elif output_format is ReportFormat.csv:
        sys.stdout.write(funnel_report.format_csv(results))
    elif output_format is ReportFormat.markdown:
        sys.stdout.write(funnel_report.format_markdown(results, read, rejected))
    else:
        funnel_report.print_tables(Console(), results)


def check_output_file(path: Path, flag: str) -> None:
    if path.is_dir():
        raise UsageError(f"{flag} {path}: is a directory; give a file name")
    if not path.resolve().parent.is_dir():
        raise UsageError(f"{flag} {path}: directory {path.resolve().parent} does not exist")


def write_text_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    import os

    building = path.with_name(f".{path.name}.building-{os.getpid()}")
    try:
        building.write_text(text, encoding="utf-8")
        os.replace(building, path)
    finally:
        building.unlink(missing_ok=True)


def html_page(
    con: duckdb.DuckDBPyConnection,
    ws: Workspace,
    log_paths: list[Path],
    summary: LoadSummary,
    measured: Measured,
    results: list[FunnelResult],
    traits_missing: bool,
    title: str = "cjo report",
) -> str:
    """The self-contained HTML report of what `measure` found."""
    from cjo_cli.engine.replay_feed import log_span
    from cjo_cli.engine.replay_plan import to_datetime
    from cjo_cli.output import html_report, simulate_report

    simulation = measured.simulation
    if simulation is not None:
        start, end = simulation.log_start, simulation.log_end
    else:
        start, end = log_span(con)
    facts = html_report.LogFacts(
        tuple(path.name for path in log_paths),
        summary.read,
        summary.rejected,
        None if start is None else to_datetime(start).strftime("%Y-%m-%d %H:%M"),
        None if end is None else to_datetime(end).strftime("%Y-%m-%d %H:%M"),
        measured.customers,
    )
    notes: list[str] = []
    totals = simulation.totals if simulation is not None else None
    if totals is not None and simulation is not None:
        notes = simulate_report.assumptions(totals, simulation.plan.reads_traits and traits_missing)
    return html_report.render_report(ws, facts, results, totals, measured.overlays, notes, title)
