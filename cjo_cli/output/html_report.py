"""The shareable HTML report (`cjo report --html`, `cjo demo`): one self-contained file.

No script and no network: the charts are inline SVG, the styles inline CSS, so the
file can be attached to a ticket, opened offline, and printed. It shows:

- the funnels as bar charts with the conversion from step 1 and from the step before;
- the holdout comparison of every journey that has a holdout;
- each journey as a flow diagram, every step annotated with its replayed counts;
- each journey map as its grid with the emotion curve and the measured overlay.

Every text that comes from a workspace or a log is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from rich.cells import cell_len

from cjo_cli.engine.funnels import FunnelResult
from cjo_cli.engine.map_overlay import MapOverlay
from cjo_cli.engine.replay_stats import JourneyTotals, ReplayTotals, lift
from cjo_cli.model import (
    AbStep,
    ExitStep,
    Journey,
    SendStep,
    SplitStep,
    Step,
    WaitForStep,
    WaitStep,
    WaitUntilStep,
    Workspace,
)
from cjo_cli.output.funnel_report import duration, percent
from cjo_cli.output.journey_map import MAP_STYLE, map_intro_html, map_table_html
from cjo_cli.output.simulate_report import lift_text


@dataclass(frozen=True)
class LogFacts:
    sources: tuple[str, ...]
    read: int
    rejected: int
    start: str | None
    end: str | None
    customers: int


STYLE = (
    MAP_STYLE
    + """
body { max-width: 1400px; color: #222; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 2px solid #d6336c; padding-bottom: .2rem;
  margin-top: 2.5rem; } h3 { margin-bottom: .3rem; }
