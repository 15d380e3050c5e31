"""At 80 columns, the first hour's commands on the bundled sample print no line wider
than the terminal and cut nothing with an ellipsis (`cart_abandonm…`): ids, names and
numbers wrap or fold. The numbers of `demo`, `simulate` and `report` are not pinned
here (their goldens are elsewhere, or there are none); the map's are in
tests/golden (test_map_cmd.py, test_demo_cmd.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import REPO, RunCjo

LOG = str(REPO / "samples" / "events.jsonl")
CUSTOMERS = str(REPO / "samples" / "customers.csv")
INTERVAL = re.compile(r"[+-]?\d+(?:\.\d+)? ?… ?[+-]?\d+(?:\.\d+)?")
"""A measured effect's interval (`95% CI +5.0 … +15.0`): an ellipsis that cuts nothing."""
WORKSPACE = str(REPO / "journeys")

COMMANDS = {
    "map": ["map", "lisa_map", "-w", WORKSPACE],
    "measured map": ["map", "lisa_map", "-w", WORKSPACE, "--log", LOG, "--customers", CUSTOMERS],
    "demo": ["demo", "-w", WORKSPACE, "--log", LOG, "--customers", CUSTOMERS],
    "simulate": ["simulate", "-w", WORKSPACE, "--log", LOG, "--customers", CUSTOMERS],
    "report": ["report", "-w", WORKSPACE, "--log", LOG, "--customers", CUSTOMERS],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_80_columns_fit_and_nothing_is_cut(run_cjo: RunCjo, command: str, tmp_path: Path) -> None:
    # The demo writes cjo-demo/ in the working directory.
    result = run_cjo(*COMMANDS[command], cwd=tmp_path, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > 10
    too_wide = [line for line in lines if cell_len(line) > 80]
    assert too_wide == []
    cut = [line for line in lines if "…" in INTERVAL.sub("", line)]
    assert cut == []
