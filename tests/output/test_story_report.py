"""`cjo test` output: verdicts, failures at their place with both sides and the trace;
JSON; GitHub annotations (escaped); JUnit XML that CI test tabs read."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

from rich.console import Console

from cjo_cli.engine.journey_test_run import Failure, StoryResult
from cjo_cli.engine.replay_records import CustomerReplay, TraceLine
from cjo_cli.model import Loc
from cjo_cli.model.clock import parse_instant
from cjo_cli.model.journey_tests import Expect, JourneyTest
from cjo_cli.output.story_report import (
    failure_line,
    print_text,
    summary,
    to_github,
    to_json,
    to_junit,
)

T0 = parse_instant("2026-06-01T10:00:00Z")


def result(test_id: str, failures: tuple[Failure, ...] = ()) -> StoryResult:
    test = JourneyTest(
        test_id, "a [red]story[/]", "cart", (), Expect(), loc=Loc("journeys/t.yaml", 3, 1)
    )
    replay = CustomerReplay("test:x", trace=[TraceLine(T0, "cart", "entered on 'cart'")])
    return StoryResult(test, failures, replay)


FAILED = (Failure(Loc("journeys/t.yaml", 14, 9), "path", "[a, b]", "[a]"),)


def test_text() -> None:
    console = Console(record=True, width=60, color_system=None, file=io.StringIO())
    print_text([result("ok"), result("bad", FAILED)], console)
    lines = console.export_text().splitlines()
    assert lines[0] == "PASS ok  a [red]story[/]"
    assert lines[1] == "FAIL bad  a [red]story[/]"
    assert lines[2] == "  journeys/t.yaml:14:9: path: expected [a, b], got [a]"
    assert lines[3] == "  what the replay did:"
    assert lines[4] == "    2026-06-01T10:00:00Z  cart  entered on 'cart'"
    assert summary([result("ok"), result("bad", FAILED)]) == "1 passed, 1 failed"
    assert summary([result("ok")]) == "1 passed"


def test_json() -> None:
    document = json.loads(to_json([result("bad", FAILED)]))
    (test,) = document["tests"]
    assert test["passed"] is False and test["file"] == "journeys/t.yaml"
    assert test["failures"] == [
        {
            "file": "journeys/t.yaml",
            "line": 14,
            "col": 9,
            "expectation": "path",
            "expected": "[a, b]",
            "got": "[a]",
        }
    ]
    assert test["trace"][0]["reason"] == "entered on 'cart'"
    assert (document["passed"], document["failed"]) == (0, 1)


def test_github_annotations_are_escaped() -> None:
    failure = Failure(Loc("a,b:c.yaml", 2, 3), "exit", "goal", "50%\nend")
    line = to_github([result("bad", (failure,))])
    assert line == (
        "::error file=a%2Cb%3Ac.yaml,line=2,col=3,title=cjo test::"
        "test 'bad': exit: expected goal, got 50%25%0Aend"
    )
    assert to_github([result("ok")]) == ""


def test_junit() -> None:
    text = to_junit([result("ok"), result("b<a>d", FAILED)], 1.5)
    root = ET.fromstring(text.split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("time")) == ("2", "1", "1.500")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["ok", "b<a>d"]
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("message") == failure_line(FAILED[0])
    assert "entered on 'cart'" in (failure.text or "")
