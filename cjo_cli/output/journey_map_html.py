"""A journey map as HTML (`cjo map --format html`, and in the HTML report): the grid
as a table, the emotion curve as inline SVG, every text escaped."""

from __future__ import annotations

from cjo_cli.engine.map_overlay import MapOverlay
from cjo_cli.model import JourneyMap, Workspace
from cjo_cli.output.journey_map import (
    FACES,
    MEASURED_ROWS,
    Column,
    cell_items,
    columns,
    map_header,
    measured_note,
    rows,
    where_lost,
)
from cjo_cli.output.text import html_text


def emotion_svg(cols: list[Column], width: int = 900, height: int = 160) -> str:
    """An inline SVG line through the stages' emotion scores (+2 at the top, -2 at the bottom)."""
    step = width / max(len(cols), 1)
    top, bottom = 36.0, height - 24.0

    def y(score: int) -> float:
        return top + (2 - score) * (bottom - top) / 4

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="emotion curve">',
        f'<line x1="0" y1="{y(0):.1f}" x2="{width}" y2="{y(0):.1f}" stroke="#bbb" '
        'stroke-dasharray="4 4"/>',
    ]
    points = []
    for index, column in enumerate(cols):
        emotion = column.stage.emotion if column.stage is not None else None
        if emotion is None:
            continue
        x = step * index + step / 2
        points.append((x, y(emotion.score), emotion))
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{py:.1f}" for x, py, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#d6336c" stroke-width="3"/>')
    for x, py, emotion in points:
        label = html_text(f"{FACES[emotion.score]} {emotion.score:+d} {emotion.note}".strip())
        parts.append(f'<circle cx="{x:.1f}" cy="{py:.1f}" r="6" fill="#d6336c"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{py - 12:.1f}" text-anchor="middle" font-size="13">'
            f"{label}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


MAP_STYLE = """
body { font-family: system-ui, "Hiragino Sans", "Noto Sans CJK JP", sans-serif; margin: 2rem; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 1px solid #ccc; padding: .4rem .5rem; vertical-align: top; font-size: .9rem; }
th { background: #f6f6f6; } td.label { font-weight: bold; width: 8rem; background: #fafafa; }
ul { margin: 0; padding-left: 1.1rem; } .theme { color: #555; }
tr.measured td { background: #eef6ff; } p.lost { font-weight: bold; color: #b02a37; }
@media print { body { margin: 0; } th, td { font-size: .75rem; } }
"""


def map_table_html(jmap: JourneyMap, ws: Workspace, overlay: MapOverlay | None = None) -> str:
    """The map grid as an HTML table with the emotion curve above it (a fragment)."""
    cols = columns(jmap, ws, overlay)
    head = "".join(f"<th>{html_text(c.title)}</th>" for c in cols)
    customers = overlay.customers if overlay is not None else 0
    body_rows = []
    for row, label in rows(overlay):
        cells = []
        for column in cols:
            items = cell_items(column, row, ws, customers)
            inner = "".join(f"<li>{html_text(item)}</li>" for item in items)
            cells.append(f"<td><ul>{inner}</ul></td>" if inner else "<td></td>")
        kind = ' class="measured"' if (row, label) in MEASURED_ROWS else ""
        head_cell = f'<td class="label">{html_text(label)}</td>'
        body_rows.append(f"<tr{kind}>{head_cell}{''.join(cells)}</tr>")
    # The curve sits in a row spanning the phase columns, so its points line up with them.
    curve = (
        f'<tr><td class="label">Emotion curve</td>'
        f'<td colspan="{len(cols)}">{emotion_svg(cols)}</td></tr>'
    )
    body = curve + "".join(body_rows)
    table = f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"
    if overlay is not None:
        table += f'<p class="lost">{html_text(where_lost(jmap, ws, overlay))}</p>'
    return table


def map_intro_html(jmap: JourneyMap, ws: Workspace) -> str:
    persona, _ = map_header(jmap, ws)
    theme = jmap.theme
    return (
        f'<p class="theme">Persona: {html_text(persona)}'
        f" · Product: {html_text(theme.product)} · Start: {html_text(theme.start)}"
        f" · Goal: {html_text(theme.goal)}</p>"
    )


def render_html(
    jmap: JourneyMap, ws: Workspace, overlay: MapOverlay | None = None, source: str = ""
) -> str:
    """A self-contained HTML page of the map: no scripts, no network, printable."""
    note = f'<p class="theme">{html_text(measured_note(overlay, source))}</p>' if overlay else ""
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>{html_text(jmap.name)}</title><style>{MAP_STYLE}</style></head><body>"
        f"<h1>{html_text(jmap.name)}</h1>{map_intro_html(jmap, ws)}{note}"
        f"{map_table_html(jmap, ws, overlay)}</body></html>\n"
    )
