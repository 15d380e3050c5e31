"""A journey as a top-down flow chart in inline SVG, for the HTML report: a box per step
(its name as written, what it does, its replayed counts) and an arrow per way out,
labelled with what takes a customer that way and how many moves took it.

The graph's layers, order and counts come from `flow_edges`; this module only places
and draws. Every text drawn comes from a workspace, or is a number, and is escaped.
"""

from __future__ import annotations

import json

from cjo_cli.engine.replay_stats import JourneyTotals
from cjo_cli.model import (
    AbStep,
    ExitStep,
    Journey,
    SendStep,
    SetStep,
    SplitStep,
    Step,
    WaitAnyStep,
    WaitForStep,
    WaitStep,
    WaitUntilStep,
    Workspace,
)
from cjo_cli.output.condition_text import filter_text
from cjo_cli.output.flow_edges import FlowEdge, FlowLayout, edge_counts, journey_edges, layout
from cjo_cli.output.html_svg import BLUE, GREEN, GREY, PINK, RED, _clip, _svg_text
from cjo_cli.output.text import html_text

BOX_W, BOX_H, GAP_X, GAP_Y, LANE_W, MARGIN = 250, 82, 36, 62, 24, 20
TALL = 6
"""Layers from which a flow gets a printed page of its own."""
SIDE_W = 220
"""Room right of the boxes for the loops drawn around the side and their labels."""


LEGEND = (  # once, above the journeys' flows
    '<p class="meta legend">On an arrow: the moves that took that way (a customer who '
    "entered twice, or went round a loop, counts each time) and what takes it: the event, "
    "<code>timeout</code>, the split's condition, the variant. In a box: the customers and "
    "visits; <em>goal</em>: converted while there; <em>exit event</em>: left on an "
    "<code>exit_on</code> event; <em>open</em>: still there at the log's end.</p>"
)


def _describe(step: Step, ws: Workspace) -> str:
    if isinstance(step, WaitStep):
        return f"wait {step.duration.text or str(step.duration.seconds) + 's'}"
    if isinstance(step, WaitUntilStep):
        return f"wait until {step.at:%H:%M} {step.tz}"
    if isinstance(step, WaitForStep):
        timeout = step.timeout.text or f"{step.timeout.seconds}s"
        return f"wait for {filter_text(step.event)} (≤ {timeout})"
    if isinstance(step, WaitAnyStep):
        within = step.within.text or f"{step.within.seconds}s"
        return f"wait for any of {len(step.paths)} (≤ {within})"
    if isinstance(step, SendStep):
        tp = ws.touchpoints.get(step.touchpoint)
        return f"send {tp.name} · {tp.channel}" if tp is not None else f"send {step.touchpoint}"
    if isinstance(step, SetStep):
        return f"set {step.attribute} = {json.dumps(step.value, ensure_ascii=False)}"
    if isinstance(step, SplitStep):
        return f"split ({len(step.branches)} branches)"
    if isinstance(step, AbStep):
        return "A/B " + " / ".join(f"{v.name} {v.weight:g}" for v in step.variants)
    if isinstance(step, ExitStep):
        return "exit"
    return ""


def _places(plan: FlowLayout) -> tuple[dict[str, tuple[float, float, float]], float]:
    """(left, top, width) of every box and placeholder, each layer centred; the width of
    the boxes' area."""

    def item_w(item: str) -> float:
        return BOX_W if plan.is_step(item) else LANE_W

    spans = [
        sum(item_w(i) for i in items) + GAP_X * max(len(items) - 1, 0) for items in plan.layers
    ]
    area = max([*spans, 3 * BOX_W]) + 2 * MARGIN
    place: dict[str, tuple[float, float, float]] = {}
    for level, items in enumerate(plan.layers):
        x = (area - spans[level]) / 2
        for item in items:
            place[item] = (x, GAP_Y / 2 + level * (BOX_H + GAP_Y), item_w(item))
            x += item_w(item) + GAP_X
    return place, area


