"""The inline SVG charts of the HTML report: funnel bars and holdout bars, and the text
helpers the other charts share (the journey flow: `html_flow.py`).

Every text drawn comes from a workspace or a log and is escaped.
"""

from __future__ import annotations

from rich.cells import cell_len

from cjo_cli.engine.effects import Effect
from cjo_cli.engine.funnel_result import FunnelResult
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


# ---- holdout ---------------------------------------------------------------------


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
