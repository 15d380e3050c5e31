"""A Spark session for cjo: UTC pinned, cjo's Python on the workers, quiet logs."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cjo_cli import DISTRIBUTION
from cjo_cli.errors import UsageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

INSTALL_HINT = f"pip install '{DISTRIBUTION}[spark]' (pyspark and a Java 17+ runtime)"

# Settings every cjo session has: the results must not depend on the cluster's defaults.
PINNED = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
DEFAULTS = {
    "spark.ui.showConsoleProgress": "false",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}


def parse_conf(items: Sequence[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs of `--spark-conf`."""
    found: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"bad --spark-conf {item!r}: use KEY=VALUE, e.g. spark.executor.memory=4g"
            )
        found[key.strip()] = value.strip()
    for key, value in found.items():
        if key in PINNED and value != PINNED[key]:
            raise UsageError(f"--spark-conf {key}={value}: cjo pins {key} to {PINNED[key]}")
    return found


def require_pyspark() -> Any:
    try:
        import pyspark
    except ImportError as exc:
        raise UsageError(f"--engine spark needs pyspark: {INSTALL_HINT}") from exc
    return pyspark


def running_session() -> SparkSession | None:
    """The classic Spark session this process already runs (cjo called from a notebook,
    a pyspark shell or a test), if any. Its master and settings are its owner's: cjo
    sets only the pinned settings on it, and leaves it running."""
    require_pyspark()
    from pyspark.sql import SparkSession

    if os.environ.get("SPARK_REMOTE") or os.environ.get("SPARK_CONNECT_MODE_ENABLED"):
        return None  # a Connect client has no session in this process to reuse
    session = SparkSession.getActiveSession()
    if session is None:
        return None
    for key, value in PINNED.items():
        session.conf.set(key, value)
    return session


def spark_session(master: str = "local[*]", conf: Mapping[str, str] | None = None) -> SparkSession:
    """The session for `master` (`local[N]`, `spark://…`, `yarn`, `k8s://…`, or a Spark
    Connect URL `sc://…`). SPARK_HOME, SPARK_CONF_DIR and spark-defaults.conf apply as
    in spark-submit; `conf` comes on top, and the pinned settings on top of that."""
    require_pyspark()
    from pyspark.sql import SparkSession

    # Local workers must run the Python that has cjo installed; on a cluster the
    # environment (PYSPARK_PYTHON, an archive, an image) is the operator's choice.
    if master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if not master.startswith("sc://") and not (
        os.environ.get("SPARK_SUBMIT_OPTS") or os.environ.get("SPARK_CONF_DIR")
    ):
        # The driver JVM reads its logging setup at launch, before any setting applies.
        logging = Path(__file__).with_name("log4j2.properties")
        os.environ["SPARK_SUBMIT_OPTS"] = f"-Dlog4j2.configurationFile={logging.as_uri()}"
    builder = SparkSession.builder.appName("cjo")
    builder = builder.remote(master) if master.startswith("sc://") else builder.master(master)
    settings = {**DEFAULTS, **(conf or {}), **PINNED}
    if master.startswith("sc://"):
        settings = {**(conf or {}), **PINNED}
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM's own message says what is missing (Java, master)
        raise UsageError(f"cannot start Spark at {master}: {exc}") from exc
    if not master.startswith("sc://"):
        session.sparkContext.setLogLevel("ERROR")
    for key, value in PINNED.items():
        session.conf.set(key, value)
    return session
