"""What `cjo demo` prints: the title, numbered steps, the findings summary and warnings,
the overview tables of funnels and journeys, the measured maps, and what was written."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from cjo_cli.engine.funnel_result import FunnelGroup, FunnelResult, StepStats
from cjo_cli.engine.map_overlay import MapOverlay
from cjo_cli.engine.measure import Measured
from cjo_cli.engine.replay_stats import GroupTotals, JourneyTotals, ReplayTotals
from cjo_cli.engine.simulate import Simulation
from cjo_cli.findings import Finding, Level
from cjo_cli.model import (
    EventFilter,
    Funnel,
    FunnelStep,
    JourneyMap,
    Kpi,
    Persona,
    Phase,
    Phases,
    Stage,
    Workspace,
)
from cjo_cli.output.demo_report import DemoPrinter


@pytest.fixture
def printer() -> DemoPrinter:
    found = DemoPrinter()
    found.console = Console(record=True, width=120, file=io.StringIO(), color_system=None)
    return found


def text_of(printer: DemoPrinter) -> str:
    return printer.console.export_text()


def test_the_printer_writes_plain_text_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    DemoPrinter().title()
    assert capsys.readouterr().out == "cjo demo: the whole loop on the sample beauty store\n"


def test_step_prints_its_number_title_and_detail_as_written(printer: DemoPrinter) -> None:
    printer.step(2, "load", "samples/[red]events[/].jsonl")
    assert text_of(printer) == "2. load  samples/[red]events[/].jsonl\n"


def test_validated_prints_the_summary_and_only_the_warnings(printer: DemoPrinter) -> None:
    findings = [
        Finding("j/a.yaml", 3, 5, Level.WARNING, "unreachable-step", "step 'x' is unreachable"),
        Finding("j/b.yaml", 1, 1, Level.ERROR, "yaml-syntax", "bad [bold]yaml"),
        Finding("j/a.yaml", 1, 2, Level.WARNING, "no-exit", "[x] never exits"),
    ]
    printer.validated(Path("journeys"), findings, files=14)
    assert text_of(printer).splitlines() == [
        "1. validate  journeys: 1 error, 2 warnings in 14 files",
        "j/a.yaml:1:2: warning: [x] never exits [no-exit]",
        "j/a.yaml:3:5: warning: step 'x' is unreachable [unreachable-step]",
    ]


def test_validated_without_findings(printer: DemoPrinter) -> None:
    printer.validated(Path("journeys"), [], files=3)
    assert text_of(printer) == "1. validate  journeys: no problems in 3 files\n"


def funnel_result() -> FunnelResult:
    funnel = Funnel(
        "buy",
        "Buy",
        (FunnelStep(EventFilter("view"), "view"), FunnelStep(EventFilter("buy"), "buy")),
        kpi=Kpi("rate", 10.0),
    )
    steps = (
        StepStats("view", "view", 40, 1.0, 1.0, None, None),
        StepStats("buy", "buy", 8, 0.2, 0.2, 60.0, 60.0),
    )
    return FunnelResult(funnel, FunnelGroup(None, steps))


def test_measured_prints_steps_3_to_5(printer: DemoPrinter) -> None:
    totals = ReplayTotals(SimpleNamespace(journeys=(), touchpoints={}, default_tz=None))  # type: ignore[arg-type]
    totals.journeys["cart"] = JourneyTotals("cart", GroupTotals(20, 5, 20))
    totals.journeys["welcome"] = JourneyTotals("welcome", GroupTotals(3, 0, 3))
    simulation = Simulation(SimpleNamespace(), totals, None, None)  # type: ignore[arg-type]
    jmap = JourneyMap("lisa_map", "Lisa's map", "lisa", "life", {"a": Stage("a", actions=("x",))})
    ws = Workspace(
        phases={"life": Phases("life", "L", (Phase("a", "Awareness"),))},
        personas={"lisa": Persona("lisa", "Lisa")},
        maps={"lisa_map": jmap},
    )
    overlay = MapOverlay("lisa_map", 60, {})
    measured = Measured({}, simulation, {"lisa_map": overlay}, 60, None, None)
    printer.measured(ws, measured, [funnel_result()], "samples/events.jsonl")
    text = text_of(printer)
    lines = text.splitlines()
    assert lines[0] == "3. report  1 funnels (`cjo report` shows every step)"
    assert "4. simulate  2 journeys replayed over the log: predictions with holdout plans, " in (
        text.replace("\n", " ")
    )
    assert "treated − holdout" not in text
    assert "5. map  lisa_map with the measured numbers" in lines
    assert "Funnels" in text and "10% met" in text and "20.0%" in text
    assert "Journeys (replayed)" in text and "5 (25.0%)" in text
    assert "Lisa's map" in text and "Measured on samples/events.jsonl: 60 customers" in text
    order = [text.index(mark) for mark in ("3. report", "4. simulate", "5. map")]
    assert order == sorted(order)


def test_measured_without_a_replay_or_maps(printer: DemoPrinter) -> None:
    measured = Measured({}, None, {}, 0, None, None)
    printer.measured(Workspace(), measured, [funnel_result()], "x")
    text = text_of(printer)
    assert "3. report" in text
    assert "4. simulate" not in text and "5. map" not in text


def test_wrote(printer: DemoPrinter) -> None:
    printer.console = Console(record=True, width=200, file=io.StringIO(), color_system=None)
    printer.wrote(Path("out/demo.duckdb"), Path("out/report.html"), 2.345)
    assert text_of(printer).splitlines() == [
        "",
        "wrote out/demo.duckdb and out/report.html in 2.3 s",
        "- open out/report.html in a browser (self-contained: funnels, journeys, maps)",
        "- query out/demo.duckdb with DuckDB: tables events, rejects, customers, funnel_steps, "
        "funnel_customers, entries, visits, sends, exits, step_stats, journey_entrants",
        "- next: `cjo report --help`, `cjo simulate --help`, `cjo init my-journeys`",
    ]
