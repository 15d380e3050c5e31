"""Time, in one representation: integer microseconds since the Unix epoch, UTC.

Every engine computes with these integers (`epoch_us(ts)` in DuckDB, `t` in
Spark's rows, the replay's timers); a `datetime` appears only where a wall clock
is needed (quiet hours, `wait_until`) or where text is read or written. The
command line's `--since`/`--until` are parsed here once, into microseconds.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CUSTOMER_TZ = "customer"
"""`tz: customer`: the zone of each customer (its `timezone` trait, else `default_tz`)."""

TIMEZONE_TRAIT = "timezone"

SECOND = 1_000_000
"""Microseconds per second."""

HOUR = 3_600 * SECOND

DAY = 86_400 * SECOND

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@cache
def known_zone(name: str) -> bool:
    """Whether `name` is an IANA zone this machine knows."""
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def to_datetime(us: int) -> dt.datetime:
    """The aware UTC datetime of an instant."""
    return _EPOCH + dt.timedelta(microseconds=us)


def to_us(moment: dt.datetime) -> int:
    """The instant of an aware datetime (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def parse_instant(text: str) -> int:
    """An ISO 8601 date or date-time as an instant; a naive one is UTC, as in the logs.
    Raises ValueError for anything else."""
    return to_us(dt.datetime.fromisoformat(text.strip()))


def iso(us: int) -> str:
    """`2026-06-01T10:00:00+00:00`: the JSON outputs' form of an instant."""
    return to_datetime(us).isoformat()


def utc_text(us: int, pattern: str = "%Y-%m-%d %H:%M:%S") -> str:
    """An instant as UTC wall-clock text in a strftime pattern."""
    return to_datetime(us).strftime(pattern)


def next_wall_time(us: int, at: dt.time, tz: str) -> int:
    """The first instant at or after `us` whose wall-clock time in `tz` is `at`.

    On a day when `at` does not exist (clocks spring forward over it) the instant is
    computed with the offset before the change (02:30 → 03:30 new time); on a day it
    occurs twice (clocks fall back) it is the first occurrence at or after `us`
    (before the first one, the first; between the two, the second).
    """
    here = zone(tz)
    day = to_datetime(us).astimezone(here).date()
    for add in range(3):
        wall = dt.datetime.combine(day + dt.timedelta(days=add), at, tzinfo=here)
        # fold=1 is the second occurrence on a fall-back day (the same instant otherwise).
        for candidate in sorted({to_us(wall), to_us(wall.replace(fold=1))}):
            if candidate >= us and _is_wall_time(candidate, at, here):
                return candidate
        gap = to_us(wall)  # a time the clocks skip: the offset before the change
        if gap >= us and not _is_wall_time(gap, at, here):
            return gap
    raise AssertionError("a wall-clock time recurs within three days")


def _is_wall_time(us: int, at: dt.time, here: ZoneInfo) -> bool:
    return to_datetime(us).astimezone(here).time().replace(tzinfo=None) == at


def in_window(us: int, start: dt.time, end: dt.time, tz: str) -> bool:
    """Whether the wall-clock time of `us` in `tz` is in [start, end); a window across
    midnight wraps; start == end is empty."""
    local = time_of_day(us, tz)
    low, high = _day_us(start), _day_us(end)
    if low < high:
        return low <= local < high
    if low > high:
        return local >= low or local < high
    return False


def time_of_day(us: int, tz: str) -> int:
    """The wall-clock time of `us` in `tz`, in microseconds since the local midnight."""
    return (us + _offset(us, tz)) % DAY


def _day_us(moment: dt.time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * SECOND + moment.microsecond


_OFFSETS: dict[tuple[str, int], int | None] = {}
"""Per zone and UTC hour, the zone's offset (µs) through the hour, None when it changes
in it. The replay asks at every send (quiet hours): a datetime conversion each time
cost a tenth of a replay."""


def _offset(us: int, tz: str) -> int:
    hour = us // HOUR
    key = (tz, hour)
    if key in _OFFSETS:
        found = _OFFSETS[key]
    else:
        if len(_OFFSETS) > 1 << 20:  # many zones over a long log: start again
            _OFFSETS.clear()
        # No zone changes its offset twice within an hour: the same offset at both
        # ends means the same all through.
        first, last = _exact_offset(hour * HOUR, tz), _exact_offset(hour * HOUR + HOUR - 1, tz)
        found = first if first == last else None
        _OFFSETS[key] = found
    return found if found is not None else _exact_offset(us, tz)


def _exact_offset(us: int, tz: str) -> int:
    offset = to_datetime(us).astimezone(zone(tz)).utcoffset()
    assert offset is not None
    return offset // dt.timedelta(microseconds=1)


def window_end(us: int, start: dt.time, end: dt.time, tz: str) -> int:
    """The first instant at or after `us` outside the wall-clock window [start, end) in
    `tz`: `us` itself when it is outside; the next `end` otherwise, or, when the clocks
    skip over `end` that night, the instant they skip (02:00 EST → 03:00 EDT), or, when
    they go back to a time outside the window before `end`, the instant they go back
    (quiet from 01:30: 01:59 EDT → 01:00 EST)."""
    if not in_window(us, start, end, tz):
        return us
    after = us
    for _ in range(3):
        found = next_wall_time(after, end, tz)
        if _is_wall_time(found, end, zone(tz)):
            change = _offset_change(us, found, tz)
            if change is not None and not in_window(change, start, end, tz):
                return change
            return found
        if not in_window(found, start, end, tz):
            low, high = us, found  # inside at low, outside at high: find where it changes
            while high - low > 1:
                middle = (low + high) // 2
                if in_window(middle, start, end, tz):
                    low = middle
                else:
                    high = middle
            return high
        # The clocks skipped over `end` and over `start` too (inside before the jump and
        # after it): the window goes on to the next night's `end`.
        after = found + 1
    raise AssertionError("a window outlasts three nights")


def _offset_change(low: int, high: int, tz: str) -> int | None:
    """The first instant in (low, high] at which `tz` has another offset than at `low`
    (a window's span is shorter than two days: the zone changes at most once in it)."""
    offset = _exact_offset(low, tz)
    if _exact_offset(high, tz) == offset:
        return None
    while high - low > 1:
        middle = (low + high) // 2
        if _exact_offset(middle, tz) == offset:
            low = middle
        else:
            high = middle
    return high


def scheduled_instants(
    every: int, at: dt.time, tz: str, start: dt.date | None, first: int, last: int
) -> tuple[int, ...]:
    """The instants of a schedule within [first, last] (microseconds): from the day
    `start` in `tz` (None: the day of `first` there) at the clock time `at`, then every
    `every` microseconds. A whole number of days keeps the clock time across DST
    changes (a time the clocks skip is taken with the offset before the change, one they
    repeat at its first occurrence); a shorter or uneven period adds plain time."""
    here = zone(tz)
    day = start or to_datetime(first).astimezone(here).date()

    def on_day(number: int) -> int:
        when = day + dt.timedelta(days=number)
        return to_us(dt.datetime.combine(when, at, tzinfo=here))

    found: list[int] = []
    if every % DAY == 0:
        days = every // DAY
        # Jump close to the log's start: the offset of a day is under a day, so starting
        # two periods early never skips an instant.
        number = max(0, (first - on_day(0)) // every - 2) * days
        while (instant := on_day(number)) <= last:
            if instant >= first:
                found.append(instant)
            number += days
    else:
        origin = on_day(0)
        number = max(0, (first - origin) // every - 1)
        while (instant := origin + number * every) <= last:
            if instant >= first:
                found.append(instant)
            number += 1
    return tuple(found)
