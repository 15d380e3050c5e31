"""Writing what cjo renders to a file, so that a reader never sees half of it.

The text goes to `.NAME.building-PID` beside the target and is renamed over it: a
reader sees the old file or the whole new one, never half of it. A run killed before
it could clean up (kill -9) leaves that file behind; the next write of the same name
removes it once its process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from cjo_cli.errors import cannot_write
from cjo_cli.processes import pid_alive


def write_text_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename into place. An OSError (a read-only or
    missing directory, a full disk) is an OutputError naming the path and the reason."""
    if path.exists() and not path.is_file() and not path.is_dir():
        # A device or a pipe (/dev/stdout): there is no file to replace, and renaming
        # over it would replace the device itself (as root, /dev/null).
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise cannot_write(path, exc) from exc
        return
    building = path.with_name(f".{path.name}.building-{os.getpid()}")
    try:
        _remove_stale(path.parent, path.name)
        building.write_text(text, encoding="utf-8")
        os.replace(building, path)
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    finally:
        with contextlib.suppress(OSError):  # never hide the error that got us here
            building.unlink(missing_ok=True)


def _remove_stale(directory: Path, name: str) -> None:
    """Remove the `.NAME.building-PID` files of processes that are gone. (Unlike a
    database, such a file lives for milliseconds: its PID alone says.)"""
    pattern = re.compile(rf"\.{re.escape(name)}\.building-(\d+)")
    with contextlib.suppress(OSError):  # best effort: writing says what is wrong
        for entry in directory.iterdir():
            found = pattern.fullmatch(entry.name)
            if found is not None and not pid_alive(int(found[1])):
                entry.unlink(missing_ok=True)
