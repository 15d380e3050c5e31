"""Hostile YAML: every file gets a clean finding and exit 1 or 2, never a traceback,
with memory capped for the process (the hang guard is a subprocess timeout, not a
timed assertion: see benchmarks/ for the timings)."""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cjo_cli.spec.yaml_loader import Limits, load_text

MEMORY_CAP = 2 * 1024**3

BOMB = "".join(
    f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9 if prev else ['"lol"'] * 9) + "]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
)
VALID_TOUCHPOINT = "kind: touchpoint\nid: mail\nname: メール\nchannel: email\n"
BROKEN_TOUCHPOINT = "kind: touchpoint\nid: mail\nname: メール\nchannel: emial\n"


def _garbage() -> bytes:
    rng = random.Random(20261125)
    return bytes(rng.randrange(256) for _ in range(4096)) + b"\x00\xff\xfe"


def _block_nesting(depth: int) -> str:
    return "".join("  " * i + "- \n" for i in range(depth)) + "  " * depth + "- x\n"


CORPUS: dict[str, tuple[Callable[[], bytes], set[int], str | None]] = {
    # name: (file content, allowed exit codes, expected rule or None for valid)
    "alias_bomb": (lambda: BOMB.encode(), {1}, "yaml-alias-limit"),
    "flow_nesting_10000": (lambda: ("[" * 10_000 + "]" * 10_000).encode(), {1}, "yaml-depth-limit"),
    # Block nesting indents grow quadratically: 1,000 levels already make a 1 MB file.
    "block_nesting_1000": (lambda: _block_nesting(1_000).encode(), {1}, "yaml-depth-limit"),
    "compact_nesting_10000": (lambda: ("- " * 10_000 + "x\n").encode(), {1}, "yaml-depth-limit"),
    "fifty_megabytes": (lambda: b"# padding\n" * 5_300_000, {1}, "file-too-large"),
    "duplicate_keys": (
        lambda: (VALID_TOUCHPOINT + "channel: sms\n").encode(),
        {1},
        "duplicate-key",
    ),
    "python_tag": (
        lambda: b'kind: touchpoint\nid: t\nchannel: !!python/object/apply:os.system ["echo hi"]\n',
        {1},
        "yaml-tag",
    ),
    "binary_garbage": (_garbage, {1, 2}, "encoding"),
    "nul_bytes": (lambda: b"kind: touchpoint\nid: \x00\n", {1}, "yaml-syntax"),
    "empty": (lambda: b"", {1}, "empty-file"),
    "comments_only": (lambda: b"# nothing here\n", {1}, "empty-file"),
    "bom_valid": (lambda: b"\xef\xbb\xbf" + VALID_TOUCHPOINT.encode(), {0}, None),
    "crlf_valid": (lambda: VALID_TOUCHPOINT.replace("\n", "\r\n").encode(), {0}, None),
    "bom_broken": (lambda: b"\xef\xbb\xbf" + BROKEN_TOUCHPOINT.encode(), {1}, "bad-value"),
    "crlf_broken": (lambda: BROKEN_TOUCHPOINT.replace("\n", "\r\n").encode(), {1}, "bad-value"),
    "recursive_alias": (lambda: b"kind: touchpoint\nid: &a [*a]\n", {1}, "yaml-alias-limit"),
    "tab_indent": (lambda: b"kind: touchpoint\n\tid: x\n", {1}, "yaml-syntax"),
}


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_file_gets_a_clean_finding(name: str, tmp_path: Path) -> None:
    make, exit_codes, rule = CORPUS[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(make())
    result = subprocess.run(
        [sys.executable, "-m", "cjo_cli", "validate", "--format", "json", path.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        preexec_fn=_cap_memory,
        check=False,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode in exit_codes, result.stdout + result.stderr
    report = json.loads(result.stdout)
    rules = {finding["rule"] for finding in report["findings"]}
    if rule is None:
        assert rules == set()
    else:
        assert rule in rules


def test_broken_bom_and_crlf_files_point_at_the_right_place(tmp_path: Path) -> None:
    for name in ("bom_broken", "crlf_broken"):
        path = tmp_path / f"{name}.yaml"
        path.write_bytes(CORPUS[name][0]())
        result = subprocess.run(
            [sys.executable, "-m", "cjo_cli", "validate", path.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
        assert result.stdout.startswith(f"{name}.yaml:4:10: error: 'channel' is 'emial'")


@pytest.mark.parametrize(
    "text",
    [BOMB, "[" * 10_000 + "]" * 10_000, "- " * 10_000 + "x", _block_nesting(1_000), "a: &a [*a]"],
    ids=["bomb", "flow", "compact", "block", "recursive"],
)
def test_the_loader_returns_findings_not_exceptions(text: str) -> None:
    loaded = load_text("hostile.yaml", text)
    assert loaded.documents == ()
    assert loaded.findings
    assert loaded.findings[0].rule in {"yaml-alias-limit", "yaml-depth-limit"}


def test_limits_can_be_raised_for_real_files() -> None:
    deep = "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)) + "  " * 80 + "leaf: 1\n"
    assert load_text("deep.yaml", deep).findings[0].rule == "yaml-depth-limit"
    assert load_text("deep.yaml", deep, Limits(max_depth=100)).findings == ()
