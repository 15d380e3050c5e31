"""Time as integer microseconds since the epoch, and the wall-clock questions the
replay asks of it (wait_until, quiet hours) across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli.model.clock import (
    HOUR,
    SECOND,
    in_window,
    iso,
    next_wall_time,
    parse_instant,
    time_of_day,
    to_datetime,
    to_us,
    utc_text,
    window_end,
    zone,
)
from tests.conftest import examples

UTC = dt.UTC


def us(text: str) -> int:
    """An aware ISO text as microseconds, computed without the module under test."""
    moment = dt.datetime.fromisoformat(text)
    delta = moment - dt.datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def test_units() -> None:
    assert SECOND == 1_000_000
    assert HOUR == 3_600_000_000


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(1970, 1, 1, tzinfo=UTC), 0),
        (dt.datetime(1970, 1, 1), 0),  # naive is UTC
        (dt.datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC), 1),
        (dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), -1),
        (dt.datetime(2026, 1, 1, tzinfo=UTC), 1_767_225_600_000_000),
        (dt.datetime(2026, 1, 1), 1_767_225_600_000_000),
        (dt.datetime(2026, 1, 1, 9, tzinfo=ZoneInfo("Asia/Tokyo")), 1_767_225_600_000_000),
        (
            dt.datetime(2025, 12, 31, 19, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            1_767_225_600_000_000,
        ),
    ],
)
def test_to_us(moment: dt.datetime, expected: int) -> None:
    assert to_us(moment) == expected


@pytest.mark.parametrize(
    "value", [0, 1, -1, 1_767_225_600_123_456, -86_400 * SECOND, 4_102_444_800 * SECOND]
)
def test_round_trip(value: int) -> None:
    moment = to_datetime(value)
    assert moment.utcoffset() == dt.timedelta(0)
    assert to_us(moment) == value
    assert to_us(moment.replace(tzinfo=None)) == value  # the naive reading is UTC too


def test_to_datetime() -> None:
    assert to_datetime(1_767_225_600_000_001) == dt.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
    assert to_datetime(-1) == dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-01", "2026-06-01T00:00:00+00:00"),
        ("2026-06-01T10:00:00", "2026-06-01T10:00:00+00:00"),
        ("2026-06-01 10:00", "2026-06-01T10:00:00+00:00"),
        ("2026-06-01T10:00:00Z", "2026-06-01T10:00:00+00:00"),
        ("2026-06-01T10:00:00+02:00", "2026-06-01T08:00:00+00:00"),
        ("2026-06-01T10:00:00-09:30", "2026-06-01T19:30:00+00:00"),
        ("2026-06-01T10:00:00.250", "2026-06-01T10:00:00.250000+00:00"),
        ("  2026-06-01\n", "2026-06-01T00:00:00+00:00"),
    ],
)
def test_parse_instant(text: str, expected: str) -> None:
    assert parse_instant(text) == us(expected)


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2026-13-01", "2026-02-30", "2026/06/01", "1767225600", "10:00"]
)
def test_parse_instant_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "1970-01-01T00:00:00+00:00"),
        (1_780_308_000_000_000, "2026-06-01T10:00:00+00:00"),
        (1_780_308_000_000_001, "2026-06-01T10:00:00.000001+00:00"),
    ],
)
def test_iso(value: int, text: str) -> None:
    assert iso(value) == text


def test_utc_text() -> None:
    value = us("2026-06-01T19:05:09+09:00")
    assert utc_text(value) == "2026-06-01 10:05:09"
    assert utc_text(value, "%Y-%m-%d") == "2026-06-01"
    assert utc_text(value, "%H:%M") == "10:05"


def test_zone_is_cached() -> None:
    assert zone("Europe/Berlin") is zone("Europe/Berlin")
    assert zone("Europe/Berlin").key == "Europe/Berlin"


@pytest.mark.parametrize(
    ("now", "at", "tz", "expected"),
    [
        # Later the same day, in the zone's own date.
        ("2026-06-01T08:00:00+00:00", "19:00", "Asia/Tokyo", "2026-06-01T19:00:00+09:00"),
        # Already past today in the zone: tomorrow.
        ("2026-06-01T11:00:00+00:00", "19:00", "Asia/Tokyo", "2026-06-02T19:00:00+09:00"),
        # The zone's date is already the next day.
        ("2026-06-01T15:30:00+00:00", "19:00", "Asia/Tokyo", "2026-06-02T19:00:00+09:00"),
        ("2026-06-01T23:30:00+00:00", "00:15", "UTC", "2026-06-02T00:15:00+00:00"),
        # At exactly that time: now.
        ("2026-06-01T17:00:00+00:00", "19:00", "Europe/Berlin", "2026-06-01T19:00:00+02:00"),
        # One microsecond later: tomorrow.
        (
            "2026-06-01T17:00:00.000001+00:00",
            "19:00",
            "Europe/Berlin",
            "2026-06-02T19:00:00+02:00",
        ),
        # Spring forward (Berlin, 29 March 2026, 02:00 → 03:00): 02:30 does not exist;
        # the offset before the change gives 02:30+01:00 = 03:30 summer time.
        ("2026-03-28T23:00:00+00:00", "02:30", "Europe/Berlin", "2026-03-29T03:30:00+02:00"),
        ("2026-03-29T01:30:00+00:00", "02:30", "Europe/Berlin", "2026-03-29T03:30:00+02:00"),
        ("2026-03-29T01:31:00+00:00", "02:30", "Europe/Berlin", "2026-03-30T02:30:00+02:00"),
        # New York, 8 March 2026.
        ("2026-03-08T05:00:00+00:00", "02:30", "America/New_York", "2026-03-08T03:30:00-04:00"),
        # Fall back (Berlin, 25 October 2026, 03:00 → 02:00): 02:30 happens twice; the
        # first occurrence at or after now counts: before the first, the first; between
        # the two, the repeat an hour later; after both, tomorrow's.
        ("2026-10-24T22:00:00+00:00", "02:30", "Europe/Berlin", "2026-10-25T02:30:00+02:00"),
        (
            "2026-10-25T00:30:00.000001+00:00",
            "02:30",
            "Europe/Berlin",
            "2026-10-25T02:30:00+01:00",
        ),
        ("2026-10-25T01:30:00+00:00", "02:30", "Europe/Berlin", "2026-10-25T02:30:00+01:00"),
        (
            "2026-10-25T01:30:00.000001+00:00",
            "02:30",
            "Europe/Berlin",
            "2026-10-26T02:30:00+01:00",
        ),
        # New York, 1 November 2026 (02:00 → 01:00): 01:30 EDT first.
        ("2026-11-01T04:00:00+00:00", "01:30", "America/New_York", "2026-11-01T01:30:00-04:00"),
    ],
)
def test_next_wall_time(now: str, at: str, tz: str, expected: str) -> None:
    got = next_wall_time(us(now), dt.time.fromisoformat(at), tz)
    assert iso(got) == iso(us(expected))


@pytest.mark.parametrize(
    ("local", "start", "end", "inside"),
    [
        ("09:00", "09:00", "17:00", True),  # start is in
        ("16:59:59", "09:00", "17:00", True),
        ("17:00", "09:00", "17:00", False),  # end is out
        ("08:59", "09:00", "17:00", False),
        ("22:00", "22:00", "08:00", True),  # across midnight
        ("23:59", "22:00", "08:00", True),
        ("00:00", "22:00", "08:00", True),
        ("07:59:59.999999", "22:00", "08:00", True),
        ("08:00", "22:00", "08:00", False),
        ("12:00", "22:00", "08:00", False),
        ("21:59", "22:00", "08:00", False),
        ("12:00", "12:00", "12:00", False),  # start == end: empty
        ("00:00", "00:00", "00:00", False),
        ("03:00", "12:00", "12:00", False),
    ],
)
def test_in_window(local: str, start: str, end: str, inside: bool) -> None:
    moment = dt.datetime.combine(dt.date(2026, 6, 1), dt.time.fromisoformat(local), UTC)
    window = (dt.time.fromisoformat(start), dt.time.fromisoformat(end))
    assert in_window(to_us(moment), *window, "UTC") is inside


@pytest.mark.parametrize(
    ("now", "inside"),
    [
        ("2026-06-01T13:00:00+00:00", True),  # 22:00 in Tokyo
        ("2026-06-01T12:59:59+00:00", False),
        ("2026-06-01T22:59:00+00:00", True),  # 07:59 the next day in Tokyo
        ("2026-06-01T23:00:00+00:00", False),
    ],
)
def test_in_window_reads_the_zones_wall_clock(now: str, inside: bool) -> None:
    assert in_window(us(now), dt.time(22), dt.time(8), "Asia/Tokyo") is inside


def _instants(every: str, at: str, tz: str, start: str | None, first: str, last: str) -> list[str]:
    from cjo_cli.model.clock import scheduled_instants
    from cjo_cli.model.timing import parse_duration, parse_time_of_day

    found = scheduled_instants(
        parse_duration(every).seconds * SECOND,
        parse_time_of_day(at),
        tz,
        dt.date.fromisoformat(start) if start else None,
        parse_instant(first),
        parse_instant(last),
    )
    return [iso(us) for us in found]


def test_a_weekly_schedule_keeps_its_clock_time_across_dst() -> None:
    # Los Angeles springs forward on 2026-03-08: 09:00 stays 09:00 local, so the instant
    # moves from 17:00 to 16:00 UTC.
    assert _instants(
        "1w", "09:00", "America/Los_Angeles", "2026-03-01", "2026-02-01", "2026-03-20"
    ) == ["2026-03-01T17:00:00+00:00", "2026-03-08T16:00:00+00:00", "2026-03-15T16:00:00+00:00"]


def test_a_skipped_clock_time_takes_the_offset_before_the_change() -> None:
    # 02:30 does not exist in Los Angeles on 2026-03-08: 02:30 PST is 10:30 UTC.
    assert _instants(
        "1d", "02:30", "America/Los_Angeles", "2026-03-07", "2026-03-07", "2026-03-09T12:00:00"
    ) == ["2026-03-07T10:30:00+00:00", "2026-03-08T10:30:00+00:00", "2026-03-09T09:30:00+00:00"]


def test_hours_add_plain_time_and_the_span_bounds_both_ends() -> None:
    assert _instants("6h", "00:00", "UTC", None, "2026-06-01T05:00:00", "2026-06-02T00:00:00") == [
        "2026-06-01T06:00:00+00:00",
        "2026-06-01T12:00:00+00:00",
        "2026-06-01T18:00:00+00:00",
        "2026-06-02T00:00:00+00:00",
    ]


def test_a_start_long_before_the_log_jumps_ahead() -> None:
    found = _instants("1d", "09:00", "UTC", "1990-01-01", "2026-06-01", "2026-06-03")
    assert found == ["2026-06-01T09:00:00+00:00", "2026-06-02T09:00:00+00:00"]
    # A start after the log's end: no instant at all.
    assert _instants("1d", "09:00", "UTC", "2027-01-01", "2026-06-01", "2026-06-03") == []


# -- the cached offsets agree with the zone database, around every kind of change --------

_ZONES = [
    "UTC",
    "America/New_York",  # an hour, at 02:00 local
    "Europe/London",  # an hour, at 01:00 UTC
    "Australia/Lord_Howe",  # half an hour
    "America/St_Johns",  # a half-hour offset
    "Asia/Kathmandu",  # a 45-minute offset
    "Pacific/Apia",  # skipped a whole day at the end of 2011
    "Asia/Tokyo",
]
_SPAN = (us("2011-01-01T00:00:00+00:00"), us("2027-12-31T00:00:00+00:00"))


def _changes(name: str) -> list[int]:
    """Instants near which `name` changes its offset (hour by hour, then to the second)."""
    here, found = ZoneInfo(name), []
    previous = to_datetime(_SPAN[0]).astimezone(here).utcoffset()
    for hour in range(_SPAN[0], _SPAN[1], HOUR):
        offset = to_datetime(hour).astimezone(here).utcoffset()
        if offset != previous:
            found.append(hour)
        previous = offset
    return found or [_SPAN[0]]


_NEAR_CHANGES = {name: _changes(name) for name in _ZONES}


@st.composite
def _zoned_instants(draw: st.DrawFn) -> tuple[str, int]:
    name = draw(st.sampled_from(_ZONES))
    change = draw(st.sampled_from(_NEAR_CHANGES[name]))
    return name, change + draw(st.integers(-3 * HOUR, 3 * HOUR))


_times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 59]))


@given(_zoned_instants(), _times, _times)
@settings(max_examples=examples(300), deadline=None)
def test_in_window_agrees_with_the_zone_database(
    instant: tuple[str, int], start: dt.time, end: dt.time
) -> None:
    name, moment = instant
    local = to_datetime(moment).astimezone(ZoneInfo(name))
    wall = local.time().replace(tzinfo=None)
    inside = (start <= wall < end) if start < end else (wall >= start or wall < end)
    if start == end:
        inside = False
    assert in_window(moment, start, end, name) is inside
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    assert time_of_day(moment, name) == (local.replace(tzinfo=None) - midnight) // dt.timedelta(
        microseconds=1
    )


@given(_zoned_instants(), _times, _times)
@settings(max_examples=examples(300), deadline=None)
def test_window_end_is_the_first_instant_outside(
    instant: tuple[str, int], start: dt.time, end: dt.time
) -> None:
    """Outside the window at the answer, inside all the way to it (sampled, and the
    instant before it), whatever the clocks do in between."""
    name, moment = instant
    found = window_end(moment, start, end, name)
    assert found >= moment
    assert not in_window(found, start, end, name)
    if found > moment:
        for step in range(16):
            assert in_window(moment + (found - moment) * step // 16, start, end, name)
        assert in_window(found - 1, start, end, name)
