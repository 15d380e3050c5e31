"""Where `cjo demo` finds its sample: the checkout's journeys/ and samples/ when it runs
from one, else the copy of journeys/ the wheel carries and a log written for the run
(tests/test_wheel.py runs an installed cjo end to end)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from cjo_cli.cli import demo_cmd
from cjo_cli.errors import UsageError
from tests.conftest import REPO


def test_in_the_checkout_the_checkouts_sample_is_used() -> None:
    assert demo_cmd.in_checkout()
    assert demo_cmd.sample_workspace() == REPO / "journeys"
    with ExitStack() as scratch:
        assert demo_cmd.sample_log(scratch) == (
            REPO / "samples" / "events.jsonl",
            REPO / "samples" / "customers.csv",
        )


def test_installed_the_packaged_sample_and_a_written_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages"  # no pyproject.toml beside the package
    (site / "cjo_cli" / "sample" / "journeys").mkdir(parents=True)
    monkeypatch.setattr(demo_cmd, "SOURCE_ROOT", site)
    monkeypatch.setattr(demo_cmd, "PACKAGED_SAMPLE", site / "cjo_cli" / "sample" / "journeys")
    assert not demo_cmd.in_checkout()
    assert demo_cmd.sample_workspace() == site / "cjo_cli" / "sample" / "journeys"
    with ExitStack() as scratch:
        log, customers = demo_cmd.sample_log(scratch)
        assert log.read_bytes() == (REPO / "samples" / "events.jsonl").read_bytes()
        assert customers.read_bytes() == (REPO / "samples" / "customers.csv").read_bytes()
    assert not log.parent.exists()  # the run's scratch directory goes with it


def test_without_either_it_says_what_to_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_cmd, "SOURCE_ROOT", tmp_path)
    monkeypatch.setattr(demo_cmd, "PACKAGED_SAMPLE", tmp_path / "missing")
    with pytest.raises(UsageError, match="give --workspace, --log and --customers"):
        demo_cmd.sample_workspace()
