"""Test stories' times: instants, or `+1h30m` after the previous event; `until`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cjo_cli.model import Loc
from cjo_cli.model.clock import SECOND, parse_instant
from cjo_cli.model.journey_tests import (
    Expect,
    JourneyTest,
    StoryEvent,
    event_times,
    offset_seconds,
    story_times,
)

T0 = "2026-06-01T10:00:00Z"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("+1h30m", 5400), ("+45s", 45), ("+2d", 172800), ("+1w1d", 691200), ("+0s", 0)],
)
def test_offsets(text: str, seconds: int) -> None:
    assert offset_seconds(text) == seconds


@pytest.mark.parametrize("text", ["1h", "+", "+1x", "+h", T0, "-1h", "+1h 30m"])
def test_not_offsets(text: str) -> None:
    assert offset_seconds(text) is None


def events(*times: str) -> tuple[StoryEvent, ...]:
    return tuple(StoryEvent(at, "e", at_loc=Loc("t.yaml", n, 9)) for n, at in enumerate(times, 1))


def test_relative_times_add_up() -> None:
    times, problem = event_times(events(T0, "+1h", "+30m", "2026-06-01T12:00:00Z"))
    start = parse_instant(T0)
    assert problem is None
    assert times == [start, start + 3600 * SECOND, start + 5400 * SECOND, start + 7200 * SECOND]


@pytest.mark.parametrize(
    ("given_times", "line", "reason"),
    [
        (("+1h",), 1, "after nothing"),
        ((T0, "soon"), 2, "neither an ISO 8601 instant"),
        ((T0, "2026-05-01T00:00:00Z"), 2, "before the event above it"),
    ],
)
def test_what_does_not_resolve(given_times: tuple[str, ...], line: int, reason: str) -> None:
    _, problem = event_times(events(*given_times))
    assert problem is not None
    assert problem[0].line == line and reason in problem[1]


@given(st.lists(st.integers(0, 10**6), max_size=20))
def test_offsets_never_go_back(gaps: list[int]) -> None:
    times, problem = event_times(events(T0, *(f"+{gap}s" for gap in gaps)))
    assert problem is None and times == sorted(times) and len(times) == len(gaps) + 1


def story(until: str | None) -> JourneyTest:
    return JourneyTest(
        "t", "t", "j", events(T0, "+1h"), Expect(), until=until, locs={"until": Loc("t", 9, 8)}
    )


def test_the_story_ends_at_until_or_its_last_event() -> None:
    start = parse_instant(T0)
    assert story_times(story(None))[1] == start + 3600 * SECOND
    assert story_times(story("+1d"))[1] == start + (3600 + 86400) * SECOND
    assert story_times(story("2026-06-08T00:00:00Z"))[1] == parse_instant("2026-06-08T00:00Z")
    assert story_times(story("2026-05-01T00:00:00Z"))[2] == (
        Loc("t", 9, 8),
        "until is before the last event",
    )
    assert "neither an instant" in (story_times(story("later"))[2] or ("", ""))[1]
