"""The inline SVG charts of the HTML report: funnel bars, journey flows, holdout bars.

Every text drawn comes from a workspace or a log and is escaped.
"""

from __future__ import annotations

from rich.cells import cell_len

from cjo_cli.engine.effects import Effect
from cjo_cli.engine.funnel_result import FunnelResult
from cjo_cli.engine.replay_stats import JourneyTotals
from cjo_cli.model import (
    AbStep,
    ExitStep,
    Journey,
    SendStep,
    SplitStep,
    Step,
    WaitAnyStep,
    WaitForStep,
    WaitStep,
    WaitUntilStep,
    Workspace,
)
from cjo_cli.output.funnel_report import duration, percent
from cjo_cli.output.text import html_text, visible

PINK, BLUE, GREY, RED, GREEN = "#d6336c", "#1c7ed6", "#adb5bd", "#b02a37", "#2b8a3e"


def _clip(text: str, cells: int) -> str:
    """Text cut to `cells` display cells (wide characters count two), with an ellipsis;
    escapes (`\\x1b`) are written first, so that they are measured as they are shown."""
    text = visible(text)
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
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{html_text(text)}</text>'


# ---- funnels ---------------------------------------------------------------------


def funnel_svg(result: FunnelResult) -> str:
    """Horizontal bars, one per step, as long as its share of step 1's customers."""
    steps = result.total.steps
    label_w, bar_w, row_h, width = 240, 400, 34, 1160
    height = row_h * len(steps) + 30
    first = steps[0].customers if steps else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="funnel {html_text(result.funnel.id)}" class="funnel-chart">'
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
            f'fill="{PINK}"><title>{html_text(step.name)}: {step.customers:,}</title></rect>'
        )
        detail = f"{step.customers:,} · {percent(step.from_start)} of step 1"
        if index:
            detail += f" · {percent(step.from_previous)} of previous"
            if step.median_seconds is not None:
                detail += f" · median {duration(step.median_seconds)}"
        parts.append(_svg_text(label_w + bar_w + 10, y + 19, detail, font_size="13"))
    parts.append("</svg>")
    return "".join(parts)


# ---- journeys --------------------------------------------------------------------


def _describe(step: Step, ws: Workspace) -> str:
    if isinstance(step, WaitStep):
        return f"wait {step.duration.text or str(step.duration.seconds) + 's'}"
    if isinstance(step, WaitUntilStep):
        return f"wait until {step.at:%H:%M} {step.tz}"
    if isinstance(step, WaitForStep):
        timeout = step.timeout.text or f"{step.timeout.seconds}s"
        return f"wait for {step.event.event} (≤ {timeout})"
    if isinstance(step, WaitAnyStep):
        within = step.within.text or f"{step.within.seconds}s"
        return f"wait for any of {len(step.paths)} (≤ {within})"
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
    if isinstance(step, WaitAnyStep):
        return [(path.next, path.event.event) for path in step.paths] + [(step.else_step, "else")]
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
        f'aria-label="flow of journey {html_text(journey.id)}" class="flow-chart">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        f'fill="{GREY}"/></marker></defs>',
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
                f'<path d="{path}" fill="none" stroke="{GREY}" stroke-width="2" '
                'marker-end="url(#arrow)"/>'
            )
            if label:
                parts.append(_svg_text(lx, ly, _clip(label, 22), font_size="12", fill="#555"))
    for step_id, step in journey.steps.items():
        x, y = place[step_id]
        counts = totals.steps.get(step_id) if totals is not None else None
        start = step_id == journey.start
        stroke = PINK if start else "#495057"
        title = f"{step_id}: {_describe(step, ws)}"
        parts.append(
            f'<g class="step"><title>{html_text(title)}</title>'
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
                    fill=BLUE,
                )
            )
            outcomes: list[tuple[str, str]] = []
            if counts.left["goal"]:
                outcomes.append((f"goal {counts.left['goal']:,}", GREEN))
            if counts.drop_off:
                outcomes.append((f"exit event −{counts.drop_off:,}", RED))
            if counts.left["censored"]:
                outcomes.append((f"open at log end {counts.left['censored']:,}", "#555"))
            offset = x + 10.0
            for text, colour in outcomes:
                parts.append(_svg_text(offset, y + 76, text, font_size="12", fill=colour))
                offset += cell_len(text) * 7 + 12
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def holdout_svg(effect: Effect) -> str:
    """Two bars, the recorded treated and holdout customers' conversion."""
    treated, holdout = effect.treated, effect.holdout
    top = max(treated.rate or 0.0, holdout.rate or 0.0, 0.01)
    width, bar_w = 760, 420
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 100" width="100%" '
        f'style="max-width:{width}px" role="img" aria-label="holdout comparison" '
        'class="holdout-chart">'
    ]
    for index, (label, group, colour) in enumerate(
        (("treated", treated, PINK), ("holdout", holdout, GREY))
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
                f"{percent(group.rate)} ({group.converted:,} of {group.customers:,})",
                font_size="13",
            )
        )
    parts.append("</svg>")
    return "".join(parts)