.meta { color: #555; margin: .2rem 0; } .kpi { font-weight: bold; }
.good { color: #2b8a3e; } .bad { color: #b02a37; }
table.numbers { width: auto; table-layout: auto; margin: .5rem 0 1rem; }
table.numbers td, table.numbers th { text-align: right; } table.numbers td:first-child,
table.numbers th:first-child { text-align: left; }
section.item { break-inside: avoid; page-break-inside: avoid; margin-bottom: 1.5rem; }
nav ul { columns: 2; } svg text { font-family: inherit; }
@media print { h2 { break-before: page; } nav { display: none; } }
"""
)
_PINK, _BLUE, _GREY, _RED, _GREEN = "#d6336c", "#1c7ed6", "#adb5bd", "#b02a37", "#2b8a3e"


def _clip(text: str, cells: int) -> str:
    """Text cut to `cells` display cells (wide characters count two), with an ellipsis."""
    if cell_len(text) <= cells:
        return text
    out, used = [], 0
    for char in text:
        width = cell_len(char)
        if used + width > cells - 1:
            break
        out.append(char)
        used += width
    return "".join(out) + "…"


def _svg_text(x: float, y: float, text: str, **attrs: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


# ---- funnels ---------------------------------------------------------------------


def funnel_svg(result: FunnelResult) -> str:
    """Horizontal bars, one per step, as long as its share of step 1's customers."""
    steps = result.total.steps
    label_w, bar_w, row_h, width = 240, 400, 34, 1160
    height = row_h * len(steps) + 30
    first = steps[0].customers if steps else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="funnel {escape(result.funnel.id)}" class="funnel-chart">'
    ]
    for index, step in enumerate(steps):
        y = 10 + index * row_h
        share = step.customers / first if first else 0.0
        parts.append(
            _svg_text(label_w - 10, y + 19, _clip(step.name, 34), text_anchor="end", font_size="14")
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="{row_h - 10}" '
            'fill="#f1f3f5"/>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w * share:.1f}" height="{row_h - 10}" '
            f'fill="{_PINK}"><title>{escape(step.name)}: {step.customers:,}</title></rect>'
        )
        detail = f"{step.customers:,} · {percent(step.from_start)} of step 1"
        if index:
            detail += f" · {percent(step.from_previous)} of previous"
            if step.median_seconds is not None:
                detail += f" · median {duration(step.median_seconds)}"
        parts.append(_svg_text(label_w + bar_w + 10, y + 19, detail, font_size="13"))
    parts.append("</svg>")
    return "".join(parts)


def _funnel_section(result: FunnelResult) -> str:
    funnel = result.funnel
    steps = result.total.steps
    conversion = steps[-1].from_start if steps else None
    kpi = ""
    if funnel.kpi is not None:
        kpi = f"{escape(funnel.kpi.name)}: {percent(conversion)}"
        target = funnel.kpi.target_percent
        if target is not None and conversion is not None:
            met = conversion * 100 >= target
            kpi += (
                f' <span class="{"good" if met else "bad"}">'
                f"({'meets' if met else 'below'} the {target:g}% target)</span>"
            )
    else:
        kpi = f"conversion {percent(conversion)}"
    window = funnel.window.text or f"{funnel.window.seconds}s"
    meta = f"{funnel.order}, window {escape(window)}"
    if result.total.excluded:
        meta += f"; {result.total.excluded:,} removed by exclusions"
    body = [
        f'<section class="item" id="funnel-{escape(funnel.id)}">',
        f"<h3>{escape(funnel.name)} <small>({escape(funnel.id)})</small></h3>",
        f'<p class="kpi">{kpi}</p><p class="meta">{meta}</p>',
        funnel_svg(result),
    ]
    if result.breakdown_by is not None and result.groups:
        head = "".join(f"<th>{escape(step.name)}</th>" for step in steps)
        rows = "".join(
            f"<tr><td>{escape(group.label or '')}</td>"
            + "".join(f"<td>{step.customers:,}</td>" for step in group.steps)
            + f"<td>{percent(group.steps[-1].from_start)}</td></tr>"
            for group in result.groups
        )
        body.append(
            f'<table class="numbers"><caption>by {escape(result.breakdown_by)}</caption>'
            f"<tr><th></th>{head}<th>Conversion</th></tr>{rows}</table>"
        )
    body.append("</section>")
    return "".join(body)


# ---- journeys --------------------------------------------------------------------


def _describe(step: Step, ws: Workspace) -> str:
    if isinstance(step, WaitStep):
        return f"wait {step.duration.text or str(step.duration.seconds) + 's'}"
    if isinstance(step, WaitUntilStep):
        return f"wait until {step.at:%H:%M} {step.tz}"
    if isinstance(step, WaitForStep):
        timeout = step.timeout.text or f"{step.timeout.seconds}s"
        return f"wait for {step.event.event} (≤ {timeout})"
    if isinstance(step, SendStep):
        tp = ws.touchpoints.get(step.touchpoint)
        return f"send {tp.name} · {tp.channel}" if tp is not None else f"send {step.touchpoint}"
    if isinstance(step, SplitStep):
        return f"split ({len(step.branches)} branches)"
    if isinstance(step, AbStep):
        return "A/B " + " / ".join(f"{v.name} {v.weight:g}" for v in step.variants)
    if isinstance(step, ExitStep):
        return "exit"
    return ""


def _edges(step: Step) -> list[tuple[str, str]]:
    """(target, label) of each way out of a step."""
    if isinstance(step, WaitForStep):
        return [(step.next, step.event.event), (step.on_timeout, "timeout")]
    if isinstance(step, SplitStep):
        return [
            (branch.next, "else" if branch.is_else else f"if #{number}")
            for number, branch in enumerate(step.branches, 1)
        ]
    if isinstance(step, AbStep):
        return [(variant.next, variant.name) for variant in step.variants]
    return [(target, "") for target, _ in step.successors()]


def _layers(journey: Journey) -> dict[str, int]:
    """Each step's depth from the start (breadth first); unreachable steps go last."""
    depth = {journey.start: 0}
    queue = [journey.start]
    while queue:
        current = queue.pop(0)
        step = journey.steps.get(current)
        if step is None:
            continue
        for target, _ in _edges(step):
            if target in journey.steps and target not in depth:
                depth[target] = depth[current] + 1
                queue.append(target)
    last = max(depth.values(), default=0) + 1
    for step_id in journey.steps:
        depth.setdefault(step_id, last)
    return depth


BOX_W, BOX_H, GAP_X, GAP_Y = 250, 84, 36, 56


def flow_svg(journey: Journey, totals: JourneyTotals | None, ws: Workspace) -> str:
    """The journey as a top-down flow: a box per step with its counts, an arrow per way
    out (labelled with the event, `timeout`, the branch or the variant)."""
    depth = _layers(journey)
    rows: dict[int, list[str]] = {}
    for step_id in journey.steps:
        rows.setdefault(depth[step_id], []).append(step_id)
    widest = max((len(ids) for ids in rows.values()), default=1)
    width = max(widest * (BOX_W + GAP_X) + GAP_X + 120, 600)
    height = len(rows) * (BOX_H + GAP_Y) + GAP_Y
    place: dict[str, tuple[float, float]] = {}
    for level, ids in rows.items():
        span = len(ids) * BOX_W + (len(ids) - 1) * GAP_X
        left = (width - 120 - span) / 2
        for index, step_id in enumerate(ids):
            place[step_id] = (left + index * (BOX_W + GAP_X), GAP_Y / 2 + level * (BOX_H + GAP_Y))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" style="max-width:{width:.0f}px" role="img" '
        f'aria-label="flow of journey {escape(journey.id)}" class="flow-chart">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        f'fill="{_GREY}"/></marker></defs>',
    ]
    for step_id, step in journey.steps.items():
        x, y = place[step_id]
        for target, label in _edges(step):
            if target not in place:
                continue
            tx, ty = place[target]
            if ty == y and tx != x:
                # Side by side in one row: straight across.
                x1 = x + BOX_W if tx > x else x
                x2 = tx if tx > x else tx + BOX_W
                y1 = y2 = y + BOX_H / 2
                path = f"M {x1:.1f} {y1:.1f} L {x2:.1f} {y2:.1f}"
                lx, ly = (x1 + x2) / 2 - 10, y1 - 6
            elif ty > y:
                x1, y1, x2, y2 = x + BOX_W / 2, y + BOX_H, tx + BOX_W / 2, ty
                path = (
                    f"M {x1:.1f} {y1:.1f} C {x1:.1f} {y1 + 30:.1f} "
                    f"{x2:.1f} {y2 - 30:.1f} {x2:.1f} {y2:.1f}"
                )
                lx, ly = (x1 + x2) / 2 + 4, (y1 + y2) / 2
            else:
                # A loop back (or a jump within a row): around the right side.
                x1, y1 = x + BOX_W, y + BOX_H / 2
                x2, y2 = tx + BOX_W, ty + BOX_H / 2
                bend = max(x1, x2) + 60
                path = (
                    f"M {x1:.1f} {y1:.1f} C {bend:.1f} {y1:.1f} "
                    f"{bend:.1f} {y2:.1f} {x2:.1f} {y2:.1f}"
                )
                lx, ly = bend - 20, (y1 + y2) / 2
            parts.append(
                f'<path d="{path}" fill="none" stroke="{_GREY}" stroke-width="2" '
                'marker-end="url(#arrow)"/>'
            )
            if label:
                parts.append(_svg_text(lx, ly, _clip(label, 22), font_size="12", fill="#555"))
    for step_id, step in journey.steps.items():
        x, y = place[step_id]
        counts = totals.steps.get(step_id) if totals is not None else None
        start = step_id == journey.start
        stroke = _PINK if start else "#495057"
        title = f"{step_id}: {_describe(step, ws)}"
        parts.append(
            f'<g class="step"><title>{escape(title)}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="8" '
            f'fill="#fff" stroke="{stroke}" stroke-width="{2.5 if start else 1.5}"/>'
        )
        parts.append(
            _svg_text(x + 10, y + 20, _clip(step_id, 36), font_size="14", font_weight="bold")
        )
        parts.append(_svg_text(x + 10, y + 39, _clip(_describe(step, ws), 38), font_size="12"))
        if counts is not None:
            parts.append(
                _svg_text(
                    x + 10,
                    y + 58,
                    f"{counts.unique:,} customers · {counts.total:,} visits",
                    font_size="12",
                    fill=_BLUE,
                )
            )
            outcomes: list[tuple[str, str]] = []
            if counts.left["goal"]:
                outcomes.append((f"goal {counts.left['goal']:,}", _GREEN))
            if counts.drop_off:
                outcomes.append((f"exit event −{counts.drop_off:,}", _RED))
            if counts.left["censored"]:
                outcomes.append((f"open at log end {counts.left['censored']:,}", "#555"))
            offset = x + 10.0
            for text, colour in outcomes:
                parts.append(_svg_text(offset, y + 76, text, font_size="12", fill=colour))
                offset += cell_len(text) * 7 + 12
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def holdout_svg(totals: JourneyTotals) -> str:
    """Two bars, treated and holdout conversion, with the difference and its interval."""
    treated, holdout = totals.treated, totals.holdout
    top = max(treated.rate or 0.0, holdout.rate or 0.0, 0.01)
    width, bar_w = 760, 420
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 100" width="100%" '
        f'style="max-width:{width}px" role="img" aria-label="holdout comparison" '
        'class="holdout-chart">'
    ]
    for index, (label, group, colour) in enumerate(
        (("treated", treated, _PINK), ("holdout", holdout, _GREY))
    ):
        y = 12 + index * 40
        share = (group.rate or 0.0) / top
        parts.append(_svg_text(80, y + 20, label, text_anchor="end", font_size="14"))
        parts.append(
            f'<rect x="90" y="{y + 4}" width="{bar_w * share:.1f}" height="24" fill="{colour}"/>'
        )
        parts.append(
            _svg_text(
                100 + bar_w * share,
                y + 21,
                f"{percent(group.rate)} ({group.converted:,} of {group.entered:,})",
                font_size="13",
            )
        )
    parts.append("</svg>")
    return "".join(parts)


