"""A journey map as columns (the phases document's order, empty columns for phases with
no stage), Markdown, Mermaid and JSON, with and without an overlay of measured numbers
(the terminal layout is test_journey_map_terminal.py's). The sample map's goldens are
checked by tests/cli/test_map_cmd.py; these are small hand-made maps."""

from __future__ import annotations

import json

import pytest

from cjo_cli import model as m
from cjo_cli.engine.map_overlay import (
    ExitPoint,
    JourneyMeasure,
    KpiMeasure,
    MapOverlay,
    PhaseMeasure,
)
from cjo_cli.output.journey_map import (
    FACES,
    MEASURED_ROWS,
    ROWS,
    Column,
    columns,
    map_header,
    render_json,
    render_markdown,
    render_mermaid,
    rows,
    stage_items,
    where_lost,
)

PHASES = m.Phases(
    "life",
    "Lifecycle",
    (
        m.Phase("awareness", "認知"),
        m.Phase("purchase", "Purchase"),
        m.Phase("retention", "Retention"),
        m.Phase("advocacy", "Advocacy"),
    ),
)


def make_workspace(
    stages: dict[str, m.Stage] | None = None,
    name: str = "Lisa's map",
    persona: str = "Lisa",
    theme: m.Theme = m.Theme(),
) -> tuple[m.JourneyMap, m.Workspace]:
    if stages is None:
        stages = {
            "retention": m.Stage("retention", actions=("reorder",), emotion=m.Emotion(-1, "bored")),
            "awareness": m.Stage(
                "awareness",
                actions=("sees an ad", "reads reviews"),
                touchpoints=("insta", "ghost_tp"),
                thoughts=("is it for me?",),
                emotion=m.Emotion(2, "excited"),
                info_needs=("price",),
                pain_points=("too many choices",),
                measures=("retargeting",),
                kpis=(m.KpiRef("buy"), m.KpiRef("buy", "my label"), m.KpiRef("ghost_funnel")),
                journeys=("cart", "ghost_journey"),
            ),
        }
    jmap = m.JourneyMap("lisa_map", name, "lisa", "life", stages, theme=theme)
    funnel = m.Funnel(
        "buy",
        "Buy",
        (m.FunnelStep(m.EventFilter("view"), "view"), m.FunnelStep(m.EventFilter("buy"), "buy")),
        kpi=m.Kpi("Purchase rate", 5.0),
    )
    journey = m.Journey(
        "cart", "カゴ落ち", m.Entry(m.EventFilter("add")), {"x": m.ExitStep("x", "x")}, start="x"
    )
    ws = m.Workspace(
        phases={"life": PHASES},
        touchpoints={"insta": m.Touchpoint("insta", "Instagram", "social")},
        personas={"lisa": m.Persona("lisa", persona)},
        journeys={"cart": journey},
        funnels={"buy": funnel},
        maps={"lisa_map": jmap},
    )
    return jmap, ws


def make_overlay() -> MapOverlay:
    return MapOverlay(
        "lisa_map",
        200,
        {
            "awareness": PhaseMeasure(
                "awareness",
                reached=50,
                kpis=(
                    KpiMeasure("buy", "Purchase rate", 50, 5, 5.0),
                    KpiMeasure("buy", "No target", 0, 0, None),
                ),
                journeys=(JourneyMeasure("cart", "カゴ落ち", 40, 10, 10, 1, None),),
                biggest_exit=ExitPoint("Buy: view → buy", 45, 50),
            ),
            "retention": PhaseMeasure(
                "retention", reached=None, biggest_exit=ExitPoint("cart: step x", 3, 12)
            ),
        },
    )


# ---- columns --------------------------------------------------------------------------


def test_columns_follow_the_phases_document_with_empty_columns() -> None:
    jmap, ws = make_workspace()
    found = columns(jmap, ws)
    assert [(c.phase_id, c.title) for c in found] == [
        ("awareness", "認知"),
        ("purchase", "Purchase"),
        ("retention", "Retention"),
        ("advocacy", "Advocacy"),
    ]
    assert [c.stage is not None for c in found] == [True, False, True, False]
    assert all(c.measured is None for c in found)


