"""Ids: unique per kind, and every reference points at something that exists."""

from __future__ import annotations

from collections.abc import Iterable

from cjo_cli.findings import Level
from cjo_cli.model import Loc, SendStep
from cjo_cli.spec.rules import RuleResult, WorkspaceIndex, rule
from cjo_cli.spec.suggest import did_you_mean

_KIND_WORDS = {
    "persona": "persona",
    "phases": "phases document",
    "touchpoint": "touchpoint",
    "journey": "journey",
    "funnel": "funnel",
}


@rule("duplicate-id", Level.ERROR, "Two documents of the same kind (or two phases) share an id.")
def duplicate_ids(index: WorkspaceIndex) -> RuleResult:
    first: dict[tuple[str, str], Loc] = {}
    for declared in index.declared:
        key = (declared.kind, declared.id)
        if key in first:
            yield (
                declared.loc,
                (f"duplicate {declared.kind} id {declared.id!r} (first declared at {first[key]})"),
            )
        else:
            first[key] = declared.loc
    for phases in index.workspace.phases.values():
        seen: dict[str, Loc] = {}
        for phase in phases.phases:
            if phase.id in seen:
                yield phase.loc, f"duplicate phase id {phase.id!r} (first at {seen[phase.id]})"
            seen.setdefault(phase.id, phase.loc)


def _all_phase_ids(index: WorkspaceIndex) -> set[str]:
    return {p for phases in index.workspace.phases.values() for p in phases.ids()}


def _missing(
    index: WorkspaceIndex, kind: str, refs: Iterable[tuple[str | None, Loc]], where: str
) -> RuleResult:
    for ident, loc in refs:
        if ident is not None and not index.knows(kind, ident):
            hint = did_you_mean(ident, index.known.get(kind, set()))
            yield loc, f"{where} refers to unknown {_KIND_WORDS[kind]} {ident!r}{hint}"


def _missing_phase(
    phase_ids: set[str], refs: Iterable[tuple[str | None, Loc]], where: str
) -> RuleResult:
    for ident, loc in refs:
        if ident is not None and ident not in phase_ids:
            yield loc, f"{where} refers to unknown phase {ident!r}{did_you_mean(ident, phase_ids)}"


@rule(
    "unknown-reference",
    Level.ERROR,
    "A reference to a persona, phase, touchpoint, step, funnel or journey that does not exist.",
)
def unknown_references(index: WorkspaceIndex) -> RuleResult:
    ws = index.workspace
    phase_ids = _all_phase_ids(index)
    for phases in ws.phases.values():
        if phases.loop_to is not None and phases.loop_to not in phases.ids():
            yield from _missing_phase(
                set(phases.ids()), [(phases.loop_to, phases.locs["loop_to"])], "loop_to"
            )
    for tp in ws.touchpoints.values():
        yield from _missing_phase(
            phase_ids, [(tp.phase, tp.locs.get("phase", tp.loc))], f"touchpoint {tp.id!r}"
        )
    for journey in ws.journeys.values():
        where = f"journey {journey.id!r}"
        yield from _missing(
            index, "persona", [(journey.persona, journey.locs.get("persona", journey.loc))], where
        )
        yield from _missing_phase(
            phase_ids, [(journey.phase, journey.locs.get("phase", journey.loc))], where
        )
        if journey.start not in journey.steps:
            yield (
                journey.locs.get("start", journey.loc),
                f"{where}: start refers to unknown step {journey.start!r}",
            )
        for step in journey.steps.values():
            if isinstance(step, SendStep):
                yield from _missing(
                    index, "touchpoint", [(step.touchpoint, step.locs["send"])], f"step {step.id!r}"
                )
            for target, loc in step.successors():
                if target not in journey.steps:
                    hint = did_you_mean(target, journey.steps)
                    yield loc, f"step {step.id!r} leads to unknown step {target!r}{hint}"
    for funnel in ws.funnels.values():
        where = f"funnel {funnel.id!r}"
        yield from _missing(
            index, "persona", [(funnel.persona, funnel.locs.get("persona", funnel.loc))], where
        )
        yield from _missing_phase(
            phase_ids, [(funnel.phase, funnel.locs.get("phase", funnel.loc))], where
        )
        breakdown = funnel.breakdown
        if breakdown is not None and breakdown.journey is not None:
            loc = funnel.locs.get("breakdown", funnel.loc)
            varied = ws.journeys.get(breakdown.journey)
            if not index.knows("journey", breakdown.journey):
                yield from _missing(
                    index, "journey", [(breakdown.journey, loc)], f"{where} breakdown"
                )
            elif varied is not None and not any(True for _ in varied.ab_steps()):
                yield (
                    loc,
                    f"{where} breaks down by the variant of journey {breakdown.journey!r}, "
                    "which has no ab step",
                )
    for jmap in ws.maps.values():
        where = f"map {jmap.id!r}"
        yield from _missing(index, "persona", [(jmap.persona, jmap.locs["persona"])], where)
        yield from _missing(index, "phases", [(jmap.phases, jmap.locs["phases"])], where)
        columns = ws.phases.get(jmap.phases)
        for stage in jmap.stages.values():
            if columns is not None and stage.phase not in columns.ids():
                hint = did_you_mean(stage.phase, columns.ids())
                yield (
                    stage.loc,
                    f"{where}: stage {stage.phase!r} is not a phase of {jmap.phases!r}{hint}",
                )
            stage_where = f"{where} stage {stage.phase!r}"
            yield from _missing(
                index,
                "touchpoint",
                zip(stage.touchpoints, stage.touchpoint_locs, strict=True),
                stage_where,
            )
            yield from _missing(
                index, "journey", zip(stage.journeys, stage.journey_locs, strict=True), stage_where
            )
            yield from _missing(
                index, "funnel", [(k.funnel, k.loc) for k in stage.kpis], stage_where
            )
    for policy in ws.policies.values():
        yield from _missing(
            index,
            "journey",
            zip(policy.priority, policy.priority_locs, strict=True),
            f"policy {policy.id!r} priority",
        )


@rule(
    "bad-step-number",
    Level.ERROR,
    "A funnel exclusion's `between` names steps the funnel does not have, or in the wrong order.",
)
def bad_step_numbers(index: WorkspaceIndex) -> RuleResult:
    for funnel in index.workspace.funnels.values():
        count = len(funnel.steps)
        for exclusion in funnel.exclusions:
            first, last = exclusion.first_step, exclusion.last_step
            if not (1 <= first < last <= count):
                yield (
                    exclusion.between_loc,
                    (
                        f"exclusion of {exclusion.event.event!r} is between steps "
                        f"[{first}, {last}], but funnel {funnel.id!r} has steps 1 to {count} "
                        "(and the first must be before the second)"
                    ),
                )
