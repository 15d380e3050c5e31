"""The options several commands share: declared once, each with help text, read the same
by every command that takes them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.models import OptionInfo
from typer.testing import CliRunner

from cjo_cli.cli import options
from cjo_cli.cli.app import app

SHARED = {name: value for name, value in vars(options).items() if isinstance(value, OptionInfo)}


def test_the_shared_options() -> None:
    assert sorted(SHARED) == [
        "COLUMN_MAP",
        "CUSTOMERS",
        "ENGINE",
        "IDENTITY",
        "JOBS",
        "LOGS",
        "LOG_FORMAT",
        "MAX_REJECTS",
        "MEMORY_LIMIT",
        "REJECTS",
        "SOURCE_TZ",
        "SPARK_CONF",
        "SPARK_MASTER",
        "THREADS",
        "WORKSPACE",
    ]


@pytest.mark.parametrize("name", sorted(SHARED))
def test_every_shared_option_has_help_and_a_long_flag(name: str) -> None:
    option = SHARED[name]
    assert isinstance(option.help, str)
    assert len(option.help.strip()) > 10
    assert option.help.strip().endswith(".")
    flags = [decl for decl in option.param_decls if decl.startswith("--")]
    assert len(flags) == 1
    assert re.fullmatch(r"--[a-z][a-z-]*", flags[0])


@pytest.mark.parametrize(
    ("name", "flag", "default"),
    [
        ("LOGS", "--log", None),
        ("WORKSPACE", "--workspace", Path("journeys")),
        ("LOG_FORMAT", "--log-format", "auto"),
        ("COLUMN_MAP", "--map", None),
        ("CUSTOMERS", "--customers", None),
        ("MAX_REJECTS", "--max-rejects", "1%"),
        ("MEMORY_LIMIT", "--memory-limit", None),
        ("THREADS", "--threads", None),
        ("ENGINE", "--engine", options.Engine.duckdb),
        ("SPARK_MASTER", "--spark-master", "local[*]"),
        ("SPARK_CONF", "--spark-conf", None),
    ],
)
def test_flags_and_defaults(name: str, flag: str, default: object) -> None:
    option = SHARED[name]
    assert flag in option.param_decls
    assert option.default == default


def test_workspace_has_a_short_flag_and_must_be_a_directory() -> None:
    assert "-w" in SHARED["WORKSPACE"].param_decls
    assert SHARED["WORKSPACE"].file_okay is False


def test_threads_are_at_least_one() -> None:
    assert SHARED["THREADS"].min == 1


def test_spark_master_reads_its_environment_variable() -> None:
    assert SHARED["SPARK_MASTER"].envvar == "CJO_SPARK_MASTER"


def test_engine_values() -> None:
    assert [engine.value for engine in options.Engine] == ["duckdb", "spark"]
    assert options.Engine("spark") is options.Engine.spark
    assert options.Engine.duckdb == "duckdb"
    with pytest.raises(ValueError):
        options.Engine("DuckDB")


@pytest.mark.parametrize("command", ["report", "simulate"])
def test_help_shows_the_spark_extra_literally(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert "pip install 'cjo-cli[spark]'" in text
    assert "cjo-cli\\[spark]" not in text
    for flag in ("--log", "--workspace", "--log-format", "--map", "--max-rejects", "--engine"):
        assert flag in text
    assert "[default: duckdb]" in text or "default: duckdb" in text


def test_a_bad_engine_is_refused_by_the_parser() -> None:
    result = CliRunner().invoke(app, ["report", "--engine", "sparkk"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "sparkk" in result.output
    assert "duckdb" in result.output and "spark" in result.output
