"""The Spark reader gives the rows and rejects of the DuckDB reader (it runs the same
reader on the workers): canonical JSON lines with messy rows, Segment, CSV with bad
rows and a renamed column, Parquet; and the same error for an unreadable file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cjo_cli.events.formats import with_formats
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import EventLogError, connect
from cjo_cli.spark.read import read_events
from tests.conftest import REPO
from tests.spark.conftest import log_rows, spark_rows

SAMPLES = REPO / "samples"


def duck(paths: list[Path], fmt: str = "auto", mapping: dict[str, str] | None = None) -> Any:
    con = connect()
    summary = load_events(con, with_formats(paths, fmt), mapping or {})
    return (summary, *log_rows(con))


def on_spark(spark: Any, paths: list[Path], fmt: str = "auto", mapping: Any = None) -> Any:
    log = read_events(spark, with_formats(paths, fmt), mapping or {})
    return (log.summary, *spark_rows(log))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("logs")
    con = connect()
    load_events(con, with_formats([SAMPLES / "events.jsonl"]))
    csv_path, parquet_path = folder / "events.csv", folder / "events.parquet"
    con.execute(
        f"COPY (SELECT customer_id AS user, event, strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts, "
        f'CAST(properties AS VARCHAR) AS properties FROM events ORDER BY "row" LIMIT 3000) '
        f"TO '{csv_path}' (HEADER)"
    )
    with csv_path.open("a", encoding="utf-8") as handle:
        handle.write('c1,page_view,yesterday,{}\n,page_view,2026-08-01T00:00:00Z,{}\nc2,"x\n')
    con.execute(
        f"COPY (SELECT customer_id, event, ts, CAST(properties AS VARCHAR) AS properties "
        f"FROM events ORDER BY \"row\") TO '{parquet_path}' (FORMAT parquet)"
    )
    return {"csv": csv_path, "parquet": parquet_path}


def test_json_lines_and_segment(spark: Any) -> None:
    paths = [SAMPLES / "events.jsonl", SAMPLES / "segment.jsonl"]
    assert on_spark(spark, paths) == duck(paths)


def test_csv_with_bad_rows_and_a_mapped_column(spark: Any, files: dict[str, Path]) -> None:
    mapping = {"customer_id": "user"}
    expected = duck([files["csv"]], "csv", mapping)
    assert expected[0].rejected >= 3
    assert on_spark(spark, [files["csv"]], "csv", mapping) == expected


def test_parquet(spark: Any, files: dict[str, Path]) -> None:
    assert on_spark(spark, [files["parquet"]]) == duck([files["parquet"]])


def test_an_unreadable_file_is_the_same_error(spark: Any, files: dict[str, Path]) -> None:
    with pytest.raises(EventLogError) as on_duck:
        duck([files["csv"]], "csv")
    with pytest.raises(EventLogError) as spark_error:
        read_events(spark, [(files["csv"], "csv")], {})
    assert str(spark_error.value) == str(on_duck.value)


def _segment(path: Path, *rows: tuple[str, dict[str, str], str]) -> Path:
    lines = [
        json.dumps(
            {"type": kind, **ids, "event": "buy" if kind == "track" else None, "timestamp": at}
        )
        for kind, ids, at in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_identities_are_stitched_across_files_alike(spark: Any, tmp_path: Path) -> None:
    # The anonymous visits in one file, the login and a conflicting login in another:
    # the driver stitches across the workers' files as DuckDB does across its own.
    first = _segment(
        tmp_path / "a.jsonl",
        ("track", {"anonymousId": "a-1"}, "2026-08-01T10:00:00Z"),
        ("track", {"anonymousId": "a-2"}, "2026-08-01T10:00:01Z"),
    )
    second = _segment(
        tmp_path / "b.jsonl",
        ("identify", {"anonymousId": "a-1", "userId": "u-1"}, "2026-08-01T10:01:00Z"),
        ("identify", {"anonymousId": "a-1", "userId": "u-2"}, "2026-08-01T10:02:00Z"),
        ("track", {"userId": "u-1"}, "2026-08-01T10:03:00Z"),
    )
    paths = [first, second]
    expected = duck(paths, "segment")
    assert (expected[0].merged, expected[0].conflicts) == (1, 1)
    assert [row[0] for row in expected[1]] == ["u-1", "a-2", "u-1"]
    assert on_spark(spark, paths, "segment") == expected


def test_duplicates_within_and_across_files_alike(spark: Any, tmp_path: Path) -> None:
    # Segment delivers at least once: the same messageId again in the same file and in
    # the next one. Each is a duplicate of the first, in both engines, raw text and all.
    def call(message: str, at: str) -> str:
        return json.dumps(
            {"type": "track", "userId": "u", "event": "buy", "timestamp": at, "messageId": message}
        )

    first = tmp_path / "a.jsonl"
    first.write_text(
        "\n".join([call("m1", "2026-08-01T10:00:00Z"), call("m1", "2026-08-01T10:00:00Z")]) + "\n",
        encoding="utf-8",
    )
    second = tmp_path / "b.jsonl"
    second.write_text(
        "\n".join([call("m2", "2026-08-01T11:00:00Z"), call("m1", "2026-08-01T10:00:05Z")]) + "\n",
        encoding="utf-8",
    )
    paths = [first, second]
    expected = duck(paths, "segment")
    assert [(f.read, f.rejected, f.duplicates) for f in expected[0].files] == [(1, 1, 1), (1, 1, 1)]
    assert [reason for *_, reason in expected[2]] == [
        f"not an event: a duplicate of message m1, first read at {first}:1",
        f"not an event: a duplicate of message m1, first read at {first}:1",
    ]
    assert on_spark(spark, paths, "segment") == expected


def test_a_mixpanel_source_zone_alike(spark: Any, tmp_path: Path) -> None:
    path = tmp_path / "mixpanel.jsonl"
    path.write_text(
        json.dumps({"event": "buy", "properties": {"distinct_id": "u", "time": 1785578400}}) + "\n",
        encoding="utf-8",
    )
    con = connect()
    load_events(con, [(path, "mixpanel")], source_tz="Asia/Tokyo")
    ((expected,),) = con.execute("SELECT epoch_us(ts) FROM events").fetchall()
    log = read_events(spark, [(path, "mixpanel")], {}, True, "Asia/Tokyo")
    assert [row["t"] for row in log.events.collect()] == [expected]
