"""`cjo init`: a workspace that validates clean, with working editor schema lines, and
nothing ever overwritten."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from tests.conftest import REPO, RunCjo

SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def test_init_creates_a_workspace_that_validates_clean(run_cjo: RunCjo, tmp_path: Path) -> None:
    result = run_cjo("init", str(tmp_path / "shop"))
    assert result.returncode == 0, result.stderr
    check = run_cjo("validate", "--strict", str(tmp_path / "shop" / "journeys"))
    assert check.returncode == 0, check.stdout
    assert "no problems in 7 files" in check.stderr


def test_every_document_names_a_schema_that_accepts_it(run_cjo: RunCjo, tmp_path: Path) -> None:
    run_cjo("init", str(tmp_path))
    files = sorted((tmp_path / "journeys").rglob("*.yaml"))
    assert len(files) == 7
    yaml = YAML(typ="safe")
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        match = SCHEMA_LINE.match(first)
        assert match, f"{path} has no schema line"
        schema_path = (path.parent / match.group(1)).resolve()
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        for document in yaml.load_all(path.read_text(encoding="utf-8")):
            assert schema["properties"]["kind"]["const"] == document["kind"]
            assert list(Draft202012Validator(schema).iter_errors(document)) == []


def test_ci_files(run_cjo: RunCjo, tmp_path: Path) -> None:
    run_cjo("init", str(tmp_path))
    yaml = YAML(typ="safe")
    config = yaml.load((tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = yaml.load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert config["repos"][0]["hooks"][0]["id"] == hooks[0]["id"]
    workflow = yaml.load(
        (tmp_path / ".github" / "workflows" / "journeys.yml").read_text(encoding="utf-8")
    )
    commands = [step.get("run", "") for step in workflow["jobs"]["validate"]["steps"]]
    assert "cjo validate journeys/" in commands


def test_init_never_overwrites(run_cjo: RunCjo, tmp_path: Path) -> None:
    mine = tmp_path / "journeys" / "policy.yaml"
    mine.parent.mkdir()
    mine.write_text("# my own policy\n", encoding="utf-8")
    result = run_cjo("init", str(tmp_path))
    assert result.returncode == 2
    assert "policy.yaml" in result.stderr and "nothing was written" in result.stderr
    assert mine.read_text(encoding="utf-8") == "# my own policy\n"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["policy.yaml"]
