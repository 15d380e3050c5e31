"""The compiled loops of `engine/_funnel_kernels.c` against their numpy equals: `order`
sorts the step rows exactly as numpy's lexsort by (key, time) does (the rows of one
instant in any order), and `attempts` gives `funnel_ordered._attempts_numpy`'s levels,
chains, counted and tied starts and collision check, on random rows (hypothesis),
text keys included. Bad arguments raise, they do not crash."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cjo_cli.engine import funnel_ordered

kernels = funnel_ordered._funnel_kernels
pytestmark = pytest.mark.skipif(
    kernels is None, reason="the compiled kernels were not built here (no C compiler)"
)

# Keys drawn from a few customers, as 64-bit hashes are (all bits), as small numbers
# (every key in the first bucket: the insertion and qsort paths), or sharing the two
# top digits the sort buckets by.
KEYS = st.one_of(
    st.integers(0, (1 << 64) - 1),
    st.integers(0, 40),
    st.integers(0, 1 << 20).map(lambda low: (0xABCDE << 42) | low),
)


@st.composite
def step_rows(draw: st.DrawFn) -> dict[str, Any]:
    customers = draw(st.lists(KEYS, min_size=1, max_size=8, unique=True))
    count = draw(st.integers(0, 400))
    pick = draw(st.lists(st.integers(0, len(customers) - 1), min_size=count, max_size=count))
    times = draw(st.lists(st.integers(-5, 60), min_size=count, max_size=count))
    masks = draw(st.lists(st.integers(0, 15), min_size=count, max_size=count))
    keys = np.array([customers[i] for i in pick], dtype=np.uint64)
    return {
        "k": keys,
        "t": np.array(times, dtype=np.int64) * 1_000_000,
        "k2": keys ^ np.uint64(0x5BD1E995),
        "mask": np.array(masks, dtype=draw(st.sampled_from([np.int32, np.int64]))),
        "chunks": draw(st.integers(1, 5)),
        "threads": draw(st.sampled_from([1, 2])),
    }


def sorted_by_kernel(rows: dict[str, Any]) -> np.ndarray[Any, Any]:
    count = len(rows["k"])
    cuts = np.linspace(0, count, rows["chunks"] + 1).astype(int)
    chunks = {
        name: [rows[name][a:b] for a, b in pairwise(cuts)] for name in ("k", "t", "k2", "mask")
    }
    table = np.empty((count, 4), dtype=np.int64)
    assert kernels is not None
    kernels.order(chunks["k"], chunks["t"], chunks["k2"], chunks["mask"], table, rows["threads"])
    return table


@given(step_rows())
def test_order_sorts_as_lexsort_does(rows: dict[str, Any]) -> None:
    table = sorted_by_kernel(rows)
    reference = np.lexsort((rows["t"], rows["k"]))
    assert table[:, 0].view(np.uint64).tolist() == rows["k"][reference].tolist()
    assert table[:, 1].tolist() == rows["t"][reference].tolist()
    # Every row is there once, its columns together (ties may come in any order).
    given_rows = zip(
        rows["k"].tolist(), rows["t"].tolist(), rows["k2"].tolist(), rows["mask"], strict=True
    )
    got_rows = zip(
        table[:, 0].view(np.uint64).tolist(),
        table[:, 1].tolist(),
        table[:, 2].view(np.uint64).tolist(),
        table[:, 3].tolist(),
        strict=True,
    )
    assert sorted(got_rows) == sorted((k, t, s, int(m)) for k, t, s, m in given_rows)


@given(
    step_rows(),
    st.integers(1, 5),
    st.integers(0, 30),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_attempts_are_the_numpy_attempts(
    rows: dict[str, Any], steps: int, window_s: int, collide: bool, text: bool, in_place: bool
) -> None:
    table = sorted_by_kernel(rows)
    table[:, 3] &= (1 << steps) - 1
    keys: np.ndarray[Any, Any] = table[:, 0].view(np.uint64)
    seconds = table[:, 2].view(np.uint64)
    if collide and len(seconds) > 1:
        seconds[len(seconds) // 2] ^= np.uint64(1)  # another id under some key, maybe
    if text:
        keys = np.array([f"id{k}" for k in keys.tolist()], dtype=object)
    # In place: the columns of the sorted table as they lie (a stride of four), as
    # funnel_ordered reads them; else contiguous copies, as its other readers give them.
    times, masks = table[:, 1], table[:, 3]
    if not in_place:
        times, masks, seconds = (np.ascontiguousarray(c) for c in (times, masks, seconds))
    starts = np.flatnonzero(masks & 1)
    window = window_s * 1_000_000
    got = funnel_ordered._attempts_compiled(keys, times, masks, seconds, starts, steps, window)
    want = funnel_ordered._attempts_numpy(keys, times, masks, seconds, starts, steps, window)
    level, chain, chosen, reaches, distinct = got
    assert level.dtype == want[0].dtype
    assert level.tolist() == want[0].tolist()
    assert [c.tolist() for c in chain] == [c.tolist() for c in want[1]]
    assert chosen.tolist() == want[2].tolist()
    assert reaches.tolist() == want[3].tolist()
    assert distinct == want[4]


@pytest.mark.parametrize("threads", [1, 2])
def test_enough_rows_for_two_threads_sort_as_lexsort_does(threads: int) -> None:
    # From 65,536 rows the buckets are finished on two threads (each its half).
    rng = np.random.default_rng(3)
    count = 200_000
    keys = rng.integers(0, (1 << 64) - 1, 30_000, dtype=np.uint64, endpoint=True)
    rows = {
        "k": keys[rng.integers(0, len(keys), count)],
        "t": rng.integers(0, 1000, count, dtype=np.int64),
        "mask": rng.integers(1, 16, count, dtype=np.int32),
        "chunks": 4,
        "threads": threads,
    }
    rows["k2"] = rows["k"] + np.uint64(1)
    table = sorted_by_kernel(rows)
    reference = np.lexsort((rows["t"], rows["k"]))
    assert np.array_equal(table[:, 0].view(np.uint64), rows["k"][reference])
    assert np.array_equal(table[:, 1], rows["t"][reference])
    assert np.array_equal(table[:, 2].view(np.uint64), table[:, 0].view(np.uint64) + 1)
    assert sorted(table[:, 3].tolist()) == sorted(rows["mask"].tolist())


def test_one_customer_of_many_rows_in_reverse_order() -> None:
    count = 5000
    rows = {
        "k": np.full(count, 7, dtype=np.uint64),
        "t": np.arange(count, 0, -1, dtype=np.int64) // 2,
        "k2": np.zeros(count, dtype=np.uint64),
        "mask": np.ones(count, dtype=np.int64),
        "chunks": 3,
        "threads": 2,
    }
    assert sorted_by_kernel(rows)[:, 1].tolist() == sorted(rows["t"].tolist())


def test_bad_arguments_raise() -> None:
    assert kernels is not None
    ints = np.zeros(4, dtype=np.int64)
    table = np.empty((4, 4), dtype=np.int64)
    with pytest.raises(ValueError, match="different chunks"):
        kernels.order([ints], [ints], [ints], [], table, 1)
    with pytest.raises(ValueError, match="bad columns"):
        kernels.order([ints], [ints[:3]], [ints], [ints], table, 1)
    with pytest.raises(ValueError, match="scratch"):
        kernels.order([ints], [ints], [ints], [ints], np.empty(3, dtype=np.int64), 1)
    with pytest.raises(TypeError, match="lists"):
        kernels.order(ints, ints, ints, ints, table, 1)
    with pytest.raises(ValueError, match="not rows of step 1"):
        attempts_with(starts=np.array([9]))  # past the rows
    with pytest.raises(ValueError, match="not rows of step 1"):
        attempts_with(masks=ints)  # row 0 fills no step 1
    with pytest.raises(ValueError, match="level"):
        attempts_with(level=ints[:2])
    with pytest.raises(ValueError, match="chosen"):
        attempts_with(chosen=ints)
    with pytest.raises(ValueError, match="bad sizes"):
        attempts_with(steps=63)
    with pytest.raises(ValueError, match="times"):
        attempts_with(times=np.zeros((4, 2), dtype=np.int64))  # no column
    with pytest.raises(ValueError, match="keys"):
        attempts_with(keys=np.zeros(4, dtype=np.int32))
    # A column with a stride is read in place, whichever way it runs.
    assert attempts_with(times=np.zeros((4, 3), dtype=np.int64)[:, 1]) is True
    assert attempts_with(seconds=np.zeros(8, dtype=np.int64)[::-2]) is True


def attempts_with(**changed: Any) -> bool:
    """`attempts` on 4 rows of one customer (each fills step 1; row 0 is given as the
    one start), a 2-step funnel, with the arguments `changed` instead."""
    assert kernels is not None
    ints = np.zeros(4, dtype=np.int64)
    flags = np.zeros(1, dtype=np.bool_)
    given: dict[str, Any] = {
        "keys": ints,
        "times": ints,
        "masks": np.ones(4, dtype=np.int64),
        "seconds": ints,
        "starts": ints[:1],
        "steps": 2,
        "level": ints[:1],
        "chain": ints[:2],
        "chosen": flags,
        "reaches": flags,
    } | changed
    return kernels.attempts(
        4,
        1,
        *(given[name] for name in ("keys", "times", "masks", "seconds", "starts", "steps")),
        0,
        *(given[name] for name in ("level", "chain", "chosen", "reaches")),
    )


def test_the_unchanged_arguments_of_the_bad_argument_cases_are_good() -> None:
    # So that each case above fails for the one argument it changes.
    assert attempts_with() is True
