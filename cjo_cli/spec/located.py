"""Plain Python containers that remember where each value stood in the YAML source,
and the arithmetic of positions in that source.

`LMap` and `LSeq` are a `dict` and a `list` (so jsonschema and ordinary code take
them as they are) with the 1-based line and column of the node, of each key and
of each value. Scalars stay plain Python values; for plain scalars that YAML
resolved to a number, boolean or null, the source text is kept too, so a label
written `1.10` can be shown as `1.10` and not as `1.1`.
"""

from __future__ import annotations

import re
from typing import Any

Position = tuple[int, int]


class LMap(dict[str, Any]):
    """A mapping with the position of the node, of every key and of every value."""

    __slots__ = ("key_pos", "pos", "texts", "val_pos")

    def __init__(self, pos: Position) -> None:
        super().__init__()
        self.pos = pos
        self.key_pos: dict[str, Position] = {}
        self.val_pos: dict[str, Position] = {}
        self.texts: dict[str, str] = {}


class LSeq(list[Any]):
    """A sequence with the position of the node and of every item."""

    __slots__ = ("item_pos", "pos", "texts")

    def __init__(self, pos: Position) -> None:
        super().__init__()
        self.pos = pos
        self.item_pos: list[Position] = []
        self.texts: dict[int, str] = {}


def position_of(root: Any, path: tuple[str | int, ...], *, key: bool = False) -> Position | None:
    """The position of the value at `path` below `root` (of its key, with `key=True`).

    Walks as far as the path exists and returns the deepest position found, so a
    path into a missing value still points at its parent.
    """
    node = root
    found: Position | None = getattr(root, "pos", None)
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, LMap) and isinstance(step, str) and step in node:
            found = node.key_pos[step] if (last and key) else node.val_pos[step]
            node = node[step]
        elif isinstance(node, LSeq) and isinstance(step, int) and 0 <= step < len(node):
            found = node.item_pos[step]
            node = node[step]
        else:
            break
    return found


def source_text(container: Any, key: str | int) -> str:
    """The value at `key` as the user wrote it (`1.10`, `no`, `~`), for labels."""
    texts = getattr(container, "texts", None)
    if texts is not None and key in texts:
        return str(texts[key])
    value = container[key]
    return value if isinstance(value, str) else str(value)


# ---------------------------------------------------------------------------------------------
# Positions in the text, counted as both YAML parsers count them

_BREAK = re.compile(r"\r\n?|\n")
# `---` and `...` at the start of a line are always document boundaries.
_DOCUMENT_MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r\n]|\Z)", re.MULTILINE)
_DOCUMENT_END = re.compile(r"^\.\.\.(?=[ \t\r\n]|\Z)", re.MULTILINE)


def line_breaks(text: str, start: int = 0, end: int | None = None) -> int:
    """Line breaks in `text[start:end]`, counted as YAML counts them (CRLF, CR or LF)."""
    stop = len(text) if end is None else end
    crlf = text.count("\r\n", start, stop)
    return text.count("\n", start, stop) + text.count("\r", start, stop) - crlf


def line_col(text: str, index: int) -> Position:
    """The 1-based line and column of `text[index]`; columns count characters."""
    start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    return line_breaks(text, 0, index) + 1, index - start + 1


def next_line(text: str, index: int) -> int:
    """The start of the line after the one `index` is on (or the end of the text)."""
    found = _BREAK.search(text, index)
    return len(text) if found is None else found.end()


def skip_document_ends(text: str, index: int) -> int:
    """Past the `...` lines at `index`: they end the document before, and neither parser
    takes a text that starts with one."""
    while (found := _DOCUMENT_END.match(text, index)) is not None:
        index = next_line(text, found.start())
    return index


def failing_document(text: str, start: int, error_at: int) -> tuple[int, int]:
    """Where the document with a syntax error at `error_at` stands, as [start, end).

    `start` is just after the last document read; `...` lines between it and the
    error still belong to that document. The failing document ends at the next
    document marker after the error (one at the error itself counts: an unclosed
    `[` is found out at the next `---`)."""
    for found in _DOCUMENT_END.finditer(text, start, error_at):
        start = next_line(text, found.start())
    after = _DOCUMENT_MARKER.search(text, max(error_at, start + 1))
    return start, len(text) if after is None else after.start()
