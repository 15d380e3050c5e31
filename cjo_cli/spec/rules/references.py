"""Ids: unique per kind, and every reference points at something that exists.

References inside one document (a journey's steps) are checked with the
document. References between documents are gathered per file as `Reference`
records and checked once against what every file declares and provides.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cjo_cli.findings import Level
from cjo_cli.model import Loc, SendStep, Workspace
from cjo_cli.model.clock import CUSTOMER_TZ
from cjo_cli.model.conditions import PropertyCondition, leaves
from cjo_cli.model.journey_tests import JourneyTest
from cjo_cli.spec.build_tests import SEND_LISTS
from cjo_cli.spec.rules import Declared, Reference, RuleResult, WorkspaceIndex, rule
from cjo_cli.spec.suggest import did_you_mean

_WORDS = {
    "persona": "persona",
    "phases": "phases document",
    "touchpoint": "touchpoint",
    "journey": "journey",
    "funnel": "funnel",
    "phase": "phase",
}


FACTS = ("default_tz", "persona_reads_property")
"""Namespaces of facts another document may or may not provide (`customer-tz-default`,
`property-without-event` read them), not of names that must exist."""


def _fact_references(ws: Workspace) -> Iterator[Reference]:
    for journey in ws.journeys.values():
        where = f"journey {journey.id!r}"
        for tz, loc in journey.zones():
            if tz == CUSTOMER_TZ:
                yield Reference("default_tz", "policy", loc, where)
        if journey.entry.schedule is not None and journey.persona is not None:
            loc = journey.locs.get("persona", journey.loc)
            yield Reference("persona_reads_property", journey.persona, loc, where)
    for policy in ws.policies.values():
        if policy.quiet_hours is not None and policy.quiet_hours.tz == CUSTOMER_TZ:
            qh = policy.quiet_hours
            yield Reference("default_tz", "policy", qh.locs.get("tz", qh.loc), "the policy")


def collect_references(ws: Workspace) -> Iterator[Reference]:
    """Every name the documents of `ws` use that some document must provide."""
    yield from _fact_references(ws)

    def refs(
        namespace: str, pairs: Iterable[tuple[str | None, Loc]], where: str
    ) -> Iterator[Reference]:
        for ident, loc in pairs:
            if ident is not None:
                yield Reference(namespace, ident, loc, where)

    for tp in ws.touchpoints.values():
        yield from refs(
            "phase", [(tp.phase, tp.locs.get("phase", tp.loc))], f"touchpoint {tp.id!r}"
        )
    for journey in ws.journeys.values():
        where = f"journey {journey.id!r}"
        yield from refs(
            "persona", [(journey.persona, journey.locs.get("persona", journey.loc))], where
        )
        yield from refs("phase", [(journey.phase, journey.locs.get("phase", journey.loc))], where)
        for step in journey.steps.values():
            if isinstance(step, SendStep):
                yield Reference(
                    "touchpoint", step.touchpoint, step.locs["send"], f"step {step.id!r}"
                )
    for funnel in ws.funnels.values():
        where = f"funnel {funnel.id!r}"
        yield from refs(
            "persona", [(funnel.persona, funnel.locs.get("persona", funnel.loc))], where
        )
        yield from refs("phase", [(funnel.phase, funnel.locs.get("phase", funnel.loc))], where)
        breakdown = funnel.breakdown
        if breakdown is not None and breakdown.journey is not None:
            loc = funnel.locs.get("breakdown", funnel.loc)
            yield Reference("journey", breakdown.journey, loc, f"{where} breakdown")
            yield Reference("journey_with_ab", breakdown.journey, loc, where)
    for jmap in ws.maps.values():
        where = f"map {jmap.id!r}"
        yield Reference("persona", jmap.persona, jmap.locs["persona"], where)
        yield Reference("phases", jmap.phases, jmap.locs["phases"], where)
        for stage in jmap.stages.values():
            yield Reference(f"phase_of:{jmap.phases}", stage.phase, stage.loc, where)
            stage_where = f"{where} stage {stage.phase!r}"
            for tp_id, loc in zip(stage.touchpoints, stage.touchpoint_locs, strict=True):
                yield Reference("touchpoint", tp_id, loc, stage_where)
            for journey_id, loc in zip(stage.journeys, stage.journey_locs, strict=True):
                yield Reference("journey", journey_id, loc, stage_where)
            for kpi in stage.kpis:
                yield Reference("funnel", kpi.funnel, kpi.loc, stage_where)
    for policy in ws.policies.values():
        for journey_id, loc in zip(policy.priority, policy.priority_locs, strict=True):
            yield Reference("journey", journey_id, loc, f"policy {policy.id!r} priority")
    for test in ws.tests.values():
        yield from _test_references(test)


def _test_references(test: JourneyTest) -> Iterator[Reference]:
    """A test's journey, and the steps, variant and touchpoints it names."""
    where = f"test {test.id!r}"
    journey, expect = test.journey, test.expect
    yield Reference("journey", journey, test.locs["journey"], where)
    if test.variant is not None:
        yield Reference(f"variant_of:{journey}", test.variant, test.locs["variant"], where)
    for step, loc in zip(expect.path or (), expect.path_locs, strict=False):
        yield Reference(f"step_of:{journey}", step, loc, f"{where} path")
    for key in SEND_LISTS:
        for send in getattr(expect, key) or ():
            yield Reference("touchpoint", send.touchpoint, send.loc, f"{where} {key}")


