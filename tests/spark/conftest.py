"""One local Spark session for the whole parity suite (starting the JVM is the slow part)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pytest

from cjo_cli.events.tables import LoadSummary
from tests.conftest import cjo_in_process

if os.environ.get("CI"):
    import pyspark  # noqa: F401  (CI installs the spark extra: missing, it must fail there)
else:
    pytest.importorskip("pyspark", reason="pip install -e '.[spark]' (make test installs it)")


# C1 only: the suite's JVMs live for minutes, where the second JIT tier costs more CPU
# than it saves (the JIT cannot change a result). UTC as in cjo's own defaults.
JIT = "-XX:TieredStopAtLevel=1 -Duser.timezone=UTC"
TEST_SETTINGS = {
    "spark.sql.shuffle.partitions": "3",
    "spark.driver.extraJavaOptions": JIT,
    "spark.executor.extraJavaOptions": JIT,
}


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from cjo_cli.spark.session import spark_session

    session = spark_session("local[2]", TEST_SETTINGS)
    yield session
    session.stop()


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str


def cjo_in_session(spark: Any, monkeypatch: pytest.MonkeyPatch, *args: str) -> Ran:
    """`cjo ARGS` in this process, so that `--engine spark` uses the running test session
    (a new process would start a JVM of its own: most of the suite's time). The
    subprocess path is test_cluster's."""
    assert spark is not None  # the session the command finds running
    return Ran(*cjo_in_process(monkeypatch, *args))


def log_rows(con: duckdb.DuckDBPyConnection) -> tuple[list[Any], list[Any]]:
    """The events and rejects of a loaded connection, in (file, row) order, as the Spark
    readers' rows are compared with them."""
    events = con.execute(
        'SELECT customer_id, event, epoch_us(ts), CAST(properties AS VARCHAR), file, "row" '
        'FROM events ORDER BY file, "row"'
    ).fetchall()
    rejects = con.execute(
        'SELECT file, "row", raw, reason FROM rejects ORDER BY file, "row"'
    ).fetchall()
    return events, rejects


def spark_rows(log: Any) -> tuple[list[Any], list[Any]]:
    """The events and rejects of a SparkLog, in (file, row) order."""
    events = [tuple(row) for row in log.events.orderBy("file", "row").collect()]
    rejects = [tuple(row) for row in log.rejects.orderBy("file", "row").collect()]
    return events, rejects


def spark_log(spark: Any, con: duckdb.DuckDBPyConnection) -> Any:
    """The `events` table of a DuckDB connection as a SparkLog (the executor under test,
    without the file reader, which has its own tests)."""
    from cjo_cli.spark.read import SparkLog

    table = con.sql(
        "SELECT customer_id, event, epoch_us(ts) AS t, CAST(properties AS VARCHAR) AS properties, "
        'file, "row" FROM events ORDER BY file, "row"'
    ).to_arrow_table()
    schema = "customer_id string, event string, t long, properties string, file string, row long"
    events = spark.createDataFrame(table.to_pandas() if table.num_rows else [], schema)
    rejects = spark.createDataFrame([], "file string, row long, raw string, reason string")
    return SparkLog(events, rejects, LoadSummary(()))
