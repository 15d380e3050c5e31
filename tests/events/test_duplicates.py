"""At-least-once delivery undone: a second row with the vendor's message id is a
duplicate (kept in `rejects`, counted, not held against --max-rejects), the first kept.

- Segment `messageId`: https://segment.com/docs/connections/spec/common/ ("messageId:
  automatically collected by Segment, a unique identifier for each message").
- Amplitude `$insert_id` (Amplitude deduplicates on it; the Export API row carries it)
  and `uuid`: https://amplitude.com/docs/apis/analytics/http-v2 and
  https://amplitude.com/docs/apis/analytics/export
- Mixpanel `$insert_id`, deduplicated with event, distinct_id and time:
  https://docs.mixpanel.com/docs/tracking-best-practices/deduplication
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cjo_cli.events import lines
from cjo_cli.events.load import load_events
from cjo_cli.events.reject_limit import RejectLimit, check_rejects
from cjo_cli.events.tables import connect


def segment(message: str | None, second: int = 0) -> dict[str, Any]:
    row = {
        "type": "track",
        "userId": "u",
        "event": "buy",
        "timestamp": f"2026-08-01T10:00:0{second}Z",
    }
    if message is not None:
        row["messageId"] = message
    return row


def amplitude(insert_id: str | None, uuid: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_type": "buy",
        "user_id": "u",
        "event_time": "2026-08-01 10:00:00.000000",
    }
    if insert_id is not None:
        row["$insert_id"] = insert_id
    if uuid is not None:
        row["uuid"] = uuid
    return row


def mixpanel(insert_id: str, time: int = 1785578400, event: str = "buy") -> dict[str, Any]:
    return {
        "event": event,
        "properties": {"distinct_id": "u", "time": time, "$insert_id": insert_id},
    }


CASES = {
    "segment": ("segment", [segment("m1"), segment("m2"), segment("m1", 5)], [3]),
    "segment-without-ids": ("segment", [segment(None), segment(None)], []),
    "amplitude-insert-id": ("amplitude", [amplitude("i1"), amplitude("i1")], [2]),
    "amplitude-uuid": ("amplitude", [amplitude(None, "x"), amplitude(None, "x")], [2]),
    "mixpanel-same": ("mixpanel", [mixpanel("i1"), mixpanel("i1")], [2]),
    # Mixpanel keeps both when the time or the event differs.
    "mixpanel-other-time": ("mixpanel", [mixpanel("i1"), mixpanel("i1", time=1785578401)], []),
    "mixpanel-other-event": ("mixpanel", [mixpanel("i1"), mixpanel("i1", event="view")], []),
}


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_second_delivery_is_a_duplicate(tmp_path: Path, case: str) -> None:
    fmt, rows, duplicate_rows = CASES[case]
    con = connect()
    summary = load_events(con, [(write(tmp_path / "log.jsonl", rows), fmt)])
    assert summary.read == len(rows) - len(duplicate_rows)
    assert (summary.rejected, summary.duplicates) == (len(duplicate_rows),) * 2
    found = con.execute('SELECT "row", reason FROM rejects ORDER BY "row"').fetchall()
    assert [row for row, _ in found] == duplicate_rows
    assert all(reason.startswith("not an event: a duplicate of message ") for _, reason in found)
    # Duplicates do not count against the reject limit.
    check_rejects(summary, RejectLimit.parse("0"))


def test_duplicates_across_batches_and_files_point_at_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lines, "CHUNK_BYTES", 64)  # a batch per line or two
    first = write(tmp_path / "a.jsonl", [segment("m1"), segment("m2"), segment("m1", 3)])
    second = write(tmp_path / "b.jsonl", [segment("m2", 4), segment("m3", 5)])
    con = connect()
    summary = load_events(con, [(first, "segment"), (second, "segment")])
    assert [(f.read, f.duplicates) for f in summary.files] == [(2, 1), (1, 1)]
    assert con.execute(
        'SELECT file, "row", reason FROM rejects ORDER BY file, "row"'
    ).fetchall() == [
        (str(first), 3, f"not an event: a duplicate of message m1, first read at {first}:1"),
        (str(second), 1, f"not an event: a duplicate of message m2, first read at {first}:2"),
    ]


def test_a_rejected_row_does_not_count_as_the_first_delivery(tmp_path: Path) -> None:
    bad = segment("m1") | {"timestamp": "not a time"}
    con = connect()
    summary = load_events(con, [(write(tmp_path / "log.jsonl", [bad, segment("m1")]), "segment")])
    assert (summary.read, summary.rejected, summary.duplicates) == (1, 1, 0)
