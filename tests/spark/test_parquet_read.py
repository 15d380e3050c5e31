"""Spark's own read of canonical Parquet gives the log of the embedded engine's in-place
reader (`scan_parquet`) and of the Python reader the other shapes take: the same
events (properties text and all), rejects (file, row, raw, reason) and counts, on
files full of hostile rows; and the same error for a file without a column."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

import cjo_cli.spark.read as spark_read
from cjo_cli.events.formats import with_formats
from cjo_cli.events.load import load_events
from cjo_cli.events.parquet_view import scan_parquet
from cjo_cli.events.tables import EventLogError, MissingColumns, connect
from cjo_cli.spark import parquet_read
from cjo_cli.spark.parquet_read import native_plan, read_native
from cjo_cli.spark.read import read_events
from tests.conftest import REPO, RunCjo
from tests.spark.conftest import cjo_in_session, log_rows, spark_rows

IDS = ["c1", None, "", "   ", " c2", "c3 ", "\tc4"]
NAMES = ["view", None, "", "  ", " buy"]
TIMES = [
    "2026-08-01 10:00:00+00",
    None,
    "1969-12-31 23:59:59.999999+00",
    "1970-01-01 00:00:00+00",
    "2099-12-31 23:59:59.999999+00",
    "2100-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59+00",
]
PROPERTIES = [
    '{"a": 1}',
    '{ "a" :  1 }',
    None,
    "",
    "   ",
    "null",
    " null\t",
    "[1, 2]",
    "not json",
    '{"a":',
    ' {"b": 2}',
    '"text"',
    "1",
    "\t{}\n",
    "{}",
]


def _write(path: Path, rows: list[tuple[Any, ...]], columns: str, group: int = 7) -> Path:
    """The rows as Parquet, `columns` (SQL `name type, ...`) in the order given, in small
    row groups (rows numbered across them)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE t ({columns})")
    if rows:
        marks = ", ".join("?" for _ in rows[0])
        con.executemany(f"INSERT INTO t VALUES ({marks})", rows)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE {group})")
    con.close()
    return path


CANONICAL = "customer_id VARCHAR, event VARCHAR, ts TIMESTAMPTZ, properties VARCHAR"


def _hostile(path: Path, offset: int = 0) -> Path:
    """Every id, name and time with a rotating properties text, then every properties
    text with a good row: each rule meets each of the others' values."""
    rows = [
        (who, name, at, PROPERTIES[(offset + n) % len(PROPERTIES)])
        for n, (who, name, at) in enumerate(itertools.product(IDS, NAMES, TIMES))
    ]
    rows += [(f"p{n}", "view", TIMES[0], text) for n, text in enumerate(PROPERTIES)]
    return _write(path, rows, CANONICAL)


def embedded(paths: list[Path], mapping: dict[str, str] | None = None) -> Any:
    """The embedded engine's log of Parquet files (read in place, as `cjo report`)."""
    con = connect()
    summary = scan_parquet(con, paths, mapping or {})
    return (summary, *log_rows(con))


def on_spark(spark: Any, paths: list[Path], mapping: dict[str, str] | None = None) -> Any:
    log = read_events(spark, [(path, "parquet") for path in paths], mapping or {})
    return (log.summary, *spark_rows(log))


def natively(spark: Any, paths: list[Path], mapping: dict[str, str] | None = None) -> Any:
    """The native path's log, which must be taken (`read_events` would fall back)."""
    plan = native_plan([(path, "parquet") for path in paths], mapping or {})
    assert plan is not None
    found = read_native(spark, plan)
    assert found is not None
    events, rejects, summary, _ = found
    return (
        summary,
        [tuple(row) for row in events.orderBy("file", "row").collect()],
        [tuple(row) for row in rejects.orderBy("file", "row").collect()],
    )


