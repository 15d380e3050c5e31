"""Replays of small hand-written workspaces and logs through the real pipeline
(YAML → model → plan → DuckDB feed → state machine), for the scenario tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_stats import ReplayTotals
from cjo_cli.engine.simulate import simulate
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


def run(
    tmp_path: Path,
    documents: list[str],
    events: list[dict[str, Any]],
    journeys: list[str] | None = None,
) -> tuple[dict[str, CustomerReplay], ReplayTotals]:
    ws = load_workspace(tmp_path, *documents)
    picked = [ws.journeys[j] for j in journeys] if journeys else list(ws.journeys.values())
    plan = build_plan(ws, picked)
    log = tmp_path / "events.jsonl"
    log.write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8"
    )
    con = connect()
    load_events(con, [(log, "jsonl")])
    found: dict[str, CustomerReplay] = {}

    def keep(replay: CustomerReplay) -> None:
        found[replay.customer] = replay

    simulation = simulate(con, plan, on_customer=keep)
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