def _ports(
    edges: list[FlowEdge], plan: FlowLayout, place: dict[str, tuple[float, float, float]]
) -> dict[tuple[str, str, str], float]:
    """The x where each downward edge leaves its step's bottom and enters its target's
    top: spread along the side in the order of the other end, so arrows do not cross at
    the box."""
    ends: dict[tuple[str, str], list[tuple[float, tuple[str, str, str]]]] = {}
    for edge in edges:
        key = (edge.source, edge.target)
        if key not in plan.chains:
            continue
        path = [edge.source, *plan.chains[key], edge.target]
        after, before = place[path[1]], place[path[-2]]
        ends.setdefault((edge.source, "out"), []).append(
            (after[0] + after[2] / 2, (edge.source, edge.target, "out"))
        )
        ends.setdefault((edge.target, "in"), []).append(
            (before[0] + before[2] / 2, (edge.source, edge.target, "in"))
        )
    ports: dict[tuple[str, str, str], float] = {}
    for (step_id, _), found in ends.items():
        left, _, width = place[step_id]
        found.sort()
        for index, (_, port) in enumerate(found):
            ports[port] = left + width * (index + 1) / (len(found) + 1)
    return ports


def _label(x: float, y: float, count: int | None, label: str, anchor: str) -> str:
    """The count (bold) and what takes this way, on a white halo over the lines."""
    parts = []
    if count is not None:
        parts.append(f'<tspan font-weight="bold" fill="{BLUE}">{count:,}</tspan>')
    if label:
        gap = " " if parts else ""
        parts.append(f'<tspan fill="#555">{gap}{html_text(_clip(label, 40))}</tspan>')
    if not parts:
        return ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="12" text-anchor="{anchor}" '
        f'class="edge-label" paint-order="stroke" stroke="#fff" stroke-width="4">'
        f"{''.join(parts)}</text>"
    )