@pytest.fixture
def python_reader(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`read_events` with the native path turned off: every file by the Python reader."""
    monkeypatch.setattr(spark_read, "native_plan", lambda *args: None)
    yield


def _takes_native(paths: list[Path], mapping: dict[str, str] | None = None) -> bool:
    return native_plan([(path, "parquet") for path in paths], mapping or {}) is not None


def test_hostile_rows_in_several_files(spark: Any, tmp_path: Path) -> None:
    paths = [_hostile(tmp_path / "a.parquet"), _hostile(tmp_path / "b.parquet", offset=5)]
    assert _takes_native(paths)
    expected = embedded(paths)
    summary, events, rejects = expected
    # The rows meet every rule: most are rejected, some are kept, of every kind.
    reasons = {reason.split(":")[0] for *_, reason in rejects}
    assert reasons == {
        "missing customer id",
        "missing event name",
        "missing timestamp",
        "timestamp out of range (cjo reads 1970-01-01 to 2099-12-31 UTC)",
        "properties is not a JSON object",
    }
    assert {row[3] for row in events} >= {"{}", '{ "a" :  1 }', ' {"b": 2}', "\t{}\n"}
    assert all(f.read and f.rejected for f in summary.files)
    assert natively(spark, paths) == expected
    assert on_spark(spark, paths) == expected


def test_many_files_are_named_by_a_join(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [_hostile(tmp_path / f"{n}.parquet", offset=n) for n in range(3)]
    monkeypatch.setattr(parquet_read, "MAP_FILES", 2)
    assert natively(spark, paths) == embedded(paths)


def test_the_python_reader_gives_the_same_log(
    spark: Any, tmp_path: Path, python_reader: None
) -> None:
    paths = [_hostile(tmp_path / "a.parquet"), _hostile(tmp_path / "b.parquet", offset=3)]
    assert on_spark(spark, paths) == embedded(paths)


def test_rows_numbered_across_splits_of_a_file(spark: Any, tmp_path: Path) -> None:
    # Spark splits a large file into several tasks; row_index still counts from the
    # file's start. Small splits make that happen on a small file.
    rows = [(f"c{n % 13}", "view", TIMES[n % 3 * 2], PROPERTIES[n % 4]) for n in range(3000)]
    path = _write(tmp_path / "big.parquet", rows, CANONICAL, group=100)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "4096")
    try:
        assert natively(spark, [path]) == embedded([path])
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")


def test_mapped_columns_and_no_properties(spark: Any, tmp_path: Path) -> None:
    rows = [(who, at, name) for who, name, at in itertools.product(IDS, NAMES, TIMES[:4])]
    path = _write(tmp_path / "m.parquet", rows, "user VARCHAR, ts TIMESTAMP, what VARCHAR")
    mapping = {"customer_id": "user", "event": "what"}
    expected = embedded([path], mapping)
    assert expected[2] and {row[3] for row in expected[1]} == {"{}"}
    assert natively(spark, [path], mapping) == expected


def test_other_shapes_take_the_python_reader(spark: Any, tmp_path: Path) -> None:
    extra = _write(
        tmp_path / "extra.parquet",
        [("c1", "view", TIMES[0], "{}", 3), (None, "view", TIMES[0], "{}", 4)],
        f"{CANONICAL}, plan INTEGER",
    )
    numbers = _write(
        tmp_path / "numbers.parquet",
        [(1, "view", TIMES[0], "{}"), (2, "", TIMES[0], "{}")],
        "customer_id BIGINT, event VARCHAR, ts TIMESTAMPTZ, properties VARCHAR",
    )
    good = _hostile(tmp_path / "good.parquet")
    for paths in ([extra], [numbers], [good, extra], [good, numbers]):
        assert not _takes_native(paths)
    # The Python reader copies (like the embedded engine's copying reader); it agrees
    # with the in-place reader on these shapes too.
    for paths in ([extra], [numbers]):
        assert on_spark(spark, paths) == embedded(paths)


def test_a_file_without_a_column_is_the_same_error(spark: Any, tmp_path: Path) -> None:
    good = _hostile(tmp_path / "good.parquet")
    bad = _write(tmp_path / "bad.parquet", [("c1", TIMES[0])], "customer_id VARCHAR, ts TIMESTAMP")
    for paths in ([bad], [good, bad], [bad, good]):
        with pytest.raises(MissingColumns) as on_duck:
            embedded(paths)
        with pytest.raises(MissingColumns) as on_spark_error:
            on_spark(spark, paths)
        assert str(on_spark_error.value) == str(on_duck.value)


def test_an_unreadable_file_is_an_error(spark: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    assert not _takes_native([broken])
    with pytest.raises(EventLogError, match="not a readable Parquet file"):
        on_spark(spark, [broken])


def test_plain_paths_only(tmp_path: Path) -> None:
    good = _hostile(tmp_path / "good.parquet")
    assert _takes_native([good])
    for name in (
        "_hidden.parquet",
        ".hidden.parquet",
        "a[1].parquet",
        "a:b.parquet",
        "a b.parquet",
        "a%20.parquet",
    ):
        odd = tmp_path / name
        odd.write_bytes(good.read_bytes())
        assert not _takes_native([odd])
    assert native_plan([(good, "parquet")], {"anonymous_id": "anon"}) is None
    assert native_plan([(good, "ga4")], {}) is None


def test_report_prints_what_the_embedded_engine_prints(
    run_cjo: RunCjo, spark: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The sample log as two Parquet parts, and a file of hostile rows: the same report,
    # the same log line and the same rejects file, from the command line.
    con = connect()
    load_events(con, with_formats([REPO / "samples" / "events.jsonl"]))
    parts = []
    for number, (low, high) in enumerate([(0, 4000), (4000, 10**9)]):
        part = tmp_path / f"part-{number}.parquet"
        con.execute(
            "COPY (SELECT customer_id, event, ts, CAST(properties AS VARCHAR) AS properties "
            f'FROM events WHERE "row" > {low} AND "row" <= {high} ORDER BY "row") '
            f"TO '{part}' (FORMAT parquet)"
        )
        parts.append(part)
    paths = [*parts, _hostile(tmp_path / "hostile.parquet")]
    assert _takes_native(paths)
    logs = [arg for path in paths for arg in ("--log", str(path))]
    outputs = []
    for engine in (["--engine", "duckdb"], ["--engine", "spark", "--spark-master", "local[2]"]):
        rejects = tmp_path / f"rejects-{engine[1]}.csv"
        # One funnel: the read is what is compared (test_spark_cli covers every funnel).
        args = ["report", "purchase_funnel", "-f", "json", *logs, "--max-rejects", "100%"]
        args += ["--rejects", str(rejects), *engine]
        if engine[1] == "duckdb":
            ran = run_cjo(*args)
            code, stdout, stderr = ran.returncode, ran.stdout, ran.stderr
        else:  # the running test session: no JVM of its own
            here = cjo_in_session(spark, monkeypatch, *args)
            code, stdout, stderr = here.code, here.stdout, here.stderr
        assert code == 0, stderr[-2000:]
        found = json.loads(stdout)
        for funnel in found["funnels"]:
            assert funnel.pop("engine") in {"sql", "exact", "spark"}
        log_line = [line for line in stderr.splitlines() if line.startswith("log:")]
        outputs.append((found, log_line, rejects.read_text(encoding="utf-8")))
    assert outputs[1] == outputs[0]
    assert "rejected 0" not in outputs[0][1][0]
