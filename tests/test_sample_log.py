"""The sample event log: seeded, committed as generated, readable, and covering the sample."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.events.formats import with_formats
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import connect
from cjo_cli.sample_log import write_demo_log, write_sample
from tests.conftest import REPO, RunCjo

SAMPLES = REPO / "samples"


def test_the_committed_copy_is_what_the_generator_writes(tmp_path: Path) -> None:
    counts = write_sample(tmp_path, customers=400, seed=7)
    for name in counts:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name


def test_the_demo_log_is_the_committed_one(tmp_path: Path) -> None:
    log, customers = write_demo_log(tmp_path / "demo")
    assert log.read_bytes() == (SAMPLES / "events.jsonl").read_bytes()
    assert customers.read_bytes() == (SAMPLES / "customers.csv").read_bytes()
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == sorted(
        [log.name, customers.name]
    )


def test_the_same_seed_gives_the_same_files_and_another_seed_does_not(tmp_path: Path) -> None:
    write_sample(tmp_path / "a", customers=50, seed=1)
    write_sample(tmp_path / "b", customers=50, seed=1)
    write_sample(tmp_path / "c", customers=50, seed=2)
    first = (tmp_path / "a" / "events.jsonl").read_bytes()
    assert first == (tmp_path / "b" / "events.jsonl").read_bytes()
    assert first != (tmp_path / "c" / "events.jsonl").read_bytes()


def test_the_sample_is_messy_on_purpose_and_nothing_is_lost() -> None:
    con = connect()
    summary = load_events(con, with_formats([SAMPLES / "events.jsonl", SAMPLES / "segment.jsonl"]))
    canonical, segment = summary.files
    lines = sum(1 for _ in (SAMPLES / "events.jsonl").open(encoding="utf-8"))
    assert canonical.read + canonical.rejected == lines
    assert canonical.rejected == 6
    reasons = {r for (r,) in con.execute("SELECT DISTINCT reason FROM rejects").fetchall()}
    assert "not valid JSON" in reasons and "missing customer id" in reasons
    # The Segment copy holds the same events, plus one identify call per customer.
    assert segment.read == canonical.read
    assert segment.not_events == segment.rejected == 400


def test_every_event_the_sample_workspace_waits_for_is_in_the_sample_log(run_cjo: RunCjo) -> None:
    result = run_cjo("validate", "journeys", "--log", "samples/events.jsonl")
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


def test_cjo_sample_log(run_cjo: RunCjo, tmp_path: Path) -> None:
    result = run_cjo("sample-log", str(tmp_path / "out"), "--customers", "30")
    assert result.returncode == 0
    assert "events.jsonl" in result.stdout
    assert (tmp_path / "out" / "customers.csv").read_text(encoding="utf-8").count("\n") == 31
