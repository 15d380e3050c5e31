"""How cjo's YAML loader reads nodes: its parser, which leaves the typing of plain
scalars to cjo, the YAML 1.2 core schema for scalars (`no` and `19:00` are
strings; only the core tags str, int, float, bool and null), the characters
YAML 1.2 reads differently from libyaml, and the converter from composed nodes
to located values."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
from ruamel.yaml.events import CollectionEndEvent, MappingStartEvent, SequenceStartEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from cjo_cli.findings import Finding, Level
from cjo_cli.spec.located import LMap, LSeq, Position, line_col

TAG = "tag:yaml.org,2002:"
PLAIN = "?plain"
STR, MAP, SEQ = TAG + "str", TAG + "map", TAG + "seq"
CORE_SCALAR_TAGS = {TAG + t for t in ("str", "int", "float", "bool", "null")}

_NULL = re.compile(r"^(?:~|null|Null|NULL|)\Z")
_NULL_WORDS = {"null", "Null", "NULL"}
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
    if text[:1].isalpha():
        # A word (the common case): numbers start otherwise, so it is null, a boolean
        # or a string.
        return None if text in _NULL_WORDS else _BOOL.get(text, text)
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


# ---------------------------------------------------------------------------------------------
# The text before the parsers: characters YAML refuses, and characters YAML 1.2 reads
# differently from libyaml

# YAML's printable characters (c-printable); any other is refused where it stands.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# YAML 1.2 reads NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR as ordinary characters;
# libyaml (YAML 1.1) and ruamel's pure-Python reader both break lines at them.
_NON_BREAKS = "\x85\u2028\u2029"
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd]")


def first_unprintable(text: str) -> tuple[Position, str] | None:
    """Where the first character YAML does not allow stands (NUL, other controls), and it."""
    found = _UNPRINTABLE.search(text)
    return None if found is None else (line_col(text, found.start()), found.group())


def hide_non_breaks(text: str) -> tuple[str, dict[int, str]]:
    """The text with NEL, U+2028 and U+2029 swapped for private-use characters it does not
    use (one for one, so columns stay right), and the table that swaps them back."""
    present = [char for char in _NON_BREAKS if char in text]
    if not present:
        return text, {}
    used = set(_PRIVATE_USE.findall(text))
    codes = itertools.chain(range(0xE000, 0xF900), range(0xF0000, 0xFFFFE))
    free = (chr(code) for code in codes if chr(code) not in used)
    stand_ins = list(itertools.islice(free, len(present)))
    if len(stand_ins) < len(present):
        return text, {}  # a text that uses every private-use character is read as it is
    pairs = list(zip(present, stand_ins, strict=True))
    swap = {ord(char): stand_in for char, stand_in in pairs}
    return text.translate(swap), {ord(stand_in): char for char, stand_in in pairs}


def restore_scalars(root: Any, table: dict[int, str]) -> None:
    """Swap hidden characters back in every scalar of a composed document, keys included
    (without recursion, and once per node however often aliases repeat it)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            node.value = node.value.translate(table)
        elif isinstance(node, MappingNode):
            stack.extend(item for pair in node.value for item in pair)
        else:
            stack.extend(node.value)


# ---------------------------------------------------------------------------------------------
# From composed nodes to located Python values


# What a node with a rejected tag becomes: left out of its mapping or sequence.
REJECTED: Any = object()


