"""`cjo init` never writes through a symbolic link, and every directory it cannot write
is exit 2 with the path and the reason (a dangling link used to be exit 3)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cjo_cli import scaffold
from cjo_cli.cli import init_cmd
from cjo_cli.errors import OutputError, UsageError
from tests.conftest import RunCjo


def linked(name: str) -> Callable[[Path, Path], str]:
    """`target/name` is a link to a directory elsewhere."""

    def make(target: Path, elsewhere: Path) -> str:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).symlink_to(elsewhere)
        return name

    return make


# what to set up in the current directory (it returns the path the error must name)
CASES: dict[str, Callable[[Path, Path], str]] = {
    "journeys_linked": linked("journeys"),  # the default workspace is not the user's choice
    "github_linked": linked(".github"),
    "workflows_linked": linked(".github/workflows"),
    "schemas_linked": linked("journeys/schemas"),
    "maps_linked": linked("journeys/maps"),
}


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current directory, in a directory that no git repository holds."""
    if scaffold.repository_root(tmp_path) is not None:
        pytest.skip(f"{tmp_path} is inside a git repository")
    (tmp_path / "target").mkdir()
    monkeypatch.chdir(tmp_path / "target")
    return tmp_path / "target"


@pytest.mark.parametrize("name", sorted(CASES))
def test_init_refuses_to_write_through_a_link(name: str, here: Path) -> None:
    elsewhere = here.parent / "elsewhere"
    elsewhere.mkdir()
    shown = CASES[name](here, elsewhere)
    before = sorted(here.parent.rglob("*"))
    with pytest.raises(UsageError) as raised:
        init_cmd.init(None)
    message = str(raised.value)
    assert message.startswith(f"{shown}: a symbolic link"), message
    assert "nothing was written" in message
    assert sorted(here.parent.rglob("*")) == before
    assert not any(elsewhere.iterdir())


def test_a_planned_file_that_is_a_dangling_link_is_left_alone(here: Path) -> None:
    (here / ".pre-commit-config.yaml").symlink_to(here.parent / "missing.yaml")
    init_cmd.init(None)
    assert (here / ".pre-commit-config.yaml").is_symlink()
    assert not (here.parent / "missing.yaml").exists()
    assert (here / "journeys" / "policy.yaml").is_file()


def maps_linked_to_its_parent(target: Path) -> None:
    target.mkdir()
    (target / "maps").symlink_to(target.parent)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.symlink_to("nowhere"), "a symbolic link to nowhere, which does not exist"),
        (lambda p: p.write_text("x"), "not a directory"),
        (maps_linked_to_its_parent, "target/maps: a symbolic link"),
    ],
    ids=["dangling_link", "a_file", "a_link_in_it"],
)
def test_init_errors_are_exit_2_with_the_path(
    make: Callable[[Path], object], reason: str, run_cjo: RunCjo, tmp_path: Path
) -> None:
    make(tmp_path / "target")
    result = run_cjo("init", "target", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("cjo: error: target") and reason in line, line


def test_init_into_a_directory_given_as_a_link_is_allowed(here: Path) -> None:
    # The directory itself is the user's choice; only what cjo creates below it is checked.
    (here / "real").mkdir()
    (here / "ws").symlink_to("real")
    init_cmd.init(Path("ws"))
    assert (here / "real" / "policy.yaml").is_file()


def test_a_directory_that_cannot_be_written_is_an_output_error(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(OutputError) as raised:
        init_cmd.init(None)
    assert str(raised.value) == "cannot write journeys: Permission denied"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_init_into_a_read_only_directory(run_cjo: RunCjo, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir(mode=0o555)
    result = run_cjo("init", "target", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "cjo: error: cannot write target/phases.yaml: Permission denied"
    )
