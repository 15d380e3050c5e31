"""The same condition picks the same customers in `cjo report` and `cjo simulate`.

Six customers check out with `coupon` absent, null, "", 0, "A" and "B". A condition
on `coupon` is written as a funnel step's `where`, a journey entry's `where`, and a
split's `if:`; the report's step-1 customers, the journey's entrants and the split
branch's visitors must be the same count. (Before the condition language had one
definition of a missing key, the split counted 5 for `exists: true`.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunCjo

COUPONS: list[tuple[str, object]] = [
    ("absent", ...),
    ("null", None),
    ("empty", ""),
    ("zero", 0),
    ("a", "A"),
    ("b", "B"),
]

# (the condition as a `where` value, as an `if:` condition, customers it picks)
CASES = [
    ("{exists: true}", "{property: coupon, op: exists, value: true}", 4),
    ("{exists: false}", "{property: coupon, op: exists, value: false}", 2),
    ("{eq: null}", "{property: coupon, op: eq, value: null}", 2),
    ("{ne: null}", "{property: coupon, op: ne, value: null}", 4),
    ('{eq: ""}', '{property: coupon, op: eq, value: ""}', 1),
    ("{in: [A, B]}", "{property: coupon, op: in, value: [A, B]}", 2),
]


def workspace(folder: Path, where: str, condition: str) -> Path:
    folder.mkdir()
    (folder / ".cjo-workspace").write_text("", encoding="utf-8")
    (folder / "docs.yaml").write_text(
        f"""kind: funnel
id: coupon_checkout
name: checkout with the coupon condition
steps:
  - {{event: checkout, where: {{coupon: {where}}}}}
  - {{event: purchase}}
---
kind: journey
id: coupon_entry
name: enters on the condition
entry: {{event: checkout, where: {{coupon: {where}}}}}
start: done
steps:
  done: {{exit: true}}
---
kind: journey
id: coupon_split
name: splits on the condition
entry: {{event: checkout}}
start: split
steps:
  split:
    split:
      - {{if: {condition}, next: picked}}
      - {{else: other}}
  picked: {{exit: true}}
  other: {{exit: true}}
""",
        encoding="utf-8",
    )
    return folder


def log(path: Path) -> Path:
    rows = []
    for number, (customer, coupon) in enumerate(COUPONS):
        properties = {} if coupon is ... else {"coupon": coupon}
        rows.append(
            {
                "customer_id": customer,
                "event": "checkout",
                "ts": f"2026-06-01T10:00:0{number}Z",
                "properties": properties,
            }
        )
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(("where", "condition", "picked"), CASES)
def test_report_and_simulate_pick_the_same_customers(
    run_cjo: RunCjo, tmp_path: Path, where: str, condition: str, picked: int
) -> None:
    ws = workspace(tmp_path / "ws", where, condition)
    events = log(tmp_path / "events.jsonl")
    report = run_cjo("report", "-w", str(ws), "--log", str(events), "-f", "json")
    assert report.returncode == 0, report.stderr
    (funnel,) = json.loads(report.stdout)["funnels"]
    simulate = run_cjo("simulate", "-w", str(ws), "--log", str(events), "-f", "json")
    assert simulate.returncode == 0, simulate.stderr
    journeys = {j["id"]: j for j in json.loads(simulate.stdout)["journeys"]}
    split_steps = {step["id"]: step["unique"] for step in journeys["coupon_split"]["steps"]}
    assert funnel["steps"][0]["customers"] == picked
    assert journeys["coupon_entry"]["entered"] == picked
    assert split_steps["picked"] == picked
    assert split_steps["other"] == len(COUPONS) - picked
