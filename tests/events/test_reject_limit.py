"""The reject limit: a share or a count of unreadable rows; rows that are not events
are rejects too but never count against it."""

from __future__ import annotations

import math
import re

import pytest

from cjo_cli.events.reject_limit import RejectLimit, TooManyRejects, check_rejects
from cjo_cli.events.tables import EventLogError, FileSummary, LoadSummary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1%", RejectLimit("1%", share=0.01)),
        ("0.5%", RejectLimit("0.5%", share=0.005)),
        ("0%", RejectLimit("0%", share=0.0)),
        ("100%", RejectLimit("100%", share=1.0)),
        ("  2% ", RejectLimit("2%", share=0.02)),
        ("250", RejectLimit("250", count=250)),
        ("0", RejectLimit("0", count=0)),
        (" 7\n", RejectLimit("7", count=7)),
        ("+3", RejectLimit("+3", count=3)),
        ("1 %", RejectLimit("1 %", share=0.01)),
    ],
)
def test_parse(text: str, expected: RejectLimit) -> None:
    got = RejectLimit.parse(text)
    assert got.text == expected.text
    assert got.count == expected.count
    if expected.share is None:
        assert got.share is None
    else:
        assert got.share == pytest.approx(expected.share)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("101%", "'101%' is not a share between 0% and 100%"),
        ("-1%", "'-1%' is neither a share such as 1% nor a count"),
        ("nan%", "'nan%' is neither a share such as 1% nor a count"),
        ("inf%", "'inf%' is neither a share such as 1% nor a count"),
        ("-5", "'-5' is neither a share such as 1% nor a count"),
        ("%", "'%' is neither a share"),
        ("1.5", "'1.5' is neither a share"),
        ("ten", "'ten' is neither a share"),
        ("", "'' is neither a share"),
        ("5%%", "'5%%' is neither a share"),
        # float() and int() take these; a limit written so is a typo, not a number.
        ("1_000", "'1_000' is neither a share"),
        ("1e3", "'1e3' is neither a share"),
        ("1e1%", "'1e1%' is neither a share"),
        ("٣", "'٣' is neither a share"),
    ],
)
def test_parse_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        RejectLimit.parse(text)


@pytest.mark.parametrize(
    ("text", "total", "allowed"),
    [
        ("1%", 1000, 10.0),
        ("1%", 0, 0.0),
        ("0.5%", 300, 1.5),
        ("100%", 7, 7.0),
        ("250", 10, 250.0),
        ("250", 0, 250.0),
        ("0", 1_000_000, 0.0),
    ],
)
def test_allowed(text: str, total: int, allowed: float) -> None:
    got = RejectLimit.parse(text).allowed(total)
    assert isinstance(got, float)
    assert math.isclose(got, allowed)


def summary(*files: tuple[int, int, int]) -> LoadSummary:
    return LoadSummary(
        tuple(
            FileSummary(f"f{n}.jsonl", "jsonl", read, rejected, not_events)
            for n, (read, rejected, not_events) in enumerate(files)
        )
    )


@pytest.mark.parametrize(
    ("files", "limit", "raises"),
    [
        (((90, 10, 0),), "10", False),  # exactly at the limit is allowed
        (((90, 10, 0),), "9", True),
        (((90, 10, 0),), "10%", False),
        (((90, 10, 0),), "9.9%", True),
        (((90, 10, 8),), "2", False),  # 8 of the rejects are not events
        (((90, 10, 8),), "1", True),
        (((90, 10, 10),), "0", False),  # every reject is a Segment identify call
        (((50, 5, 0), (40, 5, 5)), "5", False),  # summed over the files
        (((50, 5, 0), (40, 5, 4)), "5", True),
        (((0, 0, 0),), "0", False),
        (((0, 0, 0),), "0%", False),
        (((0, 1, 0),), "99%", True),
    ],
)
def test_check_rejects(files: tuple[tuple[int, int, int], ...], limit: str, raises: bool) -> None:
    loaded = summary(*files)
    if raises:
        with pytest.raises(TooManyRejects):
            check_rejects(loaded, RejectLimit.parse(limit))
    else:
        check_rejects(loaded, RejectLimit.parse(limit))


def test_too_many_rejects_carries_its_numbers() -> None:
    limit = RejectLimit.parse("1%")
    loaded = summary((9_000, 1_500, 300), (500, 0, 0))
    with pytest.raises(TooManyRejects) as caught:
        check_rejects(loaded, limit)
    error = caught.value
    assert (error.unreadable, error.total, error.limit) == (1_200, 11_000, limit)
    assert str(error) == (
        "could not read 1,200 of 11,000 rows, more than the limit of 1%; the log is mostly "
        "unreadable or needs another format or column mapping"
    )
    assert isinstance(error, EventLogError)
    assert error.exit_code == 2


def test_load_summary_totals() -> None:
    loaded = LoadSummary(
        (
            FileSummary("a.csv", "csv", 5, 2),
            FileSummary("b.jsonl", "segment", 7, 3, 2),
            FileSummary("c.jsonl", "segment", 1, 0),
        )
    )
    assert (loaded.read, loaded.rejected, loaded.unreadable) == (13, 5, 3)
    assert loaded.formats == ["csv", "segment"]
