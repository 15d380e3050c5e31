"""The HTML report's charts of a funnel over time and of the time to its steps, inline SVG
like the others (`html_svg.py`): no script, a `<title>` on every mark for the numbers.

- `trend_svg`: the conversion per period of step 1 as a line, over grey bars of the
  customers who entered; a hollow point marks a period with open attempts (window still
  open at the log's end), whose rate may still rise; the line breaks at a period in
  which nobody entered.
- `times_svg`: per step after the first, the customers per time-from-previous bin as
  bars (the share of the step's customers), with the step's p50 and p90.

Every text drawn comes from a workspace or a log, or is a number, and is escaped.
"""

from __future__ import annotations

from cjo_cli.engine.funnel_result import HISTOGRAM_BOUNDS, FunnelResult
from cjo_cli.output.funnel_report import duration, percent
from cjo_cli.output.funnel_times import bin_label
from cjo_cli.output.html_svg import GREY, PINK, _clip, _svg_text
from cjo_cli.output.text import html_text

WIDTH = 1160


def trend_svg(result: FunnelResult) -> str:
    """The conversion per period; empty text when the result has no trend."""
    points = result.total.trend
    if not points:
        return ""
    left, right, top, bottom = 70, WIDTH - 40, 20, 190
    height = bottom + 50
    rates = [p.converted / p.entered if p.entered else 0.0 for p in points]
    peak = max(max(rates), 0.01)
    most = max(p.entered for p in points) or 1
    step = (right - left) / len(points)
    radius = 4 if len(points) <= 40 else 2.5  # a quarter of days stays readable
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="conversion by {html_text(result.interval)} of funnel '
        f'{html_text(result.funnel.id)}" class="trend-chart">',
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{GREY}"/>',
        _svg_text(left - 8, top + 5, percent(peak), text_anchor="end", font_size="12"),
        _svg_text(left - 8, bottom, "0%", text_anchor="end", font_size="12"),
        _svg_text(
            right, top - 6, f"bars up to {most:,} entered", text_anchor="end", font_size="11"
        ),
    ]
    # The line breaks at a period nobody entered: it has no rate.
    segments: list[list[str]] = [[]]
    for index, (point, rate) in enumerate(zip(points, rates, strict=True)):
        x = left + step * (index + 0.5)
        bar = (bottom - top) * point.entered / most
        parts.append(
            f'<rect x="{x - step * 0.4:.1f}" y="{bottom - bar:.1f}" width="{step * 0.8:.1f}" '
            f'height="{bar:.1f}" fill="#f1f3f5"/>'
        )
        if not point.entered:
            segments.append([])
            continue
        y = bottom - (bottom - top) * rate / peak
        segments[-1].append(f"{x:.1f},{y:.1f}")
        title = (
            f"{point.period}: {point.entered:,} entered, {point.converted:,} converted "
            f"({percent(rate)})" + (f", {point.open:,} still open" if point.open else "")
        )
        fill = "#fff" if point.open else PINK
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{fill}" stroke="{PINK}" '
            f'stroke-width="2"><title>{html_text(title)}</title></circle>'
        )
    for segment in segments:
        if len(segment) > 1:
            parts.append(
                f'<polyline points="{" ".join(segment)}" fill="none" stroke="{PINK}" '
                'stroke-width="2"/>'
            )
    # About ten period labels, evenly spread; the last period's always, in place of a
    # label too close to it.
    every = max(1, -(-len(points) // 10))
    labelled = list(range(0, len(points), every))
    if labelled[-1] != len(points) - 1:
        if len(points) - 1 - labelled[-1] < every / 2:
            labelled.pop()
        labelled.append(len(points) - 1)
    for index in labelled:
        x = left + step * (index + 0.5)
        parts.append(
            _svg_text(x, bottom + 18, points[index].period, text_anchor="middle", font_size="11")
        )
    legend = (
        f"line: conversion by {result.interval} of step 1 (UTC); grey bars: customers who "
        "entered; hollow points: periods with attempts still open at the log's end"
    )
    parts.append(_svg_text(left, bottom + 42, legend, font_size="12", fill="#555"))
    parts.append("</svg>")
    return "".join(parts)


def times_svg(result: FunnelResult) -> str:
    """The histograms of the time from the previous step; empty text when there are none."""
    rows = [
        (step, step.time_from_previous)
        for step in result.total.steps[1:]
        if step.time_from_previous is not None
    ]
    if not rows:
        return ""
    label_w, bar_w, row_h = 240, 56, 70
    bins = len(HISTOGRAM_BOUNDS) + 1
    height = row_h * len(rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="time to each step of funnel {html_text(result.funnel.id)}" '
        'class="times-chart">'
    ]
    for index, (step, times) in enumerate(rows):
        y = 10 + index * row_h
        base = y + row_h - 22
        parts.append(
            _svg_text(label_w - 10, base, _clip(step.name, 34), text_anchor="end", font_size="14")
        )
        total = sum(times.histogram)
        most = max(times.histogram) or 1
        for number, count in enumerate(times.histogram):
            x = label_w + number * bar_w
            bar = (row_h - 30) * count / most
            share = count / total if total else None
            title = f"{step.name}, {bin_label(number)}: {count:,} customers ({percent(share)})"
            parts.append(
                f'<rect x="{x + 4}" y="{base - bar:.1f}" width="{bar_w - 8}" height="{bar:.1f}" '
                f'fill="{PINK}"><title>{html_text(title)}</title></rect>'
            )
            parts.append(
                _svg_text(
                    x + bar_w / 2,
                    base + 14,
                    bin_label(number),
                    text_anchor="middle",
                    font_size="11",
                )
            )
        summary = "nobody reached it"
        if times.percentiles is not None:
            p50, p90 = times.percentiles[1], times.percentiles[3]
            summary = f"p50 {duration(p50)} · p90 {duration(p90)} · {total:,} customers"
        parts.append(_svg_text(label_w + bins * bar_w + 14, base, summary, font_size="13"))
    parts.append("</svg>")
    return "".join(parts)