def test_stages_of_unknown_phases_come_after_the_known_ones() -> None:
    stages = {
        "zzz": m.Stage("zzz", actions=("x",)),
        "purchase": m.Stage("purchase"),
    }
    jmap, ws = make_workspace(stages)
    assert [(c.phase_id, c.title) for c in columns(jmap, ws)] == [
        ("awareness", "認知"),
        ("purchase", "Purchase"),
        ("retention", "Retention"),
        ("advocacy", "Advocacy"),
        ("zzz", "zzz"),
    ]


def test_without_the_phases_document_the_stages_are_the_columns() -> None:
    jmap, ws = make_workspace()
    ws = m.Workspace(personas=ws.personas, maps=ws.maps)
    assert [(c.phase_id, c.title) for c in columns(jmap, ws)] == [
        ("retention", "retention"),
        ("awareness", "awareness"),
    ]


def test_columns_carry_the_overlay() -> None:
    jmap, ws = make_workspace()
    overlay = make_overlay()
    found = {c.phase_id: c.measured for c in columns(jmap, ws, overlay)}
    assert found["awareness"] is overlay.phases["awareness"]
    assert found["purchase"] is None


def test_rows() -> None:
    assert rows(None) == ROWS
    assert rows(make_overlay()) == ROWS + MEASURED_ROWS
    assert [name for name, _ in ROWS] == [
        "actions",
        "touchpoints",
        "thoughts",
        "emotion",
        "info_needs",
        "pain_points",
        "measures",
        "kpis",
        "journeys",
    ]


# ---- the items of a cell --------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "items"),
    [
        ("actions", ["sees an ad", "reads reviews"]),
        ("touchpoints", ["Instagram · social", "ghost_tp"]),
        ("thoughts", ["is it for me?"]),
        ("emotion", ["+2 excited"]),
        ("info_needs", ["price"]),
        ("pain_points", ["too many choices"]),
        ("measures", ["retargeting"]),
        ("kpis", ["Purchase rate [buy]", "my label [buy]", "ghost_funnel"]),
        ("journeys", ["カゴ落ち", "ghost_journey"]),
    ],
)
def test_stage_items(row: str, items: list[str]) -> None:
    jmap, ws = make_workspace()
    awareness = columns(jmap, ws)[0]
    assert stage_items(awareness, row, ws) == items


@pytest.mark.parametrize(("row", "_label"), ROWS)
def test_an_empty_column_has_no_items(row: str, _label: str) -> None:
    jmap, ws = make_workspace()
    assert stage_items(columns(jmap, ws)[1], row, ws) == []


def test_emotion_without_a_note() -> None:
    column = Column("p", "P", m.Stage("p", emotion=m.Emotion(0)))
    assert stage_items(column, "emotion", m.Workspace()) == ["+0"]
    assert stage_items(Column("p", "P", m.Stage("p")), "emotion", m.Workspace()) == []


def test_measured_items() -> None:
    jmap, ws = make_workspace()
    cols = {c.phase_id: c for c in columns(jmap, ws, make_overlay())}
    awareness, purchase, retention = cols["awareness"], cols["purchase"], cols["retention"]
    assert stage_items(awareness, "reached", ws, 200) == ["50 customers (25.0% of the log)"]
    assert stage_items(awareness, "biggest_exit", ws, 200) == ["Buy: view → buy: −45 of 50 (90.0%)"]
    assert stage_items(awareness, "kpis", ws, 200) == [
        "Purchase rate: 10.0% (5/50), meets target 5%",
        "No target: – (0/0)",
    ]
    # Entered and converted only: no holdout rate, no treated − holdout difference.
    assert stage_items(awareness, "journeys", ws, 200) == [
        "カゴ落ち: 40 entered, 10 converted (25.0%)"
    ]
    # Unmeasured rows of a measured column still come from the stage.
    assert stage_items(awareness, "actions", ws, 200) == ["sees an ad", "reads reviews"]
    assert stage_items(retention, "reached", ws, 200) == [
        "not measured (no KPI funnel or journey here)"
    ]
    assert stage_items(retention, "biggest_exit", ws, 200) == ["cart: step x: −3 of 12 (25.0%)"]
    assert stage_items(purchase, "reached", ws, 200) == []
    assert stage_items(purchase, "biggest_exit", ws, 200) == []
    assert stage_items(awareness, "reached", ws, 0) == ["50 customers (– of the log)"]


