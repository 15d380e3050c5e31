"""Every example in docs/ runs: YAML documents are validated, `cjo` commands are run.

How to write an example (the convention this test holds)
--------------------------------------------------------
Fenced blocks start at column 0. HTML comments on the lines just above a fence (no
blank line between) say what the block is; several may be stacked.

```yaml blocks
- A block with a top-level `kind:` holds whole documents (several: separated by
  `---`). cjo's own validator checks it as one file of a copy of the sample workspace
  (journeys/); a sample document of the same kind and id is left out of the copy
  first, so a page can show a sample document as it is or changed. It must give no
  finding at all, not even a warning.
- A block without `kind:` is part of a document, and `<!-- example: KIND -->` names
  the kind. Its top-level keys take the place of the same keys of a small valid
  document of that kind (BASES below); the result is checked as above.
- `standalone` in that comment: checked in an empty workspace, not with the sample.
- `invalid RULE [RULE...]` in that comment: it must give findings (errors or
  warnings) of exactly these rules.
- `<!-- example: not-cjo -->`: YAML for another tool (pre-commit, GitHub Actions);
  it must parse, nothing more.

```console blocks
- Lines starting with `$ cjo ` are run, in page order, in a sandbox: a temporary
  copy of journeys/ and samples/, one per page, standing in for the repository root.
  A command may use what the commands above it on its page wrote (`cjo init shop`,
  then `cjo validate shop`).
  The line is split as a shell would split it (shlex), but no shell runs: no pipes,
  variables or globs (cjo expands the globs of `--log` itself). Each runs in this
  process, through the entry point of the installed `cjo` (its error handling and
  exit codes included), with a terminal 100 columns wide. Other `$ ` lines (pip,
  pre-commit, git, bq) are shown, not run.
- Each command must exit 0, or N when `<!-- exit: N -->` is above the block.
- The lines after a command, up to the next `$ ` line, are its output as the page
  shows it: each non-blank line must be (part of) a line the command printed (stdout
  or stderr), spaces around it ignored. A line `...` stands for lines the page leaves
  out; `...` within a line, for text left out of it.

Any fenced block
- `<!-- file: PATH -->`: the block's text is written to PATH in the page's sandbox
  before the page's first command runs (an export to read, a journey to diff).
  Readers do not see the comment, so the text just above the block names the file
  (`PATH` in backticks).

No other block may hold a `cjo` command: it would not be run.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from cjo_cli.spec.workspace import validate_paths
from tests.conftest import REPO, cjo_in_process

DOCS = REPO / "docs"
SAMPLE = REPO / "journeys"
SANDBOX_DIRS = ("journeys", "samples")

FENCE = re.compile(r"^(?P<fence>```+|~~~+)\s*(?P<lang>[\w-]*)\s*$")
COMMENT = re.compile(r"^<!--\s*(?P<key>[a-z]+):\s*(?P<value>.*?)\s*-->\s*$")
KIND_LINE = re.compile(r"^kind:\s*['\"]?(?P<kind>[\w-]+)", re.MULTILINE)
ID_LINE = re.compile(r"^id:\s*['\"]?(?P<id>[\w-]+)", re.MULTILINE)
TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:")
DOCUMENT_SEPARATOR = re.compile(r"^---\s*$", re.MULTILINE)

# A small valid document of each kind, in the sample workspace, for fragments.
BASES = {
    "journey": """\
kind: journey
id: docs_example
entry: {event: cart_abandoned}
steps:
  done: {exit: true}
""",
    "funnel": """\
kind: funnel
id: docs_example
steps:
  - {event: product_view}
  - {event: add_to_cart}
""",
    "touchpoint": """\
kind: touchpoint
id: docs_example
channel: email
""",
    "persona": """\
kind: persona
id: docs_example
""",
    "phases": """\
kind: phases
id: docs_example
phases:
  - {id: awareness}
""",
    "map": """\
kind: map
id: docs_example
persona: lisa
phases: lifecycle
stages:
  awareness: {actions: [sees an ad]}
""",
    "policy": """\
