"""The report's one number format (`numbers`): no `-0.0`, signed where asked."""

from __future__ import annotations

import pytest

from cjo_cli.output.numbers import fixed, points


@pytest.mark.parametrize(
    ("value", "digits", "signed", "text"),
    [
        (-0.04, 1, False, "0.0"),
        (-0.04, 1, True, "+0.0"),
        (-0.0, 1, True, "+0.0"),
        (-0.05001, 1, True, "-0.1"),
        (0.04, 1, True, "+0.0"),
        (12.345, 2, False, "12.35"),
        (-3.0, 0, True, "-3"),
        (-0.4, 0, False, "0"),
    ],
)
def test_fixed(value: float, digits: int, signed: bool, text: str) -> None:
    assert fixed(value, digits, signed) == text


@pytest.mark.parametrize(
    ("fraction", "text"),
    [(0.042, "+4.2"), (-0.0004, "+0.0"), (-0.0006, "-0.1"), (-0.1234, "-12.3"), (0.0, "+0.0")],
)
def test_points(fraction: float, text: str) -> None:
    assert points(fraction) == text
