"""A journey map as HTML: the grid as a table, the emotion curve as inline SVG with a
point per stage that has an emotion, every text escaped, no script, no network."""

from __future__ import annotations

import re
from html import escape

import pytest

from cjo_cli import model as m
from cjo_cli.engine.map_overlay import (
    ExitPoint,
    JourneyMeasure,
    KpiMeasure,
    MapOverlay,
    PhaseMeasure,
)
from cjo_cli.output.journey_map import ROWS, Column
from cjo_cli.output.journey_map_html import (
    emotion_svg,
    map_intro_html,
    map_table_html,
    render_html,
)

H = "<script>alert(1)</script>\"&'"
POINT = re.compile(r'<circle cx="([0-9.]+)" cy="([0-9.]+)" r="6"')


def column(phase: str, score: int | None, note: str = "") -> Column:
    emotion = m.Emotion(score, note) if score is not None else None
    return Column(phase, phase.title(), m.Stage(phase, emotion=emotion))


# ---- the emotion curve ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cols", "points"),
    [
        # 900 wide: a column is 900/n, each point at its middle; +2 at y 36, -2 at y 136.
        (
            [column("a", 2), column("b", 0), column("c", -2)],
            [("150.0", "36.0"), ("450.0", "86.0"), ("750.0", "136.0")],
        ),
        (
            [column("a", 1), Column("b", "B", None), column("c", None), column("d", -1)],
            [("112.5", "61.0"), ("787.5", "111.0")],
        ),
        ([Column("a", "A", None), column("b", None)], []),
        ([column("a", 0)], [("450.0", "86.0")]),
        ([], []),
    ],
)
def test_emotion_svg_has_a_point_per_stage_with_an_emotion(
    cols: list[Column], points: list[tuple[str, str]]
) -> None:
    svg = emotion_svg(cols)
    assert POINT.findall(svg) == points
    polyline = re.findall(r'<polyline points="([^"]*)"', svg)
    if len(points) > 1:
        assert polyline == [" ".join(f"{x},{y}" for x, y in points)]
    else:
        assert polyline == []
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 900 160"')
    assert svg.endswith("</svg>")


def test_emotion_svg_labels_are_faces_scores_and_escaped_notes() -> None:
    svg = emotion_svg([column("a", 2, "happy"), column("b", -2, H), column("c", 0)])
    labels = re.findall(r'font-size="13">([^<]*)</text>', svg)
    assert labels == ["◎ +2 happy", f"×× -2 {escape(H)}", "△ +0"]
    assert "<script" not in svg


def test_emotion_svg_size() -> None:
    svg = emotion_svg([column("a", 2), column("b", -2)], width=400, height=100)
    assert 'viewBox="0 0 400 100"' in svg
    assert POINT.findall(svg) == [("100.0", "36.0"), ("300.0", "76.0")]


# ---- the page -------------------------------------------------------------------------


def hostile_map() -> tuple[m.JourneyMap, m.Workspace]:
    stage = m.Stage(
        "aware",
        actions=(f"{H} action",),
        touchpoints=("mail",),
        thoughts=(f"{H} thought",),
        emotion=m.Emotion(1, f"{H} emotion"),
        info_needs=(f"{H} need",),
        pain_points=(f"{H} pain",),
        measures=(f"{H} measure",),
    )
    jmap = m.JourneyMap(
        "m",
        f"{H} map",
        "lisa",
        "life",
        {"aware": stage},
        theme=m.Theme(f"{H} product", f"{H} start", f"{H} goal"),
    )
    phases = m.Phases("life", "L", (m.Phase("aware", f"{H} phase"), m.Phase("buy", "Buy")))
    ws = m.Workspace(
        phases={"life": phases},
        touchpoints={"mail": m.Touchpoint("mail", f"{H} touchpoint", "email")},
        personas={"lisa": m.Persona("lisa", f"{H} persona")},
        maps={"m": jmap},
    )
    return jmap, ws


