"""`compile_steps`: a journey's steps in written order, successors as indices, the events
the steps wait for as bits, and whether they read entry properties or customer traits."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.conditions.bits import BitRegistry
from cjo_cli.engine.delivery import PlanTouchpoint
from cjo_cli.engine.replay_plan_steps import SEND, SPLIT, WAIT_FOR, compile_steps
from cjo_cli.model import EventFilter
from tests.engine.replay_helpers import journey, load_workspace

STEPS = """
    ask: {send: mail, next: listen}
    listen:
      wait_any:
        within: 1d
        paths: [{event: click, next: pick}, {event: buy, next: done}]
        else: pick
    pick:
      split:
        - {if: {property: plan, op: eq, value: pro}, next: done}
        - {if: {attribute: vip, op: eq, value: true}, next: ask}
        - {else: done}
"""


def test_steps_bits_and_what_they_read(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, journey("j", STEPS))
    bits = BitRegistry()
    touchpoints: dict[str, PlanTouchpoint] = {}
    compiled = compile_steps(ws, ws.journeys["j"], bits, set(), touchpoints)
    ask, listen, pick, _ = compiled.steps
    assert [s.id for s in compiled.steps] == ["ask", "listen", "pick", "done"]
    assert (ask.kind, ask.next, ask.touchpoint, ask.channel) == (SEND, 1, "mail", "email")
    click, buy = bits.bit(EventFilter("click")), bits.bit(EventFilter("buy"))
    assert listen.kind == WAIT_FOR
    assert (listen.bit, listen.paths, listen.on_timeout) == (click | buy, ((click, 2), (buy, 3)), 2)
    assert compiled.bits == click | buy
    assert pick.kind == SPLIT and [target for _, target in pick.branches] == [3, 0, 3]
    assert compiled.reads_properties and compiled.reads_traits
    assert list(touchpoints) == ["mail"]


def test_plain_steps_read_nothing(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, journey("j", "pause: {wait: 1h, next: done}"))
    compiled = compile_steps(ws, ws.journeys["j"], BitRegistry(), set(), {})
    assert (compiled.bits, compiled.reads_properties, compiled.reads_traits) == (0, False, False)
