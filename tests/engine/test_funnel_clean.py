"""The exclusion preference on DuckDB (`engine.funnel_clean`): excluded customers get the
earliest attempt of their level that no exclusion removes, also in what `--db` keeps,
in persona groups and on a slice of the log; the counts are held to the reference
under hypothesis in test_funnels.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjo_cli.engine import funnel_clean
from cjo_cli.engine.funnel_clean import prefer_clean_attempts
from cjo_cli.engine.funnel_result import FunnelOptions
from cjo_cli.engine.funnels import run_funnel
from cjo_cli.model import EventCondition, EventFilter, Exclusion, Funnel, Persona
from cjo_cli.model.clock import to_us
from tests.conftest import examples
from tests.engine import funnel_helpers as worked
from tests.engine.funnel_helpers import EPOCH, ev, load
from tests.engine.funnel_reference import LogEvent
from tests.engine.test_funnels import CUSTOMERS, NAMES, assert_same, funnels, run


def test_the_clean_attempt_is_what_db_keeps() -> None:
    con = load(worked.CLEAN_LATER_LOG)
    result = run_funnel(con, worked.CLEAN_LATER, FunnelOptions(keep_customers=True))
    assert (result.total.excluded, [s.customers for s in result.total.steps]) == (0, [1, 1, 1])
    ((level, excluded, times),) = con.execute(
        "SELECT level, excluded, list_transform(step_times, lambda x: epoch_us(x)) "
        "FROM funnel_customers"
    ).fetchall()
    base = to_us(EPOCH)
    assert (level, excluded) == (3, False)
    assert [(t - base) // 1_000_000 for t in times] == [0, 3, 4]
    # Nothing is left behind in the connection.
    names = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "cjo_ex" not in names


def test_in_persona_groups() -> None:
    # Only signed-up customers: c signed up before its view.
    log = [ev("c", "signup", 0), *worked.CLEAN_LATER_LOG]
    signed = Persona("signed", "signed", segment=EventCondition("signup"))
    options = FunnelOptions(breakdown="persona", personas={"signed": signed})
    result = run_funnel(load(log), worked.CLEAN_LATER, options)
    ((group),) = result.groups
    assert (group.label, group.excluded, [s.customers for s in group.steps]) == (
        "signed",
        0,
        [1, 1, 1],
    )


def test_on_a_slice() -> None:
    # --until 4 leaves the buy out: the level is 2. The attempt with the cart at 1 has the
    # refund (2) before its window's end; the one with the cart at 3 does not.
    until = to_us(EPOCH + dt.timedelta(seconds=4))
    options = FunnelOptions(until_us=until)
    result = run_funnel(load(worked.CLEAN_LATER_LOG), worked.CLEAN_LATER, options)
    assert [s.customers for s in result.total.steps] == [1, 1, 0]
    assert result.total.steps[1].median_seconds == 3.0


def test_without_exclusions_nothing_is_read() -> None:
    con = load(worked.CART_EXAMPLES)
    # No cjo_att is needed when the funnel has no exclusion: it returns at once.
    prefer_clean_attempts(con, worked.CART, FunnelOptions(), "hash")


# Few customers with many events, and an exclusion in every funnel: the logs where several
# longest attempts tie and only some have an excluded event inside.
busy_logs = st.lists(
    st.builds(
        ev,
        st.sampled_from(CUSTOMERS[:2]),
        st.sampled_from(NAMES),
        st.integers(0, 8),
        tier=st.sampled_from([1, 2]),
    ),
    max_size=14,
)


@st.composite
def excluding_funnels(draw: st.DrawFn, distinct: bool = False) -> Funnel:
    f = draw(funnels(distinct).filter(lambda f: len(f.steps) >= 2))
    first = draw(st.integers(1, len(f.steps) - 1))
    last = draw(st.integers(first + 1, len(f.steps)))
    event = EventFilter(draw(st.sampled_from(["other", "other", *NAMES[:3]])))
    return replace(f, exclusions=(Exclusion(event, first, last),))


@settings(max_examples=examples(75), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_logs, excluding_funnels())
def test_exclusion_preference_equals_reference(log: list[LogEvent], f: Funnel) -> None:
    assert_same(f, log)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_logs, excluding_funnels(distinct=True))
def test_exclusion_preference_on_the_sql_path(log: list[LogEvent], f: Funnel) -> None:
    assert run(f, log).engine == "sql"
    assert_same(f, log)


@st.composite
def from_step_one_funnels(draw: st.DrawFn) -> Funnel:
    """Ordered funnels of different events whose exclusions all start at step 1: the
    clean attempts are chosen in SQL among the starts' earliest chains."""
    f = draw(funnels(True).filter(lambda f: len(f.steps) >= 2 and f.order == "ordered"))
    count = draw(st.integers(1, 2))
    exclusions = tuple(
        Exclusion(
            EventFilter(draw(st.sampled_from(["other", *NAMES[:3]]))),
            1,
            draw(st.integers(2, len(f.steps))),
        )
        for _ in range(count)
    )
    return replace(f, exclusions=exclusions)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_logs, from_step_one_funnels())
def test_exclusions_from_step_one_are_resolved_in_sql(log: list[LogEvent], f: Funnel) -> None:
    with pytest.MonkeyPatch.context() as patch:

        def refuse(*args: object) -> object:
            raise AssertionError("went through the per-customer search")

        patch.setattr(funnel_clean, "clean_attempt", refuse)
        assert run(f, log).engine == "sql"
        assert_same(f, log)


def test_a_later_start_with_no_refund_inside_counts() -> None:
    # view 0, refund 1, view 2, refund 2, buy 3 (exclusion between steps 1 and 2): the
    # attempt from 0 has the refund at 1 inside; the one from 2 has none (the refund at
    # its start is not after it).
    f = replace(
        worked.funnel("view", "buy", window=10),
        exclusions=(Exclusion(EventFilter("refund"), 1, 2),),
    )
    log = [
        ev("a", "view", 0),
        ev("a", "refund", 1),
        ev("a", "view", 2),
        ev("a", "refund", 2),
        ev("a", "buy", 3),
    ]
    con = load(log)
    result = run_funnel(con, f, FunnelOptions(keep_customers=True))
    assert (result.total.excluded, [s.customers for s in result.total.steps]) == (0, [1, 1])
    ((times,),) = con.execute(
        "SELECT list_transform(step_times, lambda x: epoch_us(x)) FROM funnel_customers"
    ).fetchall()
    assert [(t - to_us(EPOCH)) // 1_000_000 for t in times] == [2, 3]
    names = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert not names & {"cjo_cand", "cjo_ex"}
