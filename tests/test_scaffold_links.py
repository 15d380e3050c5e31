"""`scaffold.linked` and `scaffold.existing`: what `cjo init` checks before it writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjo_cli import scaffold


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if scaffold.repository_root(tmp_path) is not None:
        pytest.skip(f"{tmp_path} is inside a git repository")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_linked_names_each_link_on_the_way_once(here: Path) -> None:
    elsewhere = here / "elsewhere"
    (elsewhere / "maps").mkdir(parents=True)
    (here / "journeys").mkdir()
    (here / "journeys" / "maps").symlink_to(elsewhere / "maps")
    (here / "journeys" / "schemas").symlink_to(here / "missing")  # dangling: a link all the same
    (here / ".github").symlink_to(elsewhere)
    where = scaffold.layout(Path("journeys"))
    planned = scaffold.plan(where)
    assert scaffold.linked(planned, Path("journeys"), where.root) == [
        Path(".github"),
        Path("journeys/maps"),
        Path("journeys/schemas"),
    ]


def test_the_default_workspace_itself_is_checked(here: Path) -> None:
    (here / "elsewhere").mkdir()
    (here / "journeys").symlink_to(here / "elsewhere")
    where = scaffold.layout(Path("journeys"))
    planned = scaffold.plan(where)
    assert scaffold.linked(planned, Path("."), where.root) == [Path("journeys")]


def test_linked_leaves_a_named_workspace_to_the_user(here: Path) -> None:
    (here / "real").mkdir()
    (here / "target").symlink_to("real")
    where = scaffold.layout(Path("target"))
    assert scaffold.linked(scaffold.plan(where), Path("target"), where.root) == []


def test_existing_counts_dangling_links(here: Path) -> None:
    (here / ".pre-commit-config.yaml").symlink_to(here / "missing.yaml")
    planned = scaffold.plan(scaffold.layout(Path("journeys")))
    assert scaffold.existing(planned) == [Path(".pre-commit-config.yaml")]
