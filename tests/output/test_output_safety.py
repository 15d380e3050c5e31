"""Every human-facing renderer of cjo_cli/output, fed workspace and log text as hostile as
it gets (terminal escapes, line breaks, NULs, bidi overrides, markup, formulas), shows
it escaped: no raw control character but the layout's own line breaks, rich markup
shown as written, no HTML out of a name, Markdown tables and Mermaid statements intact,
formula-safe CSV; JSON keeps the exact values."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.console import Console

from cjo_cli import model as m
from cjo_cli.engine.funnel_result import FunnelGroup, FunnelResult, StepStats
from cjo_cli.engine.journey_diff import JourneyDiff
from cjo_cli.engine.map_overlay import (
    ExitPoint,
    JourneyMeasure,
    KpiMeasure,
    MapOverlay,
    PhaseMeasure,
)
from cjo_cli.engine.measure import Measured
from cjo_cli.engine.replay_records import CustomerReplay, TraceLine
from cjo_cli.engine.replay_stats import (
    GroupTotals,
    JourneyTotals,
    ReplayTotals,
    SendTotals,
    StepTotals,
)
from cjo_cli.engine.simulate import Simulation
from cjo_cli.findings import Finding, Level
from cjo_cli.model.clock import parse_instant
from cjo_cli.output import (
    diff_report,
    funnel_report,
    html_report,
    journey_map,
    journey_map_html,
    progress,
    simulate_report,
)
from cjo_cli.output.demo_report import DemoPrinter
from cjo_cli.output.findings_formats import format_text
from cjo_cli.output.text import html_text, markdown, visible

HOSTILE = [
    "\x1b[31mRED",
    "\x1b]8;;http://x\x07link\x1b]8;;\x07",
    "a\rb",
    "two\nlines",
    "tab\there",
    "nul\x00",
    "abc\u202edef",
    "\u2066iso\u2069 \x85 \x9b",
    '=HYPERLINK("http://x")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-2+3",
    "@SUM(1)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "a|b",
    "`tick`",
    "[/]",
    "[bold]x[/bold]",
    "Tom & Jerry",
]
CONTROL = [text for text in HOSTILE if visible(text) != text]

HIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
"""A raw control character, line feed (the layout's own) aside."""

T0 = parse_instant("2026-06-01T10:00:00Z")


@pytest.fixture(autouse=True)
def no_forced_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notes use their own stderr console: no colour codes, whatever the environment says."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


# ---- one workspace and one log's results, every text the same hostile string ----------


@dataclass(frozen=True)
class World:
    text: str
    ws: m.Workspace
    jmap: m.JourneyMap
    funnel: FunnelResult
    totals: ReplayTotals
    overlay: MapOverlay
    diff: JourneyDiff
    replay: CustomerReplay
    finding: Finding


def world(t: str) -> World:
    """Everything a renderer shows, with `t` as every name, id, label and value (ids get
    a digit after `t` where two must differ)."""
    names = (f"{t}1", f"{t}2")
    funnel = m.Funnel(
        t,
        t,
        tuple(m.FunnelStep(m.EventFilter(f"{t}e"), name) for name in names),
        # The schema allows neither such a window nor such an order: shown escaped anyway.
        window=m.Duration(3600, t),
        order=t,  # type: ignore[arg-type]
        kpi=m.Kpi(t, 10.0),
    )
    steps = (
        StepStats(names[0], f"{t}e", 10, 1.0, 1.0, None, None),
        StepStats(names[1], f"{t}e", 4, 0.4, 0.4, 90.0, 100.0),
    )
    result = FunnelResult(funnel, FunnelGroup(None, steps), t, (FunnelGroup(t, steps),))
    journey = m.Journey(
        t,
        t,
        m.Entry(m.EventFilter(t)),
        {
            f"{t}1": m.WaitForStep(
                f"{t}1",
                t,
                event=m.EventFilter(t),
                timeout=m.Duration(3600, "1h"),
                next=f"{t}2",
                on_timeout=f"{t}3",
            ),
            f"{t}2": m.SendStep(f"{t}2", t, touchpoint=t, next=f"{t}3"),
            f"{t}3": m.ExitStep(f"{t}3", t),
        },
        start=f"{t}1",
        holdout_percent=10.0,
    )
    stage = m.Stage(
        "p",
        actions=(t, f"{t}x"),
        touchpoints=(t,),
        thoughts=(t,),
        emotion=m.Emotion(-1, t),
        info_needs=(t,),
        pain_points=(t,),
        measures=(t,),
        kpis=(m.KpiRef(t, t),),
        journeys=(t,),
    )
    jmap = m.JourneyMap(t, t, "persona", "life", {"p": stage}, theme=m.Theme(t, t, t))
    ws = m.Workspace(
        phases={"life": m.Phases("life", t, (m.Phase("p", t),))},
        touchpoints={t: m.Touchpoint(t, t, "email")},
        personas={"persona": m.Persona("persona", t)},
        journeys={t: journey},
        funnels={t: funnel},
        maps={t: jmap},
    )
    totals = ReplayTotals(SimpleNamespace(journeys=(), touchpoints={}, default_tz=None))  # type: ignore[arg-type]
    journey_totals = JourneyTotals(t, GroupTotals(10, 3, 12), GroupTotals(2, 1, 2))
    journey_totals.exits[t] = 1
    journey_totals.steps = {step: StepTotals(step, 5, 6) for step in journey.steps}
    journey_totals.sends = {t: SendTotals(t, t, sent=3, observable=True)}
    journey_totals.variants = {t: GroupTotals(0, 1, 2)}
    totals.journeys[t] = journey_totals
    measure = PhaseMeasure(
        "p",
        reached=8,
        kpis=(KpiMeasure(t, t, 10, 4, 20.0),),
        journeys=(JourneyMeasure(t, t, 10, 3, 2, 1, None),),
        biggest_exit=ExitPoint(t, 6, 10),
    )
    overlay = MapOverlay(t, 10, {"p": measure})
    side = {
        "entered": 3,
        "converted": 1,
        "conversion_rate": 1 / 3,
        "exits": {t: 1},
        "sends": {t: 2},
        "steps": {t: {"unique": 1, "total": 1}},
    }
    paths: dict[str, tuple[str, ...]] = {t: (f"{t}@2026-06-01 10:00", f"exit:{t}")}
    diff = JourneyDiff(t, (side, side), (t,), (paths, {t: (f"exit:{t}",)}))
    replay = CustomerReplay(t, trace=[TraceLine(T0, t, f"{t}: awaited event {t} came")])
    finding = Finding(t, 1, 1, Level.WARNING, t, t)
    return World(t, ws, jmap, result, totals, overlay, diff, replay, finding)


# ---- the renderers, each as the text it writes ---------------------------------------


def console() -> Console:
    # Wide, so that no text is wrapped; no colours, so that every escape would be the data's.
    return Console(file=io.StringIO(), width=1000, color_system=None, highlight=False)


def written(draw: Callable[[Console], object]) -> str:
    out = console()
    draw(out)
    assert isinstance(out.file, io.StringIO)
    return out.file.getvalue()


def demo(w: World) -> str:
    printer = DemoPrinter()
    printer.console = console()
    printer.step(2, "load", w.text)
    printer.validated(Path(w.text), [w.finding], 1)
    simulation = Simulation(SimpleNamespace(), w.totals, None, None)  # type: ignore[arg-type]
    measured = Measured({}, simulation, {w.text: w.overlay}, 10, None, None)
    printer.measured(w.ws, measured, [w.funnel], w.text)
    printer.wrote(Path(w.text), Path(w.text), 1.0)
    assert isinstance(printer.console.file, io.StringIO)
    return printer.console.file.getvalue()


def notes(w: World) -> str:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        progress.note(w.text)
        progress.warn(w.text)
    return err.getvalue()


TERMINAL: dict[str, Callable[[World], str]] = {
    "report table": lambda w: written(lambda c: funnel_report.print_tables([w.funnel], c)),
    "report overview": lambda w: written(
        lambda c: c.print(funnel_report.overview_table([w.funnel]))
    ),
    "diff": lambda w: written(lambda c: diff_report.print_diff(w.diff, w.text, w.text, 5, c)),
    "simulate": lambda w: written(
        lambda c: simulate_report.print_summary(w.totals, {w.text: w.text}, [w.text], c)
    ),
    "simulate overview": lambda w: written(
        lambda c: c.print(simulate_report.overview_table(w.totals))
    ),
    "explain": lambda w: written(lambda c: simulate_report.print_explain(w.replay, c)),
    "explain nothing": lambda w: written(
        lambda c: simulate_report.print_explain(CustomerReplay(w.text), c)
    ),
    "map terminal": lambda w: written(
        lambda c: journey_map.render_terminal(w.jmap, w.ws, w.overlay, w.text, console=c)
    ),
    "demo": demo,
    "findings": lambda w: format_text([w.finding]) + "\n",
    "notes": notes,
}
MARKDOWN: dict[str, Callable[[World], str]] = {
    "report markdown": lambda w: funnel_report.format_markdown([w.funnel], 1, 0),
    "map markdown": lambda w: journey_map.render_markdown(w.jmap, w.ws, w.overlay, w.text),
}
HTML: dict[str, Callable[[World], str]] = {
    "map html": lambda w: journey_map_html.render_html(w.jmap, w.ws, w.overlay, w.text),
    "html report": lambda w: html_report.render_report(
        w.ws,
        html_report.LogFacts((w.text,), 1, 0, None, None, 10),
        [w.funnel],
        w.totals,
        {w.text: w.overlay},
        [w.text],
        title=w.text,
    ),
}
MERMAID: dict[str, Callable[[World], str]] = {
    "map mermaid": lambda w: journey_map.render_mermaid(w.jmap, w.ws),
}
HUMAN = {**TERMINAL, **MARKDOWN, **HTML, **MERMAID}


def assert_nothing_hidden(output: str) -> None:
    found = HIDDEN.search(output)
    assert found is None, f"raw {found.group()!r} at {found.start()}: {output[:200]!r}"


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("renderer", HUMAN)
def test_no_raw_control_character_reaches_a_reader(renderer: str, text: str) -> None:
    assert_nothing_hidden(HUMAN[renderer](world(text)))


# Every C0 control, some C1 and bidi ones, what the formats give a meaning, and letters.
ALPHABET = [*map(chr, range(0x20)), *"\x7f\x85\x9b\u2028\u2029\u202b\u202e\u2067"]
ALPHABET += [*"|`<>&\"'\\[]/:;#%=+-@ ", "a", "認"]


@settings(max_examples=40, deadline=None)
@given(st.text(st.sampled_from(ALPHABET), min_size=1, max_size=20))
@pytest.mark.parametrize("renderer", HUMAN)
def test_no_random_text_puts_a_control_character_on_the_screen(renderer: str, text: str) -> None:
    assert_nothing_hidden(HUMAN[renderer](world(text)))


@pytest.mark.parametrize("text", [*CONTROL, "[/]", "[bold]x[/bold]", "<script>", "a|b"])
@pytest.mark.parametrize("renderer", TERMINAL)
def test_the_terminal_shows_the_text_escaped_and_as_written(renderer: str, text: str) -> None:
    assert visible(text) in TERMINAL[renderer](world(text))


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("renderer", MARKDOWN)
def test_markdown_shows_the_text_escaped(renderer: str, text: str) -> None:
    output = MARKDOWN[renderer](world(text))
    assert markdown(text) in output
    # Rendered as GitHub would (raw HTML allowed), no name became a tag: code spans keep
    # `<script>` as text, every other cell has it as entities.
    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(output)
    assert "<script" not in page and "<img" not in page


@pytest.mark.parametrize("renderer", MARKDOWN)
def test_no_name_adds_a_column_to_a_markdown_table(renderer: str) -> None:
    for text in ("a|b", "a\\|b", "x\n| y |", "`|`"):
        lines = MARKDOWN[renderer](world(text)).splitlines()
        rows = [line for line in lines if line.startswith("|")]
        # Every row has as many `|` as its table's header: GFM takes a `|` after a
        # backslash for text (in a code span too), any other for the end of a cell.
        separators = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(separators) <= 2, rows  # the steps table and the breakdown table


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("renderer", HTML)
def test_html_shows_the_text_escaped(renderer: str, text: str) -> None:
    page = HTML[renderer](world(text))
    assert html_text(text) in page
    if html_text(text) != text:
        assert text not in page
    assert "<script" not in page and "<img" not in page


@pytest.mark.parametrize(
    "text",
    [*HOSTILE, "Title page", "journeys", "section 2", "accDescr {x}", "50%% off", "a%%b", " "],
)
def test_mermaid_statements_stay_what_they_are(text: str) -> None:
    w = world(text)
    lines = journey_map.render_mermaid(w.jmap, w.ws).splitlines()
    assert lines[0] == "journey" and lines[1].startswith("    title ")
    assert lines[2].startswith("    section ")
    tasks = lines[3:]
    assert len(tasks) == 2  # the stage's two actions
    for line in tasks:
        # A task: a text that is no keyword, its score, its actor; nothing else.
        assert re.fullmatch(r"      [^:;#\n]+: 2: [^:;#,\n]+", line), line
        assert not re.match(r"(?i)\s*(journey|title\s|section\s|acc(title|descr)\s*[:{])", line)
    assert "%%" not in "\n".join(lines)
    assert_nothing_hidden("\n".join(lines))


def test_mermaid_shows_control_characters_escaped() -> None:
    w = world("\x1b[31mRED\nx")
    assert "    title \\x1b[31mRED\\nx" in journey_map.render_mermaid(w.jmap, w.ws)


# ---- CSV: formula-safe text cells, numbers as they are; JSON: the exact values ---------


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_text_cells_never_start_a_formula(text: str) -> None:
    w = world(text)
    rows = list(csv.DictReader(io.StringIO(funnel_report.format_csv([w.funnel]))))
    assert rows
    for row in rows:
        for column in ("funnel", "breakdown", "group", "name", "event"):
            cell = row[column]
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
            unquoted = cell[1:] if cell.startswith("'") and text[:1] in "=+-@\t\r" else cell
            assert unquoted in ("", text) or unquoted.startswith(text)


def test_csv_quotes_a_lone_carriage_return_that_would_start_a_row() -> None:
    w = world("x\r=HYPERLINK(1)")
    text = funnel_report.format_csv([w.funnel])
    assert text.count("\n") == 1 + 4  # the header, two steps, two steps of the group
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 5
    assert all(row[0] == "x\r=HYPERLINK(1)" for row in rows[1:])


def test_csv_numbers_stay_numbers_even_negative() -> None:
    w = world("=1+1")
    steps = tuple(
        StepStats(s.name, s.event, s.customers, s.from_start, s.from_previous, -3.5, -0.25)
        for s in w.funnel.total.steps
    )
    result = FunnelResult(w.funnel.funnel, FunnelGroup(None, steps))
    (first, second) = csv.DictReader(io.StringIO(funnel_report.format_csv([result])))
    assert (second["step"], second["customers"]) == ("2", "4")
    assert (second["median_seconds"], second["mean_seconds"]) == ("-3.5", "-0.25")
    assert (second["from_start"], first["from_previous"]) == ("0.4", "1.0")
    assert second["name"] == "'=1+12" and second["event"] == "'=1+1e"


@pytest.mark.parametrize("text", HOSTILE)
def test_json_keeps_the_exact_values(text: str) -> None:
    w = world(text)
    (funnel,) = json.loads(funnel_report.format_json([w.funnel], 1, 0))["funnels"]
    assert funnel["name"] == text and funnel["breakdown"]["groups"][0]["value"] == text
    replay = json.loads(simulate_report.explain_json(w.replay))
    assert replay["customer_id"] == text
    document = json.loads(diff_report.format_json(w.diff, text, text, 5))
    assert document["examples"][0]["customer_id"] == text
    assert json.loads(journey_map.render_json(w.jmap, w.ws, w.overlay, text))["name"] == text
