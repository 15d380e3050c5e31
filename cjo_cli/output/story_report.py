"""What `cjo test` prints: each test's verdict, and for a failure the place of the
expectation, what was expected, what happened, and the replay's explained trace;
as text, JSON, GitHub annotations, or a JUnit XML report for CI test tabs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from cjo_cli.engine.journey_test_run import Failure, StoryResult
from cjo_cli.model.clock import iso, utc_text
from cjo_cli.output.text import rich_text


def _where(failure: Failure) -> str:
    return str(failure.loc)


def failure_line(failure: Failure) -> str:
    """`journeys/tests/cart.yaml:14:11: path: expected [a, b], got [a]`."""
    return f"{_where(failure)}: {failure.what}: expected {failure.expected}, got {failure.got}"


def trace_lines(result: StoryResult) -> list[str]:
    return [
        f"{utc_text(line.ts, '%Y-%m-%dT%H:%M:%SZ')}  {line.journey}  {line.text}"
        for line in result.replay.trace
    ]


def summary(results: Sequence[StoryResult]) -> str:
    failed = sum(1 for r in results if not r.passed)
    passed = len(results) - failed
    return f"{passed} passed, {failed} failed" if failed else f"{passed} passed"


def print_text(results: Sequence[StoryResult], console: Console | None = None) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    for result in results:
        test = result.test
        if result.passed:
            console.print(Text("PASS ", style="green") + rich_text(f"{test.id}  {test.name}"))
            continue
        console.print(Text("FAIL ", style="bold red") + rich_text(f"{test.id}  {test.name}"))
        for failure in result.failures:
            console.print(rich_text(f"  {failure_line(failure)}"))
        console.print(rich_text("  what the replay did:"))
        for line in trace_lines(result) or ["(nothing: no event concerns the journey)"]:
            console.print(rich_text(f"    {line}"))


def to_json(results: Sequence[StoryResult]) -> str:
    document: dict[str, Any] = {
        "tests": [
            {
                "id": r.test.id,
                "name": r.test.name,
                "file": r.test.loc.path,
                "line": r.test.loc.line,
                "journey": r.test.journey,
                "passed": r.passed,
                "failures": [
                    {
                        "file": f.loc.path,
                        "line": f.loc.line,
                        "col": f.loc.col,
                        "expectation": f.what,
                        "expected": f.expected,
                        "got": f.got,
                    }
                    for f in r.failures
                ],
                "trace": [
                    {"ts": iso(line.ts), "journey": line.journey, "reason": line.text}
                    for line in r.replay.trace
                ],
            }
            for r in results
        ],
        "passed": sum(1 for r in results if r.passed),
        "failed": sum(1 for r in results if not r.passed),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _escape_data(text: str) -> str:
    # GitHub's workflow-command escaping: %, CR and LF in the message.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(results: Sequence[StoryResult]) -> str:
    lines = []
    for result in results:
        for f in result.failures:
            message = f"test {result.test.id!r}: {f.what}: expected {f.expected}, got {f.got}"
            lines.append(
                f"::error file={_escape_property(f.loc.path)},line={f.loc.line},"
                f"col={f.loc.col},title={_escape_property('cjo test')}::{_escape_data(message)}"
            )
    return "\n".join(lines)


def to_junit(results: Sequence[StoryResult], seconds: float) -> str:
    """A JUnit XML report: one testsuite, a testcase per test (classname: its file)."""
    failed = sum(1 for r in results if not r.passed)
    suites = ET.Element("testsuites", tests=str(len(results)), failures=str(failed))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="cjo test",
        tests=str(len(results)),
        failures=str(failed),
        errors="0",
        time=f"{seconds:.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite, "testcase", classname=result.test.loc.path, name=result.test.id, time="0"
        )
        if not result.passed:
            element = ET.SubElement(
                case, "failure", message=failure_line(result.failures[0]), type="expectation"
            )
            element.text = "\n".join(
                [failure_line(f) for f in result.failures] + ["", *trace_lines(result)]
            )
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
