"""Safe YAML loading with line:col for every node and limits against hostile input.

The C composer of ruamel.yaml.clib builds the node graph (fast, with start
marks); this module turns it into `LMap`/`LSeq`/scalars itself, so that every
rule below is ours and reported as a finding instead of an exception:

- YAML 1.2 core schema for plain scalars (`no` is a string, `19:00` is a string);
- only the core tags (str, int, float, bool, null, map, seq); any other tag,
  `!!python/object` included, is rejected;
- duplicate keys are findings;
- alias expansion is capped by a node budget (billion laughs), recursive
  aliases are refused, nesting depth is capped and file size is capped.

The C composer recurses in C and crashes the process on very deep nesting, so
a file whose nesting could be that deep is measured on the event stream (which
does not recurse) before it is composed.

libyaml reads YAML 1.1 and refuses a few YAML 1.2 plain scalars in flow
collections (`[合うかな?]`, `[a:b]`). The documents before such a refusal are
kept, and only the refused document is read again, by ruamel's pure-Python
parser (YAML 1.2, but some twenty times slower), within a budget: a large file
with a syntax error costs what libyaml costs, not a second, slow reading.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError

from cjo_cli.findings import Finding, Level
from cjo_cli.spec.located import (
    Position,
    failing_document,
    line_breaks,
    next_line,
    skip_document_ends,
)
from cjo_cli.spec.yaml_nodes import (
    REJECTED,
    Converter,
    LimitExceeded,
    Parser,
    compose_pure,
    deepest_event,
    first_unprintable,
    hide_non_breaks,
    nesting_bound,
    restore_scalars,
)

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_NODES = 100_000
# Depth the C composer is known to survive with the default 8 MiB stack (it
# crashes somewhere past 20,000); anything that could be deeper is measured first.
_C_COMPOSER_SAFE_DEPTH = 5_000
# What may be read again by the pure-Python parser (about 20 ms per KiB) when libyaml
# refuses a document: the budget bounds what a hostile file can cost (each document
# read again also restarts libyaml, about 1 ms for 2 MB).
_PURE_MAX_CHARS = 256 * 1024
_PURE_MAX_DOCUMENTS = 1_000


@dataclass(frozen=True)
class Limits:
    """Caps on what one file may cost. The defaults are documented in the README."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_nodes: int = DEFAULT_MAX_NODES


@dataclass(frozen=True)
class Document:
    """One YAML document of a file: its root value and where it starts."""

    path: str
    index: int
    root: Any
    pos: Position


@dataclass(frozen=True)
class LoadedFile:
    path: str
    documents: tuple[Document, ...]
    findings: tuple[Finding, ...]
    unreadable: bool = False
    """True when the file could not be read at all (missing, not UTF-8): exit code 2."""