# ---- header and the biggest loss ------------------------------------------------------


def test_map_header() -> None:
    jmap, ws = make_workspace(theme=m.Theme("serum", "first visit", "repeat"))
    assert map_header(jmap, ws) == ("Lisa", "product: serum  start: first visit  goal: repeat")
    jmap, ws = make_workspace()
    assert map_header(jmap, ws) == ("Lisa", "")
    assert map_header(jmap, m.Workspace()) == ("lisa", "")


def test_where_lost() -> None:
    jmap, ws = make_workspace()
    assert where_lost(jmap, ws, make_overlay()) == (
        "Where we lose Lisa: 認知, Buy: view → buy: 45 of 50 (90.0%) did not go on."
    )
    assert where_lost(jmap, ws, MapOverlay("lisa_map", 3, {})) == (
        "Where we lose Lisa: the log shows no drop in this map's funnels and journeys."
    )


# ---- Markdown -------------------------------------------------------------------------


def test_render_markdown() -> None:
    jmap, ws = make_workspace(theme=m.Theme("serum", "ad", "buy"))
    lines = render_markdown(jmap, ws).splitlines()
    assert lines[:6] == [
        "# Lisa's map",
        "",
        "Persona: Lisa",
        "Product: serum · Start: ad · Goal: buy",
        "",
        "| | 認知 | Purchase | Retention | Advocacy |",
    ]
    assert lines[6] == "|---|---|---|---|---|"
    assert lines[7] == "| **Actions** | sees an ad<br>reads reviews |  | reorder |  |"
    assert lines[10] == f"| **Emotion** | {FACES[2]} +2 excited |  | {FACES[-1]} -1 bored |  |"
    assert len(lines) == 7 + len(ROWS)


def test_render_markdown_escapes_pipes_and_line_breaks() -> None:
    stages = {
        "purchase": m.Stage(
            "purchase",
            actions=("compare a|b", "two\nlines"),
            emotion=m.Emotion(-2, "sad | tired"),
        )
    }
    jmap, ws = make_workspace(stages)
    ws = m.Workspace(
        phases={"life": m.Phases("life", "L", (m.Phase("purchase", "Buy | pay"),))},
        personas=ws.personas,
    )
    lines = render_markdown(jmap, ws).splitlines()
    assert "| | Buy \\| pay |" in lines
    assert "| **Actions** | compare a\\|b<br>two\\nlines |" in lines
    assert f"| **Emotion** | {FACES[-2]} -2 sad \\| tired |" in lines
    for line in lines:
        if line.startswith("| "):
            assert line.replace("\\|", "").count("|") == 3


def test_render_markdown_with_an_overlay() -> None:
    jmap, ws = make_workspace()
    text = render_markdown(jmap, ws, make_overlay(), "log|1.jsonl")
    lines = text.splitlines()
    assert lines[4] == (
        "Measured on log\\|1.jsonl: 200 customers; KPI and journey numbers are those of "
        "`cjo report` and `cjo simulate` (all customers of the log, not only the persona)"
    )
    assert "| **Reached** | 50 customers (25.0% of the log) |  | not measured" in text
    assert lines[-1] == (
        "**Where we lose Lisa: 認知, Buy: view → buy: 45 of 50 (90.0%) did not go on.**"
    )


# ---- Mermaid --------------------------------------------------------------------------


def test_render_mermaid() -> None:
    jmap, ws = make_workspace()
    assert render_mermaid(jmap, ws) == (
        "journey\n"
        "    title Lisa's map\n"
        "    section 認知\n"
        "      sees an ad: 5: Lisa\n"
        "      reads reviews: 5: Lisa\n"
        "    section Retention\n"
        "      reorder: 2: Lisa\n"
    )


