"""The working database: explicit settings, atomic --db files, loud failure on garbage logs."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from cjo_cli.errors import OutputError, Stopped, UsageError
from cjo_cli.events.database import Settings, check_memory_limit, open_database
from cjo_cli.events.formats import with_formats
from cjo_cli.events.load import load_events
from cjo_cli.events.reject_limit import RejectLimit, check_rejects
from cjo_cli.events.tables import EventLogError, FileSummary, LoadSummary

LOG = '{"customer_id": "c1", "event": "e", "ts": "2026-01-01T00:00:00"}\n'


def test_settings_are_explicit(tmp_path: Path) -> None:
    with open_database(None, Settings(threads=1, memory_limit="256MB")) as con:
        ((zone, threads, memory, spill),) = con.execute(
            "SELECT current_setting('TimeZone'), current_setting('threads'), "
            "current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchall()
    assert zone == "UTC"
    assert int(threads) == 1
    assert memory.startswith("244") or memory.startswith("256")
    assert ".cjo-spill-" in spill
    assert not Path(spill).exists()  # cleaned up afterwards


def test_db_file_appears_only_when_the_run_succeeds(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(LOG, encoding="utf-8")
    out = tmp_path / "out.duckdb"
    with pytest.raises(RuntimeError), open_database(out) as con:
        load_events(con, with_formats([log]))
        raise RuntimeError("interrupted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.jsonl"]
    with open_database(out) as con:
        load_events(con, with_formats([log]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.jsonl", "out.duckdb"]
    with duckdb.connect(str(out), read_only=True) as check:
        assert check.execute("SELECT count(*) FROM events").fetchall() == [(1,)]
        assert check.execute("SELECT count(*) FROM rejects").fetchall() == [(0,)]


def test_spill_directory_is_under_the_output_location(tmp_path: Path) -> None:
    out = tmp_path / "out.duckdb"
    with open_database(out) as con:
        ((spill,),) = con.execute("SELECT current_setting('temp_directory')").fetchall()
    assert Path(spill).parent == tmp_path


def test_missing_output_directory_is_an_output_error(tmp_path: Path) -> None:
    with (
        pytest.raises(OutputError, match="does not exist"),
        open_database(tmp_path / "nope" / "out.duckdb"),
    ):
        pass


def test_a_directory_or_a_pipe_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "out.duckdb").mkdir()
    with pytest.raises(OutputError, match="is a directory"), open_database(tmp_path / "out.duckdb"):
        pass
    os.mkfifo(tmp_path / "pipe")
    # Renaming over it would replace it: as root, `--db /dev/null` replaced /dev/null.
    with pytest.raises(OutputError, match="not a regular file"), open_database(tmp_path / "pipe"):
        pass
    assert (tmp_path / "out.duckdb").is_dir()
    assert stat.S_ISFIFO((tmp_path / "pipe").stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.duckdb", "pipe"]


def test_an_interrupted_run_keeps_the_earlier_file_and_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out.duckdb"
    out.write_bytes(b"earlier")
    with pytest.raises(Stopped), open_database(out) as con:
        con.execute("CREATE TABLE t AS SELECT range AS x FROM range(100000)")
        raise Stopped(signal.SIGTERM)  # what the signal handler raises
    assert out.read_bytes() == b"earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["out.duckdb"]


def test_the_spill_directory_is_named_for_its_process(tmp_path: Path) -> None:
    with open_database(tmp_path / "out.duckdb") as con:
        ((spill,),) = con.execute("SELECT current_setting('temp_directory')").fetchall()
    assert Path(spill).name.startswith(f".cjo-spill-{os.getpid()}-")


def dead_pid() -> int:
    """The PID of a process that has ended (reused only after the PIDs wrap round)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_run_removes_what_killed_runs_left(tmp_path: Path) -> None:
    gone = dead_pid()
    files = {
        f".out.duckdb.building-{gone}": True,  # a run killed with -9: removed
        f".out.duckdb.building-{gone}.wal": True,
        ".out.duckdb.building-1": False,  # a live process's (init's): never touched
        ".out.duckdb.building-1.wal": False,
        f".other.duckdb.building-{gone}": False,  # another output's: left to its own runs
        f".out.duckdb.building-{gone}.bak": False,  # not our naming
    }
    spills = {
        f".cjo-spill-{gone}-abc123": True,
        ".cjo-spill-1-abc123": False,
        ".cjo-spill-k2j4h5g6": False,  # an older cjo's, without its PID: whose, we cannot tell
    }
    for name in files:
        (tmp_path / name).write_bytes(b"half")
    for name in spills:
        (tmp_path / name).mkdir()
        (tmp_path / name / "duckdb_temp_block-1.block").write_bytes(b"spilled")
    with open_database(tmp_path / "out.duckdb"):
        pass
    kept = {name for name, stale in {**files, **spills}.items() if not stale}
    assert {p.name for p in tmp_path.iterdir()} == kept | {"out.duckdb"}


