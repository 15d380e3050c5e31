"""The one way cjo's outputs write a rounded number or a rate: never `-0.0`.

Python keeps the sign of a negative number that rounds to zero (`f"{-0.04:.1f}"` is
`-0.0`), and a reader takes `-0.0 pt` for a loss. Every decimal the report shows goes
through `fixed`, so a difference that rounds to nothing reads `0.0` (`+0.0` signed).
"""

from __future__ import annotations


def fixed(value: float, digits: int = 1, signed: bool = False) -> str:
    """`value` with `digits` decimals; `signed` puts `+` before a positive one."""
    # Adding 0.0 turns the -0.0 that rounding leaves into 0.0.
    rounded = round(value, digits) + 0.0
    return f"{rounded:+.{digits}f}" if signed else f"{rounded:.{digits}f}"


def points(fraction: float, digits: int = 1) -> str:
    """A difference of two rates in percentage points, signed: `+4.2`, `0.0` → `+0.0`."""
    return fixed(fraction * 100, digits, signed=True)


def percent(fraction: float | None, missing: str = "-") -> str:
    """A rate as `12.3%`; `missing` where there is none (no customer to divide by)."""
    return missing if fraction is None else f"{fixed(fraction * 100)}%"
