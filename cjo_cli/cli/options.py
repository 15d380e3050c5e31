"""Options several commands share, declared once so they read and behave the same.

Each is a typer `OptionInfo` used as a parameter default; typer only reads it.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from cjo_cli import DISTRIBUTION

LOGS = typer.Option(
    None,
    "--log",
    metavar="FILE",
    help="Event log file or glob; repeat for several.",
    show_default=False,
)
WORKSPACE = typer.Option(
    Path("journeys"),
    "--workspace",
    "-w",
    metavar="DIR",
    help="The workspace directory.",
    file_okay=False,
)
LOG_FORMAT = typer.Option(
    "auto",
    "--log-format",
    metavar="FORMAT",
    help="auto, jsonl, csv, parquet, segment, mixpanel, amplitude, ga4 (each vendor's "
    "export: docs/exports/<vendor>.md).",
)
COLUMN_MAP = typer.Option(
    None,
    "--map",
    metavar="CANONICAL=SOURCE",
    help="CANONICAL=SOURCE column or key name, e.g. customer_id=user_id.",
    show_default=False,
)
CUSTOMERS = typer.Option(
    None,
    "--customers",
    metavar="FILE",
    help="Customer traits (CSV, JSON lines or identify calls).",
)
MAX_REJECTS = typer.Option(
    "1%",
    "--max-rejects",
    metavar="N|N%",
    help="Fail (exit 2) when more log rows than this are unreadable.",
)
SOURCE_TZ = typer.Option(
    None,
    "--source-tz",
    metavar="ZONE",
    help="The time zone of a Mixpanel export's `time` when the project exports local "
    "time (older projects), e.g. Asia/Tokyo; default UTC.",
)
REJECTS = typer.Option(
    None,
    "--rejects",
    metavar="FILE",
    help="Write every rejected log row (file, row, reason, raw text) to this CSV file, "
    "also when the run stops on --max-rejects.",
    dir_okay=False,
)
MEMORY_LIMIT = typer.Option(
    None,
    "--memory-limit",
    metavar="SIZE",
    help="Memory for DuckDB's query processing, e.g. 4GB; past it, DuckDB spills to a "
    "temporary directory (beside --db, else in the system's). Not a limit on the whole "
    "process: Python's own memory (the replay, exact funnels, reports) comes on top.",
)
THREADS = typer.Option(None, "--threads", metavar="N", help="DuckDB threads.", min=1)
JOBS = typer.Option(
    None,
    "--jobs",
    "-j",
    metavar="N",
    help="Replay processes (default: one per core for a log of 200,000 rows or more; "
    "1: this process alone).",
    min=1,
)


class Identity(StrEnum):
    stitch = "stitch"
    none = "none"


IDENTITY = typer.Option(
    Identity.stitch,
    "--identity",
    help="stitch: an anonymous id linked to a known id (login, identify, alias) is that "
    "customer, its earlier events too; none: every id is a customer of its own.",
)


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


ENGINE = typer.Option(
    Engine.duckdb,
    "--engine",
    # `\\[` keeps rich from reading `[spark]` as markup in --help.
    help="duckdb (embedded, the default) or spark (needs the spark extra, "
    f"pip install '{DISTRIBUTION}\\[spark]'): the same numbers.",
)
SPARK_MASTER = typer.Option(
    "local[*]",
    "--spark-master",
    envvar="CJO_SPARK_MASTER",
    metavar="URL",
    help="With --engine spark: local[N], spark://HOST:PORT, yarn, k8s://URL, or a Spark "
    "Connect URL sc://HOST:15002.",
)
SPARK_CONF = typer.Option(
    None,
    "--spark-conf",
    metavar="KEY=VALUE",
    help="With --engine spark: a Spark setting KEY=VALUE (repeat), on top of SPARK_CONF_DIR's.",
    show_default=False,
)