def _bezier(a: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
    """The point at `t` of the S-curve from a down to b (control points straight below
    a and above b, half the way)."""
    (x1, y1), (x2, y2) = a, b
    mid = (y1 + y2) / 2
    u = 1 - t
    x = u**3 * x1 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x2
    y = u**3 * y1 + 3 * u * u * t * mid + 3 * u * t * t * mid + t**3 * y2
    return x, y


def _down_edge(
    edge: FlowEdge,
    plan: FlowLayout,
    place: dict[str, tuple[float, float, float]],
    ports: dict[tuple[str, str, str], float],
    label_at: float,
    anchor: str,
    count: int | None,
) -> str:
    key = (edge.source, edge.target)
    chain = plan.chains[key]
    _, top, _ = place[edge.source]
    points = [(ports[(edge.source, edge.target, "out")], top + BOX_H)]
    for item in chain:
        left, lane_top, width = place[item]
        points += [(left + width / 2, lane_top), (left + width / 2, lane_top + BOX_H)]
    points.append((ports[(edge.source, edge.target, "in")], place[edge.target][1]))
    path = f"M {points[0][0]:.1f} {points[0][1]:.1f}"
    for index in range(0, len(points) - 1, 2):
        (x1, y1), (x2, y2) = points[index], points[index + 1]
        mid = (y1 + y2) / 2
        path += f" C {x1:.1f} {mid:.1f} {x2:.1f} {mid:.1f} {x2:.1f} {y2:.1f}"
        if index + 2 < len(points):
            path += f" L {points[index + 2][0]:.1f} {points[index + 2][1]:.1f}"
    lx, ly = _bezier(points[0], points[1], label_at)
    # The labels of a step's arrows spread apart: the leftmost ends at its arrow, the
    # rightmost starts there, the others are centred on theirs.
    lx += {"end": -6.0, "start": 6.0}.get(anchor, 0.0)
    return _edge_group(edge, path, count) + _label(lx, ly + 4, count, edge.label, anchor) + "</g>"


def _edge_group(edge: FlowEdge, path: str, count: int | None) -> str:
    title = f"{edge.source} → {edge.target}"
    if edge.label:
        title += f": {edge.label}"
    if count is not None:
        title += f" ({count:,} moves)"
    return (
        f'<g class="edge"><title>{html_text(title)}</title><path d="{path}" fill="none" '
        f'stroke="{GREY}" stroke-width="2" marker-end="url(#arrow)"/>'
    )


def _side_edge(
    edge: FlowEdge,
    place: dict[str, tuple[float, float, float]],
    bend: float,
    count: int | None,
) -> str:
    """A loop back (or an edge within a layer) around the right of every box."""
    (sx, sy, sw), (tx, ty, tw) = place[edge.source], place[edge.target]
    x1, y1, x2, y2 = sx + sw, sy + BOX_H / 2, tx + tw, ty + BOX_H / 2
    if edge.source == edge.target:
        y1, y2 = sy + BOX_H / 3, sy + 2 * BOX_H / 3
    path = f"M {x1:.1f} {y1:.1f} C {bend:.1f} {y1:.1f} {bend:.1f} {y2:.1f} {x2:.1f} {y2:.1f}"
    label = _label(bend - 14, (y1 + y2) / 2 + 4, count, edge.label, "start")
    return _edge_group(edge, path, count) + label + "</g>"


def _box(
    step_id: str,
    step: Step,
    x: float,
    y: float,
    journey: Journey,
    totals: JourneyTotals | None,
    ws: Workspace,
) -> str:
    start = step_id == journey.start
    stroke = PINK if start else "#495057"
    title = (
        f"{step.name} ({step_id}): {_describe(step, ws)}"
        if step.name != step_id
        else f"{step_id}: {_describe(step, ws)}"
    )
    parts = [
        f'<g class="step"><title>{html_text(title)}</title>'
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="8" '
        f'fill="#fff" stroke="{stroke}" stroke-width="{2.5 if start else 1.5}"/>',
        _svg_text(x + 10, y + 20, _clip(step.name, 30), font_size="14", font_weight="bold"),
        _svg_text(x + 10, y + 39, _clip(_describe(step, ws), 38), font_size="12"),
    ]
    counts = totals.steps.get(step_id) if totals is not None else None
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
            outcomes.append((f"open {counts.left['censored']:,}", "#555"))
        if outcomes:
            spans = " · ".join(
                f'<tspan fill="{colour}">{html_text(text)}</tspan>' for text, colour in outcomes
            )
            parts.append(f'<text x="{x + 10:.1f}" y="{y + 76:.1f}" font-size="12">{spans}</text>')
    parts.append("</g>")
    return "".join(parts)


def flow_svg(journey: Journey, totals: JourneyTotals | None, ws: Workspace) -> str:
    """The journey as a top-down flow: a box per step with its counts, an arrow per way
    out, labelled with its moves and with the event, `timeout`, condition or variant."""
    edges = journey_edges(journey)
    plan = layout(journey, edges)
    place, area = _places(plan)
    counts = edge_counts(journey, edges, totals) if totals is not None else {}
    ports = _ports(edges, plan, place)
    width = area + (SIDE_W if plan.side else 0)
    height = len(plan.layers) * (BOX_H + GAP_Y)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" style="max-width:{width:.0f}px" role="img" '
        f'aria-label="flow of journey {html_text(journey.id)}" '
        f'class="flow-chart{" tall" if len(plan.layers) >= TALL else ""}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        f'fill="{GREY}"/></marker></defs>',
    ]
    # Labels of one step's arrows at different heights, so that long ones do not overlap.
    siblings: dict[str, list[FlowEdge]] = {}
    for edge in edges:
        if (edge.source, edge.target) in plan.chains:
            siblings.setdefault(edge.source, []).append(edge)
    for group in siblings.values():
        group.sort(key=lambda e: ports[(e.source, e.target, "out")])
        for index, edge in enumerate(group):
            at = 0.5 if len(group) == 1 else 0.3 + 0.4 * index / (len(group) - 1)
            anchor = "middle"
            if len(group) > 1 and index in (0, len(group) - 1):
                anchor = "end" if index == 0 else "start"
            key = (edge.source, edge.target)
            parts.append(_down_edge(edge, plan, place, ports, at, anchor, counts.get(key)))
    right = max((left + w for left, _, w in place.values()), default=area)
    for index, (source, target) in enumerate(plan.side):
        edge = next(e for e in edges if (e.source, e.target) == (source, target))
        parts.append(_side_edge(edge, place, right + 40 + 18 * index, counts.get((source, target))))
    for step_id, step in journey.steps.items():
        x, y, _ = place[step_id]
        parts.append(_box(step_id, step, x, y, journey, totals, ws))
    parts.append("</svg>")
    return "".join(parts)
