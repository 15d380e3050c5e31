"""`cjo demo`: the whole loop on the bundled beauty-store sample, in one command.

Validate the workspace, load the sample log, report the funnels, replay every
journey against its holdout, print each journey map with the measured numbers,
and leave `cjo-demo/` behind: the DuckDB file with every table and the HTML report.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cjo_cli.cli import inputs
from cjo_cli.errors import UsageError, WorkspaceInvalid

SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The source checkout cjo runs from: the bundled sample lives beside the package."""


def bundled(relative: str) -> Path:
    path = SOURCE_ROOT / relative
    if not path.exists():
        raise UsageError(
            f"the bundled sample ({relative}) is not here: it comes with the source checkout "
            "(git clone, then `make demo`); or give --workspace, --log and --customers"
        )
    return path


def demo(
    out: Path = typer.Option(
        Path("cjo-demo"),
        "--out",
        help="Where to write cjo.duckdb and report.html.",
        file_okay=False,
    ),
    workspace: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        help="The workspace (default: the bundled sample's).",
        file_okay=False,
    ),
    logs: list[str] = typer.Option(
        None,
        "--log",
        help="Event log (default: the bundled samples/events.jsonl).",
        show_default=False,
    ),
    customers: Path | None = typer.Option(
        None, "--customers", help="Customer traits (default: the bundled samples/customers.csv)."
    ),
) -> None:
    """Run the whole loop on the bundled sample: validate, load the log, report the
    funnels, replay the journeys with their holdouts, print the measured journey maps,
    and write cjo-demo/ (a DuckDB file and a self-contained HTML report)."""
    import time

    from cjo_cli.engine.funnel_result import FunnelOptions
    from cjo_cli.engine.funnels import keep_results
    from cjo_cli.engine.measure import measure
    from cjo_cli.events.database import open_database
    from cjo_cli.findings import Level
    from cjo_cli.output.demo_report import DemoPrinter
    from cjo_cli.output.files import write_text_atomically
    from cjo_cli.output.html_report import render_page
    from cjo_cli.spec.workspace import validate_paths

    began = time.perf_counter()
    ws_dir = workspace if workspace is not None else bundled("journeys")
    log_items = logs or [str(bundled("samples/events.jsonl"))]
    traits = customers
    if traits is None and not logs:
        traits = bundled("samples/customers.csv")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; give a directory")
    given = inputs.log_input(log_items, "auto", [], "1%", traits)
    out.mkdir(parents=True, exist_ok=True)
    db_path, html_path = out / "cjo.duckdb", out / "report.html"
    inputs.check_output_file(html_path, "--out")
    printer = DemoPrinter()
    printer.title()
    result = validate_paths([ws_dir], workspace=ws_dir, keep_model=True)
    printer.validated(ws_dir, result.findings, result.files_checked)
    errors = [f for f in result.findings if f.level is Level.ERROR]
    if errors:
        raise WorkspaceInvalid(str(ws_dir), errors)
    ws = result.workspace
    with open_database(db_path) as con:
        opened = inputs.open_log(con, given, copy=True, quiet=True)
        summary = opened.summary
        loaded = f"{', '.join(str(p) for p in given.paths)}: read {summary.read:,} rows"
        loaded += f", rejected {summary.rejected:,}"
        if summary.rejected:
            loaded += " (kept with their reasons in the rejects table)"
        if opened.customers is not None:
            loaded += f"; {traits}: {opened.customers.customers:,} customers"
        printer.step(2, "load", loaded)
        measured = measure(
            con,
            ws,
            list(ws.funnels.values()),
            list(ws.journeys.values()),
            list(ws.maps.values()),
            FunnelOptions(personas=dict(ws.personas)),
            keep_tables=True,
        )
        results = [measured.funnels[f] for f in ws.funnels]
        keep_results(con, results)
        names = [path.name for path in given.paths]
        page = render_page(
            ws,
            measured,
            results,
            names,
            summary.read,
            summary.rejected,
            traits is None,
            "cjo demo report",
        )
        printer.measured(ws, measured, results, ", ".join(names))
    write_text_atomically(html_path, page)
    printer.wrote(db_path, html_path, time.perf_counter() - began)
