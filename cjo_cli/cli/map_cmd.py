"""`cjo map MAP_ID [--log FILE...]`: print a persona's journey map, measured when a log is given."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from cjo_cli.cli import inputs, options
from cjo_cli.errors import UsageError


class MapFormat(StrEnum):
    terminal = "terminal"
    markdown = "markdown"
    mermaid = "mermaid"
    html = "html"
    json = "json"


def map_command(
    map_id: str = typer.Argument(..., metavar="MAP_ID", help="The id of a map document."),
    workspace: Path = options.WORKSPACE,
    output_format: MapFormat = typer.Option(
        MapFormat.terminal,
        "--format",
        "-f",
        help="terminal (a grid), markdown, mermaid, html (a self-contained page) or json.",
    ),
    width: int | None = typer.Option(
        None,
        metavar="COLUMNS",
        help="Terminal width to lay out for (default: the terminal's).",
        min=40,
    ),
    logs: list[str] = typer.Option(
        None,
        "--log",
        metavar="FILE",
        help="Event log file or glob (repeat for several): put the measured numbers on the map.",
        show_default=False,
    ),
    log_format: str = options.LOG_FORMAT,
    column_map: list[str] = options.COLUMN_MAP,
    customers: Path | None = options.CUSTOMERS,
    max_rejects: str = options.MAX_REJECTS,
    identity: options.Identity = options.IDENTITY,
    rejects: Path | None = options.REJECTS,
    source_tz: str | None = options.SOURCE_TZ,
    memory_limit: str | None = options.MEMORY_LIMIT,
    threads: int | None = options.THREADS,
) -> None:
    """Print a persona's journey map: phases as columns, with actions, touchpoints,
    thoughts, the emotion curve, information needs, pain points, measures and KPIs.
    With --log, each phase also shows the customers who reached it, its KPI funnels'
    conversion, its journeys' entered/converted, and its biggest exit point."""
    from cjo_cli.cli.input_warnings import map_documents, warn_unmet
    from cjo_cli.engine.funnel_result import FunnelOptions
    from cjo_cli.engine.map_overlay import MapOverlay
    from cjo_cli.engine.measure import measure
    from cjo_cli.output import journey_map, journey_map_html
    from cjo_cli.spec.suggest import did_you_mean

    ws = inputs.workspace(workspace)
    jmap = ws.maps.get(map_id)
    if jmap is None:
        known = ", ".join(sorted(ws.maps)) or "none"
        raise UsageError(f"no map {map_id!r} (maps: {known}){did_you_mean(map_id, ws.maps)}")
    overlay: MapOverlay | None = None
    source = ""
    if logs:
        if output_format is MapFormat.mermaid:
            raise UsageError(
                "a Mermaid journey diagram has no place for numbers: use --format terminal, "
                "markdown or html with --log"
            )
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
        source = ", ".join(path.name for path in given.paths)
        with inputs.database(None, threads, memory_limit) as con:
            inputs.open_log(con, given, copy=False)
            funnel_ids, journey_ids = map_documents(jmap)
            warn_unmet(con, ws, funnel_ids, journey_ids, customers_given=customers is not None)
            found = measure(con, ws, [], [], [jmap], FunnelOptions(personas=dict(ws.personas)))
            overlay = found.overlays[jmap.id]
    if output_format is MapFormat.markdown:
        typer.echo(journey_map.render_markdown(jmap, ws, overlay, source), nl=False)
    elif output_format is MapFormat.mermaid:
        typer.echo(journey_map.render_mermaid(jmap, ws), nl=False)
    elif output_format is MapFormat.json:
        typer.echo(journey_map.render_json(jmap, ws, overlay, source), nl=False)
    elif output_format is MapFormat.html:
        typer.echo(journey_map_html.render_html(jmap, ws, overlay, source), nl=False)
    else:
        journey_map.render_terminal(jmap, ws, overlay, source, width=width)
