"""Journey steps compiled for replay: each step a `PlanStep`, its successors indices.

`compile_steps` turns one journey's steps into `PlanStep`s (event filters become
bits of the plan's registry, conditions compiled predicates) and says what the
steps read: their event bits, entry properties and customer traits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cjo_cli.conditions.bits import (
    BitMoment,
    BitRegistry,
    Predicate,
    compile_condition,
    reads_properties,
    reads_traits,
)
from cjo_cli.engine.delivery import PlanTouchpoint
from cjo_cli.model import (
    AbStep,
    ExitStep,
    Journey,
    SendStep,
    SetStep,
    SplitStep,
    Touchpoint,
    WaitAnyStep,
    WaitForStep,
    WaitStep,
    WaitUntilStep,
    Workspace,
)
from cjo_cli.model.clock import SECOND
from cjo_cli.model.conditions import EventFilter

WAIT, WAIT_UNTIL, WAIT_FOR, SEND, SPLIT, AB, EXIT, SET = range(8)


@dataclass(frozen=True)
class PlanStep:
    id: str
    kind: int
    next: int = -1
    seconds: int = 0
    """wait: the duration; wait_for: the timeout (microseconds)."""
    at: dt.time | None = None
    tz: str = "UTC"
    bit: int = 0
    """wait_for: the awaited event."""
    on_timeout: int = -1
    touchpoint: str = ""
    channel: str = ""
    branches: tuple[tuple[Predicate | None, int], ...] = ()
    variants: tuple[tuple[str, float, int], ...] = ()
    """ab: (name, cumulative weight, next)."""
    seed: str = ""
    variant_from: str = ""
    """ab: the property (or trait) recording the real variant; empty: a stable hash."""
    attribute: str = ""
    """set: the trait it sets to `value`."""
    value: str | int | float | bool | None = None
    paths: tuple[tuple[int, int], ...] = ()
    """wait_any: (event bit, next step) in order; `bit` is their union, `on_timeout` else."""

    def answered(self, mask: int) -> int:
        """wait_for / wait_any: the step an awaited event with these bits leads to."""
        for bit, target in self.paths:
            if mask & bit:
                return target
        return self.next

    def branch(self, moment: BitMoment) -> tuple[int, bool, int]:
        """split: the first branch whose condition holds, as (its number from 1, whether
        it is the else branch, the next step)."""
        for number, (check, target) in enumerate(self.branches, 1):
            if check is None or check(moment):
                return number, check is None, target
        raise AssertionError("a split ends with its else branch")

    def variant(self, fraction: float, recorded: str | None = None) -> tuple[str, int, bool]:
        """ab: the recorded variant when it names one, else the variant a stable fraction
        in [0, 1) falls in; its next step; and whether it was the recorded one."""
        for name, _, target in self.variants:
            if name == recorded:
                return name, target, True
        total = self.variants[-1][1]
        name, _, target = next(
            (v for v in self.variants if fraction * total < v[1]), self.variants[-1]
        )
        return name, target, False


@dataclass(frozen=True)
class CompiledSteps:
    steps: tuple[PlanStep, ...]
    bits: int
    """The events the steps wait for."""
    reads_properties: bool
    """Some split or ab step reads the entry event's properties."""
    reads_traits: bool


def _touchpoint(tp: Touchpoint, bits: BitRegistry, counted: set[int]) -> PlanTouchpoint:
    def bit(name: str | None) -> int:
        return bits.bit(EventFilter(name)) if name else 0

    return PlanTouchpoint(
        tp.id,
        tp.channel,
        bit(tp.delivered_event),
        bit(tp.opened_event),
        bit(tp.clicked_event),
        None if tp.requires is None else compile_condition(tp.requires, bits, counted),
    )


def compile_steps(
    ws: Workspace,
    journey: Journey,
    bits: BitRegistry,
    counted: set[int],
    touchpoints: dict[str, PlanTouchpoint],
) -> CompiledSteps:
    """The journey's steps in their written order (`touchpoints` gains those they send)."""
    order = list(journey.steps)
    index = {step_id: number for number, step_id in enumerate(order)}
    steps = []
    own_bits = 0
    reads = False
    uses_traits = False
    for step_id in order:
        step = journey.steps[step_id]
        if isinstance(step, WaitStep):
            steps.append(PlanStep(step_id, WAIT, index[step.next], step.duration.seconds * SECOND))
        elif isinstance(step, WaitUntilStep):
            steps.append(PlanStep(step_id, WAIT_UNTIL, index[step.next], at=step.at, tz=step.tz))
        elif isinstance(step, WaitForStep):
            bit = bits.bit(step.event)
            own_bits |= bit
            steps.append(
                PlanStep(
                    step_id,
                    WAIT_FOR,
                    index[step.next],
                    step.timeout.seconds * SECOND,
                    bit=bit,
                    on_timeout=index[step.on_timeout],
                )
            )
        elif isinstance(step, WaitAnyStep):
            paths = tuple((bits.bit(path.event), index[path.next]) for path in step.paths)
            union = 0
            for bit, _ in paths:
                union |= bit
            own_bits |= union
            steps.append(
                PlanStep(
                    step_id,
                    WAIT_FOR,
                    -1,
                    step.within.seconds * SECOND,
                    bit=union,
                    on_timeout=index[step.else_step],
                    paths=paths,
                )
            )
        elif isinstance(step, SendStep):
            if step.touchpoint not in touchpoints:
                spec_tp = ws.touchpoints[step.touchpoint]
                touchpoints[step.touchpoint] = _touchpoint(spec_tp, bits, counted)
                uses_traits = uses_traits or reads_traits(spec_tp.requires)
            tp = touchpoints[step.touchpoint]
            steps.append(
                PlanStep(step_id, SEND, index[step.next], touchpoint=tp.id, channel=tp.channel)
            )
        elif isinstance(step, SetStep):
            steps.append(
                PlanStep(step_id, SET, index[step.next], attribute=step.attribute, value=step.value)
            )
        elif isinstance(step, SplitStep):
            branches = []
            for branch in step.branches:
                check = (
                    None
                    if branch.condition is None
                    else compile_condition(branch.condition, bits, counted)
                )
                reads = reads or reads_properties(branch.condition)
                uses_traits = uses_traits or reads_traits(branch.condition)
                branches.append((check, index[branch.next]))
            steps.append(PlanStep(step_id, SPLIT, branches=tuple(branches)))
        elif isinstance(step, AbStep):
            total = 0.0
            variants = []
            for variant in step.variants:
                total += variant.weight
                variants.append((variant.name, total, index[variant.next]))
            reads = reads or step.variant_from is not None
            uses_traits = uses_traits or step.variant_from is not None
            steps.append(
                PlanStep(
                    step_id,
                    AB,
                    variants=tuple(variants),
                    seed=step.seed,
                    variant_from=step.variant_from or "",
                )
            )
        else:
            assert isinstance(step, ExitStep)
            steps.append(PlanStep(step_id, EXIT))
    return CompiledSteps(tuple(steps), own_bits, reads, uses_traits)
