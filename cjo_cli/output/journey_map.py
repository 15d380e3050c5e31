"""A persona's journey map: its phases and what each shows, for the terminal
(`journey_map_terminal`), Markdown, a Mermaid journey diagram, HTML and JSON.

Phases come in the order of the map's phases document; the rows are what the
journey-map method asks for: actions, touchpoints (with channel), thoughts, the
emotion, information needs, pain points, measures, KPIs and the journeys of each
phase, and with a log the measured numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.console import Console

from cjo_cli.engine.map_overlay import ExitPoint, MapOverlay, PhaseMeasure
from cjo_cli.model import JourneyMap, Stage, Workspace
from cjo_cli.output.text import markdown, visible

ROWS = (
    ("actions", "Actions"),
    ("touchpoints", "Touchpoints"),
    ("thoughts", "Thoughts"),
    ("emotion", "Emotion"),
    ("info_needs", "Info needs"),
    ("pain_points", "Pain points"),
    ("measures", "Measures"),
    ("kpis", "KPIs"),
    ("journeys", "Journeys"),
)
# Rows that only a measured map (`--log`) has.
MEASURED_ROWS = (("reached", "Reached"), ("biggest_exit", "Top exit"))
# Marks every font has (emoji faces show as boxes without an emoji font, and take
# an unpredictable width in terminals): the Japanese ◎ ○ △ × grading.
FACES = {2: "◎", 1: "○", 0: "△", -1: "×", -2: "××"}


@dataclass(frozen=True)
class Column:
    phase_id: str
    title: str
    stage: Stage | None
    measured: PhaseMeasure | None = None


def columns(jmap: JourneyMap, ws: Workspace, overlay: MapOverlay | None = None) -> list[Column]:
    """The map's phases in their declared order; phases with no stage are empty columns."""
    phases = ws.phases.get(jmap.phases)
    order = [(p.id, p.name) for p in phases.phases] if phases is not None else []
    known = {phase_id for phase_id, _ in order}
    order += [(phase_id, phase_id) for phase_id in jmap.stages if phase_id not in known]
    measured = overlay.phases if overlay is not None else {}
    return [Column(pid, name, jmap.stages.get(pid), measured.get(pid)) for pid, name in order]


def rows(overlay: MapOverlay | None) -> tuple[tuple[str, str], ...]:
    return ROWS + MEASURED_ROWS if overlay is not None else ROWS


def share_text(part: int, whole: int | None) -> str:
    """`part` as a percentage of `whole` with one decimal, `–` when there is no whole."""
    return f"{part / whole * 100:.1f}%" if whole else "–"


def _measured_items(column: Column, row: str, customers: int) -> list[str] | None:
    """The measured text of a row, or None when the row is not a measured one."""
    measured = column.measured
    if row == "reached":
        if column.stage is None:
            return []
        if measured is None or measured.reached is None:
            return ["not measured (no KPI funnel or journey here)"]
        share = share_text(measured.reached, customers)
        return [f"{measured.reached:,} customers ({share} of the log)"]
    if row == "biggest_exit":
        point = measured.biggest_exit if measured is not None else None
        if point is None:
            return []
        share = share_text(point.lost, point.of)
        return [f"{point.where}: −{point.lost:,} of {point.of:,} ({share})"]
    if measured is None:
        return None
    if row == "kpis":
        shown = []
        for kpi in measured.kpis:
            rate = share_text(kpi.completed, kpi.started)
            text = f"{kpi.label}: {rate} ({kpi.completed:,}/{kpi.started:,})"
            if kpi.met is not None:
                verdict = "meets" if kpi.met else "below"
                text += f", {verdict} target {kpi.target_percent:g}%"
            shown.append(text)
        return shown
    if row == "journeys":
        shown = []
        for journey in measured.journeys:
            # Entered and converted only: a replay's treated-vs-holdout comparison is
            # no measured effect, so the map does not put one next to the journey.
            shown.append(
                f"{journey.name}: {journey.entered:,} entered, {journey.converted:,} converted "
                f"({share_text(journey.converted, journey.entered)})"
            )
        return shown
    return None


