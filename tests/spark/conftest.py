"""One local Spark session for the whole parity suite (starting the JVM is the slow part)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from cjo_cli.events.tables import LoadSummary

if os.environ.get("CI"):
    import pyspark  # noqa: F401  (CI installs the spark extra: missing, it must fail there)
else:
    pytest.importorskip("pyspark", reason="pip install -e '.[spark]' (make test installs it)")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from cjo_cli.spark.session import spark_session

    session = spark_session("local[2]", {"spark.sql.shuffle.partitions": "3"})
    yield session
    session.stop()


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
