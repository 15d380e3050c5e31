"""`cjo init`'s files: what `plan` lays out and where, what `write` puts on disk, and that
nothing that exists is ever overwritten."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from cjo_cli import DISTRIBUTION, scaffold
from cjo_cli.spec.schema_check import KINDS, schema_text
from cjo_cli.spec.workspace import validate_files, yaml_files

SCHEMA_LINE = re.compile(r"# yaml-language-server: \$schema=(\S+)\n")

DOCUMENTS = [
    "phases.yaml",
    "touchpoints.yaml",
    "personas.yaml",
    "orchestration/welcome.yaml",
    "funnels.yaml",
    "maps/first_timer.yaml",
    "policy.yaml",
    "tests/welcome.yaml",
]
SCHEMAS = [f"schemas/{kind}.json" for kind in KINDS]
CI = [".pre-commit-config.yaml", ".github/workflows/journeys.yml"]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current directory that no git repository holds."""
    if scaffold.repository_root(tmp_path) is not None:
        pytest.skip(f"{tmp_path} is inside a git repository")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def planned_in(here: Path, workspace: str = "journeys") -> list[scaffold.Planned]:
    return scaffold.plan(scaffold.layout(Path(workspace)))


def names(planned: list[scaffold.Planned]) -> list[str]:
    return [p.path.as_posix() for p in planned]


def test_plan_lists_every_file_in_order(here: Path) -> None:
    planned = planned_in(here)
    expected = [f"journeys/{name}" for name in [*DOCUMENTS, ".cjo-workspace", *SCHEMAS]]
    assert names(planned) == [*expected, *CI]
    assert [p.role for p in planned[-2:]] == ["ci", "ci"]
    assert not any(here.iterdir())  # planning writes nothing


def test_every_kind_has_one_document() -> None:
    assert sorted(kind for kind, _ in scaffold.DOCUMENTS.values()) == sorted(KINDS)


def test_no_folder_inside_the_workspace_is_named_like_one() -> None:
    # `cjo validate journeys/journeys/x.yaml` would take the inner folder for the
    # workspace, and pre-commit passes single files.
    for name in scaffold.DOCUMENTS:
        assert "journeys" not in Path(name).parts[:-1], name


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("phases.yaml", "schemas/phases.json"),
        ("touchpoints.yaml", "schemas/touchpoint.json"),
        ("orchestration/welcome.yaml", "../schemas/journey.json"),
        ("maps/first_timer.yaml", "../schemas/map.json"),
    ],
)
def test_schema_lines_are_relative_to_each_file(here: Path, name: str, schema: str) -> None:
    by_name = {p.path.as_posix(): p.text for p in planned_in(here)}
    first = by_name[f"journeys/{name}"].splitlines(keepends=True)[0]
    assert first == f"# yaml-language-server: $schema={schema}\n"


def test_write_into_an_empty_directory(here: Path) -> None:
    planned = planned_in(here, "shop")
    assert scaffold.existing(planned) == []
    scaffold.write(planned)
    written = sorted(p.relative_to(here).as_posix() for p in here.rglob("*") if p.is_file())
    workspace = [f"shop/{name}" for name in [*DOCUMENTS, ".cjo-workspace", *SCHEMAS]]
    assert written == sorted([*workspace, *CI])
    for planned_file in planned:
        assert planned_file.path.read_text(encoding="utf-8") == planned_file.text
    assert scaffold.existing(planned) == [p.path for p in planned]


def test_written_schema_lines_point_at_the_written_schemas(here: Path) -> None:
    scaffold.write(planned_in(here))
    for kind in KINDS:
        assert (here / "journeys" / "schemas" / f"{kind}.json").read_text(encoding="utf-8") == (
            schema_text(kind)
        )
    for name, (kind, _) in scaffold.DOCUMENTS.items():
        path = here / "journeys" / name
        match = SCHEMA_LINE.match(path.read_text(encoding="utf-8"))
        assert match is not None
        schema = json.loads((path.parent / match.group(1)).read_text(encoding="utf-8"))
        assert schema["properties"]["kind"]["const"] == kind


def test_the_written_workspace_validates_clean_with_one_of_each_kind(here: Path) -> None:
    scaffold.write(planned_in(here))
    result = validate_files(yaml_files(here / "journeys"))
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


def test_write_never_overwrites(here: Path) -> None:
    planned = planned_in(here)
    mine = here / "journeys" / "policy.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("# my own policy\n", encoding="utf-8")
    assert scaffold.existing(planned) == [Path("journeys/policy.yaml")]
    with pytest.raises(FileExistsError):
        scaffold.write(planned)
    assert mine.read_text(encoding="utf-8") == "# my own policy\n"


def test_existing_lists_only_the_planned_files_that_exist(here: Path) -> None:
    planned = planned_in(here)
    (here / "journeys" / "schemas").mkdir(parents=True)
    (here / "journeys" / "schemas" / "map.json").write_text("{}", encoding="utf-8")
    (here / "journeys" / "schemas" / "other.json").write_text("{}", encoding="utf-8")
    (here / "journeys" / "maps").mkdir()  # a directory of that name is not a planned file
    assert scaffold.existing(planned) == [Path("journeys/schemas/map.json")]


# ---- where the CI files go ---------------------------------------------------------