def overlay() -> MapOverlay:
    measure = PhaseMeasure(
        "aware",
        reached=5,
        kpis=(KpiMeasure("f", f"{H} kpi", 10, 5),),
        biggest_exit=ExitPoint(f"{H} exit", 5, 10),
    )
    return MapOverlay("m", 10, {"aware": measure})


@pytest.mark.parametrize(
    "label",
    [
        "map",
        "phase",
        "persona",
        "product",
        "start",
        "goal",
        "action",
        "thought",
        "emotion",
        "need",
        "pain",
        "measure",
        "touchpoint",
        "kpi",
        "exit",
        "source",
    ],
)
def test_render_html_escapes_every_text(label: str) -> None:
    jmap, ws = hostile_map()
    page = render_html(jmap, ws, overlay(), f"{H} source")
    assert escape(f"{H} {label}") in page
    assert f"{H} {label}" not in page


def test_render_html_is_self_contained() -> None:
    jmap, ws = hostile_map()
    page = render_html(jmap, ws, overlay(), f"{H} source")
    assert "<script" not in page.lower()
    assert set(re.findall(r"https?://[^\s\"'<>]*", page)) == {"http://www.w3.org/2000/svg"}
    assert page.startswith('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">')
    assert f"<title>{escape(f'{H} map')}</title>" in page
    assert page.endswith("</body></html>\n")


def test_map_table_html_rows_and_columns() -> None:
    jmap, ws = hostile_map()
    table = map_table_html(jmap, ws)
    assert table.startswith(
        f"<table><thead><tr><th></th><th>{escape(H)} phase</th><th>Buy</th></tr></thead><tbody>"
    )
    labels = re.findall(r'<td class="label">([^<]*)</td>', table)
    assert labels == ["Emotion curve", *(label for _, label in ROWS)]
    assert '<td colspan="2"><svg' in table
    assert f'<tr><td class="label">Actions</td><td><ul><li>{escape(H)} action</li></ul></td>' in (
        table
    )
    # The empty column has an empty cell in every row.
    assert table.count("<td></td>") >= len(ROWS)
    assert f"<li>○ +1 {escape(H)} emotion</li>" in table
    assert 'class="measured"' not in table and 'class="lost"' not in table


def test_map_table_html_with_an_overlay_marks_the_measured_rows() -> None:
    jmap, ws = hostile_map()
    table = map_table_html(jmap, ws, overlay())
    assert table.count('<tr class="measured">') == 2
    assert '<tr class="measured"><td class="label">Reached</td><td><ul><li>5 customers' in table
    assert f"<li>{escape(H)} exit: −5 of 10 (50.0%)</li>" in table
    assert table.endswith(
        f'<p class="lost">Where we lose {escape(H)} persona: {escape(H)} phase, '
        f"{escape(H)} exit: 5 of 10 (50.0%) did not go on.</p>"
    )


def test_a_measured_journey_shows_entered_and_converted_only() -> None:
    # A replay compares treated and holdout customers who were never sent anything:
    # the map shows no holdout rate and no difference next to a journey.
    jmap, ws = hostile_map()
    measure = PhaseMeasure(
        "aware", reached=50, journeys=(JourneyMeasure("j", "Cart", 40, 10, 10, 5, None),)
    )
    table = map_table_html(jmap, ws, MapOverlay("m", 60, {"aware": measure}))
    assert "<li>Cart: 40 entered, 10 converted (25.0%)</li>" in table
    assert "holdout" not in table and "lift" not in table


def test_map_intro_html() -> None:
    jmap, ws = hostile_map()
    e = escape(H)
    assert map_intro_html(jmap, ws) == (
        f'<p class="theme">Persona: {e} persona · Product: {e} product · Start: {e} start'
        f" · Goal: {e} goal</p>"
    )


def test_render_html_without_an_overlay_has_no_measured_note() -> None:
    jmap, ws = hostile_map()
    page = render_html(jmap, ws)
    assert "Measured on" not in page
    assert "Reached" not in page
