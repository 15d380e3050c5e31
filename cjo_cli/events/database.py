"""The DuckDB database a command works in: explicit settings, and `--db` written atomically.

Every setting that changes results or resource use is set explicitly, so a run
does not depend on the machine's defaults: TimeZone UTC, threads, memory_limit,
and a spill directory under the output location (never the current directory).
A `--db FILE` is built under a temporary name beside it and renamed into place
only when the command succeeds: an interrupted run leaves no half-written file.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cjo_cli.errors import InputError, UsageError
from cjo_cli.events.tables import prepare

Connection = duckdb.DuckDBPyConnection
"""What the commands hold while they work (the CLI names DuckDB only through this)."""

_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Settings:
    threads: int | None = None
    """Worker threads (default: DuckDB's, the number of cores)."""
    memory_limit: str | None = None
    """E.g. "4GB"; past it DuckDB spills to the temp directory."""


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
    """A configured connection; with `output`, the file appears only if the block succeeds."""
    base = output.resolve().parent if output is not None else Path(tempfile.gettempdir())
    if output is not None and not base.is_dir():
        raise InputError(f"{output}: directory {base} does not exist")
    spill = Path(tempfile.mkdtemp(prefix=".cjo-spill-", dir=base))
    building = base / f".{output.name}.building-{os.getpid()}" if output is not None else None
    try:
        if building is not None:
            _remove(building)
        con = duckdb.connect(str(building) if building is not None else ":memory:")
        try:
            _configure(con, settings, spill)
            yield con
            if building is not None:
                con.execute("CHECKPOINT")
        finally:
            con.close()
        if building is not None and output is not None:
            os.replace(building, output)
            building = None
    finally:
        if building is not None:
            _remove(building)
        shutil.rmtree(spill, ignore_errors=True)


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)
