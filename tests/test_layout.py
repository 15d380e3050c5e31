"""The layout ARCHITECTURE.md promises, held by tests rather than by hope.

- Every module with logic has a test module named for it: `cjo_cli/PKG/X.py` is
  tested by `tests/PKG/test_X.py` (a package's `__init__.py` by `test_PKG.py`).
- No module is much over 400 lines (check-jsonschema's largest is 359).
- The import contracts in pyproject.toml (run by `lint-imports` in `make lint`)
  name every command module, so a new one cannot slip past the rule that commands
  do not print with rich themselves.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "cjo_cli"
MAX_LINES = 420


def modules_with_logic() -> list[Path]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, (ast.FunctionDef, ast.ClassDef)) for node in tree.body):
            found.append(path)
    return found


def expected_test_module(path: Path) -> Path:
    relative = path.relative_to(PACKAGE)
    if path.name == "__init__.py":
        return REPO / "tests" / relative.parent / f"test_{relative.parent.name}.py"
    return REPO / "tests" / relative.parent / f"test_{path.stem}.py"


@pytest.mark.parametrize("path", modules_with_logic(), ids=lambda p: str(p.relative_to(REPO)))
def test_each_module_with_logic_has_its_test_module(path: Path) -> None:
    expected = expected_test_module(path)
    assert expected.is_file(), f"{path.relative_to(REPO)} has no {expected.relative_to(REPO)}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_module_is_much_over_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(REPO)} has {lines} lines: split it"


def test_the_rich_contract_names_every_command_module() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (rich,) = [c for c in contracts if c.get("forbidden_modules") == ["rich"]]
    commands = {
        f"cjo_cli.cli.{path.stem}"
        for path in (PACKAGE / "cli").glob("*.py")
        if path.stem not in ("__init__", "app")
    }
    assert commands <= set(rich["source_modules"])
