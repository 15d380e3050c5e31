"""The stable hashes of a replay (`engine.replay_records`): `stable_fraction` is the same
on every run and in [0, 1); `in_holdout` holds out about `percent` of the customers,
and nobody at 0%."""

from __future__ import annotations

import hashlib

import pytest

from cjo_cli.engine.replay_records import NEVER, in_holdout, stable_fraction

IDS = [f"customer-{i}" for i in range(20_000)]


def blake2b_fraction(*parts: str) -> float:
    """The definition, written out: the first 8 bytes of BLAKE2b over the parts joined
    by U+001F, as a fraction of 2**64."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@pytest.mark.parametrize(
    ("parts", "value"),
    [
        # Pinned: a change here reassigns every holdout and A/B variant of every user.
        (("cart", "lisa", "holdout"), 0.8505133064606712),
        (("a",), 0.25379361057584854),
        ((), 0.8931675160897388),
    ],
)
def test_stable_fraction_is_pinned(parts: tuple[str, ...], value: float) -> None:
    assert stable_fraction(*parts) == value
    assert stable_fraction(*parts) == blake2b_fraction(*parts)


def test_stable_fraction_is_stable_and_in_range() -> None:
    values = [stable_fraction("j", c, "seed") for c in IDS]
    assert values == [stable_fraction("j", c, "seed") for c in IDS]
    assert all(0.0 <= v < 1.0 for v in values)
    # Spread over the interval: each tenth gets about 2,000 of 20,000.
    tenths = [0] * 10
    for v in values:
        tenths[int(v * 10)] += 1
    assert all(1_800 < n < 2_200 for n in tenths), tenths


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("ab", "c"), ("a", "bc")),  # the separator keeps the parts apart
        (("j", "c", "holdout"), ("j", "c", "seed")),
        (("j1", "c"), ("j2", "c")),
        (("日本", "c"), ("日本", "d")),
    ],
)
def test_the_parts_matter(left: tuple[str, ...], right: tuple[str, ...]) -> None:
    assert stable_fraction(*left) != stable_fraction(*right)


@pytest.mark.parametrize("percent", [1.0, 10.0, 25.0, 50.0, 99.5])
def test_in_holdout_share(percent: float) -> None:
    # 20,000 ids: the share's standard deviation is at most 0.35 points; allow 1.5.
    share = sum(in_holdout("journey", c, percent) for c in IDS) / len(IDS) * 100
    assert abs(share - percent) < 1.5


def test_in_holdout_is_the_fraction_below_the_percent() -> None:
    for c in IDS[:500]:
        expected = stable_fraction("journey", c, "holdout") * 100 < 10
        assert in_holdout("journey", c, 10) is expected
        assert in_holdout("journey", c, 10) is in_holdout("journey", c, 10)


def test_a_larger_holdout_contains_the_smaller() -> None:
    small = {c for c in IDS if in_holdout("j", c, 10)}
    large = {c for c in IDS if in_holdout("j", c, 30)}
    assert small < large


def test_journeys_hold_out_different_customers() -> None:
    first = {c for c in IDS if in_holdout("j1", c, 50)}
    second = {c for c in IDS if in_holdout("j2", c, 50)}
    assert first != second
    # Independent: about a quarter are in both.
    assert abs(len(first & second) / len(IDS) - 0.25) < 0.02


@pytest.mark.parametrize("percent", [0.0, -5.0])
def test_nobody_at_zero(percent: float) -> None:
    assert not any(in_holdout("j", c, percent) for c in IDS)


def test_everybody_at_a_hundred() -> None:
    assert all(in_holdout("j", c, 100) for c in IDS)


def test_never_is_later_than_any_log() -> None:
    # Microseconds: 2**62 is about the year 148,000.
    assert NEVER == 1 << 62
    assert NEVER > 4_102_444_800 * 1_000_000  # 2100-01-01
