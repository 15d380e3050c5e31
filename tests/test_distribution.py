"""The distribution is `cjo-cli` (PyPI's `cjo` is someone else's): every install line
cjo writes or prints names exactly what pyproject.toml builds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from cjo_cli import DISTRIBUTION, __version__, scaffold
from cjo_cli.cli.app import app
from cjo_cli.spark.session import INSTALL_HINT
from tests.conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
NAME = PROJECT["name"]


def test_the_name_is_cjo_cli_and_the_code_knows_it() -> None:
    assert NAME == DISTRIBUTION == "cjo-cli"
    assert PROJECT["version"] == __version__
    assert PROJECT["scripts"] == {"cjo": "cjo_cli.cli.app:main"}  # the command stays `cjo`


@pytest.fixture
def written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CI files `cjo init` writes, outside any git repository."""
    if scaffold.repository_root(tmp_path) is not None:
        pytest.skip(f"{tmp_path} is inside a git repository")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    return tmp_path


def test_the_workflow_installs_exactly_the_distribution(written: Path) -> None:
    workflow = YAML(typ="safe").load(
        (written / ".github" / "workflows" / "journeys.yml").read_text(encoding="utf-8")
    )
    runs = [step["run"] for step in workflow["jobs"]["validate"]["steps"] if "run" in step]
    installs = [run.split() for run in runs if "pip install" in run]
    assert installs == [["pip", "install", NAME]]


def test_the_pre_commit_config_installs_this_repositorys_distribution(written: Path) -> None:
    # pre-commit installs a `language: python` hook by `pip install .` of the hook's
    # repository at `rev`: the distribution pyproject.toml names, at this version.
    config = YAML(typ="safe").load((written / ".pre-commit-config.yaml").read_text("utf-8"))
    (repo,) = config["repos"]
    hooks = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    by_id = {hook["id"]: hook for hook in hooks}
    assert repo["rev"] == f"v{PROJECT['version']}"
    for hook in repo["hooks"]:
        assert by_id[hook["id"]]["language"] == "python"
        assert "additional_dependencies" not in hook  # nothing else, under another name
        assert by_id[hook["id"]]["entry"].split()[0] in PROJECT["scripts"]


def test_the_hints_name_it() -> None:
    assert f"pip install '{NAME}[spark]'" in INSTALL_HINT
    result = CliRunner().invoke(app, ["report", "--help"], env={"COLUMNS": "300"})
    assert f"pip install '{NAME}[spark]'" in " ".join(result.output.replace("│", " ").split())


# `pip install cjo`, `pip install 'cjo[spark]'`, `pip install -U cjo`: the other project
OTHER = re.compile(r"""pip install (?:-\S+ )*['"]?cjo(?![-\w])""")


@pytest.mark.parametrize(
    "path",
    [
        *sorted((REPO / "cjo_cli").rglob("*.py")),
        REPO / "README.md",
        REPO / "Makefile",
        REPO / ".pre-commit-hooks.yaml",
        *sorted((REPO / ".ci").iterdir()),
    ],
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_no_install_line_names_the_other_cjo(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not [m.group(0) for m in OTHER.finditer(text)]
    assert "'cjo[" not in text
