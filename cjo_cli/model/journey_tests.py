"""Journey tests (`kind: test`): one customer's story through a journey, and what must
happen. `cjo test` replays the story with the engine `cjo simulate` uses and checks
each expectation that is set.

Times are written as ISO 8601 instants or as `+1h30m` after the previous event, so
they are kept as written here and resolved by `event_times`, which says what is
wrong and where when they do not resolve (a validate rule reports it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cjo_cli.model.clock import SECOND, parse_instant
from cjo_cli.model.loc import Loc, loc_field, locs_field

_RELATIVE = re.compile(r"\+((?:[0-9]+[smhdw])+)")
_PART = re.compile(r"([0-9]+)([smhdw])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
EXIT_NAMES = {"exit_step": "end"}
"""`exit: exit_step` says the same as the replay's `end`."""


@dataclass(frozen=True)
class StoryEvent:
    at: str
    """As written: an ISO 8601 instant, or `+1h30m` after the previous event."""
    event: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    loc: Loc = loc_field()
    at_loc: Loc = loc_field()


@dataclass(frozen=True)
class ExpectedSend:
    touchpoint: str
    at: str | None = None
    loc: Loc = loc_field()


@dataclass(frozen=True)
class Expect:
    """What must happen; None is "not checked"."""

    entered: bool | None = None
    path: tuple[str, ...] | None = None
    sends: tuple[ExpectedSend, ...] | None = None
    capped: tuple[ExpectedSend, ...] | None = None
    deferred: tuple[ExpectedSend, ...] | None = None
    not_sent: tuple[ExpectedSend, ...] | None = None
    converted: bool | None = None
    exit: str | None = None
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()
    path_locs: tuple[Loc, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class JourneyTest:
    id: str
    name: str
    journey: str
    events: tuple[StoryEvent, ...]
    expect: Expect
    all_journeys: bool = False
    customer: Mapping[str, Any] = field(default_factory=dict)
    group: Literal["treated", "holdout"] = "treated"
    variant: str | None = None
    until: str | None = None
    description: str = ""
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()


def offset_seconds(text: str) -> int | None:
    """`+1h30m` → 5400; None when the text is not a relative time."""
    match = _RELATIVE.fullmatch(text.strip())
    if match is None:
        return None
    return sum(int(n) * _UNIT[unit] for n, unit in _PART.findall(match.group(1)))


def _instant(text: str) -> int | None:
    try:
        return parse_instant(text)
    except ValueError:
        return None


def event_times(events: Sequence[StoryEvent]) -> tuple[list[int], tuple[Loc, str] | None]:
    """Each event's instant (µs), or the place and reason of the first that does not
    resolve: a bad time, a relative first event, or an event before the one above it."""
    times: list[int] = []
    for number, item in enumerate(events, start=1):
        offset = offset_seconds(item.at)
        if offset is not None:
            if not times:
                return times, (
                    item.at_loc,
                    f"event {number} is `{item.at}` after nothing: "
                    "give the first event an instant such as 2026-06-01T10:00:00Z",
                )
            times.append(times[-1] + offset * SECOND)
            continue
        instant = _instant(item.at)
        if instant is None:
            return times, (
                item.at_loc,
                f"event {number}: {item.at!r} is neither an ISO 8601 instant nor a time "
                "after the previous event such as +1h30m",
            )
        if times and instant < times[-1]:
            return times, (item.at_loc, f"event {number} is before the event above it")
        times.append(instant)
    return times, None


def story_times(test: JourneyTest) -> tuple[list[int], int, tuple[Loc, str] | None]:
    """The events' instants and the story's end (`until`, else its last event); or the
    place and reason of the first time that does not resolve."""
    times, problem = event_times(test.events)
    if problem is not None or not times:
        return times, 0, problem
    if test.until is None:
        return times, times[-1], None
    loc = test.locs.get("until", test.loc)
    offset = offset_seconds(test.until)
    end = times[-1] + offset * SECOND if offset is not None else _instant(test.until)
    if end is None:
        return times, 0, (loc, f"until: {test.until!r} is neither an instant nor +1h30m")
    if end < times[-1]:
        return times, 0, (loc, "until is before the last event")
    return times, end, None
