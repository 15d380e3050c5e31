"""Shared helpers: run the real `cjo` in a subprocess, as users and CI do (or in this
process, through the same entry point, where a subprocess would cost more than the
command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

THOROUGH = os.environ.get("CJO_HYPOTHESIS") == "thorough"


def cjo_in_process(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `cjo ARGS` run in this process through the installed
    command's entry point, its error handling and exit codes included."""
    from click.testing import CliRunner

    from cjo_cli.cli.app import main

    monkeypatch.setattr(sys, "argv", ["cjo", *args])
    env = {"COLUMNS": "100", "NO_COLOR": "1", "GITHUB_ACTIONS": None, "CJO_SPARK_MASTER": None}
    with CliRunner().isolation(env=env) as (stdout, stderr, _):
        try:
            main()
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        return code, stdout.getvalue().decode(), stderr.getvalue().decode()


def examples(quick: int) -> int:
    """How many examples a property test draws: `quick` in the default suite (which must
    stay under 15 minutes on 2 cores), five times as many with CJO_HYPOTHESIS=thorough."""
    return quick * 5 if THOROUGH else quick


RunCjo = Callable[..., subprocess.CompletedProcess[str]]


def json_of(result: subprocess.CompletedProcess[str]) -> Any:
    """The JSON printed by a run that must have succeeded."""
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def run_cjo() -> RunCjo:
    def run(
        *args: str, cwd: Path = REPO, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
        full_env["PYTHONIOENCODING"] = "utf-8"
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "cjo_cli", *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )

    return run
