"""`cjo init`'s files: what `plan` lays out, what `write` puts on disk, and that nothing
that exists is ever overwritten."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cjo_cli import scaffold
from cjo_cli.spec.schema_check import KINDS, schema_text
from cjo_cli.spec.workspace import validate_files, yaml_files

SCHEMA_LINE = re.compile(r"# yaml-language-server: \$schema=(\S+)\n")

DOCUMENTS = [
    "journeys/phases.yaml",
    "journeys/touchpoints.yaml",
    "journeys/personas.yaml",
    "journeys/journeys/welcome.yaml",
    "journeys/funnels.yaml",
    "journeys/maps/first_timer.yaml",
    "journeys/policy.yaml",
]
SCHEMAS = [f"schemas/{kind}.json" for kind in KINDS]
CI = [".pre-commit-config.yaml", ".github/workflows/journeys.yml"]


def relative(directory: Path, planned: list[scaffold.Planned]) -> list[str]:
    return [planned_file.path.relative_to(directory).as_posix() for planned_file in planned]


def test_plan_lists_every_file_in_order(tmp_path: Path) -> None:
    planned = scaffold.plan(tmp_path)
    assert relative(tmp_path, planned) == [*DOCUMENTS, *SCHEMAS, *CI]
    assert not any(tmp_path.iterdir())  # planning writes nothing


def test_every_kind_has_one_document() -> None:
    assert sorted(kind for kind, _ in scaffold.DOCUMENTS.values()) == sorted(KINDS)


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("journeys/phases.yaml", "../schemas/phases.json"),
        ("journeys/touchpoints.yaml", "../schemas/touchpoint.json"),
        ("journeys/journeys/welcome.yaml", "../../schemas/journey.json"),
        ("journeys/maps/first_timer.yaml", "../../schemas/map.json"),
    ],
)
def test_schema_lines_are_relative_to_each_file(tmp_path: Path, name: str, schema: str) -> None:
    by_name = {p.path.relative_to(tmp_path).as_posix(): p.text for p in scaffold.plan(tmp_path)}
    first = by_name[name].splitlines(keepends=True)[0]
    assert first == f"# yaml-language-server: $schema={schema}\n"


def test_write_into_an_empty_directory(tmp_path: Path) -> None:
    target = tmp_path / "shop"
    planned = scaffold.plan(target)
    assert scaffold.existing(planned) == []
    scaffold.write(planned)
    written = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert written == sorted([*DOCUMENTS, *SCHEMAS, *CI])
    for planned_file in planned:
        assert planned_file.path.read_text(encoding="utf-8") == planned_file.text
    assert scaffold.existing(planned) == [p.path for p in planned]


def test_written_schema_lines_point_at_the_written_schemas(tmp_path: Path) -> None:
    planned = scaffold.plan(tmp_path)
    scaffold.write(planned)
    for kind in KINDS:
        assert (tmp_path / "schemas" / f"{kind}.json").read_text(encoding="utf-8") == (
            schema_text(kind)
        )
    for name, (kind, _) in scaffold.DOCUMENTS.items():
        path = tmp_path / "journeys" / name
        match = SCHEMA_LINE.match(path.read_text(encoding="utf-8"))
        assert match is not None
        schema = json.loads((path.parent / match.group(1)).read_text(encoding="utf-8"))
        assert schema["properties"]["kind"]["const"] == kind


def test_the_written_workspace_validates_clean_with_one_of_each_kind(tmp_path: Path) -> None:
    scaffold.write(scaffold.plan(tmp_path))
    result = validate_files(yaml_files(tmp_path / "journeys"))
    assert [f"{f.path}:{f.line}:{f.col} {f.rule}" for f in result.findings] == []
    ws = result.workspace
    assert (list(ws.phases), list(ws.personas), list(ws.journeys)) == (
        ["lifecycle"],
        ["first_timer"],
        ["welcome"],
    )
    assert (list(ws.touchpoints), list(ws.funnels), list(ws.maps), list(ws.policies)) == (
        ["welcome_email", "product_page"],
        ["first_purchase"],
        ["first_timer_map"],
        ["default"],
    )
    assert ws.journeys["welcome"].holdout_percent == 10.0


def test_write_never_overwrites(tmp_path: Path) -> None:
    planned = scaffold.plan(tmp_path)
    mine = tmp_path / "journeys" / "policy.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("# my own policy\n", encoding="utf-8")
    assert scaffold.existing(planned) == [mine]
    with pytest.raises(FileExistsError):
        scaffold.write(planned)
    assert mine.read_text(encoding="utf-8") == "# my own policy\n"


def test_writing_twice_changes_nothing(tmp_path: Path) -> None:
    planned = scaffold.plan(tmp_path)
    scaffold.write(planned)
    edited = planned[3].path
    edited.write_text("# edited\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        scaffold.write(planned)
    assert edited.read_text(encoding="utf-8") == "# edited\n"
    assert planned[0].path.read_text(encoding="utf-8") == planned[0].text


def test_existing_lists_only_the_planned_files_that_exist(tmp_path: Path) -> None:
    planned = scaffold.plan(tmp_path)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "map.json").write_text("{}", encoding="utf-8")
    (tmp_path / "schemas" / "other.json").write_text("{}", encoding="utf-8")
    (tmp_path / "journeys").mkdir()  # a directory of that name is not a planned file
    assert scaffold.existing(planned) == [tmp_path / "schemas" / "map.json"]
