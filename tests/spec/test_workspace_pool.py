"""The worker processes of `check_files`: results in order, and a worker that dies ends the
run with an error. multiprocessing.Pool used to wait for it forever, at 0% CPU."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

from cjo_cli.errors import InputError
from cjo_cli.spec import workspace as ws
from cjo_cli.spec.yaml_loader import Limits

JOBS = [(Path(f"f{n:03d}.yaml"), f"f{n:03d}.yaml", Limits(), False) for n in range(200)]


def _job(job: tuple[Path, str, Limits, bool]) -> ws.FileResult:
    return ws.FileResult(job[1], (), (), (), ())


def _dying_job(job: tuple[Path, str, Limits, bool]) -> ws.FileResult:
    if job[1] == "f150.yaml":
        os._exit(9)  # as a worker killed by the OOM killer or by hand
    return _job(job)


def _signalled_job(job: tuple[Path, str, Limits, bool]) -> ws.FileResult:
    if job[1] == "f150.yaml":
        os.kill(os.getpid(), signal.SIGTERM)
    return _job(job)


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail, rather than hang, when the block takes longer."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


def test_results_come_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ws, "_check_job", _job)
    with deadline(20):
        results = ws.check_files(JOBS)
    assert [r.display for r in results] == [display for _, display, _, _ in JOBS]


@pytest.mark.parametrize("job", [_dying_job, _signalled_job], ids=["exit", "sigterm"])
def test_a_dead_worker_ends_the_run(job: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ws, "_check_job", job)
    with deadline(20), pytest.raises(InputError, match="a process checking the files died"):
        ws.check_files(JOBS)


def test_a_worker_leaves_ctrl_c_to_the_parent() -> None:
    # The run's own SIGINT/SIGTERM handlers, inherited over fork, would turn a signal to a
    # worker into a result instead of the end of that worker.
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        ws._worker_start()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