kind: policy
id: docs_example
""",
}


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    """1-based line of the opening fence."""
    lang: str
    text: str
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def page_paths() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def page_name(path: Path) -> str:
    return path.relative_to(DOCS).as_posix()


def blocks_of(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != opening["fence"]:
            end += 1
        notes: dict[str, str] = {}
        above = index - 1
        while above >= 0 and (comment := COMMENT.match(lines[above])):
            notes.setdefault(comment["key"], comment["value"])
            above -= 1
        body = "\n".join(lines[index + 1 : end]) + "\n"
        found.append(Block(page_name(path), index + 1, opening["lang"], body, notes))
        index = end + 1
    return found


ALL_BLOCKS = [block for path in page_paths() for block in blocks_of(path)]
YAML_BLOCKS = [b for b in ALL_BLOCKS if b.lang == "yaml"]
CONSOLE_BLOCKS = [b for b in ALL_BLOCKS if b.lang == "console"]


def params(blocks: list[Block]) -> list[object]:
    return [pytest.param(block, id=block.id) for block in blocks]


# ---- YAML examples ------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    kind: str | None
    standalone: bool
    rules: frozenset[str]
    other_tool: bool


def parse_example(block: Block) -> Example:
    words = block.notes.get("example", "").split()
    if words == ["not-cjo"]:
        return Example(None, False, frozenset(), True)
    kind = words.pop(0) if words and words[0] in BASES else None
    standalone = "standalone" in words
    rules: list[str] = []
    if "invalid" in words:
        rules = words[words.index("invalid") + 1 :]
        assert rules, f"{block.id}: `invalid` names no rule"
    unknown = set(words) - {"standalone", "invalid", *rules}
    assert not unknown, f"{block.id}: unknown words in the example comment: {sorted(unknown)}"
    return Example(kind, standalone, frozenset(rules), False)


def documents_of(text: str) -> list[str]:
    return DOCUMENT_SEPARATOR.split(text)


def kind_and_id(document: str) -> tuple[str, str] | None:
    kind, ident = KIND_LINE.search(document), ID_LINE.search(document)
    return (kind["kind"], ident["id"]) if kind and ident else None


def top_level_keys(text: str) -> set[str]:
    return {m["key"] for line in text.splitlines() if (m := TOP_KEY.match(line))}


def without_keys(document: str, keys: set[str]) -> str:
    """The document without these top-level keys (each with its indented lines)."""
    kept, dropping = [], False
    for line in document.splitlines():
        top = TOP_KEY.match(line)
        if top:
            dropping = top["key"] in keys
        elif line and not line[0].isspace() and not line.startswith("#"):
            dropping = False
        if not dropping:
            kept.append(line)
    return "\n".join(kept) + "\n"


def example_text(block: Block, example: Example) -> str:
    if KIND_LINE.search(block.text):
        assert example.kind is None, f"{block.id}: a whole document needs no kind in its comment"
        return block.text
    assert example.kind is not None, (
        f"{block.id}: a YAML block without `kind:` needs `<!-- example: KIND -->` "
        f"(one of {', '.join(BASES)}) or `<!-- example: not-cjo -->` above it"
    )
    return without_keys(BASES[example.kind], top_level_keys(block.text)) + block.text


def sample_copy(into: Path, replaced: set[tuple[str, str]]) -> None:
    """The sample workspace, without the documents an example takes the place of."""
    shutil.copytree(SAMPLE, into)
    if not replaced:
        return
    for path in into.rglob("*.yaml"):
        documents = documents_of(path.read_text(encoding="utf-8"))
        kept = [d for d in documents if kind_and_id(d) not in replaced]
        if len(kept) == len(documents):
            continue
        if any(kind_and_id(d) for d in kept):
            path.write_text("---\n".join(kept), encoding="utf-8")
        else:
            path.unlink()


@pytest.mark.parametrize("block", params(YAML_BLOCKS))
def test_yaml_example(block: Block, tmp_path: Path) -> None:
    example = parse_example(block)
    if example.other_tool:
        assert KIND_LINE.search(block.text) is None, (
            f"{block.id}: a cjo document, not another tool's"
        )
        list(YAML(typ="safe").load_all(block.text))
        return
    text = example_text(block, example)
    workspace = tmp_path / "journeys"
    if example.standalone:
        workspace.mkdir()
    else:
        replaced = {pair for d in documents_of(text) if (pair := kind_and_id(d))}
        sample_copy(workspace, replaced)
    name = re.sub(r"\W", "_", block.id) + ".yaml"
    (workspace / name).write_text(text, encoding="utf-8")
    result = validate_paths([workspace / name], workspace=workspace)
    shown = "\n".join(f"  {f.line}:{f.col} {f.rule}: {f.message}" for f in result.findings)
    found = {f.rule for f in result.findings}
    assert found == example.rules, f"{block.id}: validating\n{text}gave\n{shown or '  nothing'}"


# ---- commands ---------------------------------------------------------------------------


@dataclass
class Command:
    line: str
    shown: list[str]


def commands_of(block: Block) -> list[Command]:
    commands: list[Command] = []
    current: Command | None = None
    for raw in block.text.splitlines():
        if raw.startswith("$ "):
            current = Command(raw[2:].strip(), [])
            commands.append(current)
        elif current is not None:
            current.shown.append(raw.rstrip())
    return commands


def cjo_commands(block: Block) -> list[list[str]]:
    """The arguments of the block's `$ cjo` commands."""
    split = [shlex.split(command.line) for command in commands_of(block)]
    return [words[1:] for words in split if words and words[0] == "cjo"]


