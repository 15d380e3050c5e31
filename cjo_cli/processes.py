"""Whether a process still runs: how leftovers of an interrupted run are told from the
files of a run in progress (a temporary output file, a database being built)."""

from __future__ import annotations

import os
import sys


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID runs on this machine (signal 0 only asks). On
    Windows, where `os.kill(pid, 0)` would send it a Ctrl-C, every PID counts as alive:
    nothing is removed that might still be in use."""
    if sys.platform == "win32":
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # gone, or a number no PID can be
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True
