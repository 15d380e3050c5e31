"""`cjo test [PATHS...]`: run the workspace's journey tests (`kind: test`)."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

import typer

from cjo_cli.cli import inputs
from cjo_cli.errors import EXIT_FINDINGS, EXIT_OK, UsageError, WorkspaceInvalid


class TestFormat(StrEnum):
    __test__ = False  # not a pytest class, whatever its name
    text = "text"
    json = "json"
    github = "github"


def run_tests(
    given: list[str] = typer.Argument(
        None,
        metavar="PATHS",
        help="Test files or directories (default: ./journeys); the workspace is found as "
        "`cjo validate` finds it.",
        show_default=False,
    ),
    workspace: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        metavar="DIR",
        help="The workspace directory the tests' journeys are in.",
        file_okay=False,
    ),
    output_format: TestFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="Output format; github when GITHUB_ACTIONS=true, else text.",
        show_default=False,
    ),
    junit_xml: Path | None = typer.Option(
        None, "--junit-xml", metavar="FILE", help="Also write a JUnit XML report to FILE."
    ),
) -> None:
    """Replay each test's customer story through its journey, with the engine of `cjo
    simulate`, and check what must happen: entry, path, sends, caps, conversion, exit.

    Exit 0 when every test passes, 1 when one fails (or the workspace has errors), 2 on
    a usage error. More: docs/language.md (the test kind) and docs/ci.md."""
    import time

    from cjo_cli.engine.journey_test_run import run_test
    from cjo_cli.findings import Level
    from cjo_cli.output import story_report
    from cjo_cli.output.files import write_text_atomically
    from cjo_cli.spec.workspace import validate_paths

    began = time.perf_counter()
    paths = [Path(p) for p in given] if given else [Path("journeys")]
    if junit_xml is not None:
        inputs.check_output_file(junit_xml, "--junit-xml")
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
    result = validate_paths(paths, workspace=workspace, keep_model=True)
    errors = [f for f in result.findings if f.level is Level.ERROR]
    if errors:
        raise WorkspaceInvalid("the tests' workspace", errors)
    ws = result.workspace
    tests = [t for t in ws.tests.values() if t.loc.path in result.reported]
    if not tests:
        shown = ", ".join(str(p) for p in paths)
        raise UsageError(
            f"no test documents (kind: test) in {shown}: write one (see docs/language.md), "
            "or name the folder that holds them"
        )
    results = [run_test(ws, test) for test in tests]
    chosen = output_format or (
        TestFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" else TestFormat.text
    )
    if chosen is TestFormat.json:
        typer.echo(story_report.to_json(results))
    elif chosen is TestFormat.github:
        text = story_report.to_github(results)
        if text:
            typer.echo(text)
        story_report.print_text(results)
    else:
        story_report.print_text(results)
    if junit_xml is not None:
        write_text_atomically(
            junit_xml, story_report.to_junit(results, time.perf_counter() - began)
        )
    typer.echo(story_report.summary(results), err=True)
    raise typer.Exit(EXIT_OK if all(r.passed for r in results) else EXIT_FINDINGS)