@pytest.mark.parametrize("git", ["directory", "file"])
def test_the_repository_root_is_the_nearest_git_upwards(here: Path, git: str) -> None:
    (here / "repo" / "a").mkdir(parents=True)
    if git == "directory":
        (here / "repo" / ".git").mkdir()
    else:  # a worktree or a submodule
        (here / "repo" / ".git").write_text("gitdir: ../.git/worktrees/repo\n", encoding="utf-8")
    assert scaffold.repository_root(here / "repo" / "a" / "not-yet" / "journeys") == here / "repo"
    assert scaffold.repository_root(here / "repo") == here / "repo"
    assert scaffold.repository_root(here / "elsewhere") is None


def test_in_a_repository_the_ci_files_go_to_its_top(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (here / ".git").mkdir()
    (here / "services" / "shop").mkdir(parents=True)
    monkeypatch.chdir(here / "services" / "shop")
    where = scaffold.layout(Path("journeys"))
    assert where == scaffold.Layout(Path("journeys"), Path("../.."), True, "services/shop/journeys")
    assert names(scaffold.plan(where))[-2:] == [f"../../{name}" for name in CI]


@pytest.mark.parametrize(
    ("workspace", "root", "inside"),
    [
        ("journeys", ".", "journeys"),  # the default: here
        ("cx/journeys", ".", "cx/journeys"),  # below here: here is the project
        (".", "..", None),  # the current directory itself: beside it
        ("../other/ws", "../other", "ws"),  # elsewhere: beside it
    ],
)
def test_outside_a_repository(here: Path, workspace: str, root: str, inside: str | None) -> None:
    where = scaffold.layout(Path(workspace))
    assert (where.root, where.repository) == (Path(root), False)
    assert where.inside == (inside if inside is not None else here.name)


def test_an_absolute_workspace_gets_an_absolute_root(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert scaffold.layout(here / "a" / "ws").root == here  # below the current directory
    (here / "b").mkdir()
    monkeypatch.chdir(here / "b")
    where = scaffold.layout(here / "a" / "ws")
    assert (where.root, where.inside) == (here / "a", "ws")


def ci_files(where: scaffold.Layout) -> tuple[dict[str, str], list[str]]:
    yaml = YAML(typ="safe")
    hook, test_hook = yaml.load(scaffold.pre_commit_config(where))["repos"][0]["hooks"]
    assert test_hook["id"] == "cjo-test"
    steps = yaml.load(scaffold.workflow(where))["jobs"]["validate"]["steps"]
    return hook, [step["run"] for step in steps if "run" in step]


def test_the_ci_files_name_the_workspace_from_the_root(here: Path) -> None:
    where = scaffold.Layout(Path("ws"), Path("."), True, "services/my shop/journeys")
    hook, runs = ci_files(where)
    assert runs == [
        f"pip install {DISTRIBUTION}",
        "cjo validate 'services/my shop/journeys/'",
        "cjo test 'services/my shop/journeys/'",
    ]
    assert shlex.split(runs[1]) == ["cjo", "validate", "services/my shop/journeys/"]
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for path in ("services/my shop/journeys/a.yaml", "services/my shop/journeys/maps/b.yml"):
        assert files.search(path) and not exclude.search(path), path
    for path in ("services/my shop/a.yaml", "journeys/a.yaml", "services/my shop/journeys/a.md"):
        assert not files.search(path), path
    hidden = "services/my shop/journeys/.hidden/a.yaml"
    assert files.search(hidden) and exclude.search(hidden)


def test_a_workspace_at_the_root_leaves_the_ci_files_out(here: Path) -> None:
    hook, runs = ci_files(scaffold.Layout(Path("."), Path("."), True, "."))
    assert runs[1] == "cjo validate ."
    for path in (".pre-commit-config.yaml", ".github/workflows/journeys.yml"):
        assert re.search(hook["files"], path) and re.search(hook["exclude"], path), path
    assert re.search(hook["files"], "maps/a.yaml") and not re.search(hook["exclude"], "maps/a.yaml")


# ---- what is written and what is left ------------------------------------------------


def test_sort_out_leaves_existing_files_and_a_workspace_that_is_there(here: Path) -> None:
    where = scaffold.layout(Path("journeys"))
    planned = scaffold.plan(where)
    fresh = scaffold.sort_out(where, planned)
    assert (fresh.write, fresh.existing, fresh.documents_left) == (planned, [], False)
    (here / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    (here / "journeys" / "mine").mkdir(parents=True)
    (here / "journeys" / "mine" / "cart.yml").write_text("kind: journey\n", encoding="utf-8")
    taken = scaffold.sort_out(where, planned)
    assert taken.documents_left
    assert taken.existing == [Path(".pre-commit-config.yaml")]
    assert [p.role for p in taken.write] == ["workspace", *["schema"] * len(KINDS), "ci"]


def test_holds_yaml_looks_as_validate_does(here: Path) -> None:
    assert not scaffold.holds_yaml(here / "missing")
    (here / ".cache").mkdir()
    (here / ".cache" / "config.yaml").write_text("x", encoding="utf-8")
    (here / ".hidden.yaml").write_text("x", encoding="utf-8")
    (here / "notes.md").write_text("x", encoding="utf-8")
    assert not scaffold.holds_yaml(here)
    (here / "deep" / "er").mkdir(parents=True)
    (here / "deep" / "er" / "x.yaml").symlink_to(here / "missing.yaml")  # a name is enough
    assert scaffold.holds_yaml(here)
