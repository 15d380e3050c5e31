"""`cjo init`: the files of a new workspace, ready to edit, validate and put in CI.

The workspace folder (`journeys/` unless named) gets one document of each kind, a
`.cjo-workspace` marker and a copy of cjo's schemas (`schemas/`, inside it, so that the
folder is whole wherever it goes). Every YAML file starts with a
`# yaml-language-server: $schema=...` line pointing at that copy, so editors complete
and check the documents offline.

The CI files (a GitHub Actions workflow and a pre-commit config) go where GitHub and
pre-commit read them: the top level of the git repository the workspace is in. Outside
a repository, they go where one would start: the current directory when the workspace
is below it (`cjo init`, `cjo init cx/journeys`), else beside the workspace. Their paths
name the workspace folder from there.

Nothing is ever overwritten, the sample documents never go into a folder that holds
YAML already (they would mix with a workspace that is there), and nothing is written
through a symbolic link (`journeys -> /elsewhere` would put the files wherever it
points).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cjo_cli import DISTRIBUTION, __version__
from cjo_cli.spec.schema_check import KINDS, schema_text
from cjo_cli.spec.workspace import MARKER, WORKSPACE_DIR_NAME, YAML_SUFFIXES

PHASES = """\
kind: phases
id: lifecycle
name: Customer lifecycle
phases:
  - {id: awareness, name: Awareness}
  - {id: acquisition, name: Acquisition}
  - {id: onboarding, name: Onboarding}
  - {id: engagement, name: Engagement}
  - {id: retention, name: Retention}
  - {id: advocacy, name: Advocacy}
loop_to: engagement   # loyal customers come back to engagement
"""

TOUCHPOINTS = """\
kind: touchpoint
id: welcome_email
name: Welcome email
channel: email
phase: onboarding
events: {delivered: email_delivered, opened: email_open, clicked: email_click}
---
kind: touchpoint
id: product_page
name: Product page
channel: web
phase: acquisition
"""

PERSONA = """\
kind: persona
id: first_timer
name: First-time shopper
description: Signed up recently and has not bought yet.
profile:
  goals: [find the right product quickly]
  pains: [too many choices]
segment:
  all:
    - {event: account_signup, within: 30d}
    - not: {event: purchase}
"""

JOURNEY = """\
kind: journey
id: welcome
name: Welcome series
persona: first_timer
phase: onboarding
entry: {event: account_signup}
re_entry: never
goal: {event: purchase, within: 14d}
exit_on: [{event: unsubscribe}]
holdout: 10%          # a control group: enters, gets nothing, is measured
steps:
  wait_1h: {wait: 1h, next: welcome}
  welcome: {send: welcome_email, next: wait_open}
  wait_open:
    wait_for: {event: email_open}
    timeout: 3d
    next: done
    on_timeout: done
  done: {exit: true}
"""

FUNNEL = """\
kind: funnel
id: first_purchase
name: First purchase
phase: acquisition
steps:
  - {event: account_signup, name: Signed up}
  - {event: product_view, name: Viewed a product}
  - {event: purchase, name: Bought}
window: 14d
order: ordered
kpi: {name: Conversion rate, target: "5%"}
"""

MAP = """\
kind: map
id: first_timer_map
name: First-time shopper's journey
persona: first_timer
phases: lifecycle
theme: {product: Our store, start: Sees an ad, goal: Buys again}
stages:
  acquisition:
    actions: [compares products]
    touchpoints: [product_page]
    thoughts: ["is this right for me?"]
    emotion: {score: 0, note: unsure}
    info_needs: [price, reviews]
    pain_points: [too many choices]
    measures: [clear product comparison]
    kpis: [{funnel: first_purchase}]
  onboarding:
    actions: [opens the welcome email]
    touchpoints: [welcome_email]
    emotion: {score: 1, note: curious}
    journeys: [welcome]
"""

TEST = """\
kind: test
id: welcome_then_buy
name: Signs up, opens the welcome email, buys two days later
journey: welcome
events:
  - {at: "2026-06-01T10:00:00Z", event: account_signup}
  - {at: "+3h", event: email_open}
  - {at: "+2d", event: purchase}
expect:
  entered: true
  path: [wait_1h, welcome, wait_open, done]
  sends: [welcome_email]
  converted: true
  exit: end             # left by the exit step, and converted within goal.within
"""

POLICY = """\
kind: policy
id: default
frequency_caps:
  - {channel: any, max: 3, per: 1d}
  - {channel: email, max: 1, per: 1d}
quiet_hours: {from: "22:00", to: "08:00", tz: UTC}
priority: [welcome]
"""

PRE_COMMIT = """\
# Validate and test journeys before each commit: pre-commit install
repos:
  - repo: https://github.com/cjo-dev/cjo
    rev: v{version}
    hooks:
      - id: cjo-validate
        files: {files}
        exclude: {exclude}   # hidden files and folders, as `cjo validate DIR` skips them
      - id: cjo-test
        args: [{test_target}]
        files: {files}
"""

WORKFLOW = """\
# Validate and test journeys on every push and pull request; findings appear on the changed lines.
name: journeys
on: [push, pull_request]
jobs:
  validate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install {distribution}
      - run: {validate}
      - run: {test}
