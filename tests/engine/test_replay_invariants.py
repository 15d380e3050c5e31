"""Generated journeys and logs with event times on every boundary (exactly on, one
second before and one second after each wait, timeout, goal window and quiet-hours
edge), replayed, and held to what the rules imply (issue 22):

- every entry has exactly one exit, at or after it, and entries of one journey never
  overlap (a customer is in one step of a journey at a time);
- every send step reached by a treated entry is sent, capped or not sent, once;
- a goal event within `goal.within` after entry converts it, whether or not the
  customer had already left, and nothing else does;
- moving another customer's events changes nothing for this one (without a send rate,
  which couples the customers on purpose).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.replay_helpers import event, journey, policy, run

HOUR = 3600
DURATIONS = {"1h": HOUR, "2h": 2 * HOUR, "1d": 24 * HOUR}
BASE = 1_780_272_000  # 2026-06-01T00:00:00Z
LOG_END = BASE + 4 * 24 * HOUR


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def journeys(draw: st.DrawFn, coupled: bool = True) -> tuple[str, int]:
    """A chain of steps ending in `done`, with a goal window; and that window in seconds.
    The entry is an event or a daily audience; with `coupled`, the journey may have a
    send rate (which couples the customers)."""
    count = draw(st.integers(1, 4))
    steps = []
    for index in range(count):
        here, after = f"s{index}", (f"s{index + 1}" if index + 1 < count else "done")
        kind = draw(st.sampled_from(["wait", "wait_for", "send", "send", "set"]))
        if kind == "set":
            value = draw(st.sampled_from(["gold", "null", "3"]))
            steps.append(f"{here}: {{set: {{attribute: tier, value: {value}}}, next: {after}}}")
            continue
        length = draw(st.sampled_from(sorted(DURATIONS)))
        if kind == "wait":
            steps.append(f"{here}: {{wait: {length}, next: {after}}}")
        elif kind == "wait_for":
            target = draw(st.sampled_from([after, "done"]))
            steps.append(
                f"{here}: {{wait_for: {{event: x}}, timeout: {length}, next: {after}, "
                f"on_timeout: {target}}}"
            )
        else:
            touchpoint = draw(st.sampled_from(["push", "mail", "banner"]))
            steps.append(f"{here}: {{send: {touchpoint}, next: {after}}}")
    within = draw(st.sampled_from(sorted(DURATIONS)))
    fields: dict[str, str] = {"goal": f"{{event: g, within: {within}}}"}
    fields["re_entry"] = draw(st.sampled_from(["always", "never"]))
    if draw(st.booleans()):
        fields["exit_on"] = "[{event: q}]"
    if coupled and draw(st.booleans()):
        fields["limits"] = "{rate: {max: 1, per: 1h}}"
    hour = draw(st.integers(0, 23))
    audience = f'{{audience: {{event: e}}, every: 1d, at: "{hour:02d}:00", start: 2026-06-01}}'
    entry = draw(st.sampled_from(["{event: e}", "{event: e}", audience]))
    return journey("j", "\n".join(steps), entry=entry, **fields), DURATIONS[within]


# Instants on the boundaries the durations and quiet hours make, and a second either side.
EDGES = sorted(
    {
        BASE + hours * HOUR + delta
        for hours in range(0, 30)
        for delta in (-1, 0, 1)
        if BASE + hours * HOUR + delta >= BASE
    }
)


@st.composite
def logs(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for customer in ("a", "b"):
        for _ in range(draw(st.integers(2, 10))):
            name = draw(st.sampled_from(["e", "e", "x", "x", "g", "q", "push_click"]))
            rows.append(event(customer, name, _iso(draw(st.sampled_from(EDGES)))))
    rows.append(event("zz_end", "view", _iso(LOG_END)))
    return rows


POLICIES = st.sampled_from(
    [
        policy(),
        policy(quiet_hours='{from: "01:00", to: "12:00", tz: UTC}'),
        policy(frequency_caps="[{channel: any, max: 1, per: 1d}]"),
        policy(
            quiet_hours='{from: "22:00", to: "02:00", tz: UTC}',
            frequency_caps="[{channel: web_push, max: 1, per: 2h}]",
        ),
    ]
)


def _replay(docs: list[str], log: list[dict[str, Any]]) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        found, _ = run(Path(folder), docs, log)
    return found


def _seconds(us: int) -> int:
    return us // 1_000_000


@settings(max_examples=100, deadline=None)
@given(made=journeys(), log=logs(), rules=POLICIES)
def test_the_rules_hold_on_every_boundary(
    made: tuple[str, int], log: list[dict[str, Any]], rules: str
) -> None:
    doc, within = made
    found = _replay([doc, rules], log)
    for customer, replay in found.items():
        goals = [
            _seconds_of(row["ts"])
            for row in log
            if row["customer_id"] == customer and row["event"] == "g"
        ]
        previous_exit = None
        for entry in replay.entries:
            entry_at, exit_at = _seconds(entry.ts), _seconds(entry.exit_ts)
            assert entry.exit_reason in ("goal", "exit_event", "end", "censored")
            assert exit_at >= entry_at
            if previous_exit is not None:
                assert entry_at >= previous_exit  # never in the journey twice at once
            previous_exit = exit_at
            strictly_inside = [t for t in goals if entry_at < t <= entry_at + within]
            if strictly_inside:
                assert entry.converted_ts is not None, (doc, rules, log)
            if entry.converted_ts is not None:
                assert any(entry_at <= t <= entry_at + within for t in goals)
            visits = [v for v in replay.visits if v.entry == entry.entry]
            assert all(entry_at <= _seconds(v.ts) <= exit_at for v in visits)
            if entry.holdout:
                continue
            reached = sorted(
                v.step for v in visits if v.step.startswith("s") and _is_send(doc, v.step)
            )
            handled = sorted(s.step for s in replay.sends if s.entry == entry.entry)
            assert reached == handled, (doc, rules, log)
            assert {s.status for s in replay.sends} <= {
                "sent",
                "capped",
                "not_sent",
                "rate_limited",
            }


@settings(max_examples=25, deadline=None)
@given(
    made=journeys(coupled=False),
    log=logs(),
    rules=POLICIES,
    shift=st.sampled_from([-HOUR, 1, HOUR, 7 * HOUR]),
)
def test_another_customers_events_change_nothing(
    made: tuple[str, int], log: list[dict[str, Any]], rules: str, shift: int
) -> None:
    moved = [
        event(row["customer_id"], row["event"], _iso(max(BASE, _seconds_of(row["ts"]) + shift)))
        if row["customer_id"] == "b"
        else row
        for row in log
    ]
    before, after = _replay([made[0], rules], log), _replay([made[0], rules], moved)
    assert before.get("a") == after.get("a")


def _seconds_of(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _is_send(doc: str, step: str) -> bool:
    return f"{step}: {{send:" in doc
