"""`cjo demo`: the whole loop on the bundled beauty-store sample, in one command.

Validate the workspace, load the sample log, report the funnels, replay every
journey against its holdout, print each journey map with the measured numbers,
and leave `cjo-demo/` behind: the DuckDB file with every table and the HTML report.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cjo_cli.errors import EXIT_FINDINGS, UsageError

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

    from rich.console import Console
    from rich.text import Text

    from cjo_cli.cli.measure import measure
    from cjo_cli.cli.report_cmd import (
        check_output_file,
        expand_logs,
        html_page,
        keep_results,
        read_logs,
        write_text_atomically,
    )
    from cjo_cli.engine.funnels import FunnelOptions
    from cjo_cli.events.customers import load_customers
    from cjo_cli.events.database import open_database
    from cjo_cli.output import funnel_report, journey_map, simulate_report
    from cjo_cli.output.findings_formats import format_text, summary_line
    from cjo_cli.spec.workspace import validate_paths

    began = time.perf_counter()
    ws_dir = workspace if workspace is not None else bundled("journeys")
    log_paths = expand_logs(logs) if logs else [bundled("samples/events.jsonl")]
    traits = customers
    if traits is None and not logs:
        traits = bundled("samples/customers.csv")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; give a directory")
    out.mkdir(parents=True, exist_ok=True)
    db_path, html_path = out / "cjo.duckdb", out / "report.html"
    check_output_file(html_path, "--out")
    console = Console(highlight=False)

    def step(number: int, title: str, detail: str) -> None:
        console.print(Text.assemble((f"{number}. {title}", "bold magenta"), "  ", detail))

    console.print(Text("cjo demo: the whole loop on the sample beauty store", style="bold"))
    result = validate_paths([ws_dir], workspace=ws_dir, keep_model=True)
    step(1, "validate", f"{ws_dir}: {summary_line(result.findings, result.files_checked)}")
    errors = [f for f in result.findings if f.level.value == "error"]
    if result.findings:
        console.print(Text(format_text(result.findings)))
    if errors or result.workspace is None:
        raise typer.Exit(EXIT_FINDINGS)
    ws = result.workspace
    with open_database(db_path) as con:
        summary = read_logs(con, log_paths, "auto", [], "1%", True, quiet=True)
        loaded = f"{', '.join(str(p) for p in log_paths)}: read {summary.read:,} rows"
        loaded += f", rejected {summary.rejected:,}"
        if summary.rejected:
            loaded += " (kept with their reasons in the rejects table)"
        if traits is not None:
            people = load_customers(con, traits)
            loaded += f"; {traits}: {people.customers:,} customers"
        step(2, "load", loaded)
        measured = measure(
            con,
            ws,
            list(ws.funnels.values()),
            list(ws.journeys.values()),
            list(ws.maps.values()),
            FunnelOptions(personas=dict(ws.personas)),
            keep_tables=True,
            quiet=True,
        )
        results = [measured.funnels[f] for f in ws.funnels]
        keep_results(con, results)
        page = html_page(
            con, ws, log_paths, summary, measured, results, traits is None, "cjo demo report"
        )
        step(3, "report", f"{len(results)} funnels (SPEC §5; `cjo report` shows every step)")
        console.print(funnel_report.overview_table(results))
        simulation = measured.simulation
        if simulation is not None:
            step(
                4,
                "simulate",
                f"{len(simulation.totals.journeys)} journeys replayed over the log, treated "
                "against holdout (`cjo simulate` shows steps and sends)",
            )
            console.print(simulate_report.overview_table(simulation.totals))
        source = ", ".join(p.name for p in log_paths)
        for map_id, overlay in measured.overlays.items():
            step(5, "map", f"{map_id} with the measured numbers")
            journey_map.render_terminal(ws.maps[map_id], ws, console, overlay, source)
    write_text_atomically(html_path, page)
    seconds = time.perf_counter() - began
    console.print()
    console.print(Text(f"wrote {db_path} and {html_path} in {seconds:.1f} s", style="bold green"))
    console.print(
        Text(
            f"- open {html_path} in a browser (self-contained: funnels, journeys, maps)\n"
            f"- query {db_path} with DuckDB: tables events, rejects, customers, funnel_steps, "
            "funnel_customers, entries, visits, sends, exits, step_stats, journey_entrants\n"
            "- next: `cjo report --help`, `cjo simulate --help`, `cjo init my-journeys`"
        )
    )
