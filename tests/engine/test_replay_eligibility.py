"""Channel eligibility: a touchpoint's `requires` is judged when it would be sent; a
customer who cannot receive it is recorded as unreachable and moves on, as after a cap."""

from __future__ import annotations

import json
from pathlib import Path

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.output.simulate_report import to_json_data
from tests.engine.replay_helpers import (
    event,
    journey,
    load_workspace,
    log_connection,
    replay_each,
    sends,
)

OPTED = """
kind: touchpoint
id: consented_mail
name: consented mail
channel: email
requires: {not: {event: unsubscribe}}
"""

ASK = journey(
    "ask",
    entry="{event: asked}",
    steps="""
        mail: {send: consented_mail, next: banner}
        banner: {send: banner, next: done}
    """,
)


def test_an_unsubscribed_customer_is_unreachable_and_moves_on(tmp_path: Path) -> None:
    log = [
        event("keen", "asked", "2026-06-01T10:00:00Z"),
        # unsubscribed an hour before: the mail cannot go, the banner still shows
        event("gone", "unsubscribe", "2026-06-01T09:00:00Z"),
        event("gone", "asked", "2026-06-01T10:00:00Z"),
    ]
    ws = load_workspace(tmp_path, OPTED, ASK)
    con = log_connection(tmp_path, log)
    found, simulation = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    assert sends(found["keen"]) == [
        ("2026-06-01T10:00:00Z", "consented_mail", "sent"),
        ("2026-06-01T10:00:00Z", "banner", "sent"),
    ]
    assert sends(found["gone"]) == [
        ("2026-06-01T10:00:00Z", "consented_mail", "unreachable"),
        ("2026-06-01T10:00:00Z", "banner", "sent"),
    ]
    (gone_mail,) = [s for s in found["gone"].sends if s.touchpoint == "consented_mail"]
    assert "requires" in gone_mail.reason
    (data,) = to_json_data(simulation.totals, {}, {}, [])["journeys"]
    mail = next(d for d in data["send_details"] if d["touchpoint"] == "consented_mail")
    assert (mail["sent"], mail["unreachable"], mail["capped"]) == (1, 1, 0)
    assert json.dumps(data["sends"]) == '{"consented_mail": 1, "banner": 2}'
    # By reason, per touchpoint: the one unreachable mail; the banner always went out.
    assert data["not_sent"] == {
        "consented_mail": {"capped": 0, "unreachable": 1, "quiet_hours": 0},
        "banner": {"capped": 0, "unreachable": 0, "quiet_hours": 0},
    }