def _lift_text(totals: JourneyTotals) -> str:
    found = lift(totals.treated, totals.holdout)
    if found is None:
        return "no holdout customers entered: the effect cannot be measured"
    return lift_text(found)


def _holdout_table(totals: ReplayTotals, ws: Workspace) -> str:
    rows = []
    for journey_totals in totals.journeys.values():
        journey = ws.journeys[journey_totals.id]
        if journey.holdout_percent <= 0:
            continue
        treated, holdout = journey_totals.treated, journey_totals.holdout
        rows.append(
            f"<tr><td>{escape(journey.name)}</td><td>{treated.entered:,}</td>"
            f"<td>{percent(treated.rate)}</td><td>{holdout.entered:,}</td>"
            f"<td>{percent(holdout.rate)}</td><td>{escape(_lift_text(journey_totals))}</td></tr>"
        )
    if not rows:
        return "<p>No journey has a holdout.</p>"
    return (
        '<table class="numbers"><tr><th>Journey</th><th>Treated entered</th><th>Conversion</th>'
        "<th>Holdout entered</th><th>Conversion</th><th>Effect</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _journey_section(journey: Journey, totals: JourneyTotals, ws: Workspace) -> str:
    treated = totals.treated
    headline = (
        f"{treated.entered:,} entered, {treated.converted:,} converted ({percent(treated.rate)})"
    )
    if treated.entries != treated.entered:
        headline += f", {treated.entries:,} entries"
    exits = ", ".join(f"{reason} {count:,}" for reason, count in totals.exits.items())
    body = [
        f'<section class="item" id="journey-{escape(journey.id)}">',
        f"<h3>{escape(journey.name)} <small>({escape(journey.id)})</small></h3>",
        f'<p class="kpi">{escape(headline)}</p><p class="meta">exits: {escape(exits)}</p>',
    ]
    if journey.holdout_percent > 0:
        body.append(holdout_svg(totals))
        body.append(f'<p class="meta">{escape(_lift_text(totals))}</p>')
    body.append(flow_svg(journey, totals, ws))
    sent = [s for s in totals.sends.values() if s.sent or s.capped]
    if sent:
        rows = "".join(
            f"<tr><td>{escape(s.touchpoint)}</td><td>{escape(s.channel)}</td><td>{s.sent:,}</td>"
            f"<td>{s.capped:,}</td><td>{s.deferred:,}</td>"
            + (
                f"<td>{s.delivered:,}</td><td>{s.opened:,}</td><td>{s.clicked:,}</td>"
                if s.observable
                else "<td>–</td><td>–</td><td>–</td>"
            )
            + "</tr>"
            for s in sent
        )
        body.append(
            '<table class="numbers"><tr><th>Touchpoint</th><th>Channel</th><th>Sent</th>'
            "<th>Capped</th><th>Deferred</th><th>Delivered</th><th>Opened</th><th>Clicked</th>"
            f"</tr>{rows}</table>"
        )
    body.append("</section>")
    return "".join(body)


# ---- the page --------------------------------------------------------------------


def render_report(
    ws: Workspace,
    log: LogFacts,
    funnels: Sequence[FunnelResult],
    totals: ReplayTotals | None,
    overlays: Mapping[str, MapOverlay],
    notes: Sequence[str] = (),
    title: str = "cjo report",
) -> str:
    """The whole page."""
    sources = ", ".join(log.sources)
    span = f"{log.start} … {log.end}" if log.start and log.end else "empty"
    parts = [
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Log: {escape(sources)} · read {log.read:,} rows, rejected '
        f"{log.rejected:,} · {log.customers:,} customers · {escape(span)} (UTC)</p>",
    ]
    toc = ["<nav><ul>"]
    if funnels:
        toc.append('<li><a href="#funnels">Funnels</a></li>')
    if totals is not None:
        toc.append('<li><a href="#holdout">Holdout comparison</a></li>')
        toc.append('<li><a href="#journeys">Journeys</a></li>')
    if overlays:
        toc.append('<li><a href="#maps">Journey maps</a></li>')
    parts.append("".join(toc) + "</ul></nav>")
    if funnels:
        parts.append('<h2 id="funnels">Funnels</h2>')
        parts += [_funnel_section(result) for result in funnels]
    if totals is not None:
        parts.append('<h2 id="holdout">Holdout comparison</h2>')
        parts.append(_holdout_table(totals, ws))
        parts.append('<h2 id="journeys">Journeys</h2>')
        for journey_totals in totals.journeys.values():
            parts.append(_journey_section(ws.journeys[journey_totals.id], journey_totals, ws))
    if overlays:
        parts.append('<h2 id="maps">Journey maps</h2>')
        for map_id, overlay in overlays.items():
            jmap = ws.maps[map_id]
            parts.append(
                f'<section id="map-{escape(map_id)}"><h3>{escape(jmap.name)}</h3>'
                f"{map_intro_html(jmap, ws)}{map_table_html(jmap, ws, overlay)}</section>"
            )
    if notes:
        parts.append("<h2>Assumptions</h2><ul>")
        parts += [f"<li>{escape(note)}</li>" for note in notes]
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "".join(parts)
