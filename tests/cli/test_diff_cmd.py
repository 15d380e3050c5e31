"""`cjo diff` through the real CLI on the bundled sample: files, git revisions, shared files,
hostile versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCjo

SAMPLE = str(REPO / "samples" / "events.jsonl")
CUSTOMERS = str(REPO / "samples" / "customers.csv")
CART = REPO / "journeys" / "orchestration" / "cart_abandonment.yaml"


def test_diff_of_two_files(run_cjo: RunCjo, tmp_path: Path) -> None:
    changed = tmp_path / "cart.yaml"
    changed.write_text(
        CART.read_text(encoding="utf-8").replace("{wait: 1h, next: push", "{wait: 2h, next: push"),
        encoding="utf-8",
    )
    result = run_cjo("diff", str(CART), str(changed), "--log", SAMPLE, "--json", "--show", "2")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["journey"] == "cart_abandonment"
    assert document["changed_customers"] > 0 and len(document["examples"]) == 2
    example = document["examples"][0]
    assert example["old"] != example["new"]
    same = run_cjo("diff", str(CART), str(CART), "--log", SAMPLE, "--json")
    assert json.loads(same.stdout)["changed_customers"] == 0
    table = run_cjo("diff", str(CART), str(changed), "--log", SAMPLE)
    assert "customers whose path changed" in table.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_against_a_git_revision(run_cjo: RunCjo) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    spec = "HEAD:journeys/orchestration/cart_abandonment.yaml"
    result = run_cjo("diff", spec, str(CART), "--log", SAMPLE, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["old"]["version"] == spec
    bad = run_cjo("diff", "HEAD:no/such.yaml", str(CART), "--log", SAMPLE)
    assert bad.returncode == 2 and "git show failed" in bad.stderr


def test_diff_when_the_journey_shares_a_file_with_other_documents(
    run_cjo: RunCjo, tmp_path: Path
) -> None:
    workspace = tmp_path / "journeys"
    shutil.copytree(REPO / "journeys", workspace)
    moved = workspace / "orchestration" / "cart_abandonment.yaml"
    maps = workspace / "maps" / "lisa.yaml"  # flow sequences with `?` in them
    maps.write_text(
        maps.read_text(encoding="utf-8") + "\n---\n" + moved.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    moved.unlink()
    changed = tmp_path / "cart.yaml"
    changed.write_text(
        CART.read_text(encoding="utf-8").replace("{wait: 1h, next: push", "{wait: 2h, next: push"),
        encoding="utf-8",
    )
    args = ("--log", SAMPLE, "-w", str(workspace), "--json")
    result = run_cjo("diff", str(CART), str(changed), *args)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["changed_customers"] > 0


def test_diff_refuses_a_hostile_version(run_cjo: RunCjo, tmp_path: Path) -> None:
    laughs = tmp_path / "laughs.yaml"
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    laughs.write_text("kind: journey\nid: cart_abandonment\n" + "\n".join(lines) + "\n")
    result = run_cjo("diff", str(CART), str(laughs), "--log", SAMPLE)
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stderr and result.stderr.strip()