def stage_items(column: Column, row: str, ws: Workspace, customers: int = 0) -> list[str]:
    measured = _measured_items(column, row, customers)
    if measured is not None:
        return measured
    stage = column.stage
    if stage is None:
        return []
    if row == "touchpoints":
        shown = []
        for tp_id in stage.touchpoints:
            tp = ws.touchpoints.get(tp_id)
            shown.append(f"{tp.name} · {tp.channel}" if tp is not None else tp_id)
        return shown
    if row == "kpis":
        shown = []
        for kpi in stage.kpis:
            funnel = ws.funnels.get(kpi.funnel)
            label = kpi.name or (funnel.kpi.name if funnel and funnel.kpi else "") or kpi.funnel
            shown.append(f"{label} [{kpi.funnel}]" if label != kpi.funnel else kpi.funnel)
        return shown
    if row == "journeys":
        return [ws.journeys[j].name if j in ws.journeys else j for j in stage.journeys]
    if row == "emotion":
        if stage.emotion is None:
            return []
        return [f"{stage.emotion.score:+d} {stage.emotion.note}".strip()]
    values: tuple[str, ...] = getattr(stage, row)
    return list(values)


def map_header(jmap: JourneyMap, ws: Workspace) -> tuple[str, str]:
    """The persona's name, and the theme line (empty when the map has no theme)."""
    persona = ws.personas.get(jmap.persona)
    theme = jmap.theme
    line = ""
    if theme.product or theme.start or theme.goal:
        line = f"product: {theme.product}  start: {theme.start}  goal: {theme.goal}"
    return (persona.name if persona else jmap.persona), line


def where_lost(jmap: JourneyMap, ws: Workspace, overlay: MapOverlay) -> str:
    """The one-line answer to "where do we lose the persona?"."""
    persona, _ = map_header(jmap, ws)
    found = overlay.biggest_exit
    if found is None:
        return f"Where we lose {persona}: the log shows no drop in this map's funnels and journeys."
    phase_id, point = found
    title = next((c.title for c in columns(jmap, ws) if c.phase_id == phase_id), phase_id)
    return (
        f"Where we lose {persona}: {title}, {point.where}: {point.lost:,} of {point.of:,} "
        f"({share_text(point.lost, point.of)}) did not go on."
    )


def measured_note(overlay: MapOverlay, source: str) -> str:
    return (
        f"Measured on {source}: {overlay.customers:,} customers; KPI and journey numbers are "
        "those of `cjo report` and `cjo simulate` (all customers of the log, not only the persona)"
    )


def render_terminal(
    jmap: JourneyMap,
    ws: Workspace,
    overlay: MapOverlay | None = None,
    source: str = "",
    *,
    width: int | None = None,
    console: Console | None = None,
) -> None:
    """Print the map (on stdout at `width`, or on `console`): the emotion curve over
    every phase, then each phase's details (`journey_map_terminal`)."""
    # Imported here: the terminal layout builds on this module's columns and items.
    from cjo_cli.output import journey_map_terminal

    console = console or Console(width=width, highlight=False)
    console.print(journey_map_terminal.terminal_map(jmap, ws, overlay, source, console.width))


def cell_items(column: Column, row: str, ws: Workspace, customers: int = 0) -> list[str]:
    """What a cell of the grid lists, in Markdown and HTML (the emotion with its face)."""
    items = stage_items(column, row, ws, customers)
    return emotion_items(column, items) if row == "emotion" else items


def emotion_items(column: Column, items: list[str]) -> list[str]:
    if column.stage is not None and column.stage.emotion is not None:
        return [f"{FACES[column.stage.emotion.score]} {items[0]}"]
    return items


def render_markdown(
    jmap: JourneyMap, ws: Workspace, overlay: MapOverlay | None = None, source: str = ""
) -> str:
    """A Markdown table: phases as columns, `<br>` between the items of a cell; every
    text escaped for Markdown (`markdown`), so none can break the table or be HTML."""
    cols = columns(jmap, ws, overlay)
    persona, _ = map_header(jmap, ws)
    lines = [f"# {markdown(jmap.name)}", "", f"Persona: {markdown(persona)}"]
    theme = jmap.theme
    if theme.product or theme.start or theme.goal:
        lines.append(
            f"Product: {markdown(theme.product)} · Start: {markdown(theme.start)} · "
            f"Goal: {markdown(theme.goal)}"
        )
    if overlay is not None:
        # The note's code spans are cjo's own: only the log's file names are escaped.
        lines += ["", measured_note(overlay, markdown(source))]
    lines += ["", "| | " + " | ".join(markdown(c.title) for c in cols) + " |"]
    lines.append("|---|" + "---|" * len(cols))
    customers = overlay.customers if overlay is not None else 0
    for row, label in rows(overlay):
        values = []
        for column in cols:
            items = cell_items(column, row, ws, customers)
            values.append("<br>".join(markdown(item) for item in items))
        lines.append(f"| **{label}** | " + " | ".join(values) + " |")
    if overlay is not None:
        lines += ["", f"**{markdown(where_lost(jmap, ws, overlay))}**"]
    return "\n".join(lines) + "\n"