def provided_names(ws: Workspace) -> Iterator[tuple[str, str]]:
    """The names the valid documents of `ws` provide beyond their own ids."""
    for policy in ws.policies.values():
        if policy.default_tz is not None:
            yield "default_tz", "policy"
    for persona in ws.personas.values():
        if any(isinstance(leaf, PropertyCondition) for leaf in leaves(persona.segment)):
            yield "persona_reads_property", persona.id
    for phases in ws.phases.values():
        for phase_id in phases.ids():
            yield "phase", phase_id
            yield f"phase_of:{phases.id}", phase_id
    for journey in ws.journeys.values():
        if any(True for _ in journey.ab_steps()):
            yield "journey_with_ab", journey.id
        for step in journey.steps.values():
            yield f"step_of:{journey.id}", step.id
        for ab in journey.ab_steps():
            for variant in ab.variants:
                yield f"variant_of:{journey.id}", variant.name


def _invalid(declared: tuple[Declared, ...], kind: str) -> set[str]:
    return {d.id for d in declared if d.kind == kind and not d.valid}


@rule(
    "duplicate-id",
    Level.ERROR,
    "Two documents of the same kind (or two phases) share an id.",
    scope="workspace",
)
def duplicate_ids(index: WorkspaceIndex) -> RuleResult:
    first: dict[tuple[str, str], Loc] = {}
    for declared in index.declared:
        key = (declared.kind, declared.id)
        if key in first:
            yield (
                declared.loc,
                f"duplicate {declared.kind} id {declared.id!r} (first declared at {first[key]})",
            )
        else:
            first[key] = declared.loc


@rule("duplicate-id", Level.ERROR, "Two phases of one phases document share an id.")
def duplicate_phase_ids(index: WorkspaceIndex) -> RuleResult:
    for phases in index.workspace.phases.values():
        seen: dict[str, Loc] = {}
        for phase in phases.phases:
            if phase.id in seen:
                yield phase.loc, f"duplicate phase id {phase.id!r} (first at {seen[phase.id]})"
            seen.setdefault(phase.id, phase.loc)


