"""What `load_file` opens: regular files only, and never more than one byte past the size
limit, whatever size the file claims. A FIFO used to block the run forever and a link to
/dev/zero read on past --max-bytes (1.3 GB in a second)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from cjo_cli.spec.yaml_loader import Limits, LoadedFile, load_file


def load_within(path: Path, limits: Limits, seconds: float = 10) -> LoadedFile:
    """load_file, failing (not hanging) when it does not return in time."""
    result: list[LoadedFile] = []
    worker = threading.Thread(target=lambda: result.append(load_file(path, "x.yaml", limits)))
    worker.daemon = True
    worker.start()
    worker.join(seconds)
    if worker.is_alive() and path.is_fifo():
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # lets a blocked open return
    assert result, "load_file did not return"
    return result[0]


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def unix_socket(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()  # the socket file stays
    return path


def link_to(target: str) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / "link.yaml"
        path.symlink_to(target)
        return path

    return make


SPECIAL: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fifo": (fifo, "a named pipe (FIFO)"),
    "socket": (unix_socket, "a socket"),
    "link_to_dev_null": (link_to("/dev/null"), "a character device"),
    # /dev/zero is in tests/cli/test_validate_special_files.py: in a process whose memory is
    # capped, for when the code that reads it on and on comes back.
}


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_files_are_refused_unopened(name: str, tmp_path: Path) -> None:
    make, kind = SPECIAL[name]
    path = make(tmp_path)
    loaded = load_within(path, Limits(max_bytes=1_000))
    [finding] = loaded.findings
    assert (finding.path, finding.rule, finding.line, finding.col) == (
        "x.yaml",
        "special-file",
        1,
        1,
    )
    assert kind in finding.message
    assert not loaded.unreadable


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="needs Linux /proc")
def test_the_limit_counts_bytes_read_not_the_size_claimed() -> None:
    # /proc files say they are 0 bytes long.
    assert Path("/proc/self/maps").stat().st_size == 0
    [finding] = load_within(Path("/proc/self/maps"), Limits(max_bytes=100)).findings
    assert finding.rule == "file-too-large"
    assert "100-byte limit" in finding.message


@pytest.mark.parametrize(("size", "rule"), [(100, None), (101, "file-too-large")])
def test_the_limit_is_inclusive(size: int, rule: str | None, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: " + b"x" * (size - 4) + b"\n")
    findings = load_file(path, "x.yaml", Limits(max_bytes=100)).findings
    assert [f.rule for f in findings] == ([rule] if rule else [])


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    loaded = load_file(tmp_path / "gone.yaml", "gone.yaml")
    assert loaded.unreadable
    assert [f.rule for f in loaded.findings] == ["unreadable"]
