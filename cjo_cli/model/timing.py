"""Durations, clock times and percentages as the spec language writes them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time

_DURATION = re.compile(r"^([0-9]+)([smhdw])\Z")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION_SECONDS = 3650 * 86400
"""The longest wait, window or period a workspace may write: 3650d (about ten years).
Longer ones are findings: no journey waits that long, and an instant that far past
the log's range (`events.tables.TS_END`) could not be computed with."""
_TIME_OF_DAY = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])\Z")
_PERCENT = re.compile(r"^([0-9]+(?:\.[0-9]+)?)%\Z")


@dataclass(frozen=True, order=True)
class Duration:
    """A span of time in whole seconds, remembered with the text it was written as."""

    seconds: int
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.text or f"{self.seconds}s"


def parse_duration(text: str) -> Duration:
    """`30s`, `15m`, `1h`, `7d`, `2w` → Duration. Raises ValueError otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration (use e.g. 30s, 15m, 1h, 7d, 2w)")
    return Duration(int(match.group(1)) * _UNIT_SECONDS[match.group(2)], text)


def parse_time_of_day(text: str) -> time:
    """`"19:00"` → time(19, 0). Raises ValueError otherwise."""
    match = _TIME_OF_DAY.match(text)
    if match is None:
        raise ValueError(f'{text!r} is not a time of day (use HH:MM, e.g. "19:00")')
    return time(int(match.group(1)), int(match.group(2)))


def parse_percent(value: str | int | float) -> float:
    """`"10%"` or `10` → 10.0 (percent). Raises ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a percentage")
    if isinstance(value, (int, float)):
        return float(value)
    match = _PERCENT.match(value)
    if match is None:
        raise ValueError(f'{value!r} is not a percentage (use e.g. "10%")')
    return float(match.group(1))
