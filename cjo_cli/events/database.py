"""The DuckDB database a command works in: explicit settings, and `--db` written atomically.

Every setting that changes results or resource use is set explicitly, so a run
does not depend on the machine's defaults: TimeZone UTC, threads, memory_limit,
and a spill directory under the output location (never the current directory).
A `--db FILE` is built under a temporary name beside it and renamed into place
only when the command succeeds: a failed or interrupted run leaves no half-written
file, and an earlier file at that path as it was. A run killed before it could
clean up (kill -9) leaves its temporary files; the next run in that directory
removes them once their process is gone.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

if sys.platform != "win32":  # POSIX file locks: see `_gone`
    import fcntl

from cjo_cli.errors import OutputError, UsageError, cannot_write
from cjo_cli.events.tables import prepare
from cjo_cli.processes import pid_alive

Connection = duckdb.DuckDBPyConnection
"""What the commands hold while they work (the CLI names DuckDB only through this)."""

_SPILL = ".cjo-spill-"
_SPILL_NAME = re.compile(rf"{re.escape(_SPILL)}(\d+)-.+")
"""A spill directory is named for its process, so that a later run can tell whether
the process is gone and the directory stale."""
_OWNER = "owner.lock"
"""In a spill directory: locked by its process while it lives."""
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Settings:
    threads: int | None = None
    """Worker threads (default: DuckDB's, the number of cores)."""
    memory_limit: str | None = None
    """E.g. "4GB": DuckDB's memory for query processing (its buffer manager), past which
    it spills to the temp directory. Not the process's memory: Python's side of the
    replay and DuckDB's own overheads come on top."""


def check_memory_limit(text: str) -> str:
    if not _MEMORY.match(text):
        raise UsageError(f"bad memory limit {text!r}: use a size such as 512MB or 4GB")
    return text.strip()


def _configure(con: duckdb.DuckDBPyConnection, settings: Settings, spill: Path) -> None:
    prepare(con)
    con.execute("SET temp_directory = ?", [str(spill)])
    if settings.threads is not None:
        con.execute("SET threads = ?", [settings.threads])
    if settings.memory_limit is not None:
        con.execute("SET memory_limit = ?", [check_memory_limit(settings.memory_limit)])


@contextmanager
def open_database(
    output: Path | None = None, settings: Settings = Settings()
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A configured connection; with `output`, the file appears only if the block succeeds.
    Creating or committing it fails with OutputError (exit 2): the path and the reason."""
    base = output.resolve().parent if output is not None else Path(tempfile.gettempdir())
    if output is not None:
        _check_output(output, base)
    remove_stale(base, output.name if output is not None else None)
    with _spill_directory(base, output) as spill:
        if output is None:
            with duckdb.connect(":memory:") as con:
                _configure(con, settings, spill)
                yield con
            return
        building = base / f".{output.name}.building-{os.getpid()}"
        _remove(building)
        try:
            with _writing(output):
                con = duckdb.connect(str(building))
            try:
                _configure(con, settings, spill)
                yield con
                with _writing(output):
                    con.execute("CHECKPOINT")
            finally:
                con.close()
            with _writing(output):
                os.replace(building, output)
        finally:
            _remove(building)  # gone already when renamed into place


@contextmanager
def _spill_directory(base: Path, output: Path | None) -> Iterator[Path]:
    """A new directory in `base` for DuckDB to spill to, named for this process and
    locked while it lives (see `_gone`); removed afterwards."""
    with _writing(output or base):
        spill = Path(tempfile.mkdtemp(prefix=f"{_SPILL}{os.getpid()}-", dir=base))
    try:
        with _writing(output or base):
            owner = os.open(spill / _OWNER, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform != "win32":
                with suppress(OSError):  # no locks here (some network file systems): the PID says
                    fcntl.lockf(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
            yield spill
        finally:
            os.close(owner)
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _check_output(output: Path, base: Path) -> None:
    """What no run could write, refused before the work."""
    if not base.is_dir():
        raise OutputError(f"{output}: directory {base} does not exist")
    if output.is_dir():
        raise OutputError(f"{output}: is a directory; give a file name")
    if output.exists() and not output.is_file():
        # Renaming over a device would replace it (as root, /dev/null itself).
        raise OutputError(f"{output}: not a regular file (a device or a pipe); give a file name")


@contextmanager
def _writing(path: Path | None) -> Iterator[None]:
    """An OSError or DuckDB IO error while writing `path`: the path and the reason."""
    try:
        yield
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    except duckdb.IOException as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc


def remove_stale(directory: Path, name: str | None) -> None:
    """Remove what runs killed before they could clean up (kill -9, a power cut) left in
    `directory`: `.NAME.building-PID` databases with their .wal, and `.cjo-spill-PID-*`
    directories, once their process is gone. Files of a live process are never touched."""
    building = re.compile(rf"\.{re.escape(name)}\.building-(\d+)(\.wal)?") if name else None
    try:
        entries = list(directory.iterdir())
    except OSError:
        return  # best effort: writing there says what is wrong
    for entry in entries:
        with suppress(OSError):
            spill = _SPILL_NAME.fullmatch(entry.name)
            if spill is not None and entry.is_dir() and not entry.is_symlink():
                if _gone(int(spill[1]), entry / _OWNER):
                    shutil.rmtree(entry)
                continue
            built = building.fullmatch(entry.name) if building is not None else None
            if built is None or entry.is_symlink() or not entry.is_file():
                continue
            if _gone(int(built[1]), entry):
                entry.unlink()


def _gone(pid: int, lock: Path) -> bool:
    """Whether the process that left a file is gone: no process with its PID runs here,
    and none holds the file's lock (DuckDB locks its database and .wal; a spill directory
    has its owner's lock file). The lock tells about a process in another container or on
    another host sharing the directory, whose PID means nothing here."""
    if sys.platform == "win32":
        return False  # os.kill(pid, 0) would send it a Ctrl-C: leave the files be
    if pid_alive(pid):
        return False
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return True  # nothing to lock: the PID says
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held, or locks not supported here: cannot tell
    finally:
        os.close(fd)  # which also lets go of the lock just taken
    return True

    return True


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        with suppress(OSError):  # never hide the error that got us here
            candidate.unlink(missing_ok=True)
