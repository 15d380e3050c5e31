"""`cjo init`: the files of a new workspace, ready to edit, validate and put in CI.

Every YAML file starts with a `# yaml-language-server: $schema=...` line that
points at a copy of cjo's schemas written beside the workspace, so editors
complete and check the documents offline. Nothing is ever overwritten, and
nothing is written through a symbolic link (`journeys -> /elsewhere` would put
the files wherever it points).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cjo_cli.spec.schema_check import KINDS, schema_text

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
# Validate journeys before each commit: pre-commit install
repos:
  - repo: https://github.com/cjo-dev/cjo
    rev: v0.1.0
    hooks:
      - id: cjo-validate
"""

WORKFLOW = """\
# Validate journeys on every push and pull request; findings appear on the changed lines.
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
      - run: pip install cjo
      - run: cjo validate journeys/
"""

DOCUMENTS = {
    "phases.yaml": ("phases", PHASES),
    "touchpoints.yaml": ("touchpoint", TOUCHPOINTS),
    "personas.yaml": ("persona", PERSONA),
    "journeys/welcome.yaml": ("journey", JOURNEY),
    "funnels.yaml": ("funnel", FUNNEL),
    "maps/first_timer.yaml": ("map", MAP),
    "policy.yaml": ("policy", POLICY),
}


@dataclass(frozen=True)
class Planned:
    path: Path
    text: str


def plan(directory: Path) -> list[Planned]:
    """Every file `cjo init` writes under `directory`, with its content."""
    workspace = directory / "journeys"
    files = []
    for name, (kind, body) in DOCUMENTS.items():
        path = workspace / name
        schema = Path("../" * (len(Path(name).parts))) / "schemas" / f"{kind}.json"
        header = f"# yaml-language-server: $schema={schema.as_posix()}\n"
        files.append(Planned(path, header + body))
    for kind in KINDS:
        files.append(Planned(directory / "schemas" / f"{kind}.json", schema_text(kind)))
    files.append(Planned(directory / ".pre-commit-config.yaml", PRE_COMMIT))
    files.append(Planned(directory / ".github" / "workflows" / "journeys.yml", WORKFLOW))
    return files


def existing(files: list[Planned]) -> list[Path]:
    """The planned files that exist already, dangling links included."""
    return [planned.path for planned in files if os.path.lexists(planned.path)]


def linked(directory: Path, files: list[Planned]) -> list[Path]:
    """The directories below `directory` that writing `files` would go through and that
    are symbolic links (`directory` itself is the user's choice)."""
    found: set[Path] = set()
    for planned in files:
        current = directory
        for part in planned.path.relative_to(directory).parts[:-1]:
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
