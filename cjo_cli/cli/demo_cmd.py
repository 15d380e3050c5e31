"""`cjo demo`: the whole loop on the bundled beauty-store sample, in one command.

Validate the workspace, load the sample log, report the funnels, replay every
journey against its holdout, print each journey map with the measured numbers,
and leave `cjo-demo/` behind: the DuckDB file with every table and the HTML report;
end with the commands that do the same on one's own export (output/demo_next.py).

The sample: the checkout's journeys/ and samples/ when cjo runs from its checkout; an
installed cjo reads the copy of journeys/ its wheel carries (setup.py) and writes the
seeded sample log, the same bytes as samples/, into a temporary directory.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path

import typer

from cjo_cli.cli import inputs
from cjo_cli.errors import UsageError, WorkspaceInvalid

SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The source checkout cjo runs from, if it runs from one: the sample lives beside the
package there."""
PACKAGED_SAMPLE = Path(__file__).resolve().parents[1] / "sample" / "journeys"
"""The copy of journeys/ the wheel carries (setup.py's build step puts it there)."""


def in_checkout() -> bool:
    """Whether cjo runs from its source checkout (an editable install, `python -m` in
    it): then the checkout's sample is used, edits and all. An installed cjo sits in
    site-packages, which holds no pyproject.toml."""
    return (SOURCE_ROOT / "pyproject.toml").is_file() and (SOURCE_ROOT / "journeys").is_dir()


def sample_workspace() -> Path:
    if in_checkout():
        return SOURCE_ROOT / "journeys"
    if PACKAGED_SAMPLE.is_dir():
        return PACKAGED_SAMPLE
    raise UsageError(
        "the bundled sample workspace is not in this installation (built without setup.py's "
        "build step?); give --workspace, --log and --customers"
    )


def sample_log(scratch: ExitStack) -> tuple[Path, Path]:
    """The sample log and customers file: the checkout's samples/, else written into a
    temporary directory that `scratch` removes (the generator is seeded: the same files)."""
    if in_checkout():
        return SOURCE_ROOT / "samples" / "events.jsonl", SOURCE_ROOT / "samples" / "customers.csv"
    from cjo_cli.sample_log import write_demo_log

    return write_demo_log(Path(scratch.enter_context(tempfile.TemporaryDirectory("-cjo-demo"))))


def demo(
    out: Path = typer.Option(
        Path("cjo-demo"),
        "--out",
        metavar="DIR",
        help="Where to write cjo.duckdb and report.html.",
        file_okay=False,
    ),
    workspace: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        metavar="DIR",
        help="The workspace (default: the bundled sample's).",
        file_okay=False,
    ),
    logs: list[str] = typer.Option(
        None,
        "--log",
        metavar="FILE",
        help="Event log (default: the bundled samples/events.jsonl).",
        show_default=False,
    ),
    customers: Path | None = typer.Option(
        None,
        "--customers",
        metavar="FILE",
        help="Customer traits (default: the bundled samples/customers.csv).",
    ),
) -> None:
    """Run the whole loop on the bundled sample: validate, load the log, report the
    funnels, replay the journeys with their holdouts, print the measured journey maps,
    and write cjo-demo/ (a DuckDB file and a self-contained HTML report)."""
    import time

    began = time.perf_counter()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; give a directory")
    ws_dir = workspace if workspace is not None else sample_workspace()
    with ExitStack() as scratch:
        traits, shown = customers, None
        if logs:
            log_items = logs
        else:
            log, sample_traits = sample_log(scratch)
            log_items = [str(log)]
            traits = traits if traits is not None else sample_traits
            if not in_checkout():  # a temporary directory's name says nothing: say what it is
                shown = f"the sample log ({log.name}, generated)"
        _run(out, ws_dir, log_items, traits, shown, began)
    from cjo_cli.output.demo_next import print_own_export

    print_own_export()


def _run(
    out: Path,
    ws_dir: Path,
    log_items: list[str],
    traits: Path | None,
    shown: str | None,
    began: float,
) -> None:
    """The demo proper, on these inputs; `shown` names a generated sample log."""
    import time

    from cjo_cli.cli.input_warnings import warn_unmet
    from cjo_cli.engine.funnel_result import FunnelOptions
    from cjo_cli.engine.funnels import keep_results
    from cjo_cli.engine.measure import measure
    from cjo_cli.events.database import open_database
    from cjo_cli.findings import Level
    from cjo_cli.output.demo_report import DemoPrinter
    from cjo_cli.output.files import write_text_atomically
    from cjo_cli.output.html_report import render_page
    from cjo_cli.spec.workspace import validate_paths

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
        named = shown or ", ".join(str(p) for p in given.paths)
        loaded = f"{named}: read {summary.read:,} rows"
        loaded += f", rejected {summary.rejected:,}"
        if summary.rejected:
            loaded += " (kept with their reasons in the rejects table)"
        if opened.customers is not None and traits is not None:
            named = traits.name if shown else str(traits)
            loaded += f"; {named}: {opened.customers.customers:,} customers"
        printer.step(2, "load", loaded)
        warn_unmet(con, ws, list(ws.funnels), list(ws.journeys), traits is not None)
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