def _syntax_finding(
    path: str, exc: YAMLError, first_line: int = 1, restore: dict[int, str] | None = None
) -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + first_line, mark.column + 1) if mark is not None else (1, 1)
    if isinstance(exc, MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        message = "; ".join(parts) or str(exc)
    else:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for stand_in, char in (restore or {}).items():
        # the parsers show it as it is, or escaped ('\ue000')
        shown, meant = chr(stand_in), char
        message = message.replace(shown, meant).replace(repr(shown)[1:-1], repr(meant)[1:-1])
    return Finding(path, line, col, Level.ERROR, "yaml-syntax", f"YAML syntax: {message}")


def _decode(path: str, data: bytes) -> tuple[str | None, Finding | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        message = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        return None, Finding(path, line, col, Level.ERROR, "encoding", message)


def _depth_finding(path: str, text: str, first_line: int, limits: Limits) -> Finding | None:
    """A finding when the nesting passes the limit, measured on the event stream (which
    does not recurse): the C composer would crash the process."""
    depth = min(limits.max_depth, _C_COMPOSER_SAFE_DEPTH)
    try:
        where = deepest_event(text, depth)
    except YAMLError:
        return None  # a syntax error: reported by the parse (the walk stopped there)
    if where is None:
        return None
    return _too_deep(path, (where[0] + first_line - 1, where[1]), depth)


def _too_deep(path: str, where: Position, depth: int) -> Finding:
    message = f"nesting deeper than {depth} levels; raise --max-depth if it is real"
    if depth >= _C_COMPOSER_SAFE_DEPTH:
        message = f"nesting deeper than {depth} levels, more than cjo can read safely"
    return Finding(path, where[0], where[1], Level.ERROR, "yaml-depth-limit", message)


_OVER_BUDGET = (
    "; if this is valid YAML 1.2, quote the value (documents libyaml refuses are read "
    f"again only up to {_PURE_MAX_CHARS // 1024} KiB a file)"
)


@dataclass
class _Reader:
    """Reads the documents of one text: libyaml first, the pure-Python parser for a
    document libyaml refuses (within the budget), then libyaml again for the rest."""

    path: str
    limits: Limits
    restore: dict[int, str]
    retries: int
    """How many more documents the pure-Python parser may read, and how many characters."""
    retry_chars: int
    documents: list[Document] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def read(self, text: str) -> None:
        # Below this bound the converter enforces --max-depth itself (and cheaply); a bound
        # of the whole text is one of every part of it.
        maybe_deep = nesting_bound(text) > _C_COMPOSER_SAFE_DEPTH
        first_line = 1
        while True:
            if maybe_deep:
                deep = _depth_finding(self.path, text, first_line, self.limits)
                if deep is not None:  # not read at all, as a file deep from its first part
                    self.documents, self.findings = [], [deep]
                    return
            refused = self.read_c(text, first_line)
            if refused is None:
                return
            error, after_last = refused
            mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
            start, end = failing_document(text, after_last, mark.index if mark else len(text))
            if end - start > self.retry_chars or self.retries == 0:
                divergent = mark is not None and text[mark.index : mark.index + 1] in ("?", ":")
                self.syntax(error, first_line, _OVER_BUDGET if divergent else "")
                return
            self.retries -= 1
            self.retry_chars -= end - start
            retry_line = first_line + line_breaks(text, 0, start)
            read, pure_error = self.add_all(compose_pure(text[start:end]), retry_line)
            if pure_error is not None:
                self.syntax(pure_error, retry_line)
                return
            if read == 0:  # nothing there for the pure-Python parser: libyaml's error stands
                self.syntax(error, first_line)
                return
            end = skip_document_ends(text, end)
            if end == len(text):
                return
            first_line += line_breaks(text, 0, end)
            text = text[end:]

    def read_c(self, text: str, first_line: int) -> tuple[YAMLError, int] | None:
        """Read documents with libyaml; on a syntax error, the error and where the
        document after the last one read starts."""
        parser = Parser(text)
        after_last = 0
        try:
            while parser.check_node():
                node = parser.get_node()
                self.add(node, first_line)
                end = node.end_mark
                after_last = end.index if end.column == 0 else next_line(text, end.index)
        except YAMLError as exc:
            return exc, after_last
        finally:
            parser.dispose()
        return None

    def add_all(self, nodes: Iterable[Any], first_line: int) -> tuple[int, YAMLError | None]:
        read = 0
        try:
            for node in nodes:
                self.add(node, first_line)
                read += 1
        except YAMLError as exc:
            return read, exc
        return read, None

    def add(self, node: Any, first_line: int) -> None:
        if self.restore:
            restore_scalars(node, self.restore)
        converter = Converter(self.path, self.limits.max_nodes, self.limits.max_depth, first_line)
        try:
            root = converter.convert(node, 1)
        except LimitExceeded as exc:
            self.findings.extend(converter.findings)
            self.findings.append(exc.finding)
            return
        self.findings.extend(converter.findings)
        root = None if root is REJECTED else root
        self.documents.append(Document(self.path, len(self.documents), root, converter.at(node)))

    def syntax(self, error: YAMLError, first_line: int, hint: str = "") -> None:
        finding = _syntax_finding(self.path, error, first_line, self.restore)
        self.findings.append(replace(finding, message=finding.message + hint))


def load_text(path: str, text: str, limits: Limits = Limits()) -> LoadedFile:
    """Parse YAML text (already decoded) into located documents and findings.

    A character YAML does not allow (NUL, other control characters) is one finding,
    where it stands; NEL, U+2028 and U+2029 are the ordinary characters YAML 1.2 makes
    them, not line breaks."""
    text = text.removeprefix("\ufeff")  # libyaml skips it too, but would not count it
    bad = first_unprintable(text)
    if bad is not None:
        (line, col), char = bad
        code = ord(char)
        escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
        message = (
            f"YAML syntax: character U+{code:04X} is not allowed in YAML text; "
            f'in a double-quoted string it can be written "{escape}"'
        )
        return LoadedFile(
            path, (), (Finding(path, line, col, Level.ERROR, "yaml-syntax", message),)
        )
    text, restore = hide_non_breaks(text)
    reader = _Reader(path, limits, restore, _PURE_MAX_DOCUMENTS, _PURE_MAX_CHARS)
    try:
        reader.read(text)
    except RecursionError:  # a --max-depth raised past what Python's stack allows
        return LoadedFile(path, (), (_too_deep(path, (1, 1), limits.max_depth),))
    return LoadedFile(path, tuple(reader.documents), tuple(reader.findings))


_CHUNK = 64 * 1024
_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def _refused(name: str, mode: int) -> LoadedFile:
    kind = _KINDS.get(stat.S_IFMT(mode), "a special file")
    message = f"{kind}, not a regular file; cjo opens regular files only"
    return LoadedFile(name, (), (Finding(name, 1, 1, Level.ERROR, "special-file", message),))


def _too_large(name: str, limits: Limits, size: int | None) -> LoadedFile:
    what = f"is {size:,} bytes, over" if size is not None else "goes on past"
    message = f"file {what} the {limits.max_bytes:,}-byte limit; raise --max-bytes if it is real"
    return LoadedFile(name, (), (Finding(name, 1, 1, Level.ERROR, "file-too-large", message),))


def _read(path: Path, name: str, limits: Limits) -> bytes | LoadedFile:
    """The file's bytes, or the finding that refuses it.

    Only regular files are opened: a FIFO would block the run and a device (a link to
    /dev/zero) would never end. At most one byte past the limit is read, whatever the
    size the file claims."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        return _refused(name, info.st_mode)
    if info.st_size > limits.max_bytes:
        return _too_large(name, limits, info.st_size)
    # O_NONBLOCK: should a FIFO take the file's place after the stat, opening it must not
    # wait for a writer; the fstat below then refuses it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with open(fd, "rb", buffering=0) as handle:
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode):
            return _refused(name, opened.st_mode)
        # read(n) allocates n bytes: ask for the size the file claims (and one byte more,
        # to see whether it says the truth), then for the rest in chunks.
        chunks = [handle.read(min(opened.st_size, limits.max_bytes) + 1)]
        size = len(chunks[0])
        while chunks[-1] and size <= limits.max_bytes:
            chunks.append(handle.read(min(_CHUNK, limits.max_bytes + 1 - size)))
            size += len(chunks[-1])
    if size > limits.max_bytes:
        return _too_large(name, limits, None)
    return b"".join(chunks)


def load_file(path: Path, display: str | None = None, limits: Limits = Limits()) -> LoadedFile:
    """Read, decode and parse one file; every failure becomes a finding."""
    name = display if display is not None else str(path)
    try:
        data = _read(path, name, limits)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        finding = Finding(name, 1, 1, Level.ERROR, "unreadable", f"cannot read file: {reason}")
        return LoadedFile(name, (), (finding,), unreadable=True)
    if isinstance(data, LoadedFile):
        return data
    text, problem = _decode(name, data)
    if text is None:
        assert problem is not None
        return LoadedFile(name, (), (problem,), unreadable=True)
    return load_text(name, text, limits)
