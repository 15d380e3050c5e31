"""`cjo init` never writes through a symbolic link, and every directory it cannot write
is exit 2 with the path and the reason (a dangling link used to be exit 3)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

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


def dangling_file(target: Path, elsewhere: Path) -> str:
    (target / ".pre-commit-config.yaml").symlink_to(elsewhere / "missing.yaml")
    return ".pre-commit-config.yaml"


# what to set up in the target directory (it returns the path the error must name), and
# what the error must say about it
CASES: dict[str, tuple[Callable[[Path, Path], str], str]] = {
    "journeys_linked": (linked("journeys"), "a symbolic link"),
    "github_linked": (linked(".github"), "a symbolic link"),
    "workflows_linked": (linked(".github/workflows"), "a symbolic link"),
    "schemas_linked": (linked("schemas"), "a symbolic link"),
    "maps_linked": (linked("journeys/maps"), "a symbolic link"),
    "a_planned_file_is_a_dangling_link": (dangling_file, "exist already"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_init_refuses_to_write_through_a_link(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, reason = CASES[name]
    target, elsewhere = tmp_path / "target", tmp_path / "elsewhere"
    target.mkdir()
    elsewhere.mkdir()
    shown = make(target, elsewhere)
    before = sorted(tmp_path.rglob("*"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as raised:
        init_cmd.init(Path("target"))
    message = str(raised.value)
    assert f"target/{shown}" in message and reason in message, message
    assert "nothing was written" in message
    assert sorted(tmp_path.rglob("*")) == before
    assert not any(elsewhere.iterdir())


def journeys_linked_to_its_parent(target: Path) -> None:
    target.mkdir()
    (target / "journeys").symlink_to(target.parent)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.symlink_to("nowhere"), "a symbolic link to nowhere, which does not exist"),
        (lambda p: p.write_text("x"), "not a directory"),
        (journeys_linked_to_its_parent, "target/journeys: a symbolic link"),
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


def test_init_into_a_directory_given_as_a_link_is_allowed(tmp_path: Path) -> None:
    # The directory itself is the user's choice; only what cjo creates below it is checked.
    (tmp_path / "real").mkdir()
    (tmp_path / "target").symlink_to("real")
    init_cmd.init(tmp_path / "target")
    assert (tmp_path / "real" / "journeys" / "policy.yaml").is_file()


def test_a_directory_that_cannot_be_written_is_an_output_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(OutputError) as raised:
        init_cmd.init(tmp_path)
    assert str(raised.value) == f"cannot write {tmp_path / 'journeys'}: Permission denied"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_init_into_a_read_only_directory(run_cjo: RunCjo, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir(mode=0o555)
    result = run_cjo("init", "target", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "cjo: error: cannot write target/journeys: Permission denied"
