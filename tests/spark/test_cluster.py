"""`--engine spark` against a Spark standalone cluster on 127.0.0.1: a master and two
one-core workers started from the pyspark package's own `spark-class`, so that the
driver (cjo), the executors and their Python workers are separate processes, as on
a real cluster. Report and simulate must print the embedded engine's numbers.

What a user must set is what this module sets, and what the README says:

- the executors run the Python that `PYSPARK_PYTHON` names in the environment of
  the driver, i.e. of cjo (here the venv's, which has cjo installed; unset, they
  start `python3`, which has no cjo: ModuleNotFoundError);
- the executors connect back to the driver at `spark.driver.host`, by default the
  address of this machine's hostname, which they may not reach (here they do not):
  `--spark-conf spark.driver.host=ADDRESS`;
- they open the log at the path given (absolute here; the cluster shares this
  machine's file system).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, RunCjo

LOG = str(REPO / "samples" / "events.jsonl")
CUSTOMERS = str(REPO / "samples" / "customers.csv")
START_TIMEOUT_S = 60.0
C1_ONLY = "-XX:TieredStopAtLevel=1"
RUN_TIMEOUT_S = 400  # a run takes ~30 s idle; the machine may be shared

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
    reason="a Spark standalone cluster needs a Java 17+ runtime (java on PATH or JAVA_HOME)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _alive_workers(webui: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{webui}/json/", timeout=2) as answer:
            state: dict[str, Any] = json.load(answer)
    except OSError:
        return 0
    return int(state.get("aliveworkers", 0))


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Kill each daemon's process group (spark-class execs a JVM that may fork)."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """(the master URL, its web UI port) of a running cluster with two registered workers."""
    base = tmp_path_factory.mktemp("spark-cluster")
    port, webui = _free_port(), _free_port()
    master = f"spark://127.0.0.1:{port}"
    # The daemons bind and advertise loopback only (the executors get UTC from cjo's
    # own spark.executor.extraJavaOptions).
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_DAEMON_JAVA_OPTS": C1_ONLY}
    spark_class = str(_spark_class())
    here = ["--host", "127.0.0.1"]
    ui = ["--webui-port", str(webui)]
    daemons = [["org.apache.spark.deploy.master.Master", *here, "--port", str(port), *ui]]
    for n in (1, 2):
        ports = ["--port", str(_free_port()), "--webui-port", str(_free_port())]
        one_core = ["--cores", "1", "--memory", "1g", "--work-dir", str(base / f"work{n}")]
        daemons.append(["org.apache.spark.deploy.worker.Worker", *here, *ports, *one_core, master])
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for index, daemon in enumerate(daemons):
            with open(base / f"daemon{index}.log", "wb") as log:
                processes.append(
                    subprocess.Popen(
                        [spark_class, *daemon],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # its own process group, killed as one
                    )
                )
        deadline = time.monotonic() + START_TIMEOUT_S
        while _alive_workers(webui) < 2:
            dead = [p for p in processes if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = "\n".join(
                    (base / f"daemon{i}.log").read_text(errors="replace")[-1500:]
                    for i in range(len(daemons))
                )
                pytest.fail(f"the standalone cluster did not come up with two workers:\n{logs}")
            time.sleep(0.5)
        yield master, webui
    finally:
        _stop(processes)


def _run_on(master: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    # The executors' Python: the driver tells them which to start (as on any cluster,
    # that path must exist on every node, with cjo installed there).
    env["PYSPARK_PYTHON"] = sys.executable
    spark = ["--engine", "spark", "--spark-master", master]
    spark += ["--spark-conf", "spark.driver.host=127.0.0.1"]
    spark += ["--spark-conf", "spark.sql.shuffle.partitions=2"]  # one per worker core
    # The JIT's level cannot change a result; C1 alone costs these short JVMs less CPU.
    jit = f"{C1_ONLY} -Duser.timezone=UTC"  # replaces cjo's default, which sets UTC
    spark += ["--spark-conf", f"spark.driver.extraJavaOptions={jit}"]
    spark += ["--spark-conf", f"spark.executor.extraJavaOptions={jit}"]
    return subprocess.run(
        [sys.executable, "-m", "cjo_cli", *args, *spark],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def test_report_and_simulate_on_a_standalone_cluster_equal_the_embedded_engine(
    run_cjo: RunCjo, cluster: tuple[str, int]
) -> None:
    master, webui = cluster
    for command in ("report", "simulate"):
        args = [command, "-f", "json", "--log", LOG, "--customers", CUSTOMERS]
        duck = run_cjo(*args)
        found = _run_on(master, args)
        assert duck.returncode == 0, duck.stderr
        assert found.returncode == 0, found.stderr[-3000:]
        if command == "simulate":
            assert found.stdout == duck.stdout  # byte for byte
        else:
            expected, got = json.loads(duck.stdout), json.loads(found.stdout)
            for funnel in expected["funnels"] + got["funnels"]:
                assert funnel.pop("engine") in {"sql", "exact", "spark"}
            assert got == expected
    # Both runs were applications of the cluster, whose executors did the work.
    with urllib.request.urlopen(f"http://127.0.0.1:{webui}/json/", timeout=5) as answer:
        apps = json.load(answer)["completedapps"]
    assert len(apps) == 2, apps
