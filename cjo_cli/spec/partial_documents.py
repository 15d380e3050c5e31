"""The semantic findings of documents that failed their schema.

A document with a schema error is left out of the model, but its other mistakes
should not wait for the next run: a user who fixes seven schema findings should not
then meet ten more. So each such document is built anyway, where it can be, and
the document rules and its references are checked on it. Findings at a place the
schema already reported are dropped, so one mistake is said once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cjo_cli.findings import Finding
from cjo_cli.model import Document, Workspace
from cjo_cli.spec.build import Builder
from cjo_cli.spec.rules import Reference, WorkspaceIndex, run_rules
from cjo_cli.spec.rules.references import collect_references

# A document that failed its schema can hold any value where the model expects
# another: building it or checking it may trip in many ways. Such a document says
# nothing more rather than stop the whole run.
_TRIPS = (
    ArithmeticError,
    AttributeError,
    LookupError,
    StopIteration,
    TypeError,
    ValueError,
)


def build_partial(builder: Builder, root: Any) -> Document | None:
    """The document as far as it can be built; None when it cannot."""
    try:
        return builder.build(root)
    except _TRIPS:
        return None


def partial_findings(
    documents: Sequence[tuple[str, Document]],
    schema_findings: Iterable[Finding],
    workspace_of: Callable[[Iterable[tuple[str, Document]]], Workspace],
) -> tuple[list[Finding], list[Reference]]:
    """The document rules' findings and the references of documents that failed their
    schema (each checked alone, so one that trips a rule does not silence the others)."""
    taken = {(f.path, f.line, f.col) for f in schema_findings}
    findings: list[Finding] = []
    references: list[Reference] = []
    for document in documents:
        try:
            alone = workspace_of([document])
            found = run_rules(WorkspaceIndex(alone), "document")
            refs = list(collect_references(alone))
        except _TRIPS:
            continue
        findings += [f for f in found if (f.path, f.line, f.col) not in taken]
        references += refs
    return findings, references
