"""The shareable HTML report (`cjo report --html`, `cjo demo`): one self-contained file.

No script and no network: the charts are inline SVG, the styles inline CSS, so the
file can be attached to a ticket, opened offline, and printed. It shows:

- the funnels as bar charts with the conversion from step 1 and from the step before,
  the time to each step as histograms and the conversion per period as a line;
- the holdout comparison of every journey that has a holdout;
- each journey as a flow diagram, every step annotated with its replayed counts;
- each journey map as its grid with the emotion curve and the measured overlay.

Every text that comes from a workspace or a log goes through `text.html_text`: HTML
escaped, control and bidi characters shown as escapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cjo_cli import __version__
from cjo_cli.engine.funnel_result import FunnelResult
from cjo_cli.engine.funnel_variant import assignment_note
from cjo_cli.engine.group_compare import COMPARED, GroupComparison, compare_groups
from cjo_cli.engine.map_overlay import MapOverlay
from cjo_cli.engine.measure import Measured
from cjo_cli.engine.replay_stats import JourneyTotals, ReplayTotals
from cjo_cli.model import Journey, Workspace
from cjo_cli.model.clock import utc_text
from cjo_cli.output.effect_text import effect_line, plan_line, variants_line
from cjo_cli.output.funnel_report import VS_REST_NOTE, percent, vs_rest
from cjo_cli.output.html_flow import LEGEND, flow_svg
from cjo_cli.output.html_svg import funnel_svg, holdout_svg
from cjo_cli.output.html_times_svg import times_svg, trend_svg
from cjo_cli.output.journey_map_html import MAP_STYLE, map_intro_html, map_table_html
from cjo_cli.output.numbers import points
from cjo_cli.output.simulate_report import assumptions
from cjo_cli.output.text import html_text


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
.report-head .lead { font-size: 1.05rem; margin: .2rem 0 .6rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem;
  margin: 0 0 1rem; color: #444; } dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; }
.meta { color: #555; margin: .2rem 0; } .kpi { font-weight: bold; }
.good { color: #2b8a3e; } .bad { color: #b02a37; }
table.numbers { width: auto; table-layout: auto; margin: .5rem 0 1rem; }
table.numbers td, table.numbers th { text-align: right; } table.numbers td:first-child,
table.numbers th:first-child { text-align: left; }
section.item { margin-bottom: 1.5rem; }
nav ul { columns: 2; } svg text { font-family: inherit; } svg { display: block; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { max-width: none; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  nav { display: none; }
  h2 { break-before: page; margin-top: 0; } .report-head + nav + h2 { break-before: auto; }
  /* One funnel or journey per page: the first one shares its section's heading page. */
  section.item { break-before: page; } h2 + section.item,
  h2 + p + section.item { break-before: auto; }
  h3, h4, caption { break-after: avoid; } svg, tr, .kpi, .meta { break-inside: avoid; }
  /* A flow is shrunk to fit beside its journey's heading, a tall one to a page of its
     own, rather than cut in two; the other charts a little, to keep a funnel on a page. */
  svg.flow-chart { max-height: 100mm; width: auto; max-width: 100%; }
  svg.flow-chart.tall { max-height: 185mm; break-before: page; }
  svg.funnel-chart, svg.times-chart, svg.trend-chart { max-width: 210mm; }
  /* A breakdown stays with its note; only the long effects table may run on. */
  table.numbers, div.groups { break-inside: avoid; } table.effects { break-inside: auto; }
  /* Light greys vanish on paper and in grayscale: darker lines and labels. */
  .edge path { stroke: #6c757d; } .meta { color: #333; }
  svg rect[fill="#f1f3f5"] { fill: #dde1e5; } p.lost { break-before: avoid; }
}
"""
)


def _funnel_section(result: FunnelResult) -> str:
    funnel = result.funnel
    steps = result.total.steps
    conversion = steps[-1].from_start if steps else None
    kpi = ""
    if funnel.kpi is not None:
        kpi = f"{html_text(funnel.kpi.name)}: {percent(conversion)}"
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
    meta = f"{html_text(funnel.order)}, window {html_text(window)}"
    if result.total.excluded:
        meta += f"; {result.total.excluded:,} removed by exclusions"
    body = [
        f'<section class="item" id="funnel-{html_text(funnel.id)}">',
        f"<h3>{html_text(funnel.name)} <small>({html_text(funnel.id)})</small></h3>",
        f'<p class="kpi">{kpi}</p><p class="meta">{meta}</p>',
        funnel_svg(result),
    ]
    times = times_svg(result)
    if times:
        body.append(f"<h4>Time to each step, from the one before</h4>{times}")
    trend = trend_svg(result)
    if trend:
        body.append(f"<h4>Conversion by {html_text(result.interval)} of step 1</h4>{trend}")
    if result.breakdown_by is not None and result.groups:
        body.append(_groups_table(result))
    body.append("</section>")
    return "".join(body)


