"""Find a workspace, load every file of it, and check it as a whole.

How the workspace of a path is found (documented in the README):

1. `--workspace DIR` when given;
2. else the nearest directory, from the path upwards, that holds a
   `.cjo-workspace` marker file or is named `journeys`;
3. else, for a directory given on the command line, that directory; for a
   file, the file alone.

References resolve against the whole workspace; findings are reported only
for the paths given (a directory stands for every YAML file under it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cjo_cli.findings import Finding, Level
from cjo_cli.model import Document, Loc, Workspace
from cjo_cli.spec.build import Builder
from cjo_cli.spec.rules import Declared, WorkspaceIndex, run_rules
from cjo_cli.spec.schema_check import KINDS, check_document
from cjo_cli.spec.yaml_loader import Limits, load_file

MARKER = ".cjo-workspace"
WORKSPACE_DIR_NAME = "journeys"
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class FileResult:
    """What one file contributes: its findings, the ids it declares, its valid documents."""

    display: str
    findings: tuple[Finding, ...]
    declared: tuple[Declared, ...]
    documents: tuple[tuple[str, Document], ...]
    unreadable: bool = False


@dataclass(frozen=True)
class ValidationResult:
    findings: tuple[Finding, ...]
    files_checked: int
    unreadable: bool
    workspace: Workspace = field(default_factory=Workspace)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.level is Level.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.level is Level.WARNING)


def display_path(path: Path) -> str:
    """The path as findings show it: relative to the current directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def find_root(path: Path) -> Path | None:
    """The workspace a path belongs to, by marker file or `journeys/` directory name."""
    start = path.resolve()
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        if (directory / MARKER).is_file() or directory.name == WORKSPACE_DIR_NAME:
            return directory
    return None


def yaml_files(directory: Path) -> list[Path]:
    """Every YAML file under a directory, skipping hidden directories, in a stable order."""
    found = []
    for current, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                found.append(Path(current) / name)
    return found


def check_file(path: Path, display: str, limits: Limits) -> FileResult:
    """Load one file, check each document against its schema and build the valid ones."""
    loaded = load_file(path, display, limits)
    findings = list(loaded.findings)
    declared: list[Declared] = []
    documents: list[tuple[str, Document]] = []
    builder = Builder(display)
    roots = [doc for doc in loaded.documents if doc.root is not None]
    if not roots and not findings:
        message = "no YAML document in this file; each file holds documents with kind and id"
        findings.append(Finding(display, 1, 1, Level.ERROR, "empty-file", message))
    for doc in roots:
        kind, schema_findings = check_document(display, doc.root)
        findings.extend(schema_findings)
        root: Any = doc.root
        if kind is not None and isinstance(root.get("id"), str):
            line, col = root.val_pos["id"]
            declared.append(Declared(kind, root["id"], Loc(display, line, col)))
        if kind is not None and not schema_findings:
            documents.append((kind, builder.build(root)))
    return FileResult(
        display, tuple(findings), tuple(declared), tuple(documents), loaded.unreadable
    )


_KIND_TABLE = {
    "phases": "phases",
    "touchpoint": "touchpoints",
    "persona": "personas",
    "journey": "journeys",
    "funnel": "funnels",
    "map": "maps",
    "policy": "policies",
}


def assemble(results: Iterable[FileResult]) -> tuple[Workspace, WorkspaceIndex]:
    """The model of the valid documents and the index the rules read."""
    tables: dict[str, dict[str, Any]] = {name: {} for name in _KIND_TABLE.values()}
    declared: list[Declared] = []
    known: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for result in results:
        declared.extend(result.declared)
        for item in result.declared:
            known[item.kind].add(item.id)
        for kind, document in result.documents:
            tables[_KIND_TABLE[kind]].setdefault(document.id, document)
    workspace = Workspace(**tables)
    return workspace, WorkspaceIndex(workspace, tuple(declared), known)


@dataclass(frozen=True)
class _Group:
    """Files checked together as one workspace, and which of them to report on."""

    files: list[Path]
    reported: set[Path]


def _groups(paths: Sequence[Path], workspace: Path | None) -> tuple[list[_Group], list[Path]]:
    groups: dict[Path | None, _Group] = {}
    missing: list[Path] = []
    standalone: list[_Group] = []
    for path in paths:
        if not path.exists():
            missing.append(path)
            continue
        resolved = path.resolve()
        root = workspace.resolve() if workspace is not None else find_root(resolved)
        if root is None and resolved.is_dir():
            root = resolved
        reported = set(yaml_files(resolved)) if resolved.is_dir() else {resolved}
        if root is None:
            standalone.append(_Group([resolved], reported))
            continue
        if root not in groups:
            groups[root] = _Group(yaml_files(root), set())
        group = groups[root]
        group.reported.update(reported)
        for extra in sorted(reported - set(group.files)):
            group.files.append(extra)  # a file given outside the tree, or not named *.yaml
    return [*groups.values(), *standalone], missing


def validate_paths(
    paths: Sequence[Path],
    *,
    workspace: Path | None = None,
    limits: Limits = Limits(),
) -> ValidationResult:
    """Validate the given files and directories, each within its workspace."""
    groups, missing = _groups(paths, workspace)
    findings: list[Finding] = []
    for path in missing:
        findings.append(
            Finding(str(path), 1, 1, Level.ERROR, "unreadable", "no such file or directory")
        )
    result = _validate_groups(groups, limits)
    return ValidationResult(
        tuple(sorted({*findings, *result.findings})),
        result.files_checked,
        result.unreadable or bool(missing),
        result.workspace,
    )


def validate_files(files: Sequence[Path], *, limits: Limits = Limits()) -> ValidationResult:
    """Validate exactly these files as one workspace (what tests and `cjo demo` use)."""
    resolved = [f.resolve() for f in files]
    return _validate_groups([_Group(resolved, set(resolved))], limits)


def _validate_groups(groups: Sequence[_Group], limits: Limits) -> ValidationResult:
    jobs = []
    reported_names: set[str] = set()
    group_of: list[int] = []
    for number, group in enumerate(groups):
        for file in group.files:
            shown = display_path(file)
            jobs.append((file, shown, limits))
            group_of.append(number)
            if file in group.reported:
                reported_names.add(shown)
    # One process: handing the results of a second process back costs as much as
    # checking them here (measured: 0.39 s of pickling for 1,000 journeys).
    results = [check_file(*job) for job in jobs]
    findings: list[Finding] = []
    unreadable = False
    model = Workspace()
    for number in range(len(groups)):
        members = [r for r, g in zip(results, group_of, strict=True) if g == number]
        model, index = assemble(members)
        group_findings = [f for r in members for f in r.findings]
        group_findings.extend(run_rules(index))
        findings.extend(f for f in group_findings if f.path in reported_names)
        unreadable = unreadable or any(
            r.unreadable and r.display in reported_names for r in members
        )
    return ValidationResult(tuple(sorted(set(findings))), len(reported_names), unreadable, model)
