"""The shareable HTML report: one self-contained page (no script, no network) in which
every text from the workspace or the log is escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape
from types import SimpleNamespace

import pytest

from cjo_cli import __version__
from cjo_cli import model as m
from cjo_cli.engine.funnel_result import FunnelGroup, FunnelResult, StepStats
from cjo_cli.engine.map_overlay import (
    ExitPoint,
    JourneyMeasure,
    KpiMeasure,
    MapOverlay,
    PhaseMeasure,
)
from cjo_cli.engine.measure import Measured
from cjo_cli.engine.replay_stats import (
    GroupTotals,
    JourneyTotals,
    ReplayTotals,
    SendTotals,
    StepTotals,
)
from cjo_cli.engine.simulate import Simulation
from cjo_cli.model.clock import parse_instant
from cjo_cli.output.html_report import LogFacts, render_page, render_report

H = "<script>alert(1)</script>\"&'"
"""Hostile text: every workspace and log text below starts with it."""

URL = re.compile(r"(?i)https?://[^\s\"'<>)]*")
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def hostile(label: str) -> str:
    return f"{H} {label}"


def shown(label: str) -> str:
    return escape(hostile(label))


def funnel_result(kpi_target: float | None = 20.0) -> FunnelResult:
    names = (hostile("step one"), hostile("step two"))
    funnel = m.Funnel(
        "checkout",
        hostile("funnel"),
        tuple(m.FunnelStep(m.EventFilter(hostile(f"event {n}")), n) for n in names),
        window=m.Duration(7 * 86400, "7d"),
        kpi=m.Kpi(hostile("kpi"), kpi_target) if kpi_target is not None else None,
    )
    steps = (
        StepStats(names[0], hostile("event 1"), 10, 1.0, 1.0, None, None),
        StepStats(names[1], hostile("event 2"), 4, 0.4, 0.4, 90.0, 100.0),
    )
    return FunnelResult(
        funnel,
        FunnelGroup(None, steps, excluded=3),
        hostile("by"),
        (FunnelGroup(hostile("group"), steps),),
    )


def make_workspace() -> m.Workspace:
    journey = m.Journey(
        "cart",
        hostile("journey"),
        m.Entry(m.EventFilter(hostile("entry"))),
        {
            "wait": m.WaitForStep(
                "wait",
                "wait",
                event=m.EventFilter(hostile("opened")),
                timeout=m.Duration(3600, "1h"),
                next="send",
                on_timeout="done",
            ),
            "send": m.SendStep("send", "send", touchpoint="mail", next="done"),
            "done": m.ExitStep("done", "done"),
        },
        start="wait",
        holdout_percent=10.0,
    )
    plain = m.Journey(
        "welcome",
        hostile("no holdout"),
        m.Entry(m.EventFilter("signup")),
        {"done": m.ExitStep("done", "done")},
        start="done",
    )
    phases = m.Phases("life", hostile("phases"), (m.Phase("aware", hostile("phase")),))
    stage = m.Stage(
        "aware",
        actions=(hostile("action"),),
        touchpoints=("mail",),
        thoughts=(hostile("thought"),),
        emotion=m.Emotion(1, hostile("emotion")),
        pain_points=(hostile("pain"),),
        kpis=(m.KpiRef("checkout", hostile("kpi ref")),),
        journeys=("cart",),
    )
    jmap = m.JourneyMap(
        "lisa_map",
        hostile("map"),
        "lisa",
        "life",
        {"aware": stage},
        theme=m.Theme(hostile("product"), hostile("start"), hostile("goal")),
    )
    return m.Workspace(
        phases={"life": phases},
        touchpoints={"mail": m.Touchpoint("mail", hostile("touchpoint"), "email")},
        personas={"lisa": m.Persona("lisa", hostile("persona"))},
        journeys={"cart": journey, "welcome": plain},
        funnels={"checkout": funnel_result().funnel},
        maps={"lisa_map": jmap},
    )


def replay_totals() -> ReplayTotals:
    totals = ReplayTotals(SimpleNamespace(journeys=(), touchpoints={}, default_tz=None))  # type: ignore[arg-type]
    cart = JourneyTotals(
        "cart", GroupTotals(100, 30, 110), GroupTotals(10, 2, 10), holdout_percent=10.0
    )
    cart.steps = {step: StepTotals(step, 5, 6) for step in ("wait", "send", "done")}
    cart.sends = {"mail": SendTotals("mail", "email", sent=7, capped=1, deferred=2)}
    totals.journeys["cart"] = cart
    welcome = JourneyTotals("welcome", GroupTotals(4, 1, 4))
    welcome.steps = {"done": StepTotals("done", 4, 4)}
    totals.journeys["welcome"] = welcome
    return totals


def overlay() -> MapOverlay:
    measure = PhaseMeasure(
        "aware",
        reached=40,
        kpis=(KpiMeasure("checkout", hostile("kpi measure"), 10, 4, 20.0),),
        journeys=(JourneyMeasure("cart", hostile("journey measure"), 100, 30, 10, 2, None),),
        biggest_exit=ExitPoint(hostile("exit point"), 6, 10),
    )
    return MapOverlay("lisa_map", 50, {"aware": measure})


def log_facts() -> LogFacts:
    return LogFacts(
        (hostile("log.jsonl"), "second.csv"), 1234, 5, "2026-06-01 00:00", "2026-06-30 23:59", 50
    )


def full_page() -> str:
    ws = make_workspace()
    return render_report(
        ws,
        log_facts(),
        [funnel_result()],
        replay_totals(),
        {"lisa_map": overlay()},
        [hostile("note")],
        title=hostile("title"),
    )


def test_the_page_has_no_script_and_no_network() -> None:
    page = full_page()
    assert "<script" not in page.lower()
    assert "javascript:" not in page.lower()
    assert " on" + "load=" not in page and "onclick" not in page
    # The only URL is the SVG namespace, which is a name, not a fetch.
    assert set(URL.findall(page)) == {SVG_NAMESPACE}
    assert "<link" not in page and "<img" not in page and "@import" not in page
    assert page.startswith('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">')
    assert page.endswith("</body></html>\n")


@pytest.mark.parametrize(
    "label",
    [
        "title",
        "log.jsonl",
        "funnel",
        "step one",
        "step two",
        "kpi",
        "by",
        "group",
        "journey",
        "no holdout",
        "opened",
        "touchpoint",
        "map",
        "phase",
        "persona",
        "product",
        "start",
        "goal",
        "action",
        "thought",
        "emotion",
        "pain",
        "kpi measure",
        "journey measure",
        "exit point",
        "note",
    ],
)
def test_every_workspace_and_log_text_is_escaped(label: str) -> None:
    page = full_page()
    assert shown(label) in page
    assert hostile(label) not in page


def test_no_raw_hostile_text_anywhere() -> None:
    page = full_page()
    assert H not in page
    assert "alert(1)</script>" not in page
    # Quotes from the workspace cannot leave an attribute: every `"` is markup's own.
    for attribute in re.findall(r'="([^"]*)"', page):
        assert "<" not in attribute and ">" not in attribute


def facts_of(page: str) -> dict[str, str]:
    """The header's facts, name to value."""
    return dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", page))


