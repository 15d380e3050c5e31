"""Documents that fail their schema still get their semantic findings, when they can be
built; those that cannot be built, or trip a rule, say nothing more and stop nothing."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.spec.build import Builder
from cjo_cli.spec.partial_documents import build_partial
from cjo_cli.spec.workspace import validate_files

BROKEN_AND_WRONG = """\
kind: journey
id: j
entry: {event: e}
holdout: 0.1
steps:
  a: {wait: 1h, next: nowhere, colour: red}
  orphan: {wait: 1h, next: done}
  done: {exit: true}
"""


def rules(tmp_path: Path, text: str) -> list[tuple[str, int, int]]:
    path = tmp_path / "j.yaml"
    path.write_text(text, encoding="utf-8")
    return sorted((f.rule, f.line, f.col) for f in validate_files([path]).findings)


def test_one_run_reports_the_schema_and_the_semantic_findings(tmp_path: Path) -> None:
    found = rules(tmp_path, BROKEN_AND_WRONG)
    assert ("unknown-key", 6, 32) in found  # the schema finding
    assert ("holdout-fraction", 4, 10) in found  # semantic, despite the schema error
    assert ("unknown-reference", 6, 23) in found
    assert ("unreachable-step", 7, 3) in found


def test_a_document_that_cannot_be_built_says_nothing_more(tmp_path: Path) -> None:
    found = rules(tmp_path, "kind: journey\nid: j\nentry: {event: e}\nsteps: {}\n")
    assert found and all(rule in {"bad-value", "bad-type", "missing-key"} for rule, *_ in found)


def test_build_partial_returns_none_when_building_trips() -> None:
    assert build_partial(Builder("x.yaml"), {"kind": "journey", "steps": {}}) is None
