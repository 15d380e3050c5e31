"""Plain Python containers that remember where each value stood in the YAML source.

`LMap` and `LSeq` are a `dict` and a `list` (so jsonschema and ordinary code take
them as they are) with the 1-based line and column of the node, of each key and
of each value. Scalars stay plain Python values; for plain scalars that YAML
resolved to a number, boolean or null, the source text is kept too, so a label
written `1.10` can be shown as `1.10` and not as `1.1`.
"""

from __future__ import annotations

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
