"""Ids and references: unique ids per kind across files, and references that resolve
against every file of the workspace. The cases in tests/cases/invalid cover dangling
references inside one file; these cover files together, broken targets and hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjo_cli.model import Loc
from cjo_cli.spec.rules import Reference
from cjo_cli.spec.rules.references import collect_references, provided_names
from cjo_cli.spec.workspace import ValidationResult, validate_files

PERSONA = "kind: persona\nid: lisa\n"
PHASES = "kind: phases\nid: lifecycle\nphases: [{id: awareness}, {id: purchase}]\n"
PLAIN = "kind: journey\nid: plain\nentry: {event: e}\nsteps:\n  done: {exit: true}\n"
TESTED = """\
kind: journey
id: tested
entry: {event: e}
steps:
  ab:
    ab:
      variants:
        a: {weight: 50, next: done}
        b: {weight: 50, next: done}
  done: {exit: true}
"""


def validate(tmp_path: Path, *texts: str) -> ValidationResult:
    paths = []
    for number, text in enumerate(texts):
        path = tmp_path / f"f{number}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return validate_files(paths)


def found(tmp_path: Path, *texts: str) -> list[tuple[str, str, str]]:
    """(file, rule, line:col) of every finding."""
    result = validate(tmp_path, *texts)
    return [(Path(f.path).name, f.rule, f"{f.line}:{f.col}") for f in result.findings]


def messages(tmp_path: Path, *texts: str) -> list[str]:
    return [f.message for f in validate(tmp_path, *texts).findings]


def test_references_resolve_across_files(tmp_path: Path) -> None:
    journey = (
        "kind: journey\nid: j\npersona: lisa\nphase: purchase\nentry: {event: e}\n"
        "steps:\n  s: {send: mail, next: done}\n  done: {exit: true}\n"
    )
    touchpoint = "kind: touchpoint\nid: mail\nchannel: email\nphase: awareness\n"
    assert found(tmp_path, PERSONA, PHASES, journey, touchpoint) == []
    # Without the other files, each reference dangles where it is written.
    alone = tmp_path / "alone"
    alone.mkdir()
    assert found(alone, journey) == [
        ("f0.yaml", "unknown-reference", "3:10"),
        ("f0.yaml", "unknown-reference", "4:8"),
        ("f0.yaml", "unknown-reference", "7:13"),
    ]


def test_duplicate_ids_across_files_point_at_the_first(tmp_path: Path) -> None:
    other_kind = "kind: touchpoint\nid: lisa\nchannel: sms\n"  # ids are unique per kind
    result = validate(tmp_path, PERSONA, "# again\n" + PERSONA, other_kind)
    got = [(Path(f.path).name, f.rule, f.line, f.col) for f in result.findings]
    assert got == [("f1.yaml", "duplicate-id", 3, 5)]
    (duplicate,) = [f for f in result.findings if f.rule == "duplicate-id"]
    first = tmp_path / "f0.yaml"
    assert duplicate.message == f"duplicate persona id 'lisa' (first declared at {first}:2:5)"


def test_a_broken_document_still_declares_its_id(tmp_path: Path) -> None:
    broken = "kind: persona\nid: lisa\nunknown_key: 1\n"
    assert found(tmp_path, broken, PERSONA) == [
        ("f0.yaml", "unknown-key", "3:1"),
        ("f1.yaml", "duplicate-id", "2:5"),
    ]


def test_duplicate_phase_ids_within_one_document(tmp_path: Path) -> None:
    phases = "kind: phases\nid: p\nphases:\n  - {id: a}\n  - {id: b}\n  - {id: a}\n  - {id: a}\n"
    assert found(tmp_path, phases) == [
        ("f0.yaml", "duplicate-id", "6:5"),
        ("f0.yaml", "duplicate-id", "7:5"),
    ]
    assert messages(tmp_path, phases) == [
        f"duplicate phase id 'a' (first at {tmp_path / 'f0.yaml'}:4:5)",
        f"duplicate phase id 'a' (first at {tmp_path / 'f0.yaml'}:4:5)",
    ]


def test_the_same_phase_id_in_two_phases_documents_is_fine(tmp_path: Path) -> None:
    other = PHASES.replace("id: lifecycle", "id: other")
    assert found(tmp_path, PHASES, other) == []


def test_breakdown_by_the_variant_of_a_journey_without_an_ab_step(tmp_path: Path) -> None:
    funnels = (
        "kind: funnel\nid: by_plain\nsteps: [{event: a}, {event: b}]\n"
        "breakdown: {variant: plain}\n"
        "---\n"
        "kind: funnel\nid: by_tested\nsteps: [{event: a}, {event: b}]\n"
        "breakdown: {variant: tested}\n"
    )
    result = validate(tmp_path, PLAIN, TESTED, funnels)
    assert [(Path(f.path).name, f.rule, f.line, f.col, f.message) for f in result.findings] == [
        (
            "f2.yaml",
            "unknown-reference",
            4,
            12,
            "funnel 'by_plain' breaks down by the variant of journey 'plain', which has no ab step",
        )
    ]


def test_breakdown_by_an_unknown_or_broken_journey_is_reported_once(tmp_path: Path) -> None:
    funnels = (
        "kind: funnel\nid: f\nsteps: [{event: a}, {event: b}]\nbreakdown: {variant: ghost}\n"
        "---\n"
        "kind: funnel\nid: g\nsteps: [{event: a}, {event: b}]\nbreakdown: {variant: broken}\n"
    )
    broken = "kind: journey\nid: broken\nentry: {event: e}\nsteps: {}\n"
    result = validate(tmp_path, funnels, broken)
    assert [(Path(f.path).name, f.rule, f.line, f.col) for f in result.findings] == [
        ("f0.yaml", "unknown-reference", 4, 12),
        ("f1.yaml", "bad-value", 4, 8),
    ]
    assert result.findings[0].message == "funnel 'f' breakdown refers to unknown journey 'ghost'"


def test_a_broken_phases_document_silences_phase_references(tmp_path: Path) -> None:
    broken = PHASES + "extra: 1\n"
    touchpoint = "kind: touchpoint\nid: t\nchannel: email\nphase: nowhere\n"
    jmap = "kind: map\nid: m\npersona: lisa\nphases: lifecycle\nstages:\n  elsewhere: {}\n"
    # Only the broken document itself is reported: its phases cannot be trusted.
    assert found(tmp_path, broken, touchpoint, jmap, PERSONA) == [
        ("f0.yaml", "unknown-key", "4:1"),
    ]
    # With the phases document fixed, both references are checked.
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    assert found(fixed, PHASES, touchpoint, jmap, PERSONA) == [
        ("f1.yaml", "unknown-reference", "4:8"),
        ("f2.yaml", "unknown-reference", "6:3"),
    ]


def test_stages_of_an_unknown_phases_document_are_not_checked(tmp_path: Path) -> None:
    jmap = "kind: map\nid: m\npersona: lisa\nphases: nope\nstages:\n  whatever: {}\n"
    assert found(tmp_path, jmap, PERSONA, PHASES) == [("f0.yaml", "unknown-reference", "4:9")]
    assert messages(tmp_path, jmap, PERSONA, PHASES) == [
        "map 'm' refers to unknown phases document 'nope'"
    ]


def test_a_stage_names_a_phase_of_its_own_phases_document(tmp_path: Path) -> None:
    other = "kind: phases\nid: other\nphases: [{id: loyalty}]\n"
    jmap = "kind: map\nid: m\npersona: lisa\nphases: lifecycle\nstages:\n  loyalty: {}\n"
    assert found(tmp_path, jmap, PERSONA, PHASES, other) == [
        ("f0.yaml", "unknown-reference", "6:3")
    ]
    assert messages(tmp_path, jmap, PERSONA, PHASES, other) == [
        "map 'm': stage 'loyalty' is not a phase of 'lifecycle'"
    ]


def test_local_step_references_with_hints(tmp_path: Path) -> None:
    journey = """\
