"""`cjo diff OLD NEW --log FILE`: two versions of a journey replayed on the same log.

A version is a file, or a git revision and path (`HEAD~1:journeys/cart.yaml`, as
`git show` takes it). Each version is checked within the workspace (its personas,
touchpoints and policy) in place of the workspace's own copy of that journey.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from cjo_cli.cli import options
from cjo_cli.cli.report_cmd import expand_logs, load_workspace, read_logs
from cjo_cli.errors import EXIT_FINDINGS, UsageError


@dataclass(frozen=True)
class Version:
    label: str
    text: str


def read_version(spec: str) -> Version:
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


def _journey_ids(version: Version) -> list[str]:
    """The journeys a version defines, read with cjo's own bounded YAML loader."""
    from cjo_cli.spec.yaml_loader import load_text

    loaded = load_text(version.label, version.text)
    ids = [str(doc.root["id"]) for doc in loaded.documents if _is_journey(doc.root)]
    errors = [f for f in loaded.findings if f.level.value == "error"]
    if not ids and errors:
        raise UsageError(f"{version.label}: {errors[0]}")
    return ids


def _is_separator(line: str) -> bool:
    return line.lstrip().startswith(("---", "..."))


def _without_journey(path: Path, journey_id: str, folder: Path) -> Path | None:
    """The file without the document of that journey (None when nothing else is left).

    The other documents are copied as text, cut at the positions cjo's loader gives."""
    from cjo_cli.spec.yaml_loader import load_text

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


def load_version(workspace: Path, home: Any, version: Version, folder: Path) -> Any:
    """The version's journey, validated within the workspace; exit 1 on errors."""
    from cjo_cli.output.findings_formats import format_text
    from cjo_cli.spec.workspace import validate_files, yaml_files

    ids = _journey_ids(version)
    if len(ids) != 1:
        raise UsageError(f"{version.label}: holds {len(ids)} journeys; cjo diff compares one")
    journey_id = ids[0]
    defined = home.journeys.get(journey_id)
    defining = Path(defined.loc.path).resolve() if defined is not None else None
    files: list[Path] = []
    for path in yaml_files(workspace):
        path = path.resolve()
        kept = _without_journey(path, journey_id, folder) if path == defining else path
        if kept is not None:
            files.append(kept)
    own = folder / f"version_{len(list(folder.iterdir()))}.yaml"
    own.write_text(version.text, encoding="utf-8")
    result = validate_files([*files, own])
    errors = [f for f in result.findings if f.level.value == "error"]
    if errors:
        typer.echo(format_text(errors).replace(str(own), version.label), err=True)
        typer.echo(f"cjo: {version.label} has {len(errors)} error(s)", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    return result.workspace, result.workspace.journeys[journey_id]


@dataclass
class Paths:
    """Each customer's path through the journey: the steps and sends, in order."""

    by_customer: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, replay: Any) -> None:
        from cjo_cli.engine.replay_plan import to_datetime

        outcome: dict[tuple[int, str], list[str]] = {}
        for send in replay.sends:
            outcome.setdefault((send.entry, send.step), []).append(
                f"{send.status}@{to_datetime(send.ts):%m-%d %H:%M}"
            )
        moves = []
        for visit in replay.visits:
            text = f"{visit.step}@{to_datetime(visit.ts):%Y-%m-%d %H:%M}"
            done = outcome.get((visit.entry, visit.step))
            if done:
                text += f" ({done.pop(0)})"
            moves.append(text)
        moves += [f"exit:{e.exit_reason}" for e in replay.entries]
        if replay.entries:
            self.by_customer[replay.customer] = tuple(moves)


def _side(totals: Any, journey_id: str) -> dict[str, Any]:
    journey = totals.journeys[journey_id]
    return {
        "entered": journey.treated.entered,
        "converted": journey.treated.converted,
        "conversion_rate": journey.treated.rate,
        "exits": dict(journey.exits),
        "sends": {tp: send.sent for tp, send in journey.sends.items()},
        "steps": {
            step.id: {"unique": step.unique, "total": step.total} for step in journey.steps.values()
        },
    }


