"""Compressed logs read as the text they hold, told by their first bytes.

Shapes from the vendors' documentation: Segment's S3 destination writes gzipped
newline-delimited JSON (https://segment.com/docs/connections/storage/catalog/aws-s3/);
Amplitude's Export API answers with a zip archive of gzipped JSON files, one per hour
(https://amplitude.com/docs/apis/analytics/export); BigQuery extracts to GZIP
(https://cloud.google.com/bigquery/docs/exporting-data#export_formats_and_compression_types).
"""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest
import zstandard

from cjo_cli.events.compressed import compression, open_log, plain_name
from cjo_cli.events.customers import load_customers
from cjo_cli.events.formats import sniff
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import EventLogError, connect

ROWS = [
    {"customer_id": f"c{n}", "event": "view", "ts": f"2026-08-01T10:00:{n:02d}Z"} for n in range(30)
]
TEXT = "".join(json.dumps(row) + "\n" for row in ROWS).encode() + b"not json\n"


def contents(path: Path, fmt: str = "jsonl") -> tuple[object, ...]:
    con = connect()
    summary = load_events(con, [(path, fmt)])
    events = con.execute(
        'SELECT customer_id, event, ts, properties::VARCHAR, "row" FROM events ORDER BY "row"'
    ).fetchall()
    rejects = con.execute('SELECT "row", raw, reason FROM rejects').fetchall()
    return summary.read, summary.rejected, events, rejects


def _zip_of_gzipped_hours(path: Path, parts: list[bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for hour, part in enumerate(parts):
            archive.writestr(f"187520/187520_2026-08-01_{hour}#0.json.gz", gzip.compress(part))
    return path


@pytest.fixture
def plain(tmp_path: Path) -> tuple[object, ...]:
    path = tmp_path / "events.jsonl"
    path.write_bytes(TEXT)
    return contents(path)


@pytest.mark.parametrize(
    ("name", "pack", "kind"),
    [
        ("events.jsonl.gz", gzip.compress, "gzip"),
        ("events.jsonl", gzip.compress, "gzip"),  # told by its bytes, not its name
        ("export", lambda data: gzip.compress(data[:500]) + gzip.compress(data[500:]), "gzip"),
        ("events.jsonl.zst", lambda data: zstandard.ZstdCompressor().compress(data), "zstd"),
    ],
    ids=["gzip", "gzip-without-suffix", "gzip-two-members", "zstd"],
)
def test_a_compressed_log_gives_what_the_plain_one_does(
    tmp_path: Path, plain: tuple[object, ...], name: str, pack: object, kind: str
) -> None:
    path = tmp_path / name
    path.write_bytes(pack(TEXT))  # type: ignore[operator]
    assert compression(path) == kind
    read, rejected, events, rejects = contents(path)
    assert (read, rejected, events) == plain[:3]
    assert [(row, raw) for row, raw, _ in rejects] == [(31, "not json")]


def test_amplitudes_zip_of_gzipped_hours_numbers_rows_as_one_file(
    tmp_path: Path, plain: tuple[object, ...]
) -> None:
    lines = TEXT.split(b"\n")
    # The first hour's file does not end its last line: the next one still starts a row.
    parts = [b"\n".join(lines[:10]), b"\n".join(lines[10:])]
    path = _zip_of_gzipped_hours(tmp_path / "export.zip", parts)
    assert sniff(path) == "jsonl"
    assert contents(path) == plain


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (gzip.compress(TEXT)[:60], "the gzip data cannot be decompressed"),
        (b"\x1f\x8b" + b"garbage" * 20, "the gzip data cannot be decompressed"),
        (zstandard.ZstdCompressor().compress(TEXT)[:40], "the zstd data cannot be decompressed"),
        (b"PK\x03\x04" + b"\x00" * 40, "not a readable zip file"),
    ],
    ids=["truncated-gzip", "damaged-gzip", "truncated-zstd", "damaged-zip"],
)
def test_a_file_that_fails_to_decompress_says_so(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(data)
    with pytest.raises(EventLogError, match=f"^{path}: {message}"):
        load_events(connect(), [(path, "jsonl")])


def test_a_gzipped_csv_and_customers_file(tmp_path: Path) -> None:
    log = tmp_path / "events.csv.gz"
    log.write_bytes(gzip.compress(b"customer_id,event,ts\nc1,view,2026-08-01T10:00:00Z\n"))
    assert sniff(log) == "csv"
    assert load_events(connect(), [(log, "csv")]).read == 1
    people = tmp_path / "customers.csv.gz"
    people.write_bytes(gzip.compress(b"customer_id,tier\nc1,gold\nc2,silver\n"))
    assert load_customers(connect(), people).customers == 2


def test_plain_name_drops_only_a_compression_suffix() -> None:
    assert plain_name("events.csv.gz") == "events.csv"
    assert plain_name("e.parquet.ZST") == "e.parquet"
    assert plain_name("export.zip") == "export"
    assert plain_name("events.jsonl") == "events.jsonl"


def test_open_log_of_a_plain_file_is_the_file(tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    path.write_bytes(TEXT)
    with open_log(path) as handle:
        assert handle.read() == TEXT
