"""The rule registry: ids, levels, summaries and scopes, and how checks become findings."""

from __future__ import annotations

import pytest

from cjo_cli.findings import Finding, Level
from cjo_cli.model import Loc, Workspace
from cjo_cli.spec import rules
from cjo_cli.spec.rules import (
    INPUT_RULES,
    LOADER_RULES,
    RULES,
    Declared,
    Reference,
    Rule,
    RuleResult,
    WorkspaceIndex,
    rule,
    rule_levels,
    rule_summaries,
    run_rules,
)

SEMANTIC = {
    # id: (level, scopes it is checked in)
    "unreachable-step": (Level.WARNING, {"document"}),
    "no-exit": (Level.ERROR, {"document"}),
    "wait-free-cycle": (Level.ERROR, {"document"}),
    "duplicate-id": (Level.ERROR, {"document", "workspace"}),
    "unknown-reference": (Level.ERROR, {"document", "workspace"}),
    "bad-step-number": (Level.ERROR, {"document"}),
    "timeout-beyond-goal": (Level.WARNING, {"document"}),
    "timer-at-goal-window": (Level.WARNING, {"document"}),
    "bad-timezone": (Level.ERROR, {"document"}),
    "zero-duration": (Level.ERROR, {"document"}),
    "duration-too-long": (Level.ERROR, {"document"}),
    "holdout": (Level.ERROR, {"document"}),
    "holdout-large": (Level.WARNING, {"document"}),
    "ab-weights": (Level.ERROR, {"document"}),
    "missing-else": (Level.ERROR, {"document"}),
    "dead-branch": (Level.WARNING, {"document"}),
}


@pytest.mark.parametrize("rule_id", sorted(SEMANTIC))
def test_semantic_rules_are_registered(rule_id: str) -> None:
    level, scopes = SEMANTIC[rule_id]
    registered = [r for r in RULES if r.id == rule_id]
    assert {r.scope for r in registered} == scopes
    assert {r.level for r in registered} == {level}
    assert rule_levels()[rule_id] is level


def test_every_registered_rule_has_a_level_summary_and_scope() -> None:
    assert RULES, "importing cjo_cli.spec.rules registers the rule modules"
    for registered in RULES:
        assert isinstance(registered, Rule)
        assert isinstance(registered.level, Level)
        assert registered.scope in ("document", "workspace")
        assert registered.summary[:1].isupper() and registered.summary.endswith(".")
        assert callable(registered.check)
    # One check per (id, scope): the same id in two scopes is two checks of one rule.
    pairs = [(r.id, r.scope) for r in RULES]
    assert len(pairs) == len(set(pairs))


def test_loader_input_and_semantic_ids_do_not_clash() -> None:
    semantic = {r.id for r in RULES}
    assert not set(LOADER_RULES) & semantic
    assert not set(INPUT_RULES) & semantic
    assert not set(LOADER_RULES) & set(INPUT_RULES)
    assert INPUT_RULES["event-not-in-log"][0] is Level.WARNING
    assert all(level is Level.ERROR for level, _ in LOADER_RULES.values())


def test_rule_levels_and_summaries_cover_every_id() -> None:
    every = set(LOADER_RULES) | set(INPUT_RULES) | {r.id for r in RULES}
    assert set(rule_levels()) == every
    assert set(rule_summaries()) == every
    assert all(text.strip() for text in rule_summaries().values())
    assert rule_levels()["yaml-syntax"] is Level.ERROR
    assert rule_summaries()["yaml-syntax"] == LOADER_RULES["yaml-syntax"][1]
    assert rule_summaries()["event-not-in-log"] == INPUT_RULES["event-not-in-log"][1]


def test_an_id_checked_twice_has_the_summary_registered_first() -> None:
    first = next(r for r in RULES if r.id == "duplicate-id")
    assert rule_summaries()["duplicate-id"] == first.summary
    assert first.scope == "workspace"


HERE = Loc("a.yaml", 3, 7)
THERE = Loc("b.yaml", 1, 2)


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> list[Rule]:
    """An empty registry for the duration of a test."""
    registry: list[Rule] = []
    monkeypatch.setattr(rules, "RULES", registry)
    return registry


def test_rule_registers_a_check_and_returns_it(fresh: list[Rule]) -> None:
    def check(index: WorkspaceIndex) -> RuleResult:
        yield HERE, "x"

    assert rule("my-rule", Level.WARNING, "Mine.")(check) is check
    assert fresh == [Rule("my-rule", Level.WARNING, "Mine.", "document", check)]
    assert rule_levels()["my-rule"] is Level.WARNING
    assert rule_summaries()["my-rule"] == "Mine."


def test_run_rules_turns_results_into_findings_by_scope(fresh: list[Rule]) -> None:
    seen: list[WorkspaceIndex] = []

    @rule("doc-rule", Level.ERROR, "Doc.")
    def doc_rule(index: WorkspaceIndex) -> RuleResult:
        seen.append(index)
        yield HERE, "first"
        yield THERE, "second"

    @rule("ws-rule", Level.WARNING, "Ws.", scope="workspace")
    def ws_rule(index: WorkspaceIndex) -> RuleResult:
        yield THERE, f"{len(index.declared)} declared"

    @rule("quiet", Level.ERROR, "Quiet.")
    def quiet(index: WorkspaceIndex) -> RuleResult:
        return iter(())

    index = WorkspaceIndex(declared=(Declared("persona", "p", HERE),))
    assert run_rules(index, "document") == [
        Finding("a.yaml", 3, 7, Level.ERROR, "doc-rule", "first"),
        Finding("b.yaml", 1, 2, Level.ERROR, "doc-rule", "second"),
    ]
    assert seen == [index]
    assert run_rules(index, "workspace") == [
        Finding("b.yaml", 1, 2, Level.WARNING, "ws-rule", "1 declared")
    ]


def test_workspace_index_defaults() -> None:
    index = WorkspaceIndex()
    assert index.workspace == Workspace()
    assert (index.declared, index.references, index.provided) == ((), (), {})
    assert WorkspaceIndex().provided is not WorkspaceIndex().provided
    assert Declared("journey", "j", HERE).valid is True
    ref = Reference("persona", "lisa", HERE, "journey 'j'")
    assert (ref.namespace, ref.ident, ref.where) == ("persona", "lisa", "journey 'j'")


def test_the_real_rules_find_nothing_in_an_empty_index() -> None:
    assert run_rules(WorkspaceIndex(), "document") == []
    assert run_rules(WorkspaceIndex(), "workspace") == []