def _vs_rest_cell(compared: GroupComparison | None) -> str:
    """The short difference, with its interval and adjusted p-value when measured."""
    text = vs_rest(compared)
    if compared is None or compared.difference is None or compared.p_adjusted is None:
        return f"<td>{text}</td>"
    d = compared.difference
    detail = f"95% CI {points(d.low)} to {points(d.high)} pt, adjusted p {compared.p_adjusted:.3g}"
    return f'<td>{text} <small class="meta">({detail})</small></td>'


def _groups_table(result: FunnelResult) -> str:
    """The breakdown's counts, and each group against the rest when they partition."""
    comparisons = compare_groups(result)
    compared = comparisons.method == COMPARED
    head = "".join(f"<th>{html_text(step.name)}</th>" for step in result.total.steps)
    rows = "".join(
        f"<tr><td>{html_text(group.label or '')}</td>"
        + "".join(f"<td>{step.customers:,}</td>" for step in group.steps)
        + f"<td>{percent(group.steps[-1].from_start)}</td>"
        + (_vs_rest_cell(comparison) if compared else "")
        + "</tr>"
        for group, comparison in zip(result.groups, comparisons.groups, strict=True)
    )
    note = VS_REST_NOTE if compared else comparisons.method
    # Simulated variants are predictions: the page says so above the numbers, as the
    # terminal and the JSON ("assignment") do.
    assignment = assignment_note(result)
    said = (
        f'<p class="assignment"><strong>{html_text(assignment)}</strong></p>' if assignment else ""
    )
    return (
        f'<div class="groups">{said}<table class="numbers">'
        f"<caption>by {html_text(result.breakdown_by or '')}</caption>"
        f"<tr><th></th>{head}<th>Conversion</th>{'<th>vs rest</th>' if compared else ''}</tr>"
        f'{rows}</table><p class="meta">{html_text(note)}</p></div>'
    )


def _effect_text(totals: JourneyTotals, span_us: int) -> str:
    """Measured from a recorded run, else the holdout plan: never a simulated effect."""
    effect = totals.effect()
    if effect is not None:
        return effect_line(effect)
    plan = totals.holdout_plan(span_us)
    if plan is not None:
        return plan_line(plan, span_us)
    return "no holdout: the journey's effect cannot be measured once it runs"


def _effects_table(totals: ReplayTotals, ws: Workspace) -> str:
    rows = []
    for journey_totals in totals.journeys.values():
        journey = ws.journeys[journey_totals.id]
        treated, holdout = journey_totals.treated, journey_totals.holdout
        rows.append(
            f"<tr><td>{html_text(journey.name)}</td><td>{journey_totals.assignment}</td>"
            f"<td>{treated.entered:,}</td><td>{holdout.entered:,}</td>"
            f"<td>{html_text(_effect_text(journey_totals, totals.span_us))}</td></tr>"
        )
    return (
        '<p class="meta">A replay of a log recorded without a journey predicts; only a '
        "journey whose run the log records (<code>assignment</code>) is measured.</p>"
        '<table class="numbers effects"><tr><th>Journey</th><th>Assignment</th><th>Treated</th>'
        "<th>Holdout</th><th>Effect or holdout plan</th></tr>" + "".join(rows) + "</table>"
    )


EXIT_WORDS = {
    "goal": "goal",
    "exit_event": "exit event",
    "end": "end of the journey",
    "censored": "still in it at the log's end",
}
"""The replay's exit reasons (`replay_stats.EXIT_REASONS`) as a reader says them."""


def _touchpoint_name(ws: Workspace, touchpoint: str) -> str:
    found = ws.touchpoints.get(touchpoint)
    return found.name if found is not None else touchpoint


def _journey_section(journey: Journey, totals: JourneyTotals, ws: Workspace, span_us: int) -> str:
    treated = totals.treated
    headline = (
        f"{treated.entered:,} entered, {treated.converted:,} converted ({percent(treated.rate)})"
    )
    if treated.entries != treated.entered:
        headline += f", {treated.entries:,} entries"
    exits = ", ".join(
        f"{EXIT_WORDS.get(reason, reason)} {count:,}" for reason, count in totals.exits.items()
    )
    body = [
        f'<section class="item" id="journey-{html_text(journey.id)}">',
        f"<h3>{html_text(journey.name)} <small>({html_text(journey.id)})</small></h3>",
        f'<p class="kpi">{html_text(headline)}</p><p class="meta">exits: {html_text(exits)}</p>',
    ]
    effect = totals.effect()
    if effect is not None:
        body.append(holdout_svg(effect))
    body.append(f'<p class="meta">{html_text(_effect_text(totals, span_us))}</p>')
    if totals.variants:
        body.append(f'<p class="meta">{html_text(variants_line(totals))}</p>')
    body.append(flow_svg(journey, totals, ws))
    sent = [s for s in totals.sends.values() if s.sent or s.capped or s.not_sent]
    if sent:
        rows = "".join(
            f"<tr><td>{html_text(_touchpoint_name(ws, s.touchpoint))}</td>"
            f"<td>{html_text(s.channel)}</td><td>{s.sent:,}</td>"
            f"<td>{s.capped:,}</td><td>{s.deferred:,}</td><td>{s.not_sent:,}</td>"
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
            "<th>Capped</th><th>Deferred</th><th>Not sent</th><th>Delivered</th><th>Opened</th>"
            "<th>Clicked</th>"
            f"</tr>{rows}</table>"
        )
    body.append("</section>")
    return "".join(body)


