"""Semantic rules (SPEC §6): each a small function with an id, a level and a summary.

A rule reads the whole workspace (its checked model and the ids it declares)
and yields `(loc, message)` pairs; the registry turns them into findings.
Rules are registered by importing their modules, at the end of this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cjo_cli.findings import Finding, Level
from cjo_cli.model import Loc, Workspace


@dataclass(frozen=True)
class Declared:
    """A document's kind and id as written, valid or not, with where its id is."""

    kind: str
    id: str
    loc: Loc


@dataclass(frozen=True)
class WorkspaceIndex:
    """What rules read: the model of the valid documents, and every declared id."""

    workspace: Workspace
    declared: tuple[Declared, ...] = ()
    known: dict[str, set[str]] = field(default_factory=dict)

    def knows(self, kind: str, ident: str) -> bool:
        return ident in self.known.get(kind, set())


RuleResult = Iterator[tuple[Loc, str]]
RuleCheck = Callable[[WorkspaceIndex], RuleResult]


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    summary: str
    check: RuleCheck


RULES: dict[str, Rule] = {}

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
}


def rule(rule_id: str, level: Level, summary: str) -> Callable[[RuleCheck], RuleCheck]:
    def register(check: RuleCheck) -> RuleCheck:
        RULES[rule_id] = Rule(rule_id, level, summary, check)
        return check

    return register


def rule_summaries() -> dict[str, str]:
    """Every rule id cjo can report, with its one-line summary."""
    summaries = {rule_id: text for rule_id, (_, text) in LOADER_RULES.items()}
    summaries.update({r.id: r.summary for r in RULES.values()})
    return summaries


def run_rules(index: WorkspaceIndex) -> list[Finding]:
    findings = []
    for registered in RULES.values():
        for loc, message in registered.check(index):
            findings.append(
                Finding(loc.path, loc.line, loc.col, registered.level, registered.id, message)
            )
    return findings


from cjo_cli.spec.rules import graph, references, settings  # noqa: E402, F401
