"""The Spark session's pure parts: `--spark-conf` parsing with the pinned settings, the
missing-pyspark hint, and what `spark_session` asks a builder for. No Spark is started:
a stand-in `pyspark.sql.SparkSession` records the calls (the real session is covered by
the parity tests of this folder), so this file needs neither Java nor the `spark` fixture."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from cjo_cli.errors import UsageError
from cjo_cli.spark import session as session_module
from cjo_cli.spark.session import (
    DEFAULTS,
    INSTALL_HINT,
    PINNED,
    parse_conf,
    require_pyspark,
    running_session,
    spark_session,
)

ENVIRONMENT = ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "SPARK_SUBMIT_OPTS", "SPARK_CONF_DIR")


# ---- --spark-conf ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "found"),
    [
        ([], {}),
        (["spark.executor.memory=4g"], {"spark.executor.memory": "4g"}),
        ([" spark.executor.cores = 2 "], {"spark.executor.cores": "2"}),
        (["a.b=x=y"], {"a.b": "x=y"}),
        (["a.b="], {"a.b": ""}),
        (["a=1", "b=2", "a=3"], {"a": "3", "b": "2"}),
        (
            ["spark.sql.session.timeZone=UTC", "spark.sql.execution.arrow.pyspark.enabled=true"],
            {
                "spark.sql.session.timeZone": "UTC",
                "spark.sql.execution.arrow.pyspark.enabled": "true",
            },
        ),
        (["spark.sql.session.timeZone = UTC"], {"spark.sql.session.timeZone": "UTC"}),
    ],
)
def test_parse_conf(items: list[str], found: dict[str, str]) -> None:
    assert parse_conf(items) == found


@pytest.mark.parametrize("item", ["spark.executor.memory", "=4g", "  =4g", ""])
def test_parse_conf_needs_key_equals_value(item: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_conf(["a=1", item])
    assert str(caught.value) == (
        f"bad --spark-conf {item!r}: use KEY=VALUE, e.g. spark.executor.memory=4g"
    )
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "spark.sql.session.timeZone=Asia/Tokyo",
            "--spark-conf spark.sql.session.timeZone=Asia/Tokyo: cjo pins "
            "spark.sql.session.timeZone to UTC",
        ),
        (
            "spark.sql.execution.arrow.pyspark.enabled=false",
            "--spark-conf spark.sql.execution.arrow.pyspark.enabled=false: cjo pins "
            "spark.sql.execution.arrow.pyspark.enabled to true",
        ),
    ],
)
def test_parse_conf_refuses_to_unpin(item: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_conf([item])
    assert str(caught.value) == message


def test_the_pinned_settings() -> None:
    assert PINNED == {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    assert not set(PINNED) & set(DEFAULTS)
    assert DEFAULTS["spark.driver.extraJavaOptions"] == "-Duser.timezone=UTC"
    assert DEFAULTS["spark.executor.extraJavaOptions"] == "-Duser.timezone=UTC"


# ---- pyspark --------------------------------------------------------------------------


def test_require_pyspark_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` raises ImportError
    with pytest.raises(UsageError) as caught:
        require_pyspark()
    assert str(caught.value) == (
        "--engine spark needs pyspark: "
        "pip install 'cjo-cli[spark]' (pyspark and a Java 17+ runtime)"
    )
    assert INSTALL_HINT in str(caught.value)


def test_spark_session_without_pyspark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(UsageError, match="needs pyspark"):
        spark_session("local[2]")


# ---- what spark_session asks for ------------------------------------------------------


class Recorder:
    """A stand-in SparkSession class: its builder, and the session the builder returns."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail: Exception | None = None
        self.active: Recorder | None = None
        self.builder = self
        self.sparkContext = types.SimpleNamespace(
            setLogLevel=lambda level: self.calls.append(("setLogLevel", level))
        )
        self.conf = types.SimpleNamespace(
            set=lambda key, value: self.calls.append(("conf.set", (key, value)))
        )

    def appName(self, name: str) -> Recorder:
        self.calls.append(("appName", name))
        return self

    def master(self, master: str) -> Recorder:
        self.calls.append(("master", master))
        return self

    def remote(self, url: str) -> Recorder:
        self.calls.append(("remote", url))
        return self

    def config(self, key: str, value: str) -> Recorder:
        self.calls.append(("config", (key, value)))
        return self

    def getOrCreate(self) -> Recorder:
        if self.fail is not None:
            raise self.fail
        self.calls.append(("getOrCreate", None))
        return self

    def getActiveSession(self) -> Recorder | None:
        return self.active

    def values(self, name: str) -> list[Any]:
        return [value for call, value in self.calls if call == name]