@rule(
    "unknown-reference",
    Level.ERROR,
    "A reference to a persona, phase, touchpoint, step, funnel or journey that does not exist.",
    scope="workspace",
)
def unknown_references(index: WorkspaceIndex) -> RuleResult:
    invalid_phases = _invalid(index.declared, "phases")
    invalid_journeys = _invalid(index.declared, "journey")
    known_journeys = index.provided.get("journey", set())
    alone_hinted: set[str] = set()
    for ref in index.references:
        names = index.provided.get(ref.namespace, set())
        if ref.ident in names or ref.namespace in FACTS:
            continue
        if ref.namespace == "journey_with_ab":
            # Unknown or broken journeys are reported on their own.
            if ref.ident in known_journeys and ref.ident not in invalid_journeys:
                yield (
                    ref.loc,
                    (
                        f"{ref.where} breaks down by the variant of journey {ref.ident!r}, "
                        "which has no ab step"
                    ),
                )
            continue
        if ref.namespace.startswith("phase_of:"):
            phases_id = ref.namespace.removeprefix("phase_of:")
            if phases_id in invalid_phases or phases_id not in index.provided.get("phases", set()):
                continue  # a broken or missing phases document is reported on its own
            hint = did_you_mean(ref.ident, names)
            yield ref.loc, f"{ref.where}: stage {ref.ident!r} is not a phase of {phases_id!r}{hint}"
            continue
        if ref.namespace == "phase" and invalid_phases:
            continue
        if ref.namespace.startswith(("step_of:", "variant_of:")):
            kind, journey_id = ref.namespace.split(":", 1)
            if journey_id in invalid_journeys or journey_id not in known_journeys:
                continue  # the unknown or broken journey is reported on its own
            hint = did_you_mean(ref.ident, names)
            what = "step" if kind == "step_of" else "A/B variant"
            yield ref.loc, f"{ref.where}: journey {journey_id!r} has no {what} {ref.ident!r}{hint}"
            continue
        hint = did_you_mean(ref.ident, names)
        if index.alone:
            # Checked alone, the file cannot see the documents it names: say so, and (once
            # per file) how to check it within its workspace.
            hint += (
                ALONE_HINT if ref.loc.path not in alone_hinted else " (this file was checked alone)"
            )
            alone_hinted.add(ref.loc.path)
        word = _WORDS[ref.namespace]
        yield ref.loc, f"{ref.where} refers to unknown {word} {ref.ident!r}{hint}"


@rule(
    "unknown-reference",
    Level.ERROR,
    "A step, start or loop_to that names a step or phase its own document does not have.",
)
def unknown_local_references(index: WorkspaceIndex) -> RuleResult:
    ws = index.workspace
    for phases in ws.phases.values():
        if phases.loop_to is not None and phases.loop_to not in phases.ids():
            hint = did_you_mean(phases.loop_to, phases.ids())
            yield (
                phases.locs["loop_to"],
                f"loop_to refers to unknown phase {phases.loop_to!r}{hint}",
            )
    for journey in ws.journeys.values():
        if journey.start not in journey.steps:
            yield (
                journey.locs.get("start", journey.loc),
                f"journey {journey.id!r}: start refers to unknown step {journey.start!r}"
                + did_you_mean(journey.start, journey.steps),
            )
        for step in journey.steps.values():
            for target, loc in step.successors():
                if target not in journey.steps:
                    hint = did_you_mean(target, journey.steps)
                    yield loc, f"step {step.id!r} leads to unknown step {target!r}{hint}"


@rule(
    "bad-step-number",
    Level.ERROR,
    "A funnel exclusion's `between` names steps the funnel does not have, or in the wrong "
    "order; a breakdown's `step` is missing, not a step of the funnel, or given with "
    "another attribution.",
)
def bad_step_numbers(index: WorkspaceIndex) -> RuleResult:
    for funnel in index.workspace.funnels.values():
        count = len(funnel.steps)
        breakdown = funnel.breakdown
        if breakdown is not None and breakdown.by == "property":
            loc = funnel.locs.get("breakdown", funnel.loc)
            if breakdown.attribution == "step" and breakdown.step is None:
                yield loc, "breakdown with `attribution: step` needs `step: N`, the step number"
            elif breakdown.attribution != "step" and breakdown.step is not None:
                yield (
                    loc,
                    f"breakdown gives `step: {breakdown.step}` with `attribution: "
                    f"{breakdown.attribution}`; use `attribution: step` (or leave it out)",
                )
            elif breakdown.step is not None and not 1 <= breakdown.step <= count:
                yield (
                    loc,
                    f"breakdown by step {breakdown.step}, but funnel {funnel.id!r} has steps "
                    f"1 to {count}",
                )
        for exclusion in funnel.exclusions:
            first, last = exclusion.first_step, exclusion.last_step
            if not (1 <= first < last <= count):
                yield (
                    exclusion.between_loc,
                    f"exclusion of {exclusion.event.event!r} is between steps "
                    f"[{first}, {last}], but funnel {funnel.id!r} has steps 1 to {count} "
                    "(and the first must be before the second)",
                )


ALONE_HINT = (
    " (this file was checked alone: no folder above it is named `journeys` or holds a "
    "`.cjo-workspace` file; pass --workspace DIR, or add an empty .cjo-workspace file at "
    "the workspace's root, to check it with the rest of its workspace)"
)
