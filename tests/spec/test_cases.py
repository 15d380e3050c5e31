"""Data-driven cases: valid files validate clean; each invalid file gets exactly the
findings it declares in `# expect: RULE LINE:COL` comments."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cjo_cli.spec.rules import RULES, rule_summaries
from cjo_cli.spec.workspace import validate_files

CASES = Path(__file__).resolve().parent.parent / "cases"
VALID = sorted((CASES / "valid").glob("*.yaml"))
INVALID = sorted((CASES / "invalid").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: ([a-z-]+) (\d+):(\d+)\s*$", re.MULTILINE)


def expected(path: Path) -> list[tuple[str, int, int]]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return sorted((rule, int(line), int(col)) for rule, line, col in EXPECT.findall(text))


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_case_has_no_findings(path: Path) -> None:
    result = validate_files([path])
    assert [f"{f.line}:{f.col} {f.rule} {f.message}" for f in result.findings] == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_case_gets_exactly_its_findings(path: Path) -> None:
    want = expected(path)
    assert want, f"{path.name} declares no '# expect:' lines"
    result = validate_files([path])
    got = sorted((f.rule, f.line, f.col) for f in result.findings)
    assert got == want


def test_every_semantic_rule_has_a_broken_case() -> None:
    covered = {rule for path in INVALID for rule, _, _ in expected(path)}
    missing = sorted({r.id for r in RULES} - covered)
    assert missing == [], f"semantic rules without an invalid case: {missing}"


def test_every_reported_rule_is_documented() -> None:
    covered = {rule for path in INVALID for rule, _, _ in expected(path)}
    assert covered <= set(rule_summaries())