def test_the_header_says_what_when_by_which_cjo_and_from_which_log() -> None:
    ws = make_workspace()
    page = render_report(
        ws,
        log_facts(),
        [funnel_result()],
        replay_totals(),
        {"lisa_map": overlay()},
        generated="2026-12-01 09:30",
    )
    assert '<header class="report-head"><h1>cjo report</h1>' in page
    assert (
        '<p class="lead">What this log shows of 1 funnel, 2 journeys replayed, 1 journey map '
        "measured.</p>"
    ) in page
    assert facts_of(page) == {
        "Generated": f"2026-12-01 09:30 UTC by cjo {__version__}",
        "Log files": f"{shown('log.jsonl')}, second.csv",
        "Read": "1,234 rows, rejected 5 · 50 customers",
        "Span": "2026-06-01 00:00 … 2026-06-30 23:59 UTC",
    }
    assert "<h2>Assumptions</h2><ul><li>" + shown("note") + "</li></ul>" in full_page()


def test_sections_and_table_of_contents() -> None:
    page = full_page()
    for anchor, title in (
        ("funnels", "Funnels"),
        ("effects", "Effects: measured and planned"),
        ("journeys", "Journeys"),
        ("maps", "Journey maps"),
    ):
        assert f'<li><a href="#{anchor}">{title}</a></li>' in page
        assert f'<h2 id="{anchor}">{title}</h2>' in page
    assert 'id="funnel-checkout"' in page
    assert 'id="journey-cart"' in page and 'id="journey-welcome"' in page
    assert 'id="map-lisa_map"' in page