def test_render_mermaid_escapes_its_separators() -> None:
    stages = {
        "awareness": m.Stage("awareness", actions=("step 1: look; buy #1",)),
        "purchase": m.Stage("purchase", emotion=m.Emotion(0, "note: #ok;")),
        "retention": m.Stage("retention"),
    }
    jmap, ws = make_workspace(stages, name="Map: #1; v2", persona="Lisa, Kenji: #2")
    text = render_mermaid(jmap, ws)
    assert text.splitlines() == [
        "journey",
        "    title Map： ＃1； v2",
        "    section 認知",
        "      step 1： look； buy ＃1: 3: Lisa， Kenji： ＃2",
        "    section Purchase",
        "      note： ＃ok；: 3: Lisa， Kenji： ＃2",
        "    section Retention",
        "      Retention: 3: Lisa， Kenji： ＃2",
    ]
    # Every task line has exactly the two separators Mermaid reads.
    for line in text.splitlines():
        if line.startswith("      "):
            assert line.count(":") == 2 and ";" not in line and "#" not in line


def test_render_mermaid_shows_line_breaks_escaped() -> None:
    stages = {"awareness": m.Stage("awareness", actions=("two\nlines",))}
    jmap, ws = make_workspace(stages, name="A\nmap")
    assert render_mermaid(jmap, ws).splitlines()[1:4] == [
        "    title A\\nmap",
        "    section 認知",
        "      two\\nlines: 3: Lisa",
    ]


# ---- JSON -----------------------------------------------------------------------------


def test_render_json_without_a_log_has_null_numbers() -> None:
    jmap, ws = make_workspace()
    data = json.loads(render_json(jmap, ws))
    assert data == {
        "map": "lisa_map",
        "name": "Lisa's map",
        "persona": "lisa",
        "measured_on": None,
        "customers": None,
        "phases": [
            {"id": "awareness", "name": "認知", "emotion": 2, "reached": None},
            {"id": "purchase", "name": "Purchase", "emotion": None, "reached": None},
            {"id": "retention", "name": "Retention", "emotion": -1, "reached": None},
            {"id": "advocacy", "name": "Advocacy", "emotion": None, "reached": None},
        ],
    }
    assert "top_exit" not in data
    assert render_json(jmap, ws).endswith("}\n")
    assert '"name": "認知"' in render_json(jmap, ws)


def test_render_json_with_an_overlay() -> None:
    jmap, ws = make_workspace()
    data = json.loads(render_json(jmap, ws, make_overlay(), "log.jsonl"))
    assert data["measured_on"] == "log.jsonl"
    assert data["customers"] == 200
    assert data["top_exit"] == {
        "phase": "awareness",
        "where": "Buy: view → buy",
        "lost": 45,
        "of": 50,
        "share": 0.9,
    }
    awareness, purchase, retention, _ = data["phases"]
    assert awareness["reached"] == 50
    assert awareness["kpis"] == [
        {
            "funnel": "buy",
            "label": "Purchase rate",
            "started": 50,
            "completed": 5,
            "rate": 0.1,
            "target_percent": 5.0,
            "met": True,
        },
        {
            "funnel": "buy",
            "label": "No target",
            "started": 0,
            "completed": 0,
            "rate": None,
            "target_percent": None,
            "met": None,
        },
    ]
    assert awareness["journeys"] == [
        {
            "journey": "cart",
            "name": "カゴ落ち",
            "entered": 40,
            "converted": 10,
            "conversion_rate": 0.25,
            "holdout_entered": 10,
            "holdout_converted": 1,
        }
    ]
    assert purchase == {"id": "purchase", "name": "Purchase", "emotion": None, "reached": None}
    assert retention["reached"] is None
    assert retention["top_exit"] == {"where": "cart: step x", "lost": 3, "of": 12, "share": 0.25}


def test_render_json_rounds_rates_to_six_digits() -> None:
    jmap, ws = make_workspace()
    overlay = MapOverlay(
        "lisa_map",
        3,
        {"awareness": PhaseMeasure("awareness", 3, kpis=(KpiMeasure("buy", "k", 3, 1),))},
    )
    data = json.loads(render_json(jmap, ws, overlay, "x"))
    assert data["phases"][0]["kpis"][0]["rate"] == 0.333333
    assert data["top_exit"] is None
