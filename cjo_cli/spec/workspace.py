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

from cjo_cli.errors import WorkspaceInvalid
from cjo_cli.findings import Finding, Level
from cjo_cli.model import Document, Loc, Workspace
from cjo_cli.spec.build import Builder
from cjo_cli.spec.rules import Declared, Reference, WorkspaceIndex, run_rules
from cjo_cli.spec.rules.references import collect_references, provided_names
from cjo_cli.spec.schema_check import check_document
from cjo_cli.spec.yaml_loader import Limits, load_file

MARKER = ".cjo-workspace"
WORKSPACE_DIR_NAME = "journeys"
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class FileResult:
    """What one file contributes: findings, and the compact facts workspace rules read.

    `documents` (the model) is kept only when asked for: handing it back from
    another process would cost as much as checking the file again.
    """

    display: str
    findings: tuple[Finding, ...]
    declared: tuple[Declared, ...]
    references: tuple[Reference, ...]
    provided: tuple[tuple[str, str], ...]
    documents: tuple[tuple[str, Document], ...] = ()
    unreadable: bool = False


@dataclass(frozen=True)
class ValidationResult:
    findings: tuple[Finding, ...]
    files_checked: int
    unreadable: bool
    workspace: Workspace = field(default_factory=Workspace)
    """The model of the valid documents (of the last workspace checked), when kept."""
    reported: frozenset[str] = frozenset()
    """The files findings are reported for, as findings name them."""

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