_SANDBOXES: dict[str, Path] = {}
_RAN: dict[str, set[int]] = {}
"""Per page, the lines of the console blocks already run in its sandbox."""


def sandbox(page: str, factory: pytest.TempPathFactory) -> Path:
    """The page's copy of the repository root's sample, with the page's files written."""
    if page not in _SANDBOXES:
        root = factory.mktemp(re.sub(r"\W", "_", page))
        for name in SANDBOX_DIRS:
            shutil.copytree(REPO / name, root / name)
        for block in ALL_BLOCKS:
            if block.page == page and "file" in block.notes:
                target = root / block.notes["file"]
                assert root in target.resolve().parents, f"{block.id}: file outside the sandbox"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block.text, encoding="utf-8")
        _SANDBOXES[page] = root
    return _SANDBOXES[page]


def shows(shown: str, printed: str) -> bool:
    """Whether a printed line is the one the page shows: its parts between `...` appear
    in it, in order."""
    at = 0
    for part in (p.strip() for p in shown.split("...")):
        found = printed.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


@dataclass(frozen=True)
class Ran:
    code: int
    printed: str
    """stdout, then stderr."""


def run_cjo(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Ran:
    """`cjo ARGS` in this process, through the same entry point as the installed
    command (its error handling and exit codes included): a new process for each of
    the pages' commands would cost more than the commands themselves."""
    monkeypatch.chdir(cwd)
    code, stdout, stderr = cjo_in_process(monkeypatch, *args)
    return Ran(code, stdout + "\n" + stderr)


@pytest.mark.parametrize("block", params(CONSOLE_BLOCKS))
def test_console_example(
    block: Block, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = int(block.notes.get("exit", "0"))
    root = sandbox(block.page, tmp_path_factory)
    ran_here = _RAN.setdefault(block.page, set())
    # What this block may build on, when it runs alone (`-k`, a single test id).
    above = [b for b in CONSOLE_BLOCKS if b.page == block.page and b.line < block.line]
    for earlier in above:
        if earlier.line not in ran_here:
            for command in cjo_commands(earlier):
                run_cjo(command, root, monkeypatch)
            ran_here.add(earlier.line)
    ran_here.add(block.line)
    commands = commands_of(block)
    assert commands, f"{block.id}: a console block without a `$ ` command"
    for command in commands:
        words = shlex.split(command.line)
        if words[0] != "cjo":
            continue
        ran = run_cjo(words[1:], root, monkeypatch)
        context = f"{block.id}: $ {command.line}\n--- printed:\n{ran.printed}"
        assert ran.code == expected, f"exit {ran.code}, not {expected}\n{context}"
        printed_lines = ran.printed.splitlines()
        for line in command.shown:
            if line.strip() and line.strip() != "...":
                found = any(shows(line, printed) for printed in printed_lines)
                assert found, f"the page shows {line.strip()!r}\n{context}"


# ---- the pages as a whole -----------------------------------------------------------


@pytest.mark.parametrize("path", page_paths(), ids=page_name)
def test_every_command_on_the_page_is_run(path: Path) -> None:
    unrun = [
        f"{block.id}: {line.strip()}"
        for block in blocks_of(path)
        if block.lang not in ("console", "yaml")
        for line in block.text.splitlines()
        if re.match(r"^\s*(\$\s+)?cjo\s", line)
    ]
    assert not unrun, "commands in blocks that are not run (use a console block):\n" + "\n".join(
        unrun
    )


NOTES = {"example": ("yaml",), "exit": ("console",), "file": ()}
"""The comments a block may have, and the kinds of block they apply to (any: empty)."""


@pytest.mark.parametrize("block", params([b for b in ALL_BLOCKS if b.notes]))
def test_block_comments_are_known(block: Block) -> None:
    for key in block.notes:
        assert key in NOTES, f"{block.id}: unknown comment `{key}:` (known: {', '.join(NOTES)})"
        langs = NOTES[key]
        assert not langs or block.lang in langs, f"{block.id}: `{key}:` is for {langs} blocks"


@pytest.mark.parametrize("block", params([b for b in ALL_BLOCKS if "file" in b.notes]))
def test_a_file_is_named_for_the_reader(block: Block) -> None:
    """The comment is not shown: the text just above the block names the file."""
    lines = (DOCS / block.page).read_text(encoding="utf-8").splitlines()
    above = "\n".join(lines[max(0, block.line - 8) : block.line - 1])
    assert f"`{block.notes['file']}`" in above, f"{block.id}: say `{block.notes['file']}` above it"


@pytest.mark.parametrize("path", page_paths(), ids=page_name)
def test_examples_are_fenced_at_column_0(path: Path) -> None:
    indented = [
        f"{page_name(path)}:{number}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.match(r"^\s+(```|~~~)\s*(yaml|console)\b", line)
    ]
    assert not indented, f"indented examples are not run: {indented}"
