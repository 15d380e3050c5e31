"""`cjo init`: a workspace that validates clean, with working editor schema lines; the CI
files at the top of the git repository (or where one would start), naming the workspace
from there; and nothing ever overwritten."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from cjo_cli import scaffold
from tests.conftest import REPO, RunCjo

SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")
WORKFLOW = Path(".github/workflows/journeys.yml")
PRE_COMMIT = Path(".pre-commit-config.yaml")


@pytest.fixture
def here(tmp_path: Path) -> Path:
    """A directory that no git repository holds."""
    if scaffold.repository_root(tmp_path) is not None:
        pytest.skip(f"{tmp_path} is inside a git repository")
    return tmp_path


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def validate_command(root: Path) -> str:
    steps = load(root / WORKFLOW)["jobs"]["validate"]["steps"]
    (command,) = [s["run"] for s in steps if s.get("run", "").startswith("cjo validate")]
    return str(command)


def hook(root: Path) -> dict[str, str]:
    found, test_hook = load(root / PRE_COMMIT)["repos"][0]["hooks"]
    assert test_hook["id"] == "cjo-test"
    return dict(found)


def test_init_creates_a_workspace_that_validates_clean(run_cjo: RunCjo, here: Path) -> None:
    result = run_cjo("init", "shop", cwd=here)
    assert result.returncode == 0, result.stderr
    check = run_cjo("validate", "--strict", str(here / "shop"))
    assert check.returncode == 0, check.stdout
    assert "no problems in 8 files" in check.stderr
    tested = run_cjo("test", str(here / "shop"))
    assert tested.returncode == 0, tested.stdout + tested.stderr  # the scaffolded test passes
    assert "PASS welcome_then_buy" in tested.stdout


def test_every_document_names_a_schema_that_accepts_it(run_cjo: RunCjo, here: Path) -> None:
    run_cjo("init", cwd=here)
    files = sorted((here / "journeys").rglob("*.yaml"))
    assert len(files) == 8
    yaml = YAML(typ="safe")
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        match = SCHEMA_LINE.match(first)
        assert match, f"{path} has no schema line"
        schema_path = (path.parent / match.group(1)).resolve()
        assert schema_path.is_relative_to(here / "journeys")  # the folder is whole
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        for document in yaml.load_all(path.read_text(encoding="utf-8")):
            assert schema["properties"]["kind"]["const"] == document["kind"]
            assert list(Draft202012Validator(schema).iter_errors(document)) == []


def test_by_default_outside_a_repository_everything_goes_here(run_cjo: RunCjo, here: Path) -> None:
    result = run_cjo("init", cwd=here)
    assert result.returncode == 0, result.stderr
    assert (here / "journeys" / "phases.yaml").is_file()
    assert (here / WORKFLOW).is_file() and (here / PRE_COMMIT).is_file()
    hooks = load(REPO / ".pre-commit-hooks.yaml")
    assert hook(here)["id"] == hooks[0]["id"]
    assert hook(here)["files"] == r"^journeys/.*\.ya?ml$" == hooks[0]["files"]
    assert validate_command(here) == "cjo validate journeys/"
    assert "CI files: in the current directory, as no git repository holds journeys" in (
        result.stdout
    )
    assert "`git init` there" in result.stdout
    assert result.stdout.rstrip().endswith(
        "next: cjo validate journeys && cjo test journeys   "
        "(and `pre-commit install` to check on commit)"
    )


def test_by_default_in_a_repository_the_ci_files_go_to_its_top(run_cjo: RunCjo, here: Path) -> None:
    (here / ".git").mkdir()
    shop = here / "services" / "shop"
    shop.mkdir(parents=True)
    result = run_cjo("init", cwd=shop)
    assert result.returncode == 0, result.stderr
    assert (shop / "journeys" / "policy.yaml").is_file()
    assert not (shop / WORKFLOW).exists() and not (shop / PRE_COMMIT).exists()
    assert validate_command(here) == "cjo validate services/shop/journeys/"
    assert re.search(hook(here)["files"], "services/shop/journeys/orchestration/welcome.yaml")
    assert not re.search(hook(here)["files"], "journeys/policy.yaml")
    assert f"created ../../{WORKFLOW}" in result.stdout
    assert (
        "CI files: in ../.., the top of the git repository, where GitHub and pre-commit "
        "read them; they check services/shop/journeys/"
    ) in result.stdout


def test_a_named_workspace_in_a_repository(run_cjo: RunCjo, here: Path) -> None:
    (here / ".git").mkdir()
    result = run_cjo("init", "cx/flows", cwd=here)
    assert result.returncode == 0, result.stderr
    assert (here / "cx" / "flows" / "funnels.yaml").is_file()
    assert (here / "cx" / "flows" / ".cjo-workspace").is_file()
    assert validate_command(here) == "cjo validate cx/flows/"
    assert "the top of the git repository" in result.stdout
    # What pre-commit does: pass only the changed file, from the repository's top. The
    # marker makes the folder the workspace, so the references of the file resolve.
    changed = "cx/flows/orchestration/welcome.yaml"
    assert re.search(hook(here)["files"], changed)
    check = run_cjo("validate", changed, cwd=here)
    assert check.returncode == 0, check.stdout
    assert "no problems in 1 file" in check.stderr


def test_a_named_workspace_outside_a_repository_elsewhere(run_cjo: RunCjo, here: Path) -> None:
    (here / "home").mkdir()
    result = run_cjo("init", str(here / "projects" / "shop" / "journeys"), cwd=here / "home")
    assert result.returncode == 0, result.stderr
    project = here / "projects" / "shop"
    assert (project / WORKFLOW).is_file() and (project / PRE_COMMIT).is_file()
    assert not any((here / "home").iterdir())
    assert validate_command(project) == "cjo validate journeys/"
    assert f"CI files: in {project}, as no git repository holds" in result.stdout


def test_a_named_workspace_below_the_current_directory(run_cjo: RunCjo, here: Path) -> None:
    result = run_cjo("init", "docs/cx", cwd=here)
    assert result.returncode == 0, result.stderr
    assert (here / WORKFLOW).is_file()
    assert validate_command(here) == "cjo validate docs/cx/"


def test_init_never_overwrites(run_cjo: RunCjo, here: Path) -> None:
    mine = here / "journeys" / "policy.yaml"
    mine.parent.mkdir()
    mine.write_text("# my own policy\n", encoding="utf-8")
    config = here / PRE_COMMIT
    config.write_text("repos: []\n", encoding="utf-8")
    result = run_cjo("init", cwd=here)
    assert result.returncode == 0, result.stderr
    assert mine.read_text(encoding="utf-8") == "# my own policy\n"
    assert config.read_text(encoding="utf-8") == "repos: []\n"
    # A workspace is there: no sample document joins it; the rest is added.
    assert sorted(p.name for p in (here / "journeys").glob("*.yaml")) == ["policy.yaml"]
    assert (here / "journeys" / "schemas" / "journey.json").is_file()
    assert (here / WORKFLOW).is_file()
    out = result.stdout
    assert f"skipped {PRE_COMMIT}: it exists, left as it is" in out
    assert "skipped the sample documents: journeys holds YAML files already" in out
    # The hook to add by hand, as the config cjo init would have written names it.
    assert (
        f"add this to the repos of {PRE_COMMIT}:\n  - repo: https://github.com/cjo-dev/cjo" in out
    )


def test_init_twice_changes_nothing(run_cjo: RunCjo, here: Path) -> None:
    assert run_cjo("init", cwd=here).returncode == 0
    before = {p: p.read_bytes() for p in here.rglob("*") if p.is_file()}
    (here / "journeys" / "policy.yaml").write_text("# edited\n", encoding="utf-8")
    again = run_cjo("init", cwd=here)
    assert again.returncode == 0, again.stderr
    assert "created" not in again.stdout
    assert "add this to the repos" not in again.stdout  # the config has the hook already
    assert (here / "journeys" / "policy.yaml").read_text(encoding="utf-8") == "# edited\n"
    assert sorted(p for p in here.rglob("*") if p.is_file()) == sorted(before)