# ---- the page --------------------------------------------------------------------


def _counted(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _header(
    title: str,
    log: LogFacts,
    funnels: Sequence[FunnelResult],
    totals: ReplayTotals | None,
    overlays: Mapping[str, MapOverlay],
    generated: str,
) -> str:
    """What the report is, when and by which cjo it was made, and from which log."""
    shown = []
    if funnels:
        shown.append(_counted(len(funnels), "funnel", "funnels"))
    if totals is not None:
        shown.append(_counted(len(totals.journeys), "journey", "journeys") + " replayed")
    if overlays:
        shown.append(_counted(len(overlays), "journey map", "journey maps") + " measured")
    what = "What this log shows of " + (", ".join(shown) if shown else "the workspace") + "."
    span = "empty" if not (log.start and log.end) else f"{log.start} … {log.end} UTC"
    made = f"{generated} UTC" if generated else "–"
    facts = [
        ("Generated", f"{made} by cjo {__version__}"),
        (
            "Log " + ("file" if len(log.sources) == 1 else "files"),
            ", ".join(log.sources) or "none",
        ),
        (
            "Read",
            f"{log.read:,} rows, rejected {log.rejected:,} · {log.customers:,} customers",
        ),
        ("Span", span),
    ]
    rows = "".join(
        f"<dt>{html_text(name)}</dt><dd>{html_text(value)}</dd>" for name, value in facts
    )
    return (
        f'<header class="report-head"><h1>{html_text(title)}</h1>'
        f'<p class="lead">{html_text(what)}</p><dl class="facts">{rows}</dl></header>'
    )


def render_report(
    ws: Workspace,
    log: LogFacts,
    funnels: Sequence[FunnelResult],
    totals: ReplayTotals | None,
    overlays: Mapping[str, MapOverlay],
    notes: Sequence[str] = (),
    title: str = "cjo report",
    generated: str = "",
) -> str:
    """The whole page; `generated` is when, in UTC (`YYYY-MM-DD HH:MM`)."""
    parts = [
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html_text(title)}</title><style>{STYLE}</style></head><body>",
        _header(title, log, funnels, totals, overlays, generated),
    ]
    toc = ["<nav><ul>"]
    if funnels:
        toc.append('<li><a href="#funnels">Funnels</a></li>')
    if totals is not None:
        toc.append('<li><a href="#effects">Effects: measured and planned</a></li>')
        toc.append('<li><a href="#journeys">Journeys</a></li>')
    if overlays:
        toc.append('<li><a href="#maps">Journey maps</a></li>')
    parts.append("".join(toc) + "</ul></nav>")
    if funnels:
        parts.append('<h2 id="funnels">Funnels</h2>')
        parts += [_funnel_section(result) for result in funnels]
    if totals is not None:
        parts.append('<h2 id="effects">Effects: measured and planned</h2>')
        parts.append(_effects_table(totals, ws))
        parts.append(f'<h2 id="journeys">Journeys</h2>{LEGEND}')
        for journey_totals in totals.journeys.values():
            parts.append(
                _journey_section(ws.journeys[journey_totals.id], journey_totals, ws, totals.span_us)
            )
    if overlays:
        parts.append('<h2 id="maps">Journey maps</h2>')
        for map_id, overlay in overlays.items():
            jmap = ws.maps[map_id]
            parts.append(
                f'<section id="map-{html_text(map_id)}"><h3>{html_text(jmap.name)}</h3>'
                f"{map_intro_html(jmap, ws)}{map_table_html(jmap, ws, overlay)}</section>"
            )
    if notes:
        parts.append("<h2>Assumptions</h2><ul>")
        parts += [f"<li>{html_text(note)}</li>" for note in notes]
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "".join(parts)


def render_page(
    ws: Workspace,
    measured: Measured,
    results: Sequence[FunnelResult],
    sources: Sequence[str],
    read: int,
    rejected: int,
    traits_missing: bool,
    title: str = "cjo report",
) -> str:
    """The page of what `engine.measure.measure` found on a log read from `sources`."""
    start, end = measured.log_start, measured.log_end
    facts = LogFacts(
        tuple(sources),
        read,
        rejected,
        None if start is None else utc_text(start, "%Y-%m-%d %H:%M"),
        None if end is None else utc_text(end, "%Y-%m-%d %H:%M"),
        measured.customers,
    )
    simulation = measured.simulation
    totals = simulation.totals if simulation is not None else None
    notes: list[str] = []
    if simulation is not None:
        notes = assumptions(simulation.totals, simulation.plan.reads_traits and traits_missing)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    return render_report(
        ws, facts, results, totals, measured.overlays, notes, title, generated=generated
    )