kind: journey
id: j
entry: {event: e}
steps:
  f: {wait_for: {event: c}, timeout: 1d, next: s, on_timeout: dne}
  s:
    split:
      - {if: {property: x, op: exists, value: true}, next: don}
      - {else: ab}
  ab:
    ab:
      variants:
        a: {weight: 50, next: xyz}
        b: {weight: 50, next: done}
  done: {exit: true}
"""
    result = validate(tmp_path, journey)
    assert [(f.rule, f.line, f.col, f.message) for f in result.findings] == [
        ("unknown-reference", 5, 63, "step 'f' leads to unknown step 'dne'; did you mean 'done'?"),
        ("unknown-reference", 8, 60, "step 's' leads to unknown step 'don'; did you mean 'done'?"),
        ("unknown-reference", 13, 31, "step 'ab' leads to unknown step 'xyz'"),
    ]


def test_cross_file_hints(tmp_path: Path) -> None:
    funnel = "kind: funnel\nid: f\npersona: lisaa\nsteps: [{event: a}, {event: b}]\n"
    assert messages(tmp_path, funnel, PERSONA) == [
        "funnel 'f' refers to unknown persona 'lisaa'; did you mean 'lisa'?"
    ]


@pytest.mark.parametrize(
    ("between", "bad"),
    [("[2, 2]", True), ("[2, 1]", True), ("[3, 4]", True), ("[1, 3]", False), ("[2, 3]", False)],
)
def test_bad_step_numbers(tmp_path: Path, between: str, bad: bool) -> None:
    funnel = (
        "kind: funnel\nid: f\nsteps: [{event: a}, {event: b}, {event: c}]\n"
        f"exclude:\n  - {{event: x, between: {between}}}\n"
    )
    assert found(tmp_path, funnel) == ([("f0.yaml", "bad-step-number", "5:25")] if bad else [])


def test_collect_references_and_provided_names(tmp_path: Path) -> None:
    journey = (
        "kind: journey\nid: j\npersona: lisa\nentry: {event: e}\n"
        "steps:\n  s: {send: mail, next: done}\n  done: {exit: true}\n"
    )
    ws = validate(tmp_path, journey, PHASES, TESTED).workspace
    path = str(tmp_path / "f0.yaml")
    assert list(collect_references(ws)) == [
        Reference("persona", "lisa", Loc(path, 3, 10), "journey 'j'"),
        Reference("touchpoint", "mail", Loc(path, 6, 13), "step 's'"),
    ]
    assert sorted(provided_names(ws)) == [
        ("journey_with_ab", "tested"),
        ("phase", "awareness"),
        ("phase", "purchase"),
        ("phase_of:lifecycle", "awareness"),
        ("phase_of:lifecycle", "purchase"),
        ("step_of:j", "done"),
        ("step_of:j", "s"),
        ("step_of:tested", "ab"),
        ("step_of:tested", "done"),
        ("variant_of:tested", "a"),
        ("variant_of:tested", "b"),
    ]


STORY = """\
kind: test
id: story
journey: tested
variant: c
events: [{at: "2026-06-01T10:00:00Z", event: e}]
expect:
  path: [ab, dne]
  sends: [mail, {touchpoint: mial}]
---
kind: test
id: lost
journey: nowhere
events: [{at: "2026-06-01T10:00:00Z", event: e}]
expect: {path: [a]}
"""


def test_a_test_names_its_journey_steps_variant_and_touchpoints(tmp_path: Path) -> None:
    touchpoint = "kind: touchpoint\nid: mail\nchannel: email\n"
    found = validate(tmp_path, TESTED, touchpoint, STORY).findings
    assert [(f.rule, f.line, f.col, f.message) for f in found] == [
        (
            "unknown-reference",
            4,
            10,
            "test 'story': journey 'tested' has no A/B variant 'c'",
        ),
        (
            "unknown-reference",
            7,
            14,
            "test 'story' path: journey 'tested' has no step 'dne'; did you mean 'done'?",
        ),
        (
            "unknown-reference",
            8,
            17,
            "test 'story' sends refers to unknown touchpoint 'mial'; did you mean 'mail'?",
        ),
        ("unknown-reference", 12, 10, "test 'lost' refers to unknown journey 'nowhere'"),
    ]
