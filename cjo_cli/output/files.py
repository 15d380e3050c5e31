"""Writing what cjo renders to a file, so that a reader never sees half of it."""

from __future__ import annotations

import os
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename into place."""
    building = path.with_name(f".{path.name}.building-{os.getpid()}")
    try:
        building.write_text(text, encoding="utf-8")
        os.replace(building, path)
    finally:
        building.unlink(missing_ok=True)
