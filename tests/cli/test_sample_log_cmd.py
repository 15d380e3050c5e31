"""`cjo sample-log DIR`: writes the files it names, with the row counts it says, and the
same bytes for the same seed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cjo_cli.cli.app import app

FILES = ["customers.csv", "events.jsonl", "segment.jsonl"]


def sample_log(*args: str) -> str:
    result = CliRunner().invoke(app, ["sample-log", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_writes_the_files_it_says_with_their_row_counts(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "sample"
    printed = sample_log(str(out), "--customers", "25", "--seed", "3").splitlines()
    assert sorted(p.name for p in out.iterdir()) == FILES
    events, segment, customers = (out / name for name in FILES[1:] + FILES[:1])
    assert printed == [
        f"{events}: {lines(events):,} rows",
        f"{segment}: {lines(segment):,} rows",
        f"{customers}: {lines(customers) - 1:,} rows",  # the header is no row
    ]
    assert lines(customers) - 1 == 25
    assert customers.read_text(encoding="utf-8").splitlines()[0] == (
        "customer_id,age,newsletter,sms_opt_in,loyalty_member"
    )


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    said_first = sample_log(str(first), "--customers", "20", "--seed", "11")
    said_second = sample_log(str(second), "--customers", "20", "--seed", "11")
    sample_log(str(other), "--customers", "20", "--seed", "12")
    assert said_first.replace(str(first), "") == said_second.replace(str(second), "")
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "events.jsonl").read_bytes() != (other / "events.jsonl").read_bytes()


def test_rewriting_into_the_same_directory_gives_the_same_bytes(tmp_path: Path) -> None:
    sample_log(str(tmp_path), "--customers", "10")
    before = {name: (tmp_path / name).read_bytes() for name in FILES}
    sample_log(str(tmp_path), "--customers", "10")
    assert {name: (tmp_path / name).read_bytes() for name in FILES} == before


def test_the_default_directory_is_cjo_sample_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    printed = sample_log("--customers", "5")
    assert printed.splitlines()[0].startswith("cjo-sample-log/events.jsonl: ")
    assert sorted(p.name for p in (tmp_path / "cjo-sample-log").iterdir()) == FILES


@pytest.mark.parametrize("customers", ["0", "-3", "many"])
def test_customers_must_be_a_positive_number(tmp_path: Path, customers: str) -> None:
    result = CliRunner().invoke(
        app, ["sample-log", str(tmp_path / "x"), "--customers", customers], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2
    assert "--customers" in result.output
    assert not (tmp_path / "x").exists()
