"""`cjo report [FUNNEL_IDS...] --log FILE...`: funnel conversion from an event log."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cjo_cli.cli import inputs, options
from cjo_cli.errors import UsageError

if TYPE_CHECKING:
    from cjo_cli.engine.funnel_result import FunnelOptions, FunnelResult
    from cjo_cli.events.tables import LoadSummary
    from cjo_cli.model import Funnel, Workspace


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class Interval(StrEnum):
    """The trend's periods (`engine.funnel_result.INTERVALS`)."""

    day = "day"
    week = "week"
    month = "month"


def report(
    funnel_ids: list[str] = typer.Argument(
        None,
        metavar="FUNNEL_IDS",
        help="Funnels to report (default: every funnel of the workspace).",
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
    output_format: ReportFormat = typer.Option(
        ReportFormat.table, "--format", "-f", help="table, json, csv or markdown."
    ),
    by: str | None = typer.Option(
        None,
        "--by",
        metavar="PROPERTY",
        help=(
            "Break down by persona, by variant[:JOURNEY] (replayed), or by an event property: "
            "PROPERTY, PROPERTY:last_touch, PROPERTY:stepN or PROPERTY:all_steps."
        ),
    ),
    since: str | None = typer.Option(
        None, "--since", metavar="TIME", help="Ignore events before this time (ISO date or time)."
    ),
    until: str | None = typer.Option(
        None, "--until", metavar="TIME", help="Ignore events at or after this time."
    ),
    interval: Interval = typer.Option(
        Interval.week,
        "--interval",
        help="Periods of the conversion trend: day, week (from Monday) or month, in UTC.",
    ),
    db: Path | None = typer.Option(
        None,
        "--db",
        metavar="FILE",
        help="Keep the events, rejects and results in this DuckDB file (written atomically).",
    ),
    html: Path | None = typer.Option(
        None,
        "--html",
        metavar="FILE",
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
    median and mean time between steps, the percentiles of the time to each step, and
    the conversion per period of step 1 (--interval).

    What counts as reaching a step, the window, exclusions and breakdowns: docs/funnels.md."""
    from cjo_cli.engine.funnel_result import FunnelOptions, prepare_funnels, reads_properties
    from cjo_cli.output import progress

    ws = inputs.workspace(workspace)
    funnels = inputs.pick_documents("funnel", ws.funnels, funnel_ids or [])
    if by is not None:
        from cjo_cli.engine.funnel_result import FunnelOptions, breakdown_choice, parse_breakdown

        try:
            breakdown_choice(by)
            for funnel in funnels:
                # `stepN` must be a step of every funnel reported.
                parse_breakdown(funnel, FunnelOptions(breakdown=by))
        except ValueError as exc:
            raise UsageError(
                f"--by: {exc}" if by.strip() else "--by needs persona or a property name"
            ) from exc
    funnel_options = FunnelOptions(
        since_us=inputs.parse_time(since, "--since"),
        until_us=inputs.parse_time(until, "--until"),
        breakdown=by,
        keep_customers=db is not None,
        personas=dict(ws.personas),
        interval=interval.value,
    )
    if html is not None:
        inputs.check_output_file(html, "--html")
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
    # Checking that every row's properties are JSON costs more than the funnels on long
    # properties; it is left out, on either engine, when nothing this run computes reads them.
    reads = html is not None or by is not None or any(map(reads_properties, funnels))
    if engine is options.Engine.spark:
        from cjo_cli.spark.funnels import run_funnels as run_on_spark

        _refuse_spark_breakdowns(funnels, funnel_options)
        inputs.refuse_duckdb_options(db=db, html=html, memory_limit=memory_limit, threads=threads)
        prepared = prepare_funnels(funnels, funnel_options)
        with inputs.spark_log(given, spark_master, spark_conf or [], reads) as spark:
            for note in prepared.notes:
                progress.warn(note)
            results = run_on_spark(spark.log, prepared.funnels, funnel_options, spark.traits)
            summary = spark.log.summary
        _print_results(results, output_format, summary)
        return
    from cjo_cli.cli.input_warnings import warn_unmet
    from cjo_cli.engine.funnels import keep_results, run_funnels

    page = None
    with inputs.database(db, threads, memory_limit) as con:
        opened = inputs.open_log(con, given, copy=db is not None, check_properties=reads)
        summary = opened.summary
        funnel_options = _with_variants(con, ws, funnels, funnel_options)
        warn_unmet(
            con,
            ws,
            [f.id for f in funnels],
            list(ws.journeys) if html is not None else [],
            customers_given=customers is not None,
        )
        if html is None:
            prepared = prepare_funnels(funnels, funnel_options)
            for note in prepared.notes:
                progress.warn(note)
            results = run_funnels(con, prepared.funnels, funnel_options)
        else:
            # Imported only here: the replay and the page cost every other report ~0.1 s.
            from cjo_cli.engine.measure import measure
            from cjo_cli.output.html_report import render_page

            # The page also shows the journeys (replayed) and the maps (measured).
            measured = measure(
                con, ws, funnels, list(ws.journeys.values()), list(ws.maps.values()), funnel_options
            )
            for note in measured.notes:
                progress.warn(note)
            results = [measured.funnels[funnel.id] for funnel in funnels]
            page = render_page(
                ws,
                measured,
                results,
                [path.name for path in given.paths],
                summary.read,
                summary.rejected,
                customers is None,
            )
        if db is not None:
            keep_results(con, results)
    _print_results(results, output_format, summary)
    if html is not None and page is not None:
        from cjo_cli.output.files import write_text_atomically

        write_text_atomically(html, page)
        progress.note(f"wrote {html} (open it in a browser; it needs no network)")
    if db is not None:
        extra = ", journey_entrants" if html is not None else ""
        progress.note(f"wrote {db} (tables events, rejects, funnel_steps, funnel_customers{extra})")


def _with_variants(
    con: Any, ws: Workspace, funnels: list[Funnel], funnel_options: FunnelOptions
) -> FunnelOptions:
    """The options with the replayed variants of the journeys a variant breakdown reads."""
    from cjo_cli.engine.funnel_variant import with_variants

    try:
        return with_variants(con, ws, funnels, funnel_options)
    except ValueError as exc:
        raise UsageError(f"--by variant: {exc}") from exc


def _refuse_spark_breakdowns(funnels: list[Funnel], funnel_options: FunnelOptions) -> None:
    """Exit 2, before Spark starts, for the breakdowns only the embedded engine computes:
    by variant (it replays the journey) and `all_steps` (a customer in several groups)."""
    from cjo_cli.engine.funnel_result import parse_breakdown

    for funnel in funnels:
        choice = parse_breakdown(funnel, funnel_options)
        if choice is None:
            continue
        where = "--by" if funnel_options.breakdown is not None else f"funnel {funnel.id!r}"
        if choice.by == "variant":
            raise UsageError(
                f"{where}: a breakdown by variant replays the journey: use --engine duckdb"
            )
        if choice.attribution == "all_steps":
            raise UsageError(f"{where}: all_steps attribution is computed by --engine duckdb only")


def _print_results(
    results: list[FunnelResult], output_format: ReportFormat, summary: LoadSummary
) -> None:
    from cjo_cli.output import funnel_report

    read, rejected = summary.read, summary.rejected
    if output_format is ReportFormat.json:
        checked = summary.properties_checked
        typer.echo(funnel_report.format_json(results, read, rejected, checked))
    elif output_format is ReportFormat.csv:
        typer.echo(funnel_report.format_csv(results), nl=False)
    elif output_format is ReportFormat.markdown:
        typer.echo(funnel_report.format_markdown(results, read, rejected), nl=False)
    else:
        funnel_report.print_tables(results)
