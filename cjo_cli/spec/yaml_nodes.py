"""How cjo's YAML loader reads nodes: its parser, which leaves the typing of plain
scalars to cjo, and the YAML 1.2 core schema for scalars (`no` and `19:00` are
strings; only the core tags str, int, float, bool and null)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
from ruamel.yaml.events import CollectionEndEvent, MappingStartEvent, SequenceStartEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from cjo_cli.spec.located import Position

TAG = "tag:yaml.org,2002:"
PLAIN = "?plain"
STR, MAP, SEQ = TAG + "str", TAG + "map", TAG + "seq"
CORE_SCALAR_TAGS = {TAG + t for t in ("str", "int", "float", "bool", "null")}

_NULL = re.compile(r"^(?:~|null|Null|NULL|)\Z")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"^[-+]?[0-9]+\Z")
_INT8 = re.compile(r"^0o[0-7]+\Z")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)\Z")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)\Z")


# Resolved tags are shared Tag objects: nodes keep them as they are, and reading
# `node.ctag.suffix` is much cheaper than ruamel's `node.tag` property.
TAGS = {name: Tag(suffix=name) for name in (PLAIN, STR, MAP, SEQ)}
PLAIN_TAG = TAGS[PLAIN]


class Parser(CParser):  # type: ignore[misc]
    """The C parser with a resolver that leaves typing of plain scalars to us."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> Tag:
        if kind is ScalarNode:
            return TAGS[PLAIN] if implicit[0] else TAGS[STR]
        return TAGS[MAP] if kind is MappingNode else TAGS[SEQ]

    def descend_resolver(self, *_: Any) -> None:
        return None

    def ascend_resolver(self, *_: Any) -> None:
        return None


class _PureResolver(VersionedResolver):
    """The same resolving for ruamel's pure-Python composer, the fallback parser."""

    resolve = Parser.resolve


def compose_pure(text: str) -> Iterator[Any]:
    """Nodes from ruamel's pure-Python parser.

    libyaml (under the C parser) rejects some valid YAML, e.g. `[合うかな?]`,
    a `?` inside a flow sequence; a file the C parser refuses is read again
    with the pure-Python parser before it is called broken.
    """
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.Resolver = _PureResolver
    yield from yaml.compose_all(text)


def tag_of(node: Any) -> str:
    """A node's full tag, whichever parser made it."""
    ctag = node.ctag
    if ctag.handle is None:
        return str(ctag.suffix)
    return str(ctag.value)


def resolve_plain(text: str) -> Any:
    """A plain scalar as YAML 1.2's core schema reads it."""
    first = text[:1]
    if first.isalpha() and first not in "nNtTfF":
        return text  # the common case: a word
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT10.match(text):
        return int(text)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text) and text not in {".", "+.", "-."}:
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


def typed_scalar(tag: str, text: str) -> Any:
    """A scalar with an explicit core tag (`!!str 1`, `!!int "3"`)."""
    if tag == STR:
        return text
    value = resolve_plain(text)
    expected = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}[
        tag[len(TAG) :]
    ]
    if isinstance(value, bool) and tag != TAG + "bool":
        raise ValueError(f"{text!r} is not a valid !!{tag[len(TAG) :]}")
    if not isinstance(value, expected):  # type: ignore[arg-type]
        raise ValueError(f"{text!r} is not a valid !!{tag[len(TAG) :]}")
    return float(value) if tag == TAG + "float" else value


def show_tag(tag: str) -> str:
    return "!!" + tag[len(TAG) :] if tag.startswith(TAG) else tag


def position(node: Any) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def nesting_bound(text: str) -> int:
    """An upper bound of the nesting depth, cheap to compute.

    Block nesting needs strictly growing columns, so it is bounded by the
    longest line; flow nesting by the number of opening brackets.
    """
    longest = max((len(line) for line in text.splitlines()), default=0)
    return longest + text.count("[") + text.count("{") + 1


def deepest_event(text: str, max_depth: int) -> tuple[int, int] | None:
    """Walk the event stream (no recursion) and return where nesting passes `max_depth`."""
    parser = Parser(text)
    depth = 0
    while parser.check_event():
        event = parser.get_event()
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            depth += 1
            if depth > max_depth:
                return (event.start_mark.line + 1, event.start_mark.column + 1)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
    return None