HOLD = """
import duckdb, fcntl, os, sys
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE t AS SELECT 1 AS x")
owner = os.open(sys.argv[2], os.O_RDWR | os.O_CREAT)
fcntl.lockf(owner, fcntl.LOCK_EX)
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX locks")
def test_files_a_live_process_holds_are_kept_whatever_their_pid_says(tmp_path: Path) -> None:
    """A process in another container (or on another host) sharing the directory: its PID
    means nothing here, but it holds its database's lock and its spill directory's."""
    gone = dead_pid()
    building = tmp_path / f".out.duckdb.building-{gone}"
    spill = tmp_path / f".cjo-spill-{gone}-abc123"
    spill.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(building), str(spill / "owner.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        held = {p.name for p in tmp_path.iterdir()}
        with open_database(tmp_path / "out.duckdb"):
            pass
        assert {p.name for p in tmp_path.iterdir()} == held | {"out.duckdb"}
    finally:
        holder.communicate("", timeout=30)
    # once it has ended, the next run removes them
    with open_database(tmp_path / "out.duckdb"):
        pass
    assert [p.name for p in tmp_path.iterdir()] == ["out.duckdb"]


def test_without_an_output_the_system_temp_directory_is_cleaned_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = dead_pid()
    (tmp_path / f".cjo-spill-{gone}-x").mkdir()
    (tmp_path / f".x.building-{gone}").write_bytes(b"")  # no output: no name to clean
    with open_database(None):
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cjo-spill-")] != []
    assert [p.name for p in tmp_path.iterdir()] == [f".x.building-{gone}"]


@pytest.mark.parametrize(
    "fail",
    [
        "spill",  # a read-only directory: nothing can be created there
        "connect",  # DuckDB cannot create its file (a read-only file system)
        "rename",  # the disk is full
    ],
)
def test_an_output_that_cannot_be_written_is_an_output_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str
) -> None:
    out = tmp_path / "out.duckdb"
    out.write_bytes(b"earlier")
    if fail == "spill":
        monkeypatch.setattr(
            tempfile, "mkdtemp", raising_function(PermissionError(13, "Permission denied"))
        )
    elif fail == "connect":
        error = duckdb.IOException('IO Error: Cannot open file "x": Read-only file system')
        monkeypatch.setattr(duckdb, "connect", raising_function(error))
    elif fail == "rename":
        monkeypatch.setattr(os, "replace", raising_function(OSError(28, "No space left on device")))
    with pytest.raises(OutputError) as caught, open_database(out):
        pass
    assert str(caught.value).startswith(f"cannot write {out}: ")
    assert out.read_bytes() == b"earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["out.duckdb"]


def raising_function(error: BaseException) -> Callable[..., object]:
    def fail(*args: object, **kwargs: object) -> object:
        raise error

    return fail


@pytest.mark.parametrize("bad", ["lots", "4 gigs", "-1GB", ""])
def test_bad_memory_limits(bad: str) -> None:
    with pytest.raises(UsageError):
        check_memory_limit(bad)


def summary(read: int, rejected: int) -> LoadSummary:
    return LoadSummary((FileSummary("f", "jsonl", read, rejected),))


@pytest.mark.parametrize(
    ("read", "rejected", "limit", "fails"),
    [
        (99, 1, "1%", False),
        (98, 2, "1%", True),
        (0, 5, "5", False),
        (0, 6, "5", True),
        (10, 0, "0", False),
        (10, 1, "0", True),
    ],
)
def test_max_rejects(read: int, rejected: int, limit: str, fails: bool) -> None:
    if fails:
        with pytest.raises(EventLogError, match=f"limit of {limit}"):
            check_rejects(summary(read, rejected), RejectLimit.parse(limit))
    else:
        check_rejects(summary(read, rejected), RejectLimit.parse(limit))


@pytest.mark.parametrize("bad", ["many", "-1", "150%", "nan%", ""])
def test_bad_reject_limits_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        RejectLimit.parse(bad)
