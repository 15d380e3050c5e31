"""Writing a rendered file atomically: beside the target, then renamed into place, so a
reader sees the old file or the whole new one, and no temporary file stays behind."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cjo_cli.errors import OutputError
from cjo_cli.output.files import write_text_atomically


@pytest.mark.parametrize(
    "text",
    ["<html></html>\n", "", "日本語のレポート\n", "a\nb\n" * 50_000],
)
def test_writes_the_text_and_leaves_nothing_else(tmp_path: Path, text: str) -> None:
    target = tmp_path / "report.html"
    write_text_atomically(target, text)
    assert target.read_bytes() == text.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    write_text_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_reader_sees_the_old_file_until_the_whole_new_one_is_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    new = "new " * 10_000
    seen: list[tuple[str, str, str]] = []
    real_replace = os.replace

    def replace(source: Path, destination: Path) -> None:
        seen.append(
            (
                Path(source).name,
                Path(source).read_text(encoding="utf-8"),
                Path(destination).read_text(encoding="utf-8"),
            )
        )
        assert Path(source).parent == target.parent  # beside it: the rename is atomic
        real_replace(source, destination)

    monkeypatch.setattr("cjo_cli.output.files.os.replace", replace)
    write_text_atomically(target, new)
    assert seen == [(f".report.html.building-{os.getpid()}", new, "old")]
    assert target.read_text(encoding="utf-8") == new


def test_a_failed_rename_keeps_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def replace(source: Path, destination: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("cjo_cli.output.files.os.replace", replace)
    with pytest.raises(OutputError) as caught:
        write_text_atomically(target, "new")
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_failed_rename_of_a_new_file_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def replace(source: Path, destination: Path) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("cjo_cli.output.files.os.replace", replace)
    with pytest.raises(OutputError) as caught:
        write_text_atomically(tmp_path / "report.html", "new")
    assert str(caught.value) == f"cannot write {tmp_path / 'report.html'}: Permission denied"
    assert list(tmp_path.iterdir()) == []


def test_text_that_cannot_be_encoded_leaves_no_half_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomically(target, "a" * 100_000 + "\ud800")  # a lone surrogate
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_missing_directory_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.html"
    with pytest.raises(OutputError) as caught:
        write_text_atomically(target, "x")
    assert str(caught.value) == f"cannot write {target}: No such file or directory"
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_writing_keeps_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    real_write = Path.write_text

    def write_text(self: Path, text: str, encoding: str | None = None) -> int:
        real_write(self, text[:10], encoding=encoding)  # half of it got to the disk
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(OutputError, match="No space left on device"):
        write_text_atomically(target, "new " * 1000)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    """`--html /dev/stdout`: a device or a pipe has no directory entry to rename over;
    renaming would replace the device itself (as root, it replaced /dev/null)."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    # The reading end open first (without blocking), so that writing does not wait for it;
    # the text fits in the pipe's buffer.
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_text_atomically(pipe, "<html>日本</html>")
        got = os.read(reader, 1000)
    finally:
        os.close(reader)
    assert got == "<html>日本</html>".encode()
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod needs root")
def test_a_full_device_is_an_output_error_and_stays_a_device(tmp_path: Path) -> None:
    full = tmp_path / "full"  # a /dev/full of our own: the real one must not be at risk
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    with pytest.raises(OutputError) as caught:
        write_text_atomically(full, "x" * 100_000)
    assert str(caught.value) == f"cannot write {full}: No space left on device"
    assert stat.S_ISCHR(full.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["full"]


def dead_pid() -> int:
    """The PID of a process that has ended (reused only after the PIDs wrap round)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_write_removes_the_temporary_file_of_a_killed_run(tmp_path: Path) -> None:
    gone = dead_pid()
    left = {
        f".report.html.building-{gone}": True,  # a run killed with -9: removed
        ".report.html.building-1": False,  # a live process (init): never touched
        f".other.html.building-{gone}": False,  # another output's: not ours to judge
        f".report.html.building-{gone}x": False,  # not our naming
    }
    for name in left:
        (tmp_path / name).write_text("half", encoding="utf-8")
    write_text_atomically(tmp_path / "report.html", "new")
    kept = {name for name, stale in left.items() if not stale}
    assert {p.name for p in tmp_path.iterdir()} == kept | {"report.html"}
