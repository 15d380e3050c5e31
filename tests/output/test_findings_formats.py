"""The findings formats: exact text lines, JSON, GitHub workflow commands, SARIF 2.1.0."""

from __future__ import annotations

import json
import os
import re

import pytest
from jsonschema import validators

from cjo_cli.findings import Finding, Level
from cjo_cli.output.findings_formats import (
    format_github,
    format_json,
    format_sarif,
    format_text,
    summary_line,
)
from cjo_cli.spec.rules import rule_summaries
from tests.conftest import REPO

GITHUB_LINE = re.compile(r"^::(error|warning) file=[^,]*,line=\d+,col=\d+,title=[^,]*::.*$")
SARIF_SCHEMA = REPO / ".cache" / "sarif-schema-2.1.0.json"

FINDINGS = [
    Finding("journeys/b.yaml", 3, 10, Level.WARNING, "unreachable-step", "step 'x' is unreachable"),
    Finding("journeys/a.yaml", 12, 5, Level.ERROR, "unknown-reference", "ペルソナ 'lsa' がない"),
    Finding("journeys/a.yaml", 2, 1, Level.ERROR, "yaml-syntax", "50% off: a, b\r\nnext"),
]


def test_text_lines_are_sorted_and_exact() -> None:
    assert format_text(FINDINGS).splitlines() == [
        "journeys/a.yaml:2:1: error: 50% off: a, b\\r\\nnext [yaml-syntax]",
        "journeys/a.yaml:12:5: error: ペルソナ 'lsa' がない [unknown-reference]",
        "journeys/b.yaml:3:10: warning: step 'x' is unreachable [unreachable-step]",
    ]


@pytest.mark.parametrize(
    ("findings", "files", "line"),
    [
        ([], 1, "no problems in 1 file"),
        ([], 3, "no problems in 3 files"),
        (FINDINGS[:1], 2, "1 warning in 2 files"),
        (FINDINGS, 2, "2 errors, 1 warning in 2 files"),
        (FINDINGS[1:2], 1, "1 error in 1 file"),
    ],
)
def test_summary_line(findings: list[Finding], files: int, line: str) -> None:
    assert summary_line(findings, files) == line


def test_json_round_trips_with_japanese_intact() -> None:
    text = format_json(FINDINGS, 2)
    assert "ペルソナ" in text
    report = json.loads(text)
    assert report["version"] == 1
    assert report["files_checked"] == 2
    assert report["summary"] == {"errors": 2, "warnings": 1}
    assert [f["line"] for f in report["findings"]] == [2, 12, 3]
    assert report["findings"][1] == FINDINGS[1].as_dict()


def test_github_commands_escape_what_github_needs() -> None:
    tricky = Finding("dir,with:odd%/f.yaml", 1, 2, Level.ERROR, "bad-value", "100% sure: a, b\nc\r")
    lines = format_github([*FINDINGS, tricky]).splitlines()
    assert len(lines) == 4
    assert all(GITHUB_LINE.match(line) for line in lines)
    assert lines[0] == (
        "::error file=dir%2Cwith%3Aodd%25/f.yaml,line=1,col=2,title=bad-value::"
        "100%25 sure: a, b%0Ac%0D"
    )
    assert lines[3].startswith(
        "::warning file=journeys/b.yaml,line=3,col=10,title=unreachable-step"
    )


def test_sarif_lists_every_rule_and_locates_every_result() -> None:
    log = json.loads(format_sarif(FINDINGS, rule_summaries(), "9.9.9"))
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["version"] == "9.9.9"
    ids = [rule["id"] for rule in driver["rules"]]
    assert set(rule_summaries()) <= set(ids)
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert run["results"][1]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 12,
        "startColumn": 5,
    }


def test_sarif_validates_against_the_sarif_2_1_0_schema() -> None:
    if not SARIF_SCHEMA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SARIF_SCHEMA} is missing: run scripts/fetch_sarif_schema.sh")
        pytest.skip("SARIF schema not fetched (scripts/fetch_sarif_schema.sh needs npm)")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = validators.validator_for(schema)(schema)
    for findings in ([], FINDINGS):
        log = json.loads(format_sarif(findings, rule_summaries(), "0.1.0"))
        errors = [error.message for error in validator.iter_errors(log)]
        assert errors == []
