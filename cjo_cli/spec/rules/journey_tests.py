"""Rules of `kind: test` documents that their schema cannot say."""

from __future__ import annotations

from cjo_cli.findings import Level
from cjo_cli.model.journey_tests import story_times
from cjo_cli.spec.rules import RuleResult, WorkspaceIndex, rule


@rule(
    "bad-test-time",
    Level.ERROR,
    "A test's event time or `until` that is not an instant or `+1h30m`, or goes back in time.",
)
def bad_test_times(index: WorkspaceIndex) -> RuleResult:
    for test in index.workspace.tests.values():
        _, _, problem = story_times(test)
        if problem is not None:
            yield problem