"""

DEFAULT_WORKSPACE = Path(WORKSPACE_DIR_NAME)

MARKER_TEXT = """\
# This folder is a cjo workspace: references resolve across every YAML file below it,
# also when pre-commit passes only the changed files.
"""

DOCUMENTS = {
    "phases.yaml": ("phases", PHASES),
    "touchpoints.yaml": ("touchpoint", TOUCHPOINTS),
    "personas.yaml": ("persona", PERSONA),
    "orchestration/welcome.yaml": ("journey", JOURNEY),
    "funnels.yaml": ("funnel", FUNNEL),
    "maps/first_timer.yaml": ("map", MAP),
    "policy.yaml": ("policy", POLICY),
    "tests/welcome.yaml": ("test", TEST),
}


Role = Literal["document", "workspace", "schema", "ci"]
"""A sample document, the workspace marker, an editor schema, or a CI file."""


@dataclass(frozen=True)
class Planned:
    path: Path
    text: str
    role: Role = "document"


@dataclass(frozen=True)
class Layout:
    """Where `cjo init` writes: the workspace, and the folder that gets the CI files."""

    workspace: Path
    root: Path
    """Relative to the current directory when `workspace` is, else absolute."""
    repository: bool
    """Whether `root` is the top level of a git repository (else where one would start)."""
    inside: str
    """The workspace from `root`, as git and the CI files name it (`.` when it is `root`)."""


def repository_root(start: Path) -> Path | None:
    """The top level of the git repository that holds `start` (an absolute path, which
    may not exist yet): the nearest directory upwards with a `.git` (a directory, or the
    file of a worktree or a submodule). No git command: cjo works without git."""
    for directory in (start, *start.parents):
        if os.path.lexists(directory / ".git"):
            return directory
    return None


def layout(workspace: Path) -> Layout:
    absolute = Path(os.path.abspath(workspace))
    top = repository_root(absolute)
    if top is not None:
        root, repository = top, True
    else:
        here = Path(os.path.abspath(os.curdir))
        below = absolute != here and absolute.is_relative_to(here)
        root, repository = (here if below else absolute.parent), False
    shown = root if workspace.is_absolute() else Path(os.path.relpath(root))
    inside = Path(os.path.relpath(absolute, root)).as_posix()
    return Layout(workspace, shown, repository, inside)


def pre_commit_config(where: Layout) -> str:
    prefix = "" if where.inside == "." else re.escape(where.inside) + "/"
    files, exclude = f"^{prefix}.*\\.ya?ml$", f"^{prefix}(.*/)?\\."
    target = "." if where.inside == "." else where.inside
    return PRE_COMMIT.format(
        version=__version__,
        files=_quoted(files),
        exclude=_quoted(exclude),
        test_target=_quoted(target),
    )


def _quoted(text: str) -> str:
    """A YAML single-quoted scalar: backslashes stay as they are."""
    return "'" + text.replace("'", "''") + "'"


def workflow(where: Layout) -> str:
    target = "." if where.inside == "." else where.inside + "/"
    return WORKFLOW.format(
        distribution=DISTRIBUTION,
        validate=_run_line(f"cjo validate {shlex.quote(target)}"),
        test=_run_line(f"cjo test {shlex.quote(target)}"),
    )


def _run_line(command: str) -> str:
    if not re.fullmatch(r"[\w./ -]+", command):
        return json.dumps(command)  # a JSON string is a YAML scalar, quotes and all
    return command


def plan(where: Layout) -> list[Planned]:
    """Every file `cjo init` would write, with its content."""
    workspace = where.workspace
    files = []
    for name, (kind, body) in DOCUMENTS.items():
        schema = Path("../" * (len(Path(name).parts) - 1)) / "schemas" / f"{kind}.json"
        header = f"# yaml-language-server: $schema={schema.as_posix()}\n"
        files.append(Planned(workspace / name, header + body))
    files.append(Planned(workspace / MARKER, MARKER_TEXT, "workspace"))
    for kind in KINDS:
        files.append(Planned(workspace / "schemas" / f"{kind}.json", schema_text(kind), "schema"))
    files.append(Planned(where.root / ".pre-commit-config.yaml", pre_commit_config(where), "ci"))
    files.append(
        Planned(where.root / ".github" / "workflows" / "journeys.yml", workflow(where), "ci")
    )
    return files


@dataclass(frozen=True)
class Sorted:
    write: list[Planned]
    existing: list[Path]
    """Planned files that exist already (dangling links included): left as they are."""
    documents_left: bool
    """The workspace folder holds YAML already: no sample document goes into it."""


def holds_yaml(directory: Path) -> bool:
    """Whether any YAML file (or a link named like one) is below `directory`, hidden
    folders aside, as `cjo validate DIR` would read them."""
    for _current, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if any(name.endswith(YAML_SUFFIXES) and not name.startswith(".") for name in files):
            return True
    return False


def sort_out(where: Layout, files: list[Planned]) -> Sorted:
    documents_left = holds_yaml(where.workspace)
    kept = [p for p in files if not (documents_left and p.role == "document")]
    taken = set(existing(kept))
    return Sorted(
        [p for p in kept if p.path not in taken],
        [p.path for p in kept if p.path in taken],
        documents_left,
    )


def existing(files: list[Planned]) -> list[Path]:
    """The planned files that exist already, dangling links included."""
    return [planned.path for planned in files if os.path.lexists(planned.path)]


def linked(files: list[Planned], workspace_base: Path, root: Path) -> list[Path]:
    """The directories writing `files` would go through that are symbolic links: below
    `workspace_base` for the workspace's files (a workspace folder the user named is
    their choice; the default `journeys` is not), below `root` for the CI files."""
    found: set[Path] = set()
    for planned in files:
        base = root if planned.role == "ci" else workspace_base
        current = base
        for part in planned.path.relative_to(base).parts[:-1]:
            current = current / part
            if current.is_symlink():
                found.add(current)
                break
    return sorted(found)


def write(files: list[Planned]) -> None:
    for planned in files:
        planned.path.parent.mkdir(parents=True, exist_ok=True)
        with planned.path.open("x", encoding="utf-8") as handle:  # never overwrite
            handle.write(planned.text)
