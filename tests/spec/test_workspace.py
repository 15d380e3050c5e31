"""Workspaces: many files checked on several cores give exactly the serial findings."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.spec import workspace as ws
from cjo_cli.spec.workspace import find_root, validate_paths

JOURNEY = """\
kind: journey
id: j{n}
persona: {persona}
entry: {{event: e}}
steps:
  first: {{send: {touchpoint}, next: done}}
  done: {{exit: true}}
"""


def make_many(root: Path, count: int) -> Path:
    journeys = root / "journeys"
    journeys.mkdir()
    (journeys / "shared.yaml").write_text(
        "kind: persona\nid: lisa\n---\nkind: touchpoint\nid: mail\nchannel: email\n",
        encoding="utf-8",
    )
    for n in range(count):
        persona = "lisa" if n % 7 else "lsa"  # every 7th journey has a dangling persona
        touchpoint = "mail" if n % 5 else "mial"
        text = JOURNEY.format(n=n, persona=persona, touchpoint=touchpoint)
        (journeys / f"j{n:03d}.yaml").write_text(text, encoding="utf-8")
    return journeys


def test_parallel_and_serial_checks_agree(tmp_path: Path) -> None:
    journeys = make_many(tmp_path, 100)
    parallel = validate_paths([journeys])
    serial = validate_paths([journeys], keep_model=True)  # keeping the model stays in-process
    assert parallel.findings == serial.findings
    assert len(parallel.findings) == 15 + 20
    assert {f.rule for f in parallel.findings} == {"unknown-reference"}
    assert len(serial.workspace.journeys) == 100
    assert len(parallel.workspace.journeys) == 0


def test_the_parallel_path_is_taken_for_many_files(tmp_path: Path) -> None:
    journeys = make_many(tmp_path, ws._PARALLEL_MIN_FILES + 1)
    jobs = [(p, p.name, ws.Limits(), False) for p in ws.yaml_files(journeys)]
    results = ws.check_files(jobs)
    assert [r.display for r in results] == [p.name for p in ws.yaml_files(journeys)]


def test_find_root(tmp_path: Path) -> None:
    (tmp_path / "a" / "journeys" / "deep").mkdir(parents=True)
    (tmp_path / "b" / "x").mkdir(parents=True)
    (tmp_path / "b" / ".cjo-workspace").write_text("", encoding="utf-8")
    assert (
        find_root(tmp_path / "a" / "journeys" / "deep") == (tmp_path / "a" / "journeys").resolve()
    )
    assert find_root(tmp_path / "b" / "x") == (tmp_path / "b").resolve()
    assert find_root(tmp_path / "a") is None