def check_file(path: Path, display: str, limits: Limits, keep_model: bool = True) -> FileResult:
    """Load one file, check its documents against their schemas, build the valid ones
    and run the document rules on them."""
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
            valid = not schema_findings
            declared.append(Declared(kind, root["id"], Loc(display, line, col), valid))
        if kind is not None and not schema_findings:
            documents.append((kind, builder.build(root)))
    local = _workspace_of(documents)
    findings.extend(run_rules(WorkspaceIndex(local), "document"))
    return FileResult(
        display,
        tuple(findings),
        tuple(declared),
        tuple(collect_references(local)),
        tuple(provided_names(local)),
        tuple(documents) if keep_model else (),
        loaded.unreadable,
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


def _workspace_of(documents: Iterable[tuple[str, Document]]) -> Workspace:
    """A model of these documents; the first of two with the same kind and id wins."""
    tables: dict[str, dict[str, Any]] = {name: {} for name in _KIND_TABLE.values()}
    for kind, document in documents:
        tables[_KIND_TABLE[kind]].setdefault(document.id, document)
    return Workspace(**tables)


def _check_job(job: tuple[Path, str, Limits, bool]) -> FileResult:
    return check_file(*job)


# Below this many files a second process costs more than it saves.
_PARALLEL_MIN_FILES = 64


def check_files(jobs: Sequence[tuple[Path, str, Limits, bool]]) -> list[FileResult]:
    """Check files, on two or more cores when there are many (results come back in order)."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(jobs) < _PARALLEL_MIN_FILES or any(keep for *_, keep in jobs):
        return [_check_job(job) for job in jobs]
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return [_check_job(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(jobs) // (workers * 4))
    with context.Pool(workers) as pool:
        return pool.map(_check_job, jobs, chunksize=chunk)


def workspace_index(results: Sequence[FileResult]) -> WorkspaceIndex:
    """The facts workspace rules read, gathered from every file of a workspace."""
    provided: dict[str, set[str]] = {}
    declared: list[Declared] = []
    references: list[Reference] = []
    for result in results:
        declared.extend(result.declared)
        references.extend(result.references)
        for item in result.declared:
            provided.setdefault(item.kind, set()).add(item.id)
        for namespace, name in result.provided:
            provided.setdefault(namespace, set()).add(name)
    return WorkspaceIndex(declared=tuple(declared), references=tuple(references), provided=provided)


@dataclass(frozen=True)
class _Group:
    """Files checked together as one workspace, and which of them to report on."""

    files: list[Path]
    reported: set[Path]


def _groups(paths: Sequence[Path], workspace: Path | None) -> tuple[list[_Group], list[Path]]:
    groups: dict[Path | None, _Group] = {}
    members: dict[Path | None, set[Path]] = {}  # the files of each group, for quick lookups
    roots: dict[Path, Path | None] = {}
    missing: list[Path] = []
    standalone: list[_Group] = []
    for path in paths:
        if not path.exists():
            missing.append(path)
            continue
        resolved = path.resolve()
        if workspace is not None:
            root: Path | None = workspace.resolve()
        else:
            folder = resolved if resolved.is_dir() else resolved.parent
            if folder not in roots:  # pre-commit passes many files of few folders
                roots[folder] = find_root(folder)
            root = roots[folder]
        if root is None and resolved.is_dir():
            root = resolved
        reported = set(yaml_files(resolved)) if resolved.is_dir() else {resolved}
        if root is None:
            standalone.append(_Group([resolved], reported))
            continue
        if root not in groups:
            groups[root] = _Group(yaml_files(root), set())
            members[root] = set(groups[root].files)
        group = groups[root]
        group.reported.update(reported)
        for extra in sorted(reported - members[root]):
            group.files.append(extra)  # a file given outside the tree, or not named *.yaml
            members[root].add(extra)
    return [*groups.values(), *standalone], missing


def validate_paths(
    paths: Sequence[Path],
    *,
    workspace: Path | None = None,
    limits: Limits = Limits(),
    keep_model: bool = False,
) -> ValidationResult:
    """Validate the given files and directories, each within its workspace."""
    groups, missing = _groups(paths, workspace)
    findings: list[Finding] = []
    for path in missing:
        findings.append(
            Finding(str(path), 1, 1, Level.ERROR, "unreadable", "no such file or directory")
        )
    result = _validate_groups(groups, limits, keep_model)
    return ValidationResult(
        tuple(sorted({*findings, *result.findings})),
        result.files_checked,
        result.unreadable or bool(missing),
        result.workspace,
        result.reported,
    )


def validate_files(files: Sequence[Path], *, limits: Limits = Limits()) -> ValidationResult:
    """Validate exactly these files as one workspace, keeping the model (tests use this)."""
    resolved = [f.resolve() for f in files]
    return _validate_groups([_Group(resolved, set(resolved))], limits, keep_model=True)


def _validate_groups(
    groups: Sequence[_Group], limits: Limits, keep_model: bool
) -> ValidationResult:
    jobs = []
    reported_names: set[str] = set()
    group_of: list[int] = []
    for number, group in enumerate(groups):
        for file in group.files:
            shown = display_path(file)
            jobs.append((file, shown, limits, keep_model))
            group_of.append(number)
            if file in group.reported:
                reported_names.add(shown)
    results = check_files(jobs)
    findings: list[Finding] = []
    unreadable = False
    model = Workspace()
    for number in range(len(groups)):
        members = [r for r, g in zip(results, group_of, strict=True) if g == number]
        group_findings = [f for r in members for f in r.findings]
        group_findings.extend(run_rules(workspace_index(members), "workspace"))
        findings.extend(f for f in group_findings if f.path in reported_names)
        unreadable = unreadable or any(
            r.unreadable and r.display in reported_names for r in members
        )
        if keep_model:
            model = _workspace_of(doc for r in members for doc in r.documents)
    return ValidationResult(
        tuple(sorted(set(findings))),
        len(reported_names),
        unreadable,
        model,
        frozenset(reported_names),
    )


def load_workspace(directory: Path, limits: Limits = Limits()) -> Workspace:
    """The model of a workspace directory; WorkspaceInvalid when it has errors."""
    result = validate_paths([directory], limits=limits, keep_model=True)
    errors = [f for f in result.findings if f.level is Level.ERROR]
    if errors:
        raise WorkspaceInvalid("the workspace", errors)
    return result.workspace