def render_mermaid(jmap: JourneyMap, ws: Workspace) -> str:
    """A Mermaid `journey` diagram: a section per phase, a task per action, scored 1-5
    from the stage's emotion (-2..+2), the persona as the actor."""
    persona = ws.personas.get(jmap.persona)
    # Commas separate actors in Mermaid: the persona's name must not contain one.
    actor = _mermaid_text(persona.name if persona else jmap.persona).replace(",", "，")
    lines = ["journey", f"    title {_mermaid_text(jmap.name)}"]
    for column in columns(jmap, ws):
        stage = column.stage
        if stage is None:
            continue
        score = (stage.emotion.score if stage.emotion else 0) + 3
        lines.append(f"    section {_mermaid_text(column.title)}")
        if stage.actions:
            tasks = stage.actions
        elif stage.emotion is not None and stage.emotion.note:
            tasks = (stage.emotion.note,)
        else:
            tasks = (column.title,)
        for task in tasks:
            lines.append(f"      {_mermaid_task(task)}: {score}: {actor}")
    return "\n".join(lines) + "\n"


# In Mermaid's journey grammar ':' separates a task from its score, '#' and ';' end a
# statement, and '%%' starts a comment; each becomes its full-width look-alike.
_MERMAID = str.maketrans({":": "：", ";": "；", "#": "＃"})
# A task line that starts with one of these is read as another statement (ignoring case,
# `journey` also as the start of a longer word): "Title page" would become the title.
_MERMAID_KEYWORD = re.compile(r"journey|title\s|section\s|acc(title|descr)\s*[:{]", re.I)


def _mermaid_text(text: str) -> str:
    """Text for a title, section or actor: one line, no statement ends, nothing hidden;
    never empty, which would leave the statement without its text."""
    shown = " ".join(visible(text).translate(_MERMAID).replace("%%", "％％").split())
    return shown or "-"


def _mermaid_task(text: str) -> str:
    """A task's text, its first letter full-width when Mermaid would read a keyword."""
    shown = _mermaid_text(text)
    if _MERMAID_KEYWORD.match(shown):
        return chr(ord(shown[0]) + 0xFEE0) + shown[1:]  # `t` → `ｔ`
    return shown


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def render_json(
    jmap: JourneyMap, ws: Workspace, overlay: MapOverlay | None = None, source: str = ""
) -> str:
    """The map's phases with their measured numbers (null without a log), for scripts and
    for checking that the map says what `cjo report` and `cjo simulate` say."""
    import json

    def exit_point(point: ExitPoint | None) -> dict[str, object] | None:
        if point is None:
            return None
        share = _round(point.share)
        return {"where": point.where, "lost": point.lost, "of": point.of, "share": share}

    phases = []
    for column in columns(jmap, ws, overlay):
        stage, measured = column.stage, column.measured
        entry: dict[str, object] = {
            "id": column.phase_id,
            "name": column.title,
            "emotion": stage.emotion.score if stage is not None and stage.emotion else None,
            "reached": measured.reached if measured is not None else None,
        }
        if measured is not None:
            entry["kpis"] = [
                {
                    "funnel": kpi.funnel,
                    "label": kpi.label,
                    "started": kpi.started,
                    "completed": kpi.completed,
                    "rate": _round(kpi.rate),
                    "target_percent": kpi.target_percent,
                    "met": kpi.met,
                }
                for kpi in measured.kpis
            ]
            entry["journeys"] = [
                {
                    "journey": j.journey,
                    "name": j.name,
                    "entered": j.entered,
                    "converted": j.converted,
                    "conversion_rate": _round(j.rate),
                    "holdout_entered": j.holdout_entered,
                    "holdout_converted": j.holdout_converted,
                }
                for j in measured.journeys
            ]
            entry["top_exit"] = exit_point(measured.biggest_exit)
        phases.append(entry)
    data: dict[str, object] = {
        "map": jmap.id,
        "name": jmap.name,
        "persona": jmap.persona,
        "measured_on": source or None,
        "customers": overlay.customers if overlay is not None else None,
        "phases": phases,
    }
    if overlay is not None:
        found = overlay.biggest_exit
        data["top_exit"] = (
            None if found is None else {"phase": found[0], **(exit_point(found[1]) or {})}
        )
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