class LimitExceeded(Exception):
    """A document over the node budget or the depth limit: it is left out whole."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


@dataclass
class Converter:
    """Turns one composed document into located Python values, collecting findings."""

    path: str
    max_nodes: int
    max_depth: int
    first_line: int = 1
    """The number of the first line of the text the parser read: after libyaml refused
    a document, the rest of the file is read on its own."""
    findings: list[Finding] = field(default_factory=list)
    nodes: int = 0
    active: set[int] = field(default_factory=set)

    def at(self, node: Any) -> Position:
        mark = node.start_mark
        return (mark.line + self.first_line, mark.column + 1)

    def find(self, node: Any, rule: str, message: str) -> None:
        line, col = self.at(node)
        self.findings.append(Finding(self.path, line, col, Level.ERROR, rule, message))

    def abort(self, node: Any, rule: str, message: str) -> LimitExceeded:
        line, col = self.at(node)
        return LimitExceeded(Finding(self.path, line, col, Level.ERROR, rule, message))

    def count(self, node: Any, depth: int) -> None:
        """Charge one node to the budget; raise when the budget or the depth is exceeded."""
        self.nodes += 1
        if self.nodes > self.max_nodes or depth > self.max_depth:
            self.convert(node, depth)  # raises the right finding

    def convert(self, node: Any, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise self.abort(
                node,
                "yaml-alias-limit",
                f"document has more than {self.max_nodes} nodes once aliases are "
                "expanded (a 'billion laughs' file does this); raise --max-nodes if it is real",
            )
        if depth > self.max_depth:
            raise self.abort(
                node,
                "yaml-depth-limit",
                f"nesting deeper than {self.max_depth} levels; raise --max-depth if it is real",
            )
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        key = id(node)
        if key in self.active:
            raise self.abort(node, "yaml-alias-limit", "recursive alias: a node contains itself")
        self.active.add(key)
        try:
            if isinstance(node, MappingNode):
                return self.mapping(node, depth)
            return self.sequence(node, depth)
        finally:
            self.active.discard(key)

    def scalar(self, node: Any) -> Any:
        tag = tag_of(node)
        if tag == PLAIN:
            return resolve_plain(node.value)
        if tag == STR or tag == "!":
            return node.value
        if tag in CORE_SCALAR_TAGS:
            try:
                return typed_scalar(tag, node.value)
            except ValueError as exc:
                self.find(node, "yaml-tag", str(exc))
                return REJECTED
        self.reject_tag(node)
        return REJECTED

    def reject_tag(self, node: Any) -> None:
        self.find(
            node,
            "yaml-tag",
            f"tag {show_tag(tag_of(node))!r} is not allowed; cjo reads plain YAML data only",
        )

    def mapping(self, node: Any, depth: int) -> Any:
        if tag_of(node) != MAP:
            self.reject_tag(node)
            return REJECTED
        result = LMap(self.at(node))
        merged: list[Any] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.find(key_node, "yaml-key", "mapping keys must be plain scalars")
                continue
            key_tag = tag_of(key_node)
            if key_tag not in (PLAIN, STR, "!") and key_tag not in CORE_SCALAR_TAGS:
                self.reject_tag(key_node)  # `!!python/name:os.system x: 1` is no plain key
                continue
            key = key_node.value
            if key == "<<" and key_tag == PLAIN:
                merged.append(value_node)
                continue
            if key in result.key_pos:
                first = result.key_pos[key][0]
                self.find(
                    key_node, "duplicate-key", f"duplicate key {key!r} (first at line {first})"
                )
            if type(value_node) is ScalarNode and value_node.ctag is PLAIN_TAG:
                # The common case, inlined: a plain scalar value.
                self.count(value_node, depth + 1)
                text = value_node.value
                value = resolve_plain(text)
                if type(value) is not str:
                    result.texts[key] = text
                else:
                    result.texts.pop(key, None)  # a duplicate key's earlier text
            else:
                result.texts.pop(key, None)
                value = self.convert(value_node, depth + 1)
                if value is REJECTED:
                    continue  # reported already; leaving the key out avoids a second finding
            result[key] = value
            result.key_pos[key] = self.at(key_node)
            result.val_pos[key] = self.at(value_node)
        for source in merged:
            self.merge(result, source, depth)
        return result

    def merge(self, result: LMap, source: Any, depth: int) -> None:
        """`<<: *base` (or a list of them): keys of the target win over merged ones."""
        sources = source.value if isinstance(source, SequenceNode) else [source]
        for item in sources:
            value = self.convert(item, depth + 1)
            if value is REJECTED:
                continue
            if not isinstance(value, LMap):
                self.find(item, "yaml-key", "'<<' merges mappings only")
                continue
            for key, merged_value in value.items():
                if key not in result:
                    result[key] = merged_value
                    result.key_pos[key] = value.key_pos[key]
                    result.val_pos[key] = value.val_pos[key]
                    if key in value.texts:
                        result.texts[key] = value.texts[key]

    def sequence(self, node: Any, depth: int) -> Any:
        if tag_of(node) != SEQ:
            self.reject_tag(node)
            return REJECTED
        result = LSeq(self.at(node))
        for item in node.value:
            value = self.convert(item, depth + 1)
            if value is REJECTED:
                continue
            if (
                isinstance(item, ScalarNode)
                and tag_of(item) == PLAIN
                and not isinstance(value, str)
            ):
                result.texts[len(result)] = item.value
            result.append(value)
            result.item_pos.append(self.at(item))
        return result
