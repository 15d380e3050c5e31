"""Breakdown attribution on DuckDB, held to the reference (tests/engine/funnel_reference.py):
PostHog's worked examples of its attribution types, then hypothesis on small logs with a
`channel` on some events, for every attribution. (Kept out of test_funnels.py, whose
worked cases the Spark engine also runs: Spark has no `all_steps` yet.)"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjo_cli.model import Funnel
from tests.conftest import examples
from tests.engine import funnel_helpers as worked
from tests.engine.funnel_helpers import ev
from tests.engine.funnel_reference import LogEvent, breakdown_counts
from tests.engine.test_funnels import CUSTOMERS, NAMES, funnels, run


@pytest.mark.parametrize(
    ("by", "groups"),
    [
        ("browser", {"Chrome": [1, 1], "Firefox": [1, 1]}),
        ("browser:last_touch", {"Firefox": [2, 2]}),
        ("browser:step1", {"(none)": [1, 1], "Chrome": [1, 1]}),
        ("browser:step2", {"Firefox": [2, 2]}),
    ],
)
def test_attribution_as_posthog(by: str, groups: dict[str, list[int]]) -> None:
    # PostHog's attribution examples (funnel_helpers.ATTRIBUTION_LOG).
    result = run(worked.SIGNUP, worked.ATTRIBUTION_LOG, breakdown=by)
    assert {g.label: [s.customers for s in g.steps] for g in result.groups} == groups


def test_all_steps_as_posthog() -> None:
    # PostHog's "All steps" example: the person counts in Chrome for all three steps and
    # in Firefox for the pageview; the groups overlap, so they are not compared.
    result = run(worked.POSTED, worked.ALL_STEPS_LOG, breakdown="browser:all-steps")
    assert result.breakdown_by == "browser (all steps)"
    assert {g.label: [s.customers for s in g.steps] for g in result.groups} == {
        "Chrome": [1, 1, 1],
        "Firefox": [1, 0, 0],
    }
    assert result.groups_overlap
    assert [s.customers for s in result.total.steps] == [1, 1, 1]


channel_logs = st.lists(
    st.builds(
        ev,
        st.sampled_from(CUSTOMERS[:3]),
        st.sampled_from(NAMES),
        st.integers(0, 8),
        tier=st.sampled_from([1, 2]),
        channel=st.sampled_from([None, "web", "app"]),
    ),
    max_size=14,
)
ATTRIBUTIONS = ["first_touch", "last_touch", "step_1", "step_2", "step_3", "all_steps"]


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(channel_logs, funnels(), st.sampled_from(ATTRIBUTIONS))
def test_breakdown_groups_equal_reference(log: list[LogEvent], f: Funnel, attribution: str) -> None:
    if attribution.startswith("step_") and int(attribution[-1]) > len(f.steps):
        return
    result = run(f, log, breakdown=f"channel:{attribution}")
    got = {g.label: [s.customers for s in g.steps] for g in result.groups}
    assert got == breakdown_counts(f, log, "channel", attribution)
    assert result.groups_overlap == (attribution == "all_steps")
