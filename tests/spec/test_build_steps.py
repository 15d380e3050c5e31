"""Each step kind of a journey becomes its frozen model step, with what was written."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from cjo_cli import model as m
from cjo_cli.spec.workspace import validate_files

JOURNEY = """kind: journey
id: j
entry: {event: signup}
steps:
  mark: {set: {attribute: tier, value: silver}, next: clear, name: Mark silver}
  clear: {set: {attribute: coupon, value: null}, next: count}
  count: {set: {attribute: visits, value: 3}, next: evening}
  evening: {wait_until: "19:00", tz: Asia/Tokyo, next: listen}
  listen:
    wait_any:
      within: 2d
      paths: [{event: click, next: done}, {event: buy, where: {channel: app}, next: done}]
      else: done
  done: {exit: true}
"""


def steps(tmp_path: Path) -> dict[str, m.Step]:
    path = tmp_path / "j.yaml"
    path.write_text(JOURNEY, encoding="utf-8")
    result = validate_files([path])
    assert result.findings == ()
    return dict(result.workspace.journeys["j"].steps)


def test_set_steps_keep_the_value_as_written(tmp_path: Path) -> None:
    found = steps(tmp_path)
    mark, clear, count = found["mark"], found["clear"], found["count"]
    assert isinstance(mark, m.SetStep) and isinstance(clear, m.SetStep)
    assert (mark.name, mark.attribute, mark.value, mark.next) == (
        "Mark silver",
        "tier",
        "silver",
        "clear",
    )
    assert type(mark.value) is str  # a plain str, not the YAML loader's subclass
    assert (clear.attribute, clear.value) == ("coupon", None)
    assert isinstance(count, m.SetStep) and count.value == 3
    assert mark.successors()[0][0] == "clear"


def test_waits_and_paths(tmp_path: Path) -> None:
    found = steps(tmp_path)
    evening, listen = found["evening"], found["listen"]
    assert isinstance(evening, m.WaitUntilStep) and (evening.at, evening.tz) == (
        time(19, 0),
        "Asia/Tokyo",
    )
    assert isinstance(listen, m.WaitAnyStep)
    assert [(p.event.event, p.next) for p in listen.paths] == [("click", "done"), ("buy", "done")]
    assert listen.within.seconds == 2 * 86400 and listen.else_step == "done"
