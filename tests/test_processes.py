"""`pid_alive`: this process runs; a child that has exited does not; a number no PID can
be is not a process."""

from __future__ import annotations

import os
import subprocess
import sys

from cjo_cli.processes import pid_alive


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)
    assert not pid_alive(2**80)
