"""`cjo map MAP_ID`: print a persona's journey map."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from cjo_cli.errors import UsageError


class MapFormat(StrEnum):
    terminal = "terminal"
    markdown = "markdown"
    mermaid = "mermaid"
    html = "html"


def map_command(
    map_id: str = typer.Argument(..., help="The id of a map document."),
    workspace: Path = typer.Option(
        Path("journeys"), "--workspace", "-w", help="The workspace directory.", file_okay=False
    ),
    output_format: MapFormat = typer.Option(
        MapFormat.terminal,
        "--format",
        "-f",
        help="terminal (a grid), markdown, mermaid or html (a self-contained page).",
    ),
    width: int | None = typer.Option(
        None, help="Terminal width to lay out for (default: the terminal's).", min=40
    ),
) -> None:
    """Print a persona's journey map: phases as columns, with actions, touchpoints,
    thoughts, the emotion curve, information needs, pain points, measures and KPIs."""
    from rich.console import Console

    from cjo_cli.cli.report_cmd import load_workspace
    from cjo_cli.output import journey_map
    from cjo_cli.spec.suggest import did_you_mean

    ws = load_workspace(workspace)
    jmap = ws.maps.get(map_id)
    if jmap is None:
        known = ", ".join(sorted(ws.maps)) or "none"
        raise UsageError(f"no map {map_id!r} (maps: {known}){did_you_mean(map_id, ws.maps)}")
    if output_format is MapFormat.markdown:
        typer.echo(journey_map.render_markdown(jmap, ws), nl=False)
    elif output_format is MapFormat.mermaid:
        typer.echo(journey_map.render_mermaid(jmap, ws), nl=False)
    elif output_format is MapFormat.html:
        typer.echo(journey_map.render_html(jmap, ws), nl=False)
    else:
        journey_map.render_terminal(jmap, ws, Console(width=width, highlight=False))
