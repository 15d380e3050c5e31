"""`cjo test` through the real CLI: exit codes, formats, JUnit XML, and a test saved
by `cjo simulate --explain --save-test` from the sample log passing, since both run
the same replay."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import REPO, RunCjo

PASSING = """\
kind: test
id: lisa_clicks
name: clicks the push and buys
journey: cart_abandonment
events:
  - {at: "2026-06-01T09:00:00Z", event: product_view, properties: {category: skincare}}
  - {at: "+5m", event: product_view, properties: {category: skincare}}
  - {at: "+5m", event: product_view, properties: {category: skincare}}
  - {at: "2026-06-01T10:00:00Z", event: cart_abandoned, properties: {cart_value: 12000}}
  - {at: "+1h30m", event: push_click}
  - {at: "2026-06-01T12:00:00Z", event: purchase}
expect:
  entered: true
  sends: [cart_push]
  converted: true
"""


def workspace(tmp_path: Path, *tests: str) -> Path:
    shutil.copytree(REPO / "journeys", tmp_path / "journeys")
    folder = tmp_path / "journeys" / "tests"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for number, text in enumerate(tests):
        (folder / f"t{number}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_passing_and_failing(run_cjo: RunCjo, tmp_path: Path) -> None:
    failing = PASSING.replace("id: lisa_clicks", "id: wrong").replace(
        "sends: [cart_push]", "sends: [cart_email]"
    )
    root = workspace(tmp_path, PASSING, failing)
    result = run_cjo("test", "journeys/tests/t0.yaml", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("PASS lisa_clicks") and result.stderr == "1 passed\n"
    result = run_cjo("test", "--junit-xml", "report.xml", cwd=root)
    assert result.returncode == 1
    assert (
        "journeys/tests/t1.yaml:14:10: sends: expected cart_email, got cart_push" in result.stdout
    )
    assert "what the replay did:" in result.stdout
    assert result.stderr == "1 passed, 1 failed\n"
    assert '<testsuite name="cjo test" tests="2" failures="1"' in (root / "report.xml").read_text()


def test_json_and_github(run_cjo: RunCjo, tmp_path: Path) -> None:
    root = workspace(tmp_path, PASSING)
    document = json.loads(run_cjo("test", "-f", "json", cwd=root).stdout)
    assert [t["passed"] for t in document["tests"]] == [True]
    failing = PASSING.replace("converted: true", "converted: false")
    root = workspace(tmp_path / "b", failing)
    result = run_cjo("test", cwd=root, env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.startswith("::error file=journeys/tests/t0.yaml,line=15,col=14,")


def test_usage_errors_and_broken_workspaces(run_cjo: RunCjo, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    result = run_cjo("test", cwd=root)
    assert result.returncode == 2 and "no test documents (kind: test)" in result.stderr
    assert run_cjo("test", "nowhere", cwd=root).returncode == 2
    broken = PASSING.replace("journey: cart_abandonment", "journey: cart_abandonmnt")
    result = run_cjo("test", cwd=workspace(tmp_path / "b", broken))
    assert result.returncode == 1 and "unknown journey 'cart_abandonmnt'" in result.stderr


def test_a_saved_test_passes(run_cjo: RunCjo, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    saved = root / "journeys" / "tests" / "saved.yaml"
    result = run_cjo(
        "simulate",
        "cart_abandonment",
        "--log",
        str(REPO / "samples" / "events.jsonl"),
        "--customers",
        str(REPO / "samples" / "customers.csv"),
        "--explain",
        "cust_00057",
        "--save-test",
        str(saved),
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    assert "kind: test" in saved.read_text(encoding="utf-8")
    tested = run_cjo("test", str(saved), cwd=root)
    assert tested.returncode == 0, tested.stdout
    refused = run_cjo("simulate", "--log", "x.jsonl", "--save-test", "t.yaml", cwd=root)
    assert refused.returncode == 2 and "--save-test needs --explain" in refused.stderr


def test_the_sample_ships_a_passing_test_for_every_journey(run_cjo: RunCjo) -> None:
    result = run_cjo("test", "-f", "json")
    assert result.returncode == 0, result.stdout
    document = json.loads(result.stdout)
    tested = {test["journey"] for test in document["tests"]}
    journeys = {
        line.split(":", 1)[1].strip()
        for path in (REPO / "journeys" / "orchestration").glob("*.yaml")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("id:")
    }
    assert journeys <= tested, journeys - tested
    assert document["failed"] == 0


def test_a_changed_journey_fails_its_test_clearly(run_cjo: RunCjo, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    shutil.copy(REPO / "journeys" / "tests" / "cart_abandonment.yaml", root / "journeys" / "tests")
    journey = root / "journeys" / "orchestration" / "cart_abandonment.yaml"
    text = journey.read_text(encoding="utf-8")
    journey.write_text(text.replace("{wait: 1h, next: push", "{wait: 2h, next: push"), "utf-8")
    result = run_cjo("test", cwd=root)
    assert result.returncode == 1
    assert (
        "journeys/tests/cart_abandonment.yaml:17:10: sends: expected cart_push at +1h, got "
        "cart_push at 2026-08-03T04:00:00+00:00"
    ) in result.stdout
    assert "wait_1h: wait until 2026-08-03T04:00:00Z" in result.stdout
