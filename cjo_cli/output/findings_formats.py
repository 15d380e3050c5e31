"""Findings as text, JSON, GitHub workflow commands and SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from cjo_cli.findings import Finding, Level

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/cjo-dev/cjo"


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.path, f.line, f.col, f.rule, f.message))


def format_text(findings: Iterable[Finding]) -> str:
    """`path:line:col: level: message [rule]`, one line each, as compilers and yamllint do."""
    return "\n".join(
        f"{_one_line(f.path)}:{f.line}:{f.col}: {f.level.value}: {_one_line(f.message)} [{f.rule}]"
        for f in _sorted(findings)
    )


def _one_line(text: str) -> str:
    # A key or value quoted in a message may hold line breaks; one finding stays one line.
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _counts(findings: Sequence[Finding]) -> tuple[int, int]:
    errors = sum(1 for f in findings if f.level is Level.ERROR)
    return errors, len(findings) - errors


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(findings: Sequence[Finding], files_checked: int) -> str:
    errors, warnings = _counts(findings)
    files = _plural(files_checked, "file")
    if not findings:
        return f"no problems in {files}"
    parts = [_plural(errors, "error")] if errors else []
    if warnings:
        parts.append(_plural(warnings, "warning"))
    return f"{', '.join(parts)} in {files}"


def format_json(findings: Sequence[Finding], files_checked: int) -> str:
    errors, warnings = _counts(findings)
    report = {
        "version": 1,
        "files_checked": files_checked,
        "summary": {"errors": errors, "warnings": warnings},
        "findings": [f.as_dict() for f in _sorted(findings)],
    }
    return json.dumps(report, ensure_ascii=False, indent=2)


def _escape_data(text: str) -> str:
    # As @actions/core escapes command data.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: Iterable[Finding]) -> str:
    """GitHub Actions workflow commands: annotations on the pull request's lines."""
    return "\n".join(
        f"::{f.level.value} file={_escape_property(f.path)},line={f.line},col={f.col},"
        f"title={_escape_property(f.rule)}::{_escape_data(f.message)}"
        for f in _sorted(findings)
    )


def format_sarif(findings: Sequence[Finding], rules: Mapping[str, str], tool_version: str) -> str:
    """A SARIF 2.1.0 log with one run, for code-scanning upload."""
    rule_ids = list(rules)
    rule_ids += sorted({f.rule for f in findings} - set(rules))
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    default_levels = {f.rule: f.level.value for f in findings}
    driver_rules = [
        {
            "id": rule_id,
            "shortDescription": {"text": rules.get(rule_id, rule_id)},
            "defaultConfiguration": {"level": default_levels.get(rule_id, "error")},
        }
        for rule_id in rule_ids
    ]
    results = []
    for f in _sorted(findings):
        uri = f.path.replace("\\", "/")
        artifact: dict[str, str] = {"uri": uri}
        if not uri.startswith("/"):
            artifact["uriBaseId"] = "%SRCROOT%"
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": f.level.value,
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": artifact,
                            "region": {"startLine": f.line, "startColumn": f.col},
                        }
                    }
                ],
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cjo",
                        "informationUri": INFORMATION_URI,
                        "version": tool_version,
                        "rules": driver_rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2)
