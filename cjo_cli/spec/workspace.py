"""Find a workspace, load every file of it, and check it as a whole.

How the workspace of a path is found (documented in the README):

1. `--workspace DIR` when given;
2. else the nearest directory, from the path upwards, that holds a
   `.cjo-workspace` marker file or is named `journeys`;
3. else, for a directory given on the command line, that directory; for a
   file, the file alone.

The search starts from the path as written, links not followed (so that
`journeys/creds.yaml -> ../.git-credentials` belongs to `journeys/`), then
from where the path really is. References resolve against the whole workspace;
findings are reported only for the paths given (a directory stands for every
YAML file under it).

A file reached through a symbolic link whose target is outside the workspace is
refused unread: in CI a link to `~/.git-credentials` would otherwise print the
token in a finding. A file alone (no workspace) is read wherever its link points:
whoever names it on the command line asks for it.
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cjo_cli.errors import InputError, WorkspaceInvalid
from cjo_cli.findings import Finding, Level
from cjo_cli.model import Document, Loc, Workspace
from cjo_cli.spec.build import Builder
from cjo_cli.spec.partial_documents import build_partial, partial_findings
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
    `documents` (the model) is kept only when asked for: handing it back from another
    process would cost as much as checking the file again."""

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
    """The path as findings show it: relative to the current directory when inside it.
    Links in it are not followed: a link is shown by its own name, not by its target's."""
    shown = Path(os.path.abspath(path))
    try:
        return str(shown.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(shown)


def _named(path: Path) -> Path:
    """The absolute path with its directories resolved but not its last part."""
    absolute = Path(os.path.abspath(path))
    return Path(os.path.realpath(absolute.parent)) / absolute.name


def _real(path: Path) -> Path:
    # os.path.realpath, not Path.resolve: it does not raise on a link loop.
    return Path(os.path.realpath(path))


def find_root(path: Path) -> Path | None:
    """The workspace a path belongs to, by marker file or `journeys/` directory name:
    searched from the path as written, then from where it really is."""
    for start in (Path(os.path.abspath(path)), _real(path)):
        if not start.is_dir():
            start = start.parent
        for directory in (start, *start.parents):
            if (directory / MARKER).is_file() or directory.name == WORKSPACE_DIR_NAME:
                return _real(directory)
    return None


def linked_outside(path: Path, root: Path) -> bool:
    """Whether a path reaches, through a symbolic link, a place outside the (real) root."""
    real = _real(path)
    return real != Path(os.path.abspath(path)) and not real.is_relative_to(root)


def yaml_files(directory: Path) -> list[Path]:
    """Every YAML file under a directory, skipping hidden directories, in a stable order."""
    found = []
    for current, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                found.append(Path(current) / name)
    return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while one file is checked. Loading allocates
    hundreds of thousands of objects that all stay alive; the collector would walk them
    again and again as they pile up (a third of the time of a 2 MB file). One file's
    objects are bounded by --max-bytes; the collector runs once when it is back on."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def check_file(path: Path, display: str, limits: Limits, keep_model: bool = True) -> FileResult:
    """Load one file, check its documents against their schemas, build the valid ones
    and run the document rules on them."""
    with _collector_paused():
        return _check_file(path, display, limits, keep_model)


def refused_file(display: str) -> FileResult:
    """What a link to outside the workspace contributes: one finding, its content unread."""
    message = "points outside the workspace through a symbolic link; cjo does not read it"
    finding = Finding(display, 1, 1, Level.ERROR, "outside-workspace", message)
    return FileResult(display, (finding,), (), (), ())


def _check_file(path: Path, display: str, limits: Limits, keep_model: bool) -> FileResult:
    loaded = load_file(path, display, limits)
    findings = list(loaded.findings)
    declared: list[Declared] = []
    documents: list[tuple[str, Document]] = []
    partial: list[tuple[str, Document]] = []  # built despite a schema error
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
        elif kind is not None and (built := build_partial(builder, root)) is not None:
            partial.append((kind, built))
    local = _workspace_of(documents)
    findings.extend(run_rules(WorkspaceIndex(local), "document"))
    more, partial_refs = partial_findings(partial, findings, _workspace_of)
    findings.extend(more)
    return FileResult(
        display,
        tuple(findings),
        tuple(declared),
        tuple(collect_references(local)) + tuple(partial_refs),
        tuple(provided_names(local)),
        tuple(documents) if keep_model else (),
        loaded.unreadable,
    )


_KIND_TABLE = {"phases": "phases", "map": "maps", "policy": "policies", "test": "tests"}
_KIND_TABLE.update({kind: kind + "s" for kind in ("touchpoint", "persona", "journey", "funnel")})


def _workspace_of(documents: Iterable[tuple[str, Document]]) -> Workspace:
    """A model of these documents; the first of two with the same kind and id wins."""
    tables: dict[str, dict[str, Any]] = {name: {} for name in _KIND_TABLE.values()}
    for kind, document in documents:
        tables[_KIND_TABLE[kind]].setdefault(document.id, document)
    return Workspace(**tables)


def _check_job(job: tuple[Path, str, Limits, bool]) -> FileResult:
    return check_file(*job)


def _worker_start() -> None:
    # A worker inherits the CLI's signal handlers, which would turn a SIGTERM into a
    # result; the parent alone handles Ctrl-C, and a killed worker ends the run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


# Below this many files a second process costs more than it saves.
_PARALLEL_MIN_FILES = 64


def check_files(jobs: Sequence[tuple[Path, str, Limits, bool]]) -> list[FileResult]:
    """Check files, on two or more cores when there are many (results come back in order).

    InputError when a worker process dies (killed, out of memory): a
    ProcessPoolExecutor says so, where multiprocessing.Pool would wait forever."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(jobs) < _PARALLEL_MIN_FILES or any(keep for *_, keep in jobs):
        return [_check_job(job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if "fork" not in multiprocessing.get_all_start_methods():
        return [_check_job(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(jobs) // (workers * 4))
    try:
        with ProcessPoolExecutor(workers, context, initializer=_worker_start) as pool:
            return list(pool.map(_check_job, jobs, chunksize=chunk))
    except BrokenProcessPool:
        raise InputError(
            "a process checking the files died (killed, or out of memory); "
            "nothing was reported, run again"
        ) from None


def workspace_index(results: Sequence[FileResult], alone: bool = False) -> WorkspaceIndex:
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
    return WorkspaceIndex(
        declared=tuple(declared), references=tuple(references), provided=provided, alone=alone
    )


@dataclass(frozen=True)
class _Group:
    """Files checked together as one workspace, and which of them to report on."""

    files: list[Path]
    reported: set[Path]
    root: Path | None = None
    """The workspace's real directory; None for a file alone, whose links are followed."""
    alone: bool = False
    """No workspace was found for this file: references elsewhere cannot resolve."""


def _groups(paths: Sequence[Path], workspace: Path | None) -> tuple[list[_Group], list[Path]]:
    groups: dict[Path, _Group] = {}
    members: dict[Path, set[Path]] = {}  # the files of each group, for quick lookups
    roots: dict[Path, Path | None] = {}
    missing: list[Path] = []
    standalone: list[_Group] = []
    for path in paths:
        if not path.exists():
            missing.append(path)
            continue
        real = _real(path)
        is_dir = real.is_dir()
        if workspace is not None:
            root: Path | None = _real(workspace)
        else:
            folder = Path(os.path.abspath(path if is_dir else path.parent))
            if folder not in roots:  # pre-commit passes many files of few folders
                roots[folder] = find_root(folder)
            root = roots[folder] or (None if is_dir else find_root(real))
        if root is None and is_dir:
            root = real
        if root is None:
            standalone.append(_Group([_named(path)], {_named(path)}, alone=True))
            continue
        if root not in groups:
            groups[root] = _Group(yaml_files(root), set(), root)
            members[root] = set(groups[root].files)
        group = groups[root]
        reported = _reported(path, real, root, members[root])
        group.reported.update(reported)
        for extra in sorted(reported - members[root]):
            group.files.append(extra)  # a file given outside the tree, or not named *.yaml
            members[root].add(extra)
    return [*groups.values(), *standalone], missing


def _reported(path: Path, real: Path, root: Path, members: set[Path]) -> set[Path]:
    """The files a path given on the command line stands for, as the group names them."""
    if linked_outside(path, root):
        return {Path(os.path.abspath(path))}  # refused, by the name the user gave it
    named = _named(path)
    if real.is_dir():
        return set(yaml_files(real))
    if named in members or real not in members:
        return {named}
    return {real}  # a link from elsewhere to a file of the workspace


def validate_paths(
    paths: Sequence[Path],
    *,
    workspace: Path | None = None,
    limits: Limits = Limits(),
    keep_model: bool = False,
) -> ValidationResult:
    """Validate the given files and directories, each within its workspace."""
    groups, missing = _groups(paths, workspace)
    result = _validate_groups(groups, limits, keep_model)
    missed = [
        Finding(str(path), 1, 1, Level.ERROR, "unreadable", "no such file or directory")
        for path in missing
    ]
    return ValidationResult(
        _ordered({*missed, *result.findings}) if missed else result.findings,
        result.files_checked,
        result.unreadable or bool(missing),
        result.workspace,
        result.reported,
    )


def _ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    # Finding's own ordering builds two tuples in Python at each comparison: 3-4 times slower.
    return tuple(
        sorted(findings, key=lambda f: (f.path, f.line, f.col, f.level, f.rule, f.message))
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
    planned: list[tuple[int, FileResult | None]] = []  # group, and the result if known
    for number, group in enumerate(groups):
        for file in group.files:
            shown = display_path(file)
            if group.root is not None and linked_outside(file, group.root):
                planned.append((number, refused_file(shown)))
            else:
                planned.append((number, None))
                jobs.append((file, shown, limits, keep_model))
            if file in group.reported:
                reported_names.add(shown)
    checked = iter(check_files(jobs))
    members: list[list[FileResult]] = [[] for _ in groups]
    for number, known in planned:
        members[number].append(known if known is not None else next(checked))
    findings: list[Finding] = []
    unreadable = False
    model = Workspace()
    for group, results in zip(groups, members, strict=True):
        group_findings = [f for r in results for f in r.findings]
        group_findings.extend(run_rules(workspace_index(results, group.alone), "workspace"))
        findings.extend(f for f in group_findings if f.path in reported_names)
        unreadable = unreadable or any(
            r.unreadable and r.display in reported_names for r in results
        )
        if keep_model:
            model = _workspace_of(doc for r in results for doc in r.documents)
    return ValidationResult(
        _ordered(set(findings)),
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