def test_funnels_only() -> None:
    page = render_report(make_workspace(), log_facts(), [funnel_result()], None, {})
    assert "<title>cjo report</title>" in page
    assert 'href="#funnels"' in page
    for absent in ("#effects", "#journeys", "#maps", "Assumptions"):
        assert absent not in page


def test_an_empty_log_has_no_span() -> None:
    facts = LogFacts((), 0, 0, None, None, 0)
    page = render_report(m.Workspace(), facts, [], None, {})
    assert facts_of(page)["Span"] == "empty"
    assert facts_of(page)["Log files"] == "none"
    assert facts_of(page)["Generated"] == f"– by cjo {__version__}"
    assert '<p class="lead">What this log shows of the workspace.</p>' in page
    assert "<nav><ul></ul></nav>" in page


@pytest.mark.parametrize(
    ("target", "kpi_line"),
    [
        (20.0, f'{shown("kpi")}: 40.0% <span class="good">(meets the 20% target)</span>'),
        (40.0, f'{shown("kpi")}: 40.0% <span class="good">(meets the 40% target)</span>'),
        (45.5, f'{shown("kpi")}: 40.0% <span class="bad">(below the 45.5% target)</span>'),
        (None, "conversion 40.0%"),
    ],
)
def test_funnel_kpi_verdict(target: float | None, kpi_line: str) -> None:
    page = render_report(make_workspace(), log_facts(), [funnel_result(target)], None, {})
    assert f'<p class="kpi">{kpi_line}</p>' in page
    assert '<p class="meta">ordered, window 7d; 3 removed by exclusions</p>' in page


def test_effects_table_and_journey_sections() -> None:
    """A simulated journey gets a holdout plan, never a treated-minus-holdout effect."""
    page = full_page()
    row = f"<tr><td>{shown('journey')}</td><td>simulated</td><td>100</td><td>10</td><td>"
    assert row + "holdout plan (a prediction, not a measured effect): 10% held out" in page
    assert f"<tr><td>{shown('no holdout')}</td><td>simulated</td>" in page
    assert "no holdout: the journey&#x27;s effect cannot be measured once it runs" in page
    assert "treated − holdout" not in page and "95% CI" not in page
    assert '<p class="kpi">100 entered, 30 converted (30.0%), 110 entries</p>' in page
    assert '<p class="kpi">4 entered, 1 converted (25.0%)</p>' in page
    assert page.count('class="holdout-chart"') == 0  # drawn only for a measured effect
    assert page.count('class="flow-chart"') == 2
    assert '<h2 id="journeys">Journeys</h2><p class="meta legend">On an arrow: the moves' in page
    # The touchpoint by its name, the exits in words.
    assert f"<tr><td>{shown('touchpoint')}</td><td>email</td><td>7</td><td>1</td><td>2</td>" in page
    assert (
        "exits: goal 0, exit event 0, end of the journey 0, still in it at the log&#x27;s end 0"
        in page
    )
    assert "<td>–</td><td>–</td><td>–</td></tr>" in page


def test_a_recorded_run_gets_its_measured_effect() -> None:
    totals = replay_totals()
    cart = totals.journeys["cart"]
    cart.recorded = True
    cart.treated, cart.holdout = GroupTotals(400, 240, 400), GroupTotals(400, 120, 400)
    page = render_report(make_workspace(), log_facts(), [], totals, {})
    assert page.count('class="holdout-chart"') == 1
    assert "<td>recorded</td>" in page
    assert "measured effect (recorded run): treated 60.0% of 400, holdout 30.0% of 400" in page


def measured(start: int | None, end: int | None, reads_traits: bool) -> Measured:
    totals = replay_totals()
    plan = SimpleNamespace(reads_traits=reads_traits)
    simulation = Simulation(plan, totals, start, end)  # type: ignore[arg-type]
    return Measured({}, simulation, {"lisa_map": overlay()}, 77, start, end)


