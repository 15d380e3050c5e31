"""Hostile YAML through the real CLI: every file gets a clean finding and exit 1 or 2 (0 for
the valid ones), never a traceback, a crash or a runaway process.

Each file is checked by `python -m cjo_cli validate --format json` in a subprocess with
its address space capped at 2 GiB; a subprocess timeout bounds hangs (there are no timed
assertions: benchmarks/ measures speed). The loader is also called in-process on the
bombs and the deep files, to show that it returns findings and raises nothing.
"""

from __future__ import annotations

import itertools
import json
import random
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cjo_cli.spec.yaml_loader import Limits, load_file, load_text

MEMORY_CAP = 2 * 1024**3
TIMEOUT = 30
DEEP = 10_000

# ---------------------------------------------------------------------------------------------
# The corpus


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Billion laughs: each level is `width` aliases of the one before (9**9 leaves)."""
    names = [f"l{i}" for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(['"lol"'] * width) + "]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 9, width: int = 9) -> str:
    """Like the alias bomb, through merge keys: each level merges the one before 9 times."""
    items = ", ".join(f"k{i}: [" + ", ".join(["lol"] * width) + "]" for i in range(width))
    lines = [f"l0: &l0 {{{items}}}"]
    for i in range(1, levels):
        sources = ", ".join([f"*l{i - 1}"] * width)
        lines.append(f"l{i}: &l{i} {{<<: [{sources}], m{i}: 1}}")
    return "\n".join(lines) + "\n"


def flow_nesting(depth: int) -> str:
    return "[" * depth + "]" * depth + "\n"


def block_nesting(depth: int) -> str:
    """`-` lines, each indented one column more than the one before (about depth²/2 bytes)."""
    return "".join(" " * i + "-\n" for i in range(depth)) + " " * depth + "x\n"


def compact_nesting(depth: int) -> str:
    """`- - - - ... x` on one line: block sequences nested without new lines."""
    return "- " * depth + "x\n"


def garbage(size: int = 8192) -> bytes:
    """Seeded random bytes with NUL bytes and sequences that are not UTF-8."""
    rng = random.Random(20261125)
    return b"\x00\xff\xfe" + rng.randbytes(size) + b"\x00\xc3\x28\x80"


def utf8_garbage(size: int = 4096) -> bytes:
    """Seeded random characters, control characters and NUL included, as valid UTF-8."""
    rng = random.Random(1125)
    pool = [chr(c) for c in (*range(0, 32), *range(32, 127), 0x85, 0x2028, 0xFEFF, 0x3042)]
    return ("\x00" + "".join(rng.choice(pool) for _ in range(size))).encode("utf-8")


JOURNEY = (
    "kind: journey\n"
    "id: cart\n"
    "name: カゴ落ちリマインド\n"
    "entry: {event: cart_abandoned}\n"
    "steps:\n"
    "  wait_1h: {name: 待つ, wait: 1h, next: done}\n"
    "  done: {exit: true}\n"
)
# One known error: `1hour` at line 6, column 29 (columns count characters: 待つ is two).
BROKEN_JOURNEY = JOURNEY.replace("wait: 1h,", "wait: 1hour,")
BROKEN_AT = (6, 29)
BOM = b"\xef\xbb\xbf"


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


@dataclass(frozen=True)
class Case:
    make: Callable[[], bytes]
    exit_codes: frozenset[int]
    rule: str | None
    """The rule id expected among the findings; None for a valid file (no findings)."""
    options: tuple[str, ...] = ()
    alternatives: frozenset[str] = frozenset()
    """Other rule ids that are just as right (garbage may fail decoding or parsing)."""


def case(
    make: Callable[[], bytes],
    exit_codes: set[int],
    rule: str | None,
    *options: str,
    alternatives: set[str] | None = None,
) -> Case:
    return Case(make, frozenset(exit_codes), rule, options, frozenset(alternatives or ()))


CORPUS: dict[str, Case] = {
    "alias_bomb_9x9": case(lambda: alias_bomb().encode(), {1}, "yaml-alias-limit"),
    "alias_bomb_as_document": case(
        lambda: (alias_bomb() + "kind: touchpoint\nid: t\nchannel: email\n").encode(),
        {1},
        "yaml-alias-limit",
    ),
    "merge_bomb_9x9": case(lambda: merge_bomb().encode(), {1}, "yaml-alias-limit"),
    # The node budget also caps big files without aliases (120,000 keys in 1.6 MB).
    "many_keys": case(
        lambda: "".join(f"k{i}: {i}\n" for i in range(120_000)).encode(), {1}, "yaml-alias-limit"
    ),
    "many_documents": case(lambda: b"kind: touchpoint\n---\n" * 20_000, {1}, "missing-key"),
    "many_separators": case(lambda: b"---\n" * 200_000, {1}, "empty-file"),
    "flow_nesting_10000": case(lambda: flow_nesting(DEEP).encode(), {1}, "yaml-depth-limit"),
    "flow_mapping_nesting_10000": case(
        lambda: ("{a: " * DEEP + "1" + "}" * DEEP + "\n").encode(), {1}, "yaml-depth-limit"
    ),
    "unclosed_flow_nesting_10000": case(lambda: ("[" * DEEP).encode(), {1}, "yaml-depth-limit"),
    # 10,000 levels of indentation make a 50 MB file: over the size limit by default...
    "block_nesting_10000": case(lambda: block_nesting(DEEP).encode(), {1}, "file-too-large"),
    # ... and a depth finding when the size limit is raised to let it be read.
    "block_nesting_10000_read": case(
        lambda: block_nesting(DEEP).encode(), {1}, "yaml-depth-limit", "--max-bytes", "100000000"
    ),
    "block_nesting_1000": case(lambda: block_nesting(1_000).encode(), {1}, "yaml-depth-limit"),
    "compact_nesting_10000": case(lambda: compact_nesting(DEEP).encode(), {1}, "yaml-depth-limit"),
    "fifty_megabytes": case(
        lambda: b"# padding padding padding padding padding padding\n" * 1_000_000,
        {1},
        "file-too-large",
    ),
    "fifty_megabytes_of_one_line": case(
        lambda: b"a: " + b"x" * 50_000_000 + b"\n", {1}, "file-too-large"
    ),
    "duplicate_keys": case(
        lambda: (JOURNEY + "id: again\n").encode(),
        {1},
        "duplicate-key",
    ),
    "python_tag": case(
        lambda: b'kind: touchpoint\nid: t\nchannel: !!python/object/apply:os.system ["echo hi"]\n',
        {1},
        "yaml-tag",
    ),
    "python_tag_root": case(
        lambda: b'!!python/object/apply:os.system ["echo hi"]\n', {1}, "yaml-tag"
    ),
    "python_tag_key": case(
        lambda: b'kind: touchpoint\nid: t\n? !!python/object/apply:os.system ["echo hi"]\n: 1\n',
        {1},
        "yaml-key",
    ),
    "binary_garbage": case(garbage, {1, 2}, "encoding", alternatives={"yaml-syntax"}),
    "utf8_garbage": case(utf8_garbage, {1, 2}, "yaml-syntax", alternatives={"encoding"}),
    "nul_byte_in_a_value": case(lambda: b"kind: touchpoint\nid: \x00\n", {1}, "yaml-syntax"),
    "empty": case(lambda: b"", {1}, "empty-file"),
    "comments_only": case(lambda: b"# nothing here\n# nor here\n", {1}, "empty-file"),
    "separators_only": case(lambda: b"---\n---\n", {1}, "empty-file"),
    "bom_only": case(lambda: BOM, {1}, "empty-file"),
    "bom_valid": case(lambda: BOM + JOURNEY.encode(), {0}, None),
    "crlf_valid": case(lambda: crlf(JOURNEY), {0}, None),
    "bom_and_crlf_valid": case(lambda: BOM + crlf(JOURNEY), {0}, None),
    "bom_broken": case(lambda: BOM + BROKEN_JOURNEY.encode(), {1}, "bad-duration"),
    "crlf_broken": case(lambda: crlf(BROKEN_JOURNEY), {1}, "bad-duration"),
    "bom_and_crlf_broken": case(lambda: BOM + crlf(BROKEN_JOURNEY), {1}, "bad-duration"),
    "recursive_alias": case(lambda: b"kind: touchpoint\nid: &a [*a]\n", {1}, "yaml-alias-limit"),
    "tab_indent": case(lambda: b"kind: touchpoint\n\tid: x\n", {1}, "yaml-syntax"),
    "utf16": case(lambda: "kind: touchpoint\n".encode("utf-16"), {2}, "encoding"),
}


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def validate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cjo_cli", "validate", "--format", "json", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=TIMEOUT,
        preexec_fn=_cap_memory,
        check=False,
    )


def findings_of(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    report = json.loads(result.stdout)
    findings: list[dict[str, Any]] = report["findings"]
    return findings


def assert_clean_exit(result: subprocess.CompletedProcess[str], exit_codes: set[int]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode in exit_codes, (result.returncode, result.stdout, result.stderr)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_file_gets_a_clean_finding(name: str, tmp_path: Path) -> None:
    hostile = CORPUS[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(hostile.make())
    result = validate(tmp_path, *hostile.options, path.name)
    assert_clean_exit(result, set(hostile.exit_codes))
    findings = findings_of(result)
    rules = {finding["rule"] for finding in findings}
    if hostile.rule is None:
        assert findings == []
    else:
        assert rules & {hostile.rule, *hostile.alternatives}, findings
    assert all(finding["path"] == path.name for finding in findings)
    assert all(finding["line"] >= 1 and finding["col"] >= 1 for finding in findings)


@pytest.mark.parametrize("name", ["bom_broken", "crlf_broken", "bom_and_crlf_broken"])
def test_bom_and_crlf_files_point_at_the_right_place(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(CORPUS[name].make())
    result = validate(tmp_path, path.name)
    assert_clean_exit(result, {1})
    [finding] = findings_of(result)
    assert (finding["rule"], finding["line"], finding["col"]) == ("bad-duration", *BROKEN_AT)
    assert "'1hour'" in finding["message"]
    assert "\r" not in finding["message"]


def test_several_hostile_files_in_one_run(tmp_path: Path) -> None:
    names = ["alias_bomb_9x9", "flow_nesting_10000", "python_tag", "empty", "bom_valid"]
    for name in names:
        (tmp_path / f"{name}.yaml").write_bytes(CORPUS[name].make())
    result = validate(tmp_path, *(f"{name}.yaml" for name in names))
    assert_clean_exit(result, {1})
    rules = {(f["path"], f["rule"]) for f in findings_of(result)}
    assert rules >= {
        ("alias_bomb_9x9.yaml", "yaml-alias-limit"),
        ("flow_nesting_10000.yaml", "yaml-depth-limit"),
        ("python_tag.yaml", "yaml-tag"),
        ("empty.yaml", "empty-file"),
    }
    # the valid file among them stays valid
    assert not [path for path, _ in rules if path == "bom_valid.yaml"]


# ---------------------------------------------------------------------------------------------
# Raised limits: the user is told to raise them "if it is real", so raising them must not
# crash either.


def test_raised_depth_limit_does_not_overflow_the_python_stack(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_bytes(flow_nesting(1_500).encode())
    result = validate(tmp_path, "--max-depth", "2000", "deep.yaml")
    assert_clean_exit(result, {1})


def test_raised_depth_limit_does_not_crash_the_c_composer(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_bytes(flow_nesting(30_000).encode())
    result = validate(tmp_path, "--max-depth", "100000", "deep.yaml")
    assert_clean_exit(result, {1})


def test_raised_node_limit_lets_a_real_file_through(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_bytes(alias_bomb(levels=3, width=9).encode())
    capped = findings_of(validate(tmp_path, "--max-nodes", "50", "bomb.yaml"))
    assert {f["rule"] for f in capped} == {"yaml-alias-limit"}
    # Three levels expand to under a thousand nodes, well within the default budget: the
    # file is read, and what remains to say is that it is not a cjo document.
    rules = {f["rule"] for f in findings_of(validate(tmp_path, "bomb.yaml"))}
    assert "yaml-alias-limit" not in rules
    assert rules == {"missing-key"}


# ---------------------------------------------------------------------------------------------
# In-process: the loader returns findings, never raises


IN_PROCESS: dict[str, tuple[Callable[[], str], str]] = {
    "alias_bomb_9x9": (alias_bomb, "yaml-alias-limit"),
    "alias_bomb_9x9_in_a_mapping": (
        lambda: alias_bomb() + "kind: journey\n",
        "yaml-alias-limit",
    ),
    "flow_nesting_10000": (lambda: flow_nesting(DEEP), "yaml-depth-limit"),
    "flow_mapping_nesting_10000": (
        lambda: "{a: " * DEEP + "1" + "}" * DEEP + "\n",
        "yaml-depth-limit",
    ),
    "unclosed_flow_nesting_10000": (lambda: "[" * DEEP, "yaml-depth-limit"),
    "block_nesting_10000": (lambda: block_nesting(DEEP), "yaml-depth-limit"),
    "block_nesting_1000": (lambda: block_nesting(1_000), "yaml-depth-limit"),
    "compact_nesting_10000": (lambda: compact_nesting(DEEP), "yaml-depth-limit"),
    "merge_bomb_9x9": (merge_bomb, "yaml-alias-limit"),
    "recursive_alias": (lambda: "a: &a [*a]\n", "yaml-alias-limit"),
    "recursive_merge": (lambda: "a: &a\n  b: 1\n  <<: *a\n", "yaml-alias-limit"),
    # libyaml refuses the `?` in the first document; the pure-Python parser, which reads
    # the file again, must not overflow on the deep second one.
    "pure_parser_fallback_then_deep": (
        lambda: "a: [合うかな?]\n---\n" + flow_nesting(DEEP),
        "yaml-depth-limit",
    ),
    "pure_parser_fallback_then_moderately_deep": (
        lambda: "a: [合うかな?]\n---\n" + flow_nesting(3_000),
        "yaml-depth-limit",
    ),
}


@pytest.mark.parametrize("name", sorted(IN_PROCESS))
def test_the_loader_returns_findings_not_exceptions(name: str) -> None:
    make, rule = IN_PROCESS[name]
    loaded = load_text("hostile.yaml", make())
    assert rule in {f.rule for f in loaded.findings}
    assert all(f.path == "hostile.yaml" for f in loaded.findings)


def test_the_bomb_is_stopped_at_the_node_budget() -> None:
    loaded = load_text("bomb.yaml", alias_bomb(), Limits(max_nodes=1_000))
    assert loaded.documents == ()
    [finding] = loaded.findings
    assert finding.rule == "yaml-alias-limit"
    assert "1000 nodes" in finding.message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (flow_nesting(DEEP), (1, 65)),
        (compact_nesting(DEEP), (1, 129)),
        (block_nesting(DEEP), (65, 65)),
    ],
    ids=["flow", "compact", "block"],
)
def test_deep_nesting_is_reported_where_it_passes_the_limit(
    text: str, where: tuple[int, int]
) -> None:
    loaded = load_text("deep.yaml", text)
    assert loaded.documents == ()
    [finding] = loaded.findings
    assert finding.rule == "yaml-depth-limit"
    assert (finding.line, finding.col) == where


@pytest.mark.parametrize("name", ["binary_garbage", "utf16"])
def test_undecodable_files_are_unreadable_findings(name: str, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(CORPUS[name].make())
    loaded = load_file(path, "x.yaml")
    assert loaded.unreadable
    assert [f.rule for f in loaded.findings] == ["encoding"]


def test_utf8_garbage_is_a_syntax_finding() -> None:
    loaded = load_text("g.yaml", utf8_garbage().decode("utf-8"))
    assert [f.rule for f in loaded.findings] == ["yaml-syntax"]
