"""Findings as text, JSON, GitHub workflow commands and SARIF 2.1.0.

Pure functions: each takes findings and returns the whole output as one string, without a
trailing newline; printing is the caller's business.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote

from cjo_cli.findings import Finding, Level
from cjo_cli.output.text import visible

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/cjo-dev/cjo"
SRCROOT = "%SRCROOT%"
JSON_REPORT_VERSION = 1


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    """By path, line and column; rule and message only break ties, so the order is total."""
    return sorted(findings, key=lambda f: (f.path, f.line, f.col, f.level, f.rule, f.message))


def _counts(findings: Iterable[Finding]) -> tuple[int, int]:
    errors = warnings = 0
    for finding in findings:
        if finding.level is Level.ERROR:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(findings: Iterable[Finding], files_checked: int) -> str:
    """`2 errors, 1 warning in 14 files`, or `no problems in 14 files`."""
    errors, warnings = _counts(findings)
    files = _plural(files_checked, "file")
    parts = [_plural(n, word) for n, word in ((errors, "error"), (warnings, "warning")) if n]
    return f"{', '.join(parts) if parts else 'no problems'} in {files}"


# ---------------------------------------------------------------------------------------------
# text


def format_text(findings: Iterable[Finding]) -> str:
    """`path:line:col: level: message [rule]`, one line each, as compilers and yamllint do.

    Anything a terminal or `str.splitlines` would act on (ANSI escapes quoted from a YAML
    key, line breaks) is shown escaped: one finding stays one harmless line."""
    return "\n".join(
        f"{visible(f.path)}:{f.line}:{f.col}: {f.level.value}: {visible(f.message)}"
        f" [{visible(f.rule)}]"
        for f in _sorted(findings)
    )


# ---------------------------------------------------------------------------------------------
# JSON


def format_json(findings: Iterable[Finding], files_checked: int) -> str:
    """`{"version": 1, "files_checked", "summary": {"errors", "warnings"}, "findings": [...]}`.

    Keys come in that documented order (each finding's as `Finding.as_dict` gives them), the
    findings in `format_text`'s order; text stays UTF-8, not `\\u` escapes.
    """
    ordered = _sorted(findings)
    errors, warnings = _counts(ordered)
    report = {
        "version": JSON_REPORT_VERSION,
        "files_checked": files_checked,
        "summary": {"errors": errors, "warnings": warnings},
        "findings": [f.as_dict() for f in ordered],
    }
    return json.dumps(report, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------------------------------------
# GitHub Actions workflow commands


def _escape_data(text: str) -> str:
    # escapeData in @actions/core src/command.ts.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    # escapeProperty in @actions/core src/command.ts.
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: Iterable[Finding]) -> str:
    """`::error file=P,line=L,col=C,title=RULE::MESSAGE`, one workflow command per finding."""
    return "\n".join(
        f"::{f.level.value} file={_escape_property(f.path)},line={f.line},col={f.col},"
        f"title={_escape_property(f.rule)}::{_escape_data(f.message)}"
        for f in _sorted(findings)
    )


# ---------------------------------------------------------------------------------------------
# SARIF 2.1.0


def _artifact_location(path: str) -> dict[str, str]:
    """A SARIF artifactLocation: relative paths relative to %SRCROOT%, absolute ones file URIs.

    `uri` must be a valid URI reference, so separators become `/` and anything that is not
    unreserved (a space, `%`, `#`, non-ASCII) is percent-encoded as UTF-8.
    """
    if PureWindowsPath(path).is_absolute():  # C:\x.yaml, C:/x.yaml, \\server\share\x.yaml
        return {"uri": PureWindowsPath(path).as_uri()}
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return {"uri": PurePosixPath(posix).as_uri()}
    return {"uri": quote(posix, safe="/"), "uriBaseId": SRCROOT}


def format_sarif(
    findings: Iterable[Finding],
    rules: Mapping[str, str],
    tool_version: str,
    *,
    levels: Mapping[str, Level] | None = None,
) -> str:
    """A SARIF 2.1.0 log with one run, as GitHub code scanning uploads take it.

    `rules` maps every rule id cjo knows to its one-line description; all of them are listed
    in `tool.driver.rules`, in that order, followed by any rule id a finding has that `rules`
    lacks (described by its id). A rule's `defaultConfiguration.level` is `levels[id]` when
    given, else the level its findings have (error when any is an error), else error.
    """
    ordered = _sorted(findings)
    rule_ids = list(rules)
    rule_ids += sorted({f.rule for f in ordered} - set(rules))
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}

    seen_levels: dict[str, Level] = {}
    for f in ordered:
        if seen_levels.get(f.rule) is not Level.ERROR:
            seen_levels[f.rule] = f.level
    default_levels = {**seen_levels, **(levels or {})}

    driver_rules = [
        {
            "id": rule_id,
            "shortDescription": {"text": rules.get(rule_id, rule_id)},
            "defaultConfiguration": {
                "level": default_levels.get(rule_id, Level.ERROR).value,
            },
        }
        for rule_id in rule_ids
    ]
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": f.level.value,
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact_location(f.path),
                        "region": {"startLine": f.line, "startColumn": f.col},
                    }
                }
            ],
        }
        for f in ordered
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
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
                # cjo counts columns in characters (code points), not SARIF's default UTF-16.
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2)
