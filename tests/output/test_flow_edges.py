"""The journey flow as a layered graph (`flow_edges`): ways out merged per next step and
labelled with conditions, edge counts solved from the replay's step totals (and held
equal to the moves the replay's visits record, on the sample workspace), the longest-path
layers, and an order per layer without needless crossings."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_stats import GroupTotals, JourneyTotals, StepTotals
from cjo_cli.engine.simulate import simulate
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import connect
from cjo_cli.model import (
    AttributeCondition,
    Duration,
    Entry,
    EventCondition,
    EventFilter,
    ExitStep,
    Journey,
    SplitBranch,
    SplitStep,
    Step,
    WaitForStep,
    WaitStep,
)
from cjo_cli.output.flow_edges import FlowEdge, crossings, edge_counts, journey_edges, layout
from cjo_cli.spec.workspace import validate_paths
from tests.conftest import REPO


def split(step_id: str, *targets: str) -> SplitStep:
    """A split to each target in turn, the last one its `else`."""
    branches = [
        SplitBranch(AttributeCondition("n", "eq", number), target)
        for number, target in enumerate(targets[:-1])
    ]
    return SplitStep(step_id, step_id, branches=(*branches, SplitBranch(None, targets[-1])))


def wait(step_id: str, target: str) -> WaitStep:
    return WaitStep(step_id, step_id, duration=Duration(60), next=target)


def journey(start: str, *steps: Step) -> Journey:
    return Journey("j", "J", Entry(EventFilter("x")), {s.id: s for s in steps}, start=start)


def totals_of(entries: int, visits: dict[str, int], ended: dict[str, int]) -> JourneyTotals:
    totals = JourneyTotals("j", GroupTotals(entries, 0, entries))
    for step_id, count in visits.items():
        totals.steps[step_id] = StepTotals(step_id, total=count)
        totals.steps[step_id].left["end"] = ended.get(step_id, 0)
    return totals


def test_ways_out_are_merged_per_next_step_with_readable_labels() -> None:
    flow = journey(
        "w",
        WaitForStep(
            "w", "w", event=EventFilter("buy"), timeout=Duration(60), next="s", on_timeout="s"
        ),
        SplitStep(
            "s",
            "s",
            branches=(
                SplitBranch(EventCondition("signup", within=Duration(86400, "1d")), "end"),
                SplitBranch(None, "end"),
            ),
        ),
        ExitStep("end", "end"),
    )
    assert journey_edges(flow) == [
        FlowEdge("w", "s", ("buy", "timeout")),
        FlowEdge("s", "end", ("signup within 1d", "else")),
    ]
    assert journey_edges(flow)[1].label == "signup within 1d / else"


def test_counts_are_solved_from_visits_and_endings() -> None:
    flow = journey("a", split("a", "b", "c"), wait("b", "d"), wait("c", "d"), ExitStep("d", "d"))
    edges = journey_edges(flow)
    totals = totals_of(10, {"a": 10, "b": 3, "c": 7, "d": 10}, {"d": 10})
    assert edge_counts(flow, edges, totals) == {
        ("a", "b"): 3,
        ("a", "c"): 7,
        ("b", "d"): 3,
        ("c", "d"): 7,
    }


def test_counts_the_totals_do_not_pin_down_are_left_out() -> None:
    """Two splits to the same two steps: 2 + 2 unknowns, and the sums say only how many
    reached each step."""
    flow = journey(
        "s",
        split("s", "p", "q"),
        split("p", "x", "y"),
        split("q", "x", "y"),
        ExitStep("x", "x"),
        ExitStep("y", "y"),
    )
    totals = totals_of(10, {"s": 10, "p": 4, "q": 6, "x": 5, "y": 5}, {"x": 5, "y": 5})
    found = edge_counts(flow, journey_edges(flow), totals)
    assert found == {("s", "p"): 4, ("s", "q"): 6}


def test_totals_that_do_not_add_up_give_no_count() -> None:
    """Nine reached b from a split that five left: no count is better than a wrong one."""
    flow = journey("a", split("a", "b", "c"), ExitStep("b", "b"), ExitStep("c", "c"))
    totals = totals_of(5, {"a": 5, "b": 9, "c": 0}, {"b": 9})
    assert edge_counts(flow, journey_edges(flow), totals) == {}
    flow = journey("a", wait("a", "b"), ExitStep("b", "b"))
    assert edge_counts(flow, journey_edges(flow), totals_of(5, {"a": 5, "b": 2}, {})) == {}


def test_layers_put_the_exit_last_and_long_edges_through_placeholders() -> None:
    flow = journey("a", split("a", "b", "z"), wait("b", "c"), wait("c", "z"), ExitStep("z", "z"))
    plan = layout(flow, journey_edges(flow))
    assert plan.depth == {"a": 0, "b": 1, "c": 2, "z": 3}
    assert len(plan.chains[("a", "z")]) == 2  # through layers 1 and 2
    assert plan.chains[("a", "b")] == []
    assert [item for item in plan.layers[1] if plan.is_step(item)] == ["b"]
    assert plan.side == []


def test_a_loop_is_drawn_around_the_side() -> None:
    flow = journey("a", wait("a", "b"), split("b", "c", "a"), ExitStep("c", "c"))
    plan = layout(flow, journey_edges(flow))
    assert plan.side == [("b", "a")]
    assert plan.depth == {"a": 0, "b": 1, "c": 2}


def test_the_order_in_a_layer_removes_needless_crossings() -> None:
    """Written x before y, but p (left) leads to y and q (right) to x: in the written
    order the two arrows cross; by the barycentre of their parents they do not."""
    flow = journey(
        "s",
        split("s", "p", "q"),
        wait("p", "y"),
        wait("q", "x"),
        ExitStep("x", "x"),
        ExitStep("y", "y"),
    )
    edges = journey_edges(flow)
    links = [(e.source, e.target) for e in edges]
    assert crossings([["s"], ["p", "q"], ["x", "y"]], links) == 1
    plan = layout(flow, edges)
    assert crossings(plan.layers, links) == 0
    assert plan.layers[2].index("y") < plan.layers[2].index("x")


def test_counts_equal_the_moves_the_replay_records(tmp_path: Path) -> None:
    """On the sample workspace and log: every count the chart shows is the number of
    times an entry's visits go from that step straight to the next (treated entries)."""
    result = validate_paths([REPO / "journeys"], workspace=REPO / "journeys", keep_model=True)
    ws = result.workspace
    con = connect()
    load_events(con, [(REPO / "samples" / "events.jsonl", "jsonl")])
    moves: Counter[tuple[str, str, str]] = Counter()

    def count(replay: CustomerReplay) -> None:
        last: dict[tuple[str, int], str] = {}
        for visit in replay.visits:
            if visit.holdout:
                continue
            key = (visit.journey, visit.entry)
            if key in last:
                moves[(visit.journey, last[key], visit.step)] += 1
            last[key] = visit.step

    simulation = simulate(con, build_plan(ws, list(ws.journeys.values())), on_customer=count)
    shown = 0
    for journey_id, totals in simulation.totals.journeys.items():
        flow = ws.journeys[journey_id]
        found = edge_counts(flow, journey_edges(flow), totals)
        for (source, target), number in found.items():
            assert number == moves[(journey_id, source, target)], (journey_id, source, target)
            shown += number > 0
    assert shown >= 30
