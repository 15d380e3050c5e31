"""`cjo validate` in CI, on a workspace holding a link to a secret and special files: the
secret never reaches the output, and nothing blocks or reads on and on."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

SECRET = "ghp_SECRET0123456789"
MEMORY_CAP = 1024**3


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def validate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A capped run: a timeout instead of a hang, MemoryError instead of a swapping machine."""
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return subprocess.run(
        [sys.executable, "-m", "cjo_cli", "validate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
        preexec_fn=_cap_memory,
        check=False,
    )


def test_a_link_to_a_secret_is_not_printed_in_github_annotations(tmp_path: Path) -> None:
    (tmp_path / ".git-credentials").write_text(f"https://ci:{SECRET}@github.com\n")
    journeys = tmp_path / "journeys"
    journeys.mkdir()
    (journeys / "creds.yaml").symlink_to("../.git-credentials")
    (journeys / "a.yaml").write_text("kind: touchpoint\nid: a\nchannel: email\n")
    result = validate(tmp_path, "journeys", "--format", "github")
    assert result.returncode == 1, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "::error file=journeys/creds.yaml,line=1,col=1,title=outside-workspace::"
        "points outside the workspace through a symbolic link; cjo does not read it"
    ]


def test_special_files_are_findings_not_hangs(tmp_path: Path) -> None:
    journeys = tmp_path / "journeys"
    journeys.mkdir()
    os.mkfifo(journeys / "pipe.yaml")
    (journeys / "a.yaml").write_text("kind: touchpoint\nid: a\nchannel: email\n")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")  # alone: its link is followed
    result = validate(tmp_path, "journeys", "zero.yaml", "--max-bytes", "1000")
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("journeys/pipe.yaml:1:1: error: a named pipe (FIFO)")
    assert lines[1].startswith("zero.yaml:1:1: error: a character device")
    assert all(line.endswith("[special-file]") for line in lines)
