"""The journey map in a terminal: the emotion curve over every phase in one chart, then
each phase's details, side by side only when there is room; at any width no line is
wider than the terminal and nothing is cut with an ellipsis. The sample map's goldens
(80, 120 and 160 columns) are checked by tests/cli/test_map_cmd.py."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console

from cjo_cli import model as m
from cjo_cli.engine.map_overlay import JourneyMeasure, KpiMeasure, MapOverlay, PhaseMeasure
from cjo_cli.output.journey_map import Column, columns, render_terminal
from cjo_cli.output.journey_map_terminal import (
    DETAILS_WIDTH,
    LEVELS,
    _band_widths,
    emotion_chart,
    phase_details,
    terminal_map,
)
from tests.output.test_journey_map import make_overlay, make_workspace


def shown(renderable: object, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    console.print(renderable)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def terminal(
    jmap: m.JourneyMap, ws: m.Workspace, width: int, overlay: MapOverlay | None = None
) -> str:
    return shown(terminal_map(jmap, ws, overlay, "log.jsonl", width), width)


def assert_fits(text: str, width: int) -> None:
    for line in text.splitlines():
        assert cell_len(line) <= width, line
    assert "…" not in text


# ---- the chart ------------------------------------------------------------------------


@pytest.mark.parametrize(("room", "count"), [(67, 6), (60, 6), (10, 3), (3, 5), (0, 1)])
def test_bands_share_the_room_evenly(room: int, count: int) -> None:
    widths = _band_widths(room, count)
    assert len(widths) == count
    assert sum(widths) == max(room, count)
    assert max(widths) - min(widths) <= 1 and min(widths) >= 1


def curve_lines(chart: str) -> dict[int, str]:
    """The chart's lines of the scale, by level."""
    found = {}
    for line in chart.splitlines():
        for level in LEVELS:
            if line.startswith(f"{level:+d} "):
                found[level] = line
    assert list(found) == list(LEVELS)
    return found


@pytest.mark.parametrize("width", [40, 80, 120])
def test_the_chart_has_a_band_per_phase_with_the_dot_at_its_score(width: int) -> None:
    jmap, ws = make_workspace()
    cols = columns(jmap, ws)
    text = shown(emotion_chart(cols, width), width)
    assert_fits(text, width)
    lines = curve_lines(text)
    # Bands are split by │: awareness +2, purchase nothing, retention -1, advocacy nothing.
    bands = {level: line.split("│")[1:] for level, line in lines.items()}
    assert all(len(parts) == len(cols) for parts in bands.values())
    assert "●" in bands[2][0] and "●" in bands[-1][2]
    assert sum(line.count("●") for line in lines.values()) == 2
    # In the middle of its band.
    dot = bands[2][0]
    assert abs(dot.index("●") - (len(dot) - 1 - dot.index("●"))) <= 1
    # The zero line is dotted across every band, so the dots read against it.
    assert all(set(part.strip()) == {"·"} for part in bands[0])
    assert "excited" in text and "bored" in text


def test_the_chart_shows_every_phase_at_80_columns_however_many() -> None:
    phases = tuple(m.Phase(f"p{n}", f"段階{n}") for n in range(9))
    stages = {f"p{n}": m.Stage(f"p{n}", emotion=m.Emotion(n % 5 - 2)) for n in range(9)}
    jmap = m.JourneyMap("j", "J", "x", "life", stages)
    ws = m.Workspace(phases={"life": m.Phases("life", "L", phases)})
    text = shown(emotion_chart(columns(jmap, ws), 80), 80)
    assert_fits(text, 80)
    header = text.splitlines()[0]
    assert [header.index(f"段階{n}") for n in range(9)] == sorted(
        header.index(f"段階{n}") for n in range(9)
    )
    assert sum(line.count("●") for line in curve_lines(text).values()) == 9


