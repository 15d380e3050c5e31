"""Versions of one journey, for `cjo diff`: read from a file or from git, and each
checked within the workspace (its personas, touchpoints and policy) in place of
the workspace's own copy of that journey.

A version is a file, or a git revision and path (`HEAD~1:journeys/cart.yaml`, as
`git show` takes it).
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cjo_cli.errors import UsageError, WorkspaceInvalid
from cjo_cli.findings import Level
from cjo_cli.model import Journey, Workspace
from cjo_cli.spec.workspace import validate_files, yaml_files
from cjo_cli.spec.yaml_loader import load_text


@dataclass(frozen=True)
class Version:
    label: str
    """As given on the command line; findings name it."""
    text: str


def read_version(spec: str) -> Version:
    """A file's text, or `git show REV:PATH`'s."""
    path = Path(spec)
    if path.is_file():
        try:
            return Version(spec, path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{spec}: cannot read it: {exc}") from exc
    if ":" in spec:
        try:
            shown = subprocess.run(
                ["git", "show", spec], capture_output=True, text=True, check=False, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError(f"{spec}: git is not available: {exc}") from exc
        if shown.returncode != 0:
            raise UsageError(f"{spec}: git show failed: {shown.stderr.strip()}")
        return Version(spec, shown.stdout)
    raise UsageError(f"{spec}: no such file (for a git version write REV:PATH)")


def _is_journey(root: Any, journey_id: str | None = None) -> bool:
    return (
        isinstance(root, dict)
        and root.get("kind") == "journey"
        and "id" in root
        and (journey_id is None or root.get("id") == journey_id)
    )


def journey_ids(version: Version) -> list[str]:
    """The journeys a version defines, read with cjo's own bounded YAML loader."""
    loaded = load_text(version.label, version.text)
    ids = [str(doc.root["id"]) for doc in loaded.documents if _is_journey(doc.root)]
    errors = [f for f in loaded.findings if f.level is Level.ERROR]
    if not ids and errors:
        first = errors[0]
        raise UsageError(f"{version.label}:{first.line}:{first.col}: {first.message}")
    return ids


def _is_separator(line: str) -> bool:
    return line.lstrip().startswith(("---", "..."))


def without_journey(path: Path, journey_id: str, folder: Path) -> Path | None:
    """The file without the document of that journey (None when nothing else is left).

    The other documents are copied as text, cut at the positions cjo's loader gives."""
    text = path.read_text(encoding="utf-8")
    documents = load_text(str(path), text).documents
    if not any(_is_journey(doc.root, journey_id) for doc in documents):
        return path
    lines = text.splitlines(keepends=True)
    starts = [doc.pos[0] - 1 for doc in documents] + [len(lines)]
    kept = []
    for number, doc in enumerate(documents):
        if _is_journey(doc.root, journey_id):
            continue
        chunk = lines[starts[number] : starts[number + 1]]
        if chunk and _is_separator(chunk[0]):  # `--- {kind: ...}`: the root follows the marker
            chunk[0] = chunk[0][doc.pos[1] - 1 :]
        while chunk and (_is_separator(chunk[-1]) or not chunk[-1].strip()):
            chunk.pop()
        kept.append("".join(chunk).rstrip("\n") + "\n")
    if not kept:
        return None
    copy = folder / f"rest_{path.name}"
    copy.write_text("---\n".join(kept), encoding="utf-8")
    return copy


def _tests_only(home: Workspace) -> set[Path]:
    """The files of the workspace that hold journey tests and nothing else."""
    tests = {Path(t.loc.path).resolve() for t in home.tests.values()}
    others = {
        Path(document.loc.path).resolve()
        for table in (home.phases, home.touchpoints, home.personas, home.journeys)
        for document in table.values()
    } | {
        Path(document.loc.path).resolve()
        for table in (home.funnels, home.maps, home.policies)
        for document in table.values()
    }
    return tests - others


def _load_version(
    workspace: Path, home: Workspace, version: Version, folder: Path
) -> tuple[Workspace, Journey]:
    ids = journey_ids(version)
    if len(ids) != 1:
        raise UsageError(f"{version.label}: holds {len(ids)} journeys; cjo diff compares one")
    journey_id = ids[0]
    defined = home.journeys.get(journey_id)
    defining = Path(defined.loc.path).resolve() if defined is not None else None
    files: list[Path] = []
    # Journey tests are not replayed by a diff, and a test of the old version's steps
    # is expected to fail on the new one: that is what `cjo test` is for.
    tests_only = _tests_only(home)
    for path in yaml_files(workspace):
        path = path.resolve()
        if path in tests_only:
            continue
        kept = without_journey(path, journey_id, folder) if path == defining else path
        if kept is not None:
            files.append(kept)
    own = folder / f"version_{len(list(folder.iterdir()))}.yaml"
    own.write_text(version.text, encoding="utf-8")
    result = validate_files([*files, own])
    errors = [f for f in result.findings if f.level is Level.ERROR]
    if errors:
        mine = own.resolve()
        raise WorkspaceInvalid(
            version.label,
            [
                replace(f, path=version.label) if Path(f.path).resolve() == mine else f
                for f in errors
            ],
        )
    return result.workspace, result.workspace.journeys[journey_id]


def load_versions(
    workspace: Path, home: Workspace, versions: list[Version]
) -> list[tuple[Workspace, Journey]]:
    """Each version's workspace and journey; WorkspaceInvalid when one has errors,
    UsageError when they are not versions of one journey."""
    with tempfile.TemporaryDirectory(prefix="cjo-diff-") as temp:
        loaded = [_load_version(workspace, home, version, Path(temp)) for version in versions]
    ids = {journey.id for _, journey in loaded}
    if len(ids) != 1:
        raise UsageError(f"the versions are different journeys: {', '.join(sorted(ids))}")
    return loaded
