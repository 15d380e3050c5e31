"""Replays of small hand-written workspaces and logs through the real pipeline
(YAML → model → plan → DuckDB feed → state machine), for the scenario tests."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from cjo_cli.engine.replay_plan import Plan, build_plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_stats import ReplayTotals
from cjo_cli.engine.simulate import Simulation, simulate
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import connect
from cjo_cli.model import Workspace
from cjo_cli.model.clock import to_datetime
from cjo_cli.spec.workspace import validate_paths

TOUCHPOINTS = """
kind: touchpoint
id: push
name: push
channel: web_push
events: {delivered: push_delivered, clicked: push_click}
---
kind: touchpoint
id: mail
name: mail
channel: email
---
kind: touchpoint
id: ad
name: ad
channel: ad
---
kind: touchpoint
id: banner
name: banner
channel: web
"""


def journey(id: str, steps: str = "", entry: str = "{event: cart}", **fields: str) -> str:
    """A journey document, named after its id unless `name` is given: its entry, the other
    top-level fields in the order given (`goal="{event: buy, within: 1d}"`), then its steps
    as written under `steps:` (dedented) and last the exit step `done` they lead to."""
    lines = ["kind: journey", f"id: {id}", f"name: {fields.pop('name', id)}", f"entry: {entry}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    lines += ["steps:", *textwrap.indent(textwrap.dedent(steps), "  ").strip("\n").splitlines()]
    return "\n".join([*lines, "  done: {exit: true}"]) + "\n"


def policy(**fields: str) -> str:
    """The workspace's policy (id `default`) with the fields given."""
    lines = ["kind: policy", "id: default", "name: policy"]
    return "\n".join([*lines, *(f"{key}: {value}" for key, value in fields.items())]) + "\n"


def load_workspace(tmp_path: Path, *documents: str) -> Workspace:
    folder = tmp_path / "ws"
    folder.mkdir(exist_ok=True)
    text = "\n---\n".join([TOUCHPOINTS, *documents])
    (folder / "docs.yaml").write_text(text, encoding="utf-8")
    result = validate_paths([folder], keep_model=True)
    errors = [f for f in result.findings if f.level.value == "error"]
    assert not errors, [str(f) for f in errors]
    return result.workspace


def event(customer: str, name: str, ts: str, **properties: Any) -> dict[str, Any]:
    return {"customer_id": customer, "event": name, "ts": ts, "properties": properties}


def write_log(path: Path, events: Iterable[dict[str, Any]]) -> Path:
    """The events as a JSON Lines log at `path`."""
    text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)
    path.write_text(text, encoding="utf-8")
    return path


def log_connection(tmp_path: Path, events: Iterable[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """A fresh connection with the events loaded from the log `tmp_path/events.jsonl`."""
    con = connect()
    load_events(con, [(write_log(tmp_path / "events.jsonl", events), "jsonl")])
    return con


def replay_each(
    con: duckdb.DuckDBPyConnection, plan: Plan, **options: Any
) -> tuple[dict[str, CustomerReplay], Simulation]:
    """`simulate`, keeping each customer's replay by customer id."""
    found: dict[str, CustomerReplay] = {}

    def keep(replay: CustomerReplay) -> None:
        found[replay.customer] = replay

    return found, simulate(con, plan, on_customer=keep, **options)


def run(
    tmp_path: Path,
    documents: list[str],
    events: list[dict[str, Any]],
    journeys: list[str] | None = None,
) -> tuple[dict[str, CustomerReplay], ReplayTotals]:
    ws = load_workspace(tmp_path, *documents)
    picked = [ws.journeys[j] for j in journeys] if journeys else list(ws.journeys.values())
    found, simulation = replay_each(log_connection(tmp_path, events), build_plan(ws, picked))
    return found, simulation.totals


def iso(us: int) -> str:
    return to_datetime(us).strftime("%Y-%m-%dT%H:%M:%SZ")


def visits(replay: CustomerReplay, journey: str) -> list[tuple[str, str]]:
    return [(iso(v.ts), v.step) for v in replay.visits if v.journey == journey]


def sends(replay: CustomerReplay, journey: str | None = None) -> list[tuple[str, str, str]]:
    return [
        (iso(s.ts), s.touchpoint, s.status)
        for s in replay.sends
        if journey is None or s.journey == journey
    ]


def exits(replay: CustomerReplay, journey: str) -> list[tuple[str, str, str, bool]]:
    return [
        (iso(e.exit_ts), e.exit_reason, e.exit_step, e.converted_ts is not None)
        for e in replay.entries
        if e.journey == journey
    ]