def diff_command(
    old: str = typer.Argument(..., help="The old version: a file, or REV:PATH from git."),
    new: str = typer.Argument(..., help="The new version: a file, or REV:PATH from git."),
    logs: list[str] = options.LOGS,
    workspace: Path = options.WORKSPACE,
    log_format: str = options.LOG_FORMAT,
    column_map: list[str] = options.COLUMN_MAP,
    customers: Path | None = options.CUSTOMERS,
    max_rejects: str = options.MAX_REJECTS,
    show: int = typer.Option(5, "--show", help="How many changed customers to show.", min=0),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Replay two versions of a journey on the same log; show per-step, per-send and goal
    differences and the customers whose path changed."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cjo_cli.engine.replay_plan import build_plan
    from cjo_cli.engine.simulate import simulate
    from cjo_cli.events.customers import load_customers
    from cjo_cli.events.database import Settings, open_database

    home = load_workspace(workspace)
    versions = [read_version(old), read_version(new)]
    with tempfile.TemporaryDirectory(prefix="cjo-diff-") as temp:
        loaded = [load_version(workspace, home, version, Path(temp)) for version in versions]
    ids = {journey.id for _, journey in loaded}
    if len(ids) != 1:
        raise UsageError(f"the versions are different journeys: {', '.join(sorted(ids))}")
    journey_id = ids.pop()
    sides = []
    paths = []
    with open_database(None, Settings()) as con:
        read_logs(con, expand_logs(logs or []), log_format, column_map or [], max_rejects, False)
        if customers is not None:
            load_customers(con, customers)
        for ws, journey in loaded:
            found = Paths()
            simulation = simulate(con, build_plan(ws, [journey]), on_customer=found.add)
            sides.append(_side(simulation.totals, journey_id))
            paths.append(found.by_customer)
    changed = sorted(c for c in set(paths[0]) | set(paths[1]) if paths[0].get(c) != paths[1].get(c))
    examples = [
        {"customer_id": c, "old": list(paths[0].get(c, ())), "new": list(paths[1].get(c, ()))}
        for c in changed[:show]
    ]
    if as_json:
        document = {
            "journey": journey_id,
            "old": {"version": old, **sides[0]},
            "new": {"version": new, **sides[1]},
            "changed_customers": len(changed),
            "examples": examples,
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    console = Console()
    table = Table(title=Text(f"{journey_id}: {old} → {new}"), box=None, padding=(0, 1))
    for title in ("", "Old", "New", "Change"):
        table.add_column(title, justify="left" if not title else "right")

    def row(label: str, a: float | None, b: float | None, percent: bool = False) -> None:
        def show_value(value: float | None) -> str:
            if value is None:
                return "-"
            return f"{value * 100:.1f}%" if percent else f"{int(value):,}"

        change = (
            ""
            if a is None or b is None
            else (f"{(b - a) * 100:+.1f} pt" if percent else f"{int(b - a):+,}")
        )
        table.add_row(label, show_value(a), show_value(b), change)

    old_side, new_side = sides
    row("entered", old_side["entered"], new_side["entered"])
    row("converted", old_side["converted"], new_side["converted"])
    row("conversion", old_side["conversion_rate"], new_side["conversion_rate"], percent=True)
    for reason in old_side["exits"]:
        row(f"exit: {reason}", old_side["exits"][reason], new_side["exits"][reason])
    for tp in dict.fromkeys([*old_side["sends"], *new_side["sends"]]):
        row(f"send {tp}", old_side["sends"].get(tp), new_side["sends"].get(tp))
    for step in dict.fromkeys([*new_side["steps"], *old_side["steps"]]):
        a = old_side["steps"].get(step)
        b = new_side["steps"].get(step)
        row(f"step {step} (unique)", a and a["unique"], b and b["unique"])
    console.print(table)
    console.print(f"customers whose path changed: {len(changed):,}", highlight=False)
    for example in examples:
        console.print(Text("\n" + str(example["customer_id"]), style="bold"))
        for side in ("old", "new"):
            moves = " → ".join(example[side]) or "(not in the journey)"
            console.print(Text(f"  {side}: {moves}"))
