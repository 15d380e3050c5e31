"""The step graph of a journey: reachable, able to end, and never busy-looping."""

from __future__ import annotations

from collections.abc import Iterator

from cjo_cli.findings import Level
from cjo_cli.model import ExitStep, Journey
from cjo_cli.spec.rules import RuleResult, WorkspaceIndex, rule


def _edges(journey: Journey, step_id: str) -> Iterator[str]:
    for target, _ in journey.steps[step_id].successors():
        if target in journey.steps:
            yield target


def reachable(journey: Journey) -> set[str]:
    """Steps reachable from the start step (none when the start is unknown)."""
    if journey.start not in journey.steps:
        return set()
    seen = {journey.start}
    todo = [journey.start]
    while todo:
        for target in _edges(journey, todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def can_exit(journey: Journey) -> set[str]:
    """Steps from which some path reaches an exit step."""
    preds: dict[str, set[str]] = {step_id: set() for step_id in journey.steps}
    for step_id in journey.steps:
        for target in _edges(journey, step_id):
            preds[target].add(step_id)
    done = {s for s, step in journey.steps.items() if isinstance(step, ExitStep)}
    todo = list(done)
    while todo:
        for source in preds[todo.pop()]:
            if source not in done:
                done.add(source)
                todo.append(source)
    return done


@rule("unreachable-step", Level.WARNING, "A step no path from the start step leads to.")
def unreachable_steps(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        if journey.start not in journey.steps:
            continue
        seen = reachable(journey)
        for step in journey.steps.values():
            if step.id not in seen:
                yield (
                    step.loc,
                    f"step {step.id!r} of journey {journey.id!r} is unreachable "
                    f"from {journey.start!r}",
                )


@rule("no-exit", Level.ERROR, "A reachable step from which no path leads to an exit step.")
def no_exit(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        exits = can_exit(journey)
        for step_id in sorted(reachable(journey) - exits, key=list(journey.steps).index):
            step = journey.steps[step_id]
            yield (
                step.loc,
                f"step {step_id!r} of journey {journey.id!r} can never reach an exit step",
            )


def _busy_cycles(journey: Journey) -> Iterator[list[str]]:
    """Cycles through steps where no time passes, each found once."""
    busy = {s for s, step in journey.steps.items() if not step.waits}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    reported: set[frozenset[str]] = set()

    def visit(step_id: str, path: list[str]) -> Iterator[list[str]]:
        state[step_id] = 1
        path.append(step_id)
        for target in _edges(journey, step_id):
            if target not in busy:
                continue
            if state.get(target) == 1:
                cycle = path[path.index(target) :]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    yield [*cycle, target]
            elif target not in state:
                yield from visit(target, path)
        path.pop()
        state[step_id] = 2

    for step_id in journey.steps:
        if step_id in busy and step_id not in state:
            yield from visit(step_id, [])


@rule(
    "wait-free-cycle",
    Level.ERROR,
    "A cycle of steps with no wait in it: it would loop without end at one instant.",
)
def wait_free_cycles(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        for cycle in _busy_cycles(journey):
            first = journey.steps[cycle[0]]
            yield (
                first.loc,
                (
                    f"journey {journey.id!r} loops without waiting: {' → '.join(cycle)}; "
                    "put a wait, wait_until or wait_for in the cycle"
                ),
            )
