"""Semantic rules (docs/rules.md): each a small function with an id, a level and a summary.

Rules come in two scopes, so that files can be checked on several cores:

- `document` rules read the model of one file's valid documents (a journey's
  step graph, its settings) and run where the file is checked;
- `workspace` rules read only compact facts gathered from every file: the ids
  each file declares, the names it provides (phases, journeys with an ab
  step) and the references it makes. They run once, after all files.

A rule yields `(loc, message)` pairs; the registry turns them into findings.
Rules are registered by importing their modules, at the end of this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from cjo_cli.findings import Finding, Level
from cjo_cli.model import Loc, Workspace


@dataclass(frozen=True)
class Declared:
    """A document's kind and id as written, with where its id is, and whether it is valid."""

    kind: str
    id: str
    loc: Loc
    valid: bool = True


@dataclass(frozen=True)
class Reference:
    """A name one document uses that another document must provide."""

    namespace: str
    """`persona`, `touchpoint`, `journey`, `funnel`, `phases` (document ids); `phase`
    (any phase); `phase_of:ID` (a phase of that phases document); `journey_with_ab`."""
    ident: str
    loc: Loc
    where: str
    """Who refers, for the message: "journey 'cart'"."""


@dataclass(frozen=True)
class WorkspaceIndex:
    """What rules read.

    Document rules read `workspace` (the model of one file). Workspace rules
    read `declared`, `references` and `provided` (gathered from all files).
    """

    workspace: Workspace = field(default_factory=Workspace)
    declared: tuple[Declared, ...] = ()
    references: tuple[Reference, ...] = ()
    provided: dict[str, set[str]] = field(default_factory=dict)
    alone: bool = False
    """The files were checked alone (no workspace found): other documents are unseen."""


RuleResult = Iterator[tuple[Loc, str]]
RuleCheck = Callable[[WorkspaceIndex], RuleResult]
Scope = Literal["document", "workspace"]


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    summary: str
    scope: Scope
    check: RuleCheck


RULES: list[Rule] = []

# Rules that are not semantic: the loader's and the schema check's.
LOADER_RULES: dict[str, tuple[Level, str]] = {
    "yaml-syntax": (Level.ERROR, "The file is not well-formed YAML."),
    "yaml-tag": (Level.ERROR, "A YAML tag other than the core ones (e.g. !!python/object)."),
    "yaml-key": (Level.ERROR, "A mapping key that is not a plain scalar, or a bad '<<' merge."),
    "duplicate-key": (Level.ERROR, "The same key twice in one mapping."),
    "yaml-alias-limit": (
        Level.ERROR,
        "Alias expansion over the node budget, or a recursive alias.",
    ),
    "yaml-depth-limit": (Level.ERROR, "Nesting deeper than the depth limit."),
    "file-too-large": (Level.ERROR, "A file over the size limit."),
    "encoding": (Level.ERROR, "A file that is not UTF-8 text."),
    "unreadable": (Level.ERROR, "A file that cannot be read."),
    "outside-workspace": (
        Level.ERROR,
        "A file reached through a symbolic link to outside the workspace (not read).",
    ),
    "special-file": (
        Level.ERROR,
        "A FIFO, device or socket where a YAML file was expected (not opened).",
    ),
    "empty-file": (Level.ERROR, "A file without any YAML document."),
    "unknown-kind": (Level.ERROR, "A document whose kind is not one of cjo's kinds."),
    "missing-key": (Level.ERROR, "A required key is missing."),
    "unknown-key": (Level.ERROR, "A key the schema does not know (with a did-you-mean)."),
    "bad-type": (Level.ERROR, "A value of the wrong type."),
    "bad-value": (Level.ERROR, "A value the schema does not allow."),
    "bad-id": (Level.ERROR, "An id that does not match ^[a-z][a-z0-9_]*$."),
    "bad-duration": (Level.ERROR, "A duration that is not 30s, 15m, 1h, 7d or 2w style."),
    "bad-time-of-day": (Level.ERROR, 'A time of day that is not "HH:MM".'),
    "bad-percent": (Level.ERROR, 'A percentage that is not like "10%".'),
    "bad-date": (Level.ERROR, "A date that is not a calendar day YYYY-MM-DD."),
}


def rule(
    rule_id: str, level: Level, summary: str, scope: Scope = "document"
) -> Callable[[RuleCheck], RuleCheck]:
    def register(check: RuleCheck) -> RuleCheck:
        RULES.append(Rule(rule_id, level, summary, scope, check))
        return check

    return register


# Rules that need more than the workspace (an event log).
INPUT_RULES: dict[str, tuple[Level, str]] = {
    "event-not-in-log": (
        Level.WARNING,
        "An event the workspace names (funnel step or exclusion, journey entry, goal, "
        "exit_on, wait_for, touchpoint event, condition) that the given --log never contains.",
    ),
    "property-not-in-log": (
        Level.WARNING,
        "An event property read in a where, a condition or a breakdown that no such event "
        "in the given --log carries.",
    ),
}


def rule_levels() -> dict[str, Level]:
    """Every rule id cjo can report, with its level."""
    levels = {rule_id: level for rule_id, (level, _) in {**LOADER_RULES, **INPUT_RULES}.items()}
    levels.update({r.id: r.level for r in RULES})
    return levels


def rule_summaries() -> dict[str, str]:
    """Every rule id cjo can report, with its one-line summary."""
    summaries = {rule_id: text for rule_id, (_, text) in {**LOADER_RULES, **INPUT_RULES}.items()}
    for registered in RULES:
        summaries.setdefault(registered.id, registered.summary)
    return summaries


def run_rules(index: WorkspaceIndex, scope: Scope) -> list[Finding]:
    findings = []
    for registered in RULES:
        if registered.scope != scope:
            continue
        for loc, message in registered.check(index):
            findings.append(
                Finding(loc.path, loc.line, loc.col, registered.level, registered.id, message)
            )
    return findings


from cjo_cli.spec.rules import (  # noqa: E402, F401
    audience,
    graph,
    journey_tests,
    references,
    settings,
)
