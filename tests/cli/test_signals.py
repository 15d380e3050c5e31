"""Signals on a running `cjo report --db` and `cjo simulate --db`, sent as a user (Ctrl-C)
or a scheduler (SIGTERM) sends them, to the real CLI in a subprocess: exit 130 or 143
with one line, the earlier file at the output path as it was, no temporary file left.
And what kill -9 cannot clean up, the next run does.

The log is big enough (300k events) that each run is still loading or replaying when
signalled: each signal waits for the run to reach its stage, and a run takes a few
seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from benchmarks.event_log import generate
from cjo_cli.events.database import open_database
from tests.conftest import REPO

EARLIER = b"the output of an earlier run"


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("log") / "big.parquet"
    generate(path, 300_000)
    return path


class Run:
    """`cjo COMMAND --db OUT` on the log, in a subprocess, its stderr collected."""

    def __init__(self, command: str, log: Path, out: Path) -> None:
        self.out = out
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "CJO_DEBUG")}
        env["PYTHONIOENCODING"] = "utf-8"
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "cjo_cli", command),
                *("--workspace", str(REPO / "journeys"), "--log", str(log)),
                *("--db", str(out), "--threads", "1"),
            ],
            cwd=out.parent,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def building(self) -> Path:
        return self.out.with_name(f".{self.out.name}.building-{self.process.pid}")

    def wait_until(self, reached: Callable[[], bool], what: str, then: float = 0.0) -> None:
        """Until the run reaches a stage, and `then` seconds into it; it must still be
        running then."""
        deadline = time.monotonic() + 60
        while not reached():
            assert self.process.poll() is None, f"ended before {what}: {self.lines}"
            assert time.monotonic() < deadline, f"not {what} after 60 s: {self.lines}"
            time.sleep(0.01)
        time.sleep(then)
        assert self.process.poll() is None, f"ended while {what}: the log is too small here"

    def finish(self) -> int:
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self._reader.join(timeout=10)
        return code


def building(run: Run) -> bool:
    """The database file is created (its process cannot have cleaned up yet)."""
    return run.building.exists()


Start = Callable[[str, Path, Path], Run]


@pytest.fixture
def start() -> Iterator[Start]:
    """Start runs; one a failed test leaves running is killed."""
    started: list[Run] = []

    def start_run(command: str, log: Path, out: Path) -> Run:
        started.append(Run(command, log, out))
        return started[-1]

    yield start_run
    for run in started:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


def loading(run: Run) -> bool:
    """The log is being copied in: the run said which format it reads, its next step."""
    return any(line.startswith("log format: ") for line in run.lines) and building(run)


def replaying(run: Run) -> bool:
    """The log is read: the replay runs (Python, and DuckDB writing its tables)."""
    return any(line.startswith("log: read ") for line in run.lines)


@pytest.mark.parametrize(
    ("command", "stage", "then"),
    [
        # 0.3 s into the copy: inside DuckDB's query (it answers with "Query interrupted"),
        # not in Python just before it
        ("report", loading, 0.3),
        ("simulate", replaying, 0.0),
    ],
    ids=["report-loading", "simulate-replaying"],
)
@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [(signal.SIGINT, 130, "cjo: interrupted"), (signal.SIGTERM, 143, "cjo: terminated")],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_signal_stops_the_run_cleanly(
    start: Start,
    tmp_path: Path,
    big_log: Path,
    command: str,
    stage: Callable[[Run], bool],
    then: float,
    signum: int,
    code: int,
    line: str,
) -> None:
    out = tmp_path / "out.duckdb"
    out.write_bytes(EARLIER)
    run = start(command, big_log, out)
    run.wait_until(lambda: stage(run), stage.__name__, then)
    run.process.send_signal(signum)
    assert run.finish() == code, run.lines
    assert run.lines[-1] == line
    assert [said for said in run.lines if said.startswith("cjo:")] == [line]
    assert not any("Traceback" in said for said in run.lines)
    assert out.read_bytes() == EARLIER
    assert [path.name for path in tmp_path.iterdir()] == ["out.duckdb"]


def test_what_kill_9_leaves_the_next_run_removes(
    start: Start, tmp_path: Path, big_log: Path
) -> None:
    out = tmp_path / "out.duckdb"
    run = start("report", big_log, out)
    run.wait_until(lambda: building(run), "building")
    run.process.kill()  # SIGKILL: no handler runs, nothing is cleaned up
    assert run.finish() == -signal.SIGKILL
    left = {path.name for path in tmp_path.iterdir()}
    assert run.building.name in left
    assert any(name.startswith(f".cjo-spill-{run.process.pid}-") for name in left)

    # The next run's database (in process: a second cjo would only add its start-up time)
    with open_database(out) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    assert [path.name for path in tmp_path.iterdir()] == ["out.duckdb"]
