"""The checked model of a workspace: documents by kind and id, and the workspace policy."""

from __future__ import annotations

import pytest

from cjo_cli.model import (
    Funnel,
    FunnelStep,
    Loc,
    Persona,
    Phase,
    Phases,
    Policy,
    Workspace,
)
from cjo_cli.model.conditions import EventCondition, EventFilter
from cjo_cli.model.documents import DEFAULT_FUNNEL_WINDOW, FrequencyCap
from cjo_cli.model.timing import Duration


def policy(policy_id: str) -> Policy:
    return Policy(policy_id, policy_id.title())


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([], None),
        (["only"], "only"),
        (["default"], "default"),
        (["first", "default", "last"], "default"),  # `default` wins wherever it is
        (["b", "a"], "b"),  # else the first in file order, not by name
        (["zeta", "alpha", "mid"], "zeta"),
    ],
)
def test_workspace_policy(ids: list[str], expected: str | None) -> None:
    ws = Workspace(policies={policy_id: policy(policy_id) for policy_id in ids})
    got = ws.policy()
    assert (got.id if got is not None else None) == expected


def test_an_empty_workspace() -> None:
    ws = Workspace()
    tables = (ws.phases, ws.touchpoints, ws.personas, ws.journeys, ws.funnels, ws.maps)
    assert all(dict(table) == {} for table in (*tables, ws.policies))
    assert Workspace().phases is not Workspace().phases


def test_phases_ids_in_order() -> None:
    phases = Phases(
        "lifecycle",
        "Lifecycle",
        (Phase("awareness", "A"), Phase("purchase", "P"), Phase("advocacy", "Ad")),
        loop_to="purchase",
    )
    assert phases.ids() == ("awareness", "purchase", "advocacy")
    assert Phases("p", "P", ()).ids() == ()


def test_funnel_defaults() -> None:
    funnel = Funnel("f", "F", (FunnelStep(EventFilter("view"), "view"),))
    assert funnel.window == DEFAULT_FUNNEL_WINDOW == Duration(14 * 86400)
    assert str(funnel.window) == "14d"
    assert (funnel.order, funnel.exclusions, funnel.breakdown, funnel.kpi) == (
        "ordered",
        (),
        None,
        None,
    )


def test_documents_compare_without_locs() -> None:
    here = Policy(
        "default",
        "Default",
        (FrequencyCap("email", 1, Duration(86400, "1d")),),
        priority=("cart",),
        loc=Loc("a.yaml", 1, 1),
        locs={"priority": Loc("a.yaml", 4, 11)},
        priority_locs=(Loc("a.yaml", 4, 12),),
    )
    there = Policy(
        "default",
        "Default",
        (FrequencyCap("email", 1, Duration(86400, "24h")),),
        priority=("cart",),
    )
    assert here == there
    assert here != Policy("default", "Default", priority=("cart",))


def test_persona_profile_takes_no_part_in_equality() -> None:
    segment = EventCondition("view")
    assert Persona("p", "P", segment, profile={"age": 28}) == Persona("p", "P", segment)
    assert Persona("p", "P", segment) != Persona("p", "P", None)