def test_a_long_phase_name_wraps_in_its_band_and_is_never_cut() -> None:
    phases = (m.Phase("a", "オンボーディング (onboarding)"), m.Phase("b", "x" * 30))
    jmap = m.JourneyMap("j", "J", "x", "life", {"a": m.Stage("a", emotion=m.Emotion(1))})
    ws = m.Workspace(phases={"life": m.Phases("life", "L", phases)})
    text = shown(emotion_chart(columns(jmap, ws), 40), 40)
    assert_fits(text, 40)
    lines = text.splitlines()
    head = lines[: next(n for n, line in enumerate(lines) if line.startswith("─"))]
    assert "".join(line.split("│")[1] for line in head).replace(" ", "") == (
        "オンボーディング(onboarding)"
    )
    assert "".join(line.split("│")[2].strip() for line in head) == "x" * 30


def test_the_measured_chart_shows_reached_and_kpis_per_phase() -> None:
    jmap, ws = make_workspace()
    text = shown(emotion_chart(columns(jmap, ws, make_overlay()), 80, make_overlay()), 80)
    lines = text.splitlines()
    (reached,) = [line for line in lines if line.startswith("Reached")]
    awareness, purchase, retention, advocacy = (part.strip() for part in reached.split("│")[1:])
    assert (awareness, purchase, retention, advocacy) == ("50", "", "–", "")
    assert "25.0%" in lines[lines.index(reached) + 1]
    (kpis,) = [line for line in lines if line.startswith("KPIs")]
    assert kpis.split("│")[1].strip() == "10.0% met"
    assert "– (0/0)" not in text  # the KPI without data shows its dash only
    # Without a log the chart has no measured rows.
    assert "Reached" not in shown(emotion_chart(columns(jmap, ws), 80), 80)


# ---- the details ----------------------------------------------------------------------


def test_phase_details_list_the_rows_that_have_items() -> None:
    jmap, ws = make_workspace()
    awareness, purchase, retention, _ = columns(jmap, ws)
    text = shown(phase_details(awareness, ws), 80)
    lines = text.splitlines()
    assert lines[0].rstrip() == "認知"
    labels = [line[:11].strip() for line in lines[1:] if line[:11].strip()]
    assert labels == [
        "Actions",
        "Touchpoints",
        "Thoughts",
        "Emotion",
        "Info needs",
        "Pain points",
        "Measures",
        "KPIs",
        "Journeys",
    ]
    assert "• Instagram · social" in text and "• ◎ +2 excited" in text
    assert [line.rstrip() for line in shown(phase_details(retention, ws), 80).splitlines()] == [
        "Retention",
        "Actions     • reorder",
        "Emotion     • × -1 bored",
    ]
    assert "no stage for this phase" in shown(phase_details(purchase, ws), 80)


def test_a_long_item_wraps_under_its_text_and_a_long_word_folds() -> None:
    item = "very long words " * 8 + "cart_abandonment_reminder_for_new_customers_only"
    column = Column("p", "P", m.Stage("p", actions=(item,)))
    text = shown(phase_details(column, m.Workspace()), 40)
    assert_fits(text, 40)
    lines = text.splitlines()[1:]
    assert lines[0].startswith("Actions     • very long")
    assert all(line.startswith(" " * 14) for line in lines[1:])  # under the text
    assert "".join(line.strip() for line in lines).endswith(
        "cart_abandonment_reminder_for_new_customers_only"
    )


def test_a_measured_journey_shows_entered_and_converted_only() -> None:
    jmap, ws = make_workspace()
    text = terminal(jmap, ws, 80, make_overlay())
    assert "カゴ落ち: 40 entered, 10 converted (25.0%)" in text
    assert "holdout" not in text and "lift" not in text


# ---- the whole map --------------------------------------------------------------------


