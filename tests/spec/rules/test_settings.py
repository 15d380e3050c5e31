"""Journey and policy settings: zones, zero durations, holdouts, A/B weights, splits and
timeouts. The cases in tests/cases/invalid cover one finding of most rules; these cover
every place each rule looks, and the edges of each bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjo_cli.spec.workspace import ValidationResult, validate_files

HEAD = "kind: journey\nid: j\nentry: {event: e}\n"
DONE = "steps:\n  done: {exit: true}\n"


def validate(tmp_path: Path, text: str) -> ValidationResult:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    return validate_files([path])


def found(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    return [(f.rule, f"{f.line}:{f.col}") for f in validate(tmp_path, text).findings]


def only(tmp_path: Path, text: str) -> tuple[str, str, str]:
    (finding,) = validate(tmp_path, text).findings
    return finding.rule, f"{finding.line}:{finding.col}", finding.message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param(
            HEAD + "limits: {quiet_hours: {from: '22:00', to: '08:00', tz: Mars/Olympus}}\n" + DONE,
            "4:56",
            id="journey-quiet-hours",
        ),
        pytest.param(
            HEAD + "steps:\n  u: {wait_until: '09:00', tz: Europe/Berln, next: done}\n"
            "  done: {exit: true}\n",
            "5:32",
            id="wait_until",
        ),
        pytest.param(
            "kind: policy\nid: default\n"
            "quiet_hours: {from: '22:00', to: '08:00', tz: ../../etc/passwd}\n",
            "3:47",
            id="policy-quiet-hours",
        ),
    ],
)
def test_bad_timezone_everywhere_a_zone_is_written(tmp_path: Path, text: str, where: str) -> None:
    rule, at, message = only(tmp_path, text)
    assert (rule, at) == ("bad-timezone", where)
    assert message.startswith("unknown time zone '")
    assert message.endswith("' (use an IANA name such as Asia/Tokyo or UTC)")


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/New_York", "Europe/Berlin"])
def test_iana_zones_are_fine(tmp_path: Path, zone: str) -> None:
    text = (
        HEAD + f"limits: {{quiet_hours: {{from: '22:00', to: '08:00', tz: {zone}}}}}\n"
        f"steps:\n  u: {{wait_until: '09:00', tz: {zone}, next: done}}\n  done: {{exit: true}}\n"
    )
    assert found(tmp_path, text) == []


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        (HEAD + "re_entry: {after: 0s}\n" + DONE, "4:11", "re_entry.after is 0s"),
        (HEAD + "goal: {event: buy, within: 0d}\n" + DONE, "4:7", "goal.within is 0d"),
        (
            HEAD + "limits: {per_customer: {max: 1, per: 0h}}\n" + DONE,
            "4:9",
            "limits.per_customer.per is 0h",
        ),
        (
            HEAD + "steps:\n  w: {wait: 0m, next: w2}\n  w2: {wait: 1m, next: done}\n"
            "  done: {exit: true}\n",
            "5:13",
            "step 'w' wait is 0m",
        ),
        (
            HEAD + "steps:\n  f: {wait_for: {event: c}, timeout: 0w, next: done, "
            "on_timeout: done}\n  done: {exit: true}\n",
            "5:38",
            "step 'f' timeout is 0w",
        ),
        (
            "kind: funnel\nid: f\nsteps: [{event: a}, {event: b}]\nwindow: 0s\n",
            "4:9",
            "funnel 'f' window is 0s",
        ),
        (
            "kind: policy\nid: default\nfrequency_caps: [{channel: any, max: 1, per: 0s}]\n",
            "3:17",
            "frequency cap period is 0s",
        ),
    ],
    ids=["re_entry", "goal", "per_customer", "wait", "timeout", "funnel", "frequency-cap"],
)
def test_zero_duration_everywhere_a_duration_is_written(
    tmp_path: Path, text: str, where: str, what: str
) -> None:
    assert only(tmp_path, text) == ("zero-duration", where, f"{what}: it must be longer than zero")


@pytest.mark.parametrize(
    ("text", "what"),
    [
        (HEAD + "re_entry: {after: 3651d}\n" + DONE, "re_entry.after is 3651d"),
        (HEAD + "goal: {event: buy, within: 522w}\n" + DONE, "goal.within is 522w"),
        (
            HEAD + "steps:\n  w: {wait: 999999999d, next: done}\n  done: {exit: true}\n",
            "step 'w' wait is 999999999d",
        ),
        (
            HEAD + "steps:\n  f: {wait_for: {event: c}, timeout: 9999999999999999999999w, "
            "next: done, on_timeout: done}\n  done: {exit: true}\n",
            "step 'f' timeout is 9999999999999999999999w",
        ),
        (
            "kind: funnel\nid: f\nsteps: [{event: a}, {event: b}]\nwindow: 315360001s\n",
            "funnel 'f' window is 315360001s",
        ),
        (
            "kind: persona\nid: p\nname: P\nsegment: {event: buy, within: 4000d}\n",
            "a condition's within in persona 'p' is 4000d",
        ),
        (
            HEAD
            + "steps:\n  s:\n    split:\n      - {if: {event: buy, within: 4000d}, next: done}\n"
            "      - {else: done}\n  done: {exit: true}\n",
            "a condition's within in step 's' is 4000d",
        ),
    ],
    ids=["re_entry", "goal", "wait", "timeout", "funnel", "persona-segment", "split-condition"],
)
def test_durations_past_ten_years_are_findings(tmp_path: Path, text: str, what: str) -> None:
    rule, _, message = only(tmp_path, text)
    assert (rule, message) == (
        "duration-too-long",
        f"{what}: at most 3650d (about ten years) is allowed",
    )


@pytest.mark.parametrize("duration", ["3650d", "521w", "315360000s"])
def test_ten_years_is_allowed(tmp_path: Path, duration: str) -> None:
    assert found(tmp_path, HEAD + f"goal: {{event: buy, within: {duration}}}\n" + DONE) == []


@pytest.mark.parametrize(
    ("holdout", "expected"),
    [
        ("0.1%", []),
        ("20%", []),
        ("49.9%", []),
        ("50%", [("holdout-large", "4:10")]),
        ("99.99%", [("holdout-large", "4:10")]),
        ("100%", [("holdout", "4:10")]),
        ("0%", [("holdout", "4:10")]),
        ("0", [("holdout", "4:10")]),
        ("50", [("holdout-large", "4:10")]),
        (".nan", [("holdout", "4:10")]),  # passes the schema's bounds, caught here
    ],
)
def test_holdout_bounds(tmp_path: Path, holdout: str, expected: list[tuple[str, str]]) -> None:
    assert found(tmp_path, HEAD + f"holdout: {holdout}\n" + DONE) == expected


@pytest.mark.parametrize(
    ("holdout", "message"),
    [
        ("100%", "holdout of 100% leaves no customer to treat; use less than 100%"),
        ("0%", "a holdout of 0% measures nothing; remove `holdout` or give a share such as 10%"),
        (".nan", "holdout of nan% is not a number of percent"),
        (
            "62.5%",
            "holdout of 62.5% withholds the journey from most customers; "
            "a control group of 5-20% is usual",
        ),
    ],
)
def test_holdout_messages(tmp_path: Path, holdout: str, message: str) -> None:
    assert only(tmp_path, HEAD + f"holdout: {holdout}\n" + DONE)[2] == message


def ab(*weights: str) -> str:
    variants = "".join(
        f"        v{n}: {{weight: {w}, next: done}}\n" for n, w in enumerate(weights)
    )
    return HEAD + "steps:\n  t:\n    ab:\n      variants:\n" + variants + "  done: {exit: true}\n"


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (("50", "50"), None),
        (("33.3", "33.3", "33.4"), None),  # float sums that are 100 up to rounding
        (("0.1",) * 10 + ("99",), None),
        (("60", "30"), "ab step 't' weights add up to 60 + 30 = 90, not 100"),
        (("50", "50", "1"), "ab step 't' weights add up to 50 + 50 + 1 = 101, not 100"),
        (("99.99", "0"), "ab step 't' weights add up to 99.99 + 0 = 99.99, not 100"),
        ((".nan", "100"), "ab step 't' weights add up to nan + 100 = nan, not 100"),
    ],
)
def test_ab_weights(tmp_path: Path, weights: tuple[str, ...], message: str | None) -> None:
    got = [
        (f.rule, f"{f.line}:{f.col}", f.message) for f in validate(tmp_path, ab(*weights)).findings
    ]
    assert got == ([] if message is None else [("ab-weights", "7:7", message)])


@pytest.mark.parametrize(
    ("timeout", "goal", "expected"),
    [
        # Equal is not longer, but a boundary the order of one instant decides.
        ("7d", "within: 1w", [("timer-at-goal-window", "6:38")]),
        ("169h", "within: 1w", [("timeout-beyond-goal", "6:38")]),
        ("30d", "", []),  # a goal without a window has no bound
        ("1s", "within: 1s", [("timer-at-goal-window", "6:38")]),
    ],
)
def test_timeout_beyond_goal(
    tmp_path: Path, timeout: str, goal: str, expected: list[tuple[str, str]]
) -> None:
    goal_line = f"goal: {{event: buy{', ' + goal if goal else ''}}}\n"
    text = (
        HEAD
        + goal_line
        + "steps:\n"
        + f"  f: {{wait_for: {{event: c}}, timeout: {timeout}, next: done, on_timeout: done}}\n"
        + "  done: {exit: true}\n"
    )
    assert found(tmp_path, text) == expected


def test_timeout_beyond_goal_message(tmp_path: Path) -> None:
    text = (
        HEAD + "goal: {event: buy, within: 2d}\nsteps:\n"
        "  f: {wait_for: {event: c}, timeout: 3d, next: done, on_timeout: done}\n"
        "  done: {exit: true}\n"
    )
    assert only(tmp_path, text) == (
        "timeout-beyond-goal",
        "6:38",
        "step 'f' waits up to 3d, longer than the goal window 2d of journey 'j': its timeout "
        "branch can only run after a conversion could still count",
    )


SPLIT_IF = "      - {if: {property: x, op: exists, value: true}, next: done}\n"
SPLIT_ELSE = "      - {else: done}\n"


@pytest.mark.parametrize(
    ("branches", "expected"),
    [
        ([SPLIT_IF, SPLIT_ELSE], []),
        ([SPLIT_ELSE], []),  # an else alone is a split that always goes one way
        ([SPLIT_IF, SPLIT_IF], [("missing-else", "7:7")]),
        ([SPLIT_ELSE, SPLIT_IF, SPLIT_IF], [("dead-branch", "8:9"), ("dead-branch", "9:9")]),
        ([SPLIT_ELSE, SPLIT_ELSE], [("dead-branch", "8:9")]),  # a second else is dead too
        ([SPLIT_IF, SPLIT_ELSE, SPLIT_IF], [("dead-branch", "9:9")]),
    ],
)
def test_split_branches(
    tmp_path: Path, branches: list[str], expected: list[tuple[str, str]]
) -> None:
    text = HEAD + "steps:\n  s:\n    split:\n" + "".join(branches) + "  done: {exit: true}\n"
    assert found(tmp_path, text) == expected


def test_split_messages(tmp_path: Path) -> None:
    missing = HEAD + "steps:\n  s:\n    split:\n" + SPLIT_IF + "  done: {exit: true}\n"
    assert only(tmp_path, missing)[2] == (
        "split 's' has no `else` branch: say where customers go when no branch matches"
    )
    dead = HEAD + "steps:\n  s:\n    split:\n" + SPLIT_ELSE + SPLIT_IF + "  done: {exit: true}\n"
    assert only(tmp_path, dead)[2] == (
        "split 's': this branch comes after `else` and is never taken"
    )


def test_levels(tmp_path: Path) -> None:
    text = (
        HEAD + "holdout: 60%\ngoal: {event: buy, within: 1d}\nsteps:\n"
        "  f: {wait_for: {event: c}, timeout: 2d, next: s, on_timeout: s}\n"
        "  s:\n    split:\n" + SPLIT_ELSE + SPLIT_IF + "  done: {exit: true}\n"
    )
    levels = {f.rule: f.level.value for f in validate(tmp_path, text).findings}
    assert levels == {
        "holdout-large": "warning",
        "timeout-beyond-goal": "warning",
        "dead-branch": "warning",
    }


GOAL_1D = HEAD + "goal: {event: buy, within: 1d}\n"


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # A wait_for whose timeout is the goal window.
        (
            "  f: {wait_for: {event: c}, timeout: 1d, next: done, on_timeout: done}\n",
            [("timer-at-goal-window", "6:38")],
        ),
        # Two waits on the way that add up to it: the second ends at the boundary.
        (
            "  a: {wait: 1h, next: b}\n  b: {wait: 23h, next: done}\n",
            [("timer-at-goal-window", "7:13")],
        ),
        # After a wait_for's timeout, on its timeout path.
        (
            "  f: {wait_for: {event: c}, timeout: 12h, next: done, on_timeout: w}\n"
            "  w: {wait: 12h, next: done}\n",
            [("timer-at-goal-window", "7:13")],
        ),
        # One second off, or through a wait_until (no fixed time): nothing to say.
        ("  a: {wait: 86401s, next: done}\n", []),
        ("  u: {wait_until: '09:00', tz: UTC, next: w}\n  w: {wait: 1d, next: done}\n", []),
    ],
    ids=["wait-for-timeout", "two-waits", "timeout-path", "one-second-off", "wait-until"],
)
def test_a_timer_ending_exactly_at_the_goal_window_is_a_warning(
    tmp_path: Path, steps: str, expected: list[tuple[str, str]]
) -> None:
    text = GOAL_1D + "steps:\n" + steps + "  done: {exit: true}\n"
    assert [f for f in found(tmp_path, text) if f[0] == "timer-at-goal-window"] == expected
    if expected:
        (finding,) = [f for f in validate(tmp_path, text).findings if f.rule == expected[0][0]]
        assert "can end exactly 1d after entry, when the goal window of journey 'j'" in (
            finding.message
        )
