"""The working database: explicit settings, atomic --db files, loud failure on garbage logs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cjo_cli.errors import InputError, UsageError
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


def test_missing_output_directory_is_an_input_error(tmp_path: Path) -> None:
    with (
        pytest.raises(InputError, match="does not exist"),
        open_database(tmp_path / "nope" / "out.duckdb"),
    ):
        pass


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