def test_the_curve_comes_first_then_every_phase_in_order() -> None:
    jmap, ws = make_workspace()
    text = terminal(jmap, ws, 80)
    lines = [line.rstrip() for line in text.splitlines()]
    assert lines[:4] == ["Lisa's map", "persona: Lisa", "", "Emotion curve"]
    headings = [lines.index(title) for title in ("認知", "Purchase", "Retention", "Advocacy")]
    assert headings == sorted(headings)
    assert headings[0] > max(n for n, line in enumerate(lines) if line.startswith("-2 "))
    assert "phases 1/" not in text  # no paging


@pytest.mark.parametrize(("width", "per_row"), [(80, 1), (DETAILS_WIDTH * 2 + 2, 2), (200, 3)])
def test_wide_terminals_put_phases_side_by_side(width: int, per_row: int) -> None:
    jmap, ws = make_workspace()
    lines = terminal(jmap, ws, width).splitlines()
    first = next(line for line in lines if line.startswith("認知"))
    together = [title for title in ("認知", "Purchase", "Retention", "Advocacy") if title in first]
    assert len(together) == per_row


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 160, 200])
def test_no_line_is_wider_than_the_terminal_and_nothing_is_cut(width: int) -> None:
    stages = {
        "awareness": m.Stage(
            "awareness",
            actions=("口コミサイトで評判を検索してから購入を決める" * 3,),
            touchpoints=("insta",),
            emotion=m.Emotion(1, "期待と好奇心がとても大きい"),
            journeys=("cart",),
        ),
        "retention": m.Stage("retention", pain_points=("x" * 120,)),
    }
    jmap, ws = make_workspace(stages, name="リサのカスタマージャーニーマップ " * 4)
    for overlay in (None, make_overlay()):
        text = terminal(jmap, ws, width, overlay)
        assert_fits(text, width)
        assert "x" * 20 in text.replace("\n", "").replace(" ", "")


def test_the_measured_map_ends_with_where_we_lose_the_persona() -> None:
    jmap, ws = make_workspace()
    text = terminal(jmap, ws, 200, make_overlay())
    assert "Measured on log.jsonl: 200 customers" in text
    assert "Reached" in text and "Top exit" in text
    assert text.rstrip().endswith("did not go on.")


def test_brackets_are_text_not_markup() -> None:
    stages = {
        "awareness": m.Stage(
            "awareness", actions=("browse [new] items",), emotion=m.Emotion(0, "[bold]meh[/]")
        )
    }
    jmap, ws = make_workspace(stages)
    ws = m.Workspace(
        phases={"life": m.Phases("life", "L", (m.Phase("awareness", "Aware [beta]"),))},
        personas=ws.personas,
    )
    text = terminal(jmap, ws, 120)
    assert "browse [new] items" in text and "Aware [beta]" in text
    assert "[bold]meh[/]" in text


def test_render_terminal_prints_the_map_on_the_console() -> None:
    jmap, ws = make_workspace()
    console = Console(width=90, file=io.StringIO(), color_system=None)
    render_terminal(jmap, ws, console=console)
    assert isinstance(console.file, io.StringIO)
    assert console.file.getvalue() == terminal(jmap, ws, 90)


def test_a_map_without_phases_has_its_header_only() -> None:
    jmap = m.JourneyMap("j", "Empty", "x", "none", {})
    assert terminal(jmap, m.Workspace(), 80).splitlines() == ["Empty", "persona: x"]


def test_a_kpi_without_a_target_shows_its_rate_alone() -> None:
    jmap, ws = make_workspace()
    measure = PhaseMeasure(
        "awareness",
        reached=4,
        kpis=(KpiMeasure("buy", "k", 4, 1),),
        journeys=(JourneyMeasure("cart", "c", 4, 1, 0, 0, None),),
    )
    overlay = MapOverlay("lisa_map", 8, {"awareness": measure})
    chart = shown(emotion_chart(columns(jmap, ws, overlay), 80, overlay), 80)
    (kpis,) = [line for line in chart.splitlines() if line.startswith("KPIs")]
    assert kpis.split("│")[1].strip() == "25.0%"