@pytest.mark.parametrize(
    ("reads_traits", "traits_missing", "traits_note"),
    [(True, True, True), (True, False, False), (False, True, False)],
)
def test_render_page_states_the_assumptions(
    reads_traits: bool, traits_missing: bool, traits_note: bool
) -> None:
    start = parse_instant("2026-06-01T09:15:59Z")
    end = parse_instant("2026-06-02T23:00:00Z")
    page = render_page(
        make_workspace(),
        measured(start, end, reads_traits),
        [funnel_result()],
        ["log.jsonl"],
        read=10,
        rejected=1,
        traits_missing=traits_missing,
        title="Weekly",
    )
    assert "<title>Weekly</title>" in page
    assert facts_of(page)["Read"] == "10 rows, rejected 1 · 77 customers"
    assert facts_of(page)["Span"] == "2026-06-01 09:15 … 2026-06-02 23:00 UTC"
    assert facts_of(page)["Log file"] == "log.jsonl"
    # Generated now, in UTC.
    generated = facts_of(page)["Generated"]
    assert re.fullmatch(
        rf"20[0-9]{{2}}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9] UTC "
        rf"by cjo {re.escape(__version__)}",
        generated,
    )
    assert "<h2>Assumptions</h2>" in page
    assert "Journeys still open at the end of the log are closed as censored" in page
    assert ("No --customers file was given" in page) is traits_note


def test_render_page_without_a_replay_has_no_assumptions() -> None:
    found = Measured({}, None, {}, 0, None, None)
    page = render_page(make_workspace(), found, [funnel_result()], ["a"], 0, 0, True)
    assert "Assumptions" not in page
    assert facts_of(page)["Span"] == "empty"


def breakdown_result(by: str) -> FunnelResult:
    def steps(entered: int, converted: int) -> tuple[StepStats, ...]:
        return (
            StepStats("view", "view", entered, 1.0, 1.0, None, None),
            StepStats("buy", "buy", converted, converted / entered, None, 60.0, 60.0),
        )

    base = funnel_result()
    # web 60/100 against app 40/100: +20.0 points, p = erfc(2), Holm-adjusted 2 * erfc(2).
    groups = (FunnelGroup("web", steps(100, 60)), FunnelGroup("app", steps(100, 40)))
    return FunnelResult(base.funnel, FunnelGroup(None, steps(200, 100)), by, groups)


def test_the_group_table_compares_each_group_with_the_rest() -> None:
    page = render_report(
        make_workspace(), log_facts(), [breakdown_result("channel (first touch)")], None, {}
    )
    assert "<th>Conversion</th><th>vs rest</th>" in page
    assert "<td>+20.0 pt* <small" in page and "<td>-20.0 pt* <small" in page
    assert "95% CI +6.1 to +32.8 pt, adjusted p 0.00936" in page
    assert "* significant (Holm-corrected p &lt; 0.05)" in page


@pytest.mark.parametrize(
    ("assignment", "said"),
    [
        ("simulated", "variants simulated: a stable hash"),
        ("recorded", "variants recorded: the ones the log records"),
    ],
)
def test_variant_groups_say_whether_they_are_predictions(assignment: str, said: str) -> None:
    result = replace(breakdown_result("variant of ab_test"), assignment=assignment)
    page = render_report(make_workspace(), log_facts(), [result], None, {})
    shown = page.index(said)
    assert shown < page.index("<caption>by variant of ab_test</caption>")


def test_other_groups_carry_no_assignment_note() -> None:
    page = render_report(
        make_workspace(), log_facts(), [breakdown_result("channel (first touch)")], None, {}
    )
    assert 'class="assignment"' not in page


def test_persona_groups_get_no_comparison_and_say_why() -> None:
    page = render_report(make_workspace(), log_facts(), [breakdown_result("persona")], None, {})
    assert "vs rest</th>" not in page
    assert "not compared: persona groups may overlap" in page


def test_no_negative_zero_anywhere() -> None:
    """A group 0.04 points below the rest, a measured effect of -0.04 points and an
    interval ending at -0.04: each rounds to zero, and reads 0.0, never -0.0."""

    def steps(entered: int, converted: int) -> tuple[StepStats, ...]:
        return (
            StepStats("view", "view", entered, 1.0, 1.0, None, None),
            StepStats("buy", "buy", converted, converted / entered, None, 60.0, 60.0),
        )

    base = funnel_result()
    groups = (FunnelGroup("web", steps(50000, 25000)), FunnelGroup("app", steps(50020, 25000)))
    result = FunnelResult(base.funnel, FunnelGroup(None, steps(100020, 50000)), "channel", groups)
    totals = replay_totals()
    cart = totals.journeys["cart"]
    cart.recorded = True
    cart.treated, cart.holdout = (
        GroupTotals(250000, 125000, 250000),
        GroupTotals(250000, 125010, 250000),
    )
    page = render_report(make_workspace(), log_facts(), [result], totals, {})
    assert "-0.0" not in page and "−0.0" not in page
    assert "<td>+0.0 pt <small" in page
    assert "+0.0 pt (95% CI" in page