@pytest.fixture
def fake_spark(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    pyspark = types.ModuleType("pyspark")
    sql = types.ModuleType("pyspark.sql")
    sql.SparkSession = recorder  # type: ignore[attr-defined]
    pyspark.sql = sql  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyspark", pyspark)
    monkeypatch.setitem(sys.modules, "pyspark.sql", sql)
    for name in (
        *ENVIRONMENT,
        "SPARK_REMOTE",
        "SPARK_CONNECT_MODE_ENABLED",
    ):  # set, then delete: the environment comes back as it was
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)
    return recorder


def settings_of(recorder: Recorder) -> dict[str, str]:
    return dict(recorder.values("config"))


def test_a_local_session(fake_spark: Recorder) -> None:
    found = spark_session("local[2]", {"spark.sql.shuffle.partitions": "3", "a.b": "c"})
    assert found is fake_spark
    assert fake_spark.calls[:2] == [("appName", "cjo"), ("master", "local[2]")]
    assert settings_of(fake_spark) == {
        **DEFAULTS,
        "spark.sql.shuffle.partitions": "3",  # the given conf on top of the defaults
        "a.b": "c",
        **PINNED,
    }
    assert fake_spark.values("setLogLevel") == ["ERROR"]
    assert fake_spark.values("getOrCreate") == [None]
    assert fake_spark.values("conf.set") == list(PINNED.items())
    assert os.environ["PYSPARK_PYTHON"] == sys.executable
    assert os.environ["PYSPARK_DRIVER_PYTHON"] == sys.executable
    logging = Path(session_module.__file__).with_name("log4j2.properties")
    assert logging.is_file()
    assert os.environ["SPARK_SUBMIT_OPTS"] == f"-Dlog4j2.configurationFile={logging.as_uri()}"


def test_given_settings_cannot_unpin(fake_spark: Recorder) -> None:
    spark_session("local[1]", {"spark.sql.session.timeZone": "Asia/Tokyo"})
    assert settings_of(fake_spark)["spark.sql.session.timeZone"] == "UTC"


def test_the_environment_the_operator_set_is_kept(
    fake_spark: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYSPARK_PYTHON", "/opt/python")
    monkeypatch.setenv("SPARK_CONF_DIR", "/etc/spark")
    spark_session("local[*]")
    assert os.environ["PYSPARK_PYTHON"] == "/opt/python"
    assert os.environ["PYSPARK_DRIVER_PYTHON"] == sys.executable
    assert "SPARK_SUBMIT_OPTS" not in os.environ


def test_a_cluster_session_leaves_the_workers_python_alone(fake_spark: Recorder) -> None:
    spark_session("yarn")
    assert ("master", "yarn") in fake_spark.calls
    assert "PYSPARK_PYTHON" not in os.environ
    assert "SPARK_SUBMIT_OPTS" in os.environ
    assert settings_of(fake_spark) == {**DEFAULTS, **PINNED}


def test_a_spark_connect_session(fake_spark: Recorder) -> None:
    spark_session("sc://spark.example:15002", {"spark.executor.memory": "4g"})
    assert fake_spark.calls[:2] == [("appName", "cjo"), ("remote", "sc://spark.example:15002")]
    # No driver-side defaults for a remote server, and no log level to set from here.
    assert settings_of(fake_spark) == {"spark.executor.memory": "4g", **PINNED}
    assert fake_spark.values("setLogLevel") == []
    assert fake_spark.values("conf.set") == list(PINNED.items())
    for name in ENVIRONMENT:
        assert name not in os.environ


def test_a_session_that_cannot_start_is_a_usage_error(fake_spark: Recorder) -> None:
    fake_spark.fail = RuntimeError("JAVA_HOME is not set")
    with pytest.raises(UsageError) as caught:
        spark_session("local[2]")
    assert str(caught.value) == "cannot start Spark at local[2]: JAVA_HOME is not set"
    assert isinstance(caught.value.__cause__, RuntimeError)


# ---- a session this process already runs -----------------------------------------------


def test_no_running_session_means_cjo_starts_one(fake_spark: Recorder) -> None:
    assert running_session() is None
    assert fake_spark.calls == []


def test_a_running_session_is_used_with_the_pinned_settings_only(fake_spark: Recorder) -> None:
    fake_spark.active = fake_spark
    assert running_session() is fake_spark
    # No builder, no defaults: the owner's master and settings stand, UTC is pinned.
    assert fake_spark.values("conf.set") == list(PINNED.items())
    assert fake_spark.values("getOrCreate") == [] and fake_spark.values("config") == []


def test_a_connect_client_has_no_running_session_here(
    fake_spark: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_spark.active = fake_spark
    monkeypatch.setenv("SPARK_REMOTE", "sc://spark.example:15002")
    assert running_session() is None
