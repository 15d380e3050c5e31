"""Durations, clock times and percentages as the spec language writes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest

from cjo_cli.model.timing import Duration, parse_duration, parse_percent, parse_time_of_day


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("15m", 900),
        ("1h", 3600),
        ("7d", 604800),
        ("2w", 1209600),
        ("0s", 0),
        ("0d", 0),
        ("90m", 5400),
        ("007h", 25200),
        ("1000000w", 604800000000),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    got = parse_duration(text)
    assert (got.seconds, got.text, str(got)) == (seconds, text, text)


@pytest.mark.parametrize(
    "text",
    ["", "1", "h", "1.5h", "-1h", "+1h", "1H", "1 h", " 1h", "1h ", "1y", "1ms", "1h30m", "１h"],
)
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_duration_equality_and_order_ignore_the_text() -> None:
    assert Duration(60, "1m") == Duration(60, "60s")
    assert hash(Duration(60, "1m")) == hash(Duration(60, "60s"))
    assert Duration(3600, "1h") < Duration(86400, "1d")
    assert sorted([parse_duration("1d"), parse_duration("2h"), parse_duration("30m")]) == [
        Duration(1800),
        Duration(7200),
        Duration(86400),
    ]
    assert str(Duration(45)) == "45s"  # without a text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:00", time(0, 0)),
        ("08:05", time(8, 5)),
        ("19:00", time(19, 0)),
        ("23:59", time(23, 59)),
        ("12:30", time(12, 30)),
    ],
)
def test_parse_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    ["24:00", "9:00", "19:0", "19:60", "19", "19:00:00", "19.00", " 19:00", "19:00 ", "", "ab:cd"],
)
def test_parse_time_of_day_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a time of day"):
        parse_time_of_day(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10%", 10.0),
        ("0%", 0.0),
        ("100%", 100.0),
        ("12.5%", 12.5),
        ("007%", 7.0),
        (10, 10.0),
        (0, 0.0),
        (12.5, 12.5),
        (150, 150.0),  # the range is a semantic rule's business (`holdout`)
    ],
)
def test_parse_percent(value: str | int | float, expected: float) -> None:
    got = parse_percent(value)
    assert isinstance(got, float)
    assert got == expected


@pytest.mark.parametrize(
    "value", ["10", "10 %", "%", "-5%", ".5%", "5.%", "1e1%", "ten percent", "", True, False]
)
def test_parse_percent_refuses(value: str | bool) -> None:
    with pytest.raises(ValueError, match="is not a percentage"):
        parse_percent(value)


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        pytest.param(parse_duration, "1h\n", id="duration"),
        pytest.param(parse_time_of_day, "19:00\n", id="time"),
        pytest.param(parse_percent, "10%\n", id="percent"),
    ],
)
def test_a_trailing_newline_is_refused(parse: Callable[[str], object], text: str) -> None:
    with pytest.raises(ValueError):
        parse(text)
