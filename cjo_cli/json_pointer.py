"""How SQL names one top-level key of a JSON object: a JSON Pointer (RFC 6901).

DuckDB's `json_extract` takes a JSONPath (`$."key"`) or a JSON Pointer (`/key`);
its JSONPath quoting knows only `\\"` and `\\\\`, so a key that is empty or holds a
control character cannot be written as one. A pointer can name any key.
"""

from __future__ import annotations


def key_pointer(key: str) -> str:
    """The pointer to a top-level key, for a SQL parameter (`/cart value`)."""
    return "/" + key.replace("~", "~0").replace("/", "~1")
