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
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from cjo_cli.findings import Finding, Level
from cjo_cli.spec.located import LMap, LSeq, Position
from cjo_cli.spec.yaml_nodes import (
    CORE_SCALAR_TAGS,
    MAP,
    PLAIN,
    PLAIN_TAG,
    SEQ,
    STR,
    Parser,
    compose_pure,
    deepest_event,
    nesting_bound,
    position,
    resolve_plain,
    show_tag,
    tag_of,
    typed_scalar,
)

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_NODES = 100_000
# Depth the C composer is known to survive with the default 8 MiB stack (it
# crashes somewhere past 20,000); anything that could be deeper is measured first.
_C_COMPOSER_SAFE_DEPTH = 5_000


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


# What a node with a rejected tag becomes: left out of its mapping or sequence.
_REJECTED: Any = object()


class _LimitExceeded(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


@dataclass
class _Converter:
    """Turns one composed document into located Python values, collecting findings."""

    path: str
    limits: Limits
    findings: list[Finding] = field(default_factory=list)
    nodes: int = 0
    active: set[int] = field(default_factory=set)

    def find(self, node: Any, rule: str, message: str) -> None:
        line, col = position(node)
        self.findings.append(Finding(self.path, line, col, Level.ERROR, rule, message))

    def abort(self, node: Any, rule: str, message: str) -> _LimitExceeded:
        line, col = position(node)
        return _LimitExceeded(Finding(self.path, line, col, Level.ERROR, rule, message))

    def count(self, node: Any, depth: int) -> None:
        """Charge one node to the budget; raise when the budget or the depth is exceeded."""
        self.nodes += 1
        if self.nodes > self.limits.max_nodes or depth > self.limits.max_depth:
            self.convert(node, depth)  # raises the right finding

    def convert(self, node: Any, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise self.abort(
                node,
                "yaml-alias-limit",
                f"document has more than {self.limits.max_nodes} nodes once aliases are "
                "expanded (a 'billion laughs' file does this); raise --max-nodes if it is real",
            )
        if depth > self.limits.max_depth:
            raise self.abort(
                node,
                "yaml-depth-limit",
                f"nesting deeper than {self.limits.max_depth} levels; "
                "raise --max-depth if it is real",
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
                return _REJECTED
        self.reject_tag(node)
        return _REJECTED

    def reject_tag(self, node: Any) -> None:
        self.find(
            node,
            "yaml-tag",
            f"tag {show_tag(tag_of(node))!r} is not allowed; cjo reads plain YAML data only",
        )

    def mapping(self, node: Any, depth: int) -> Any:
        if tag_of(node) != MAP:
            self.reject_tag(node)
            return _REJECTED
        result = LMap(position(node))
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
                if value is _REJECTED:
                    continue  # reported already; leaving the key out avoids a second finding
            result[key] = value
            result.key_pos[key] = position(key_node)
            result.val_pos[key] = position(value_node)
        for source in merged:
            self.merge(result, source, depth)
        return result

    def merge(self, result: LMap, source: Any, depth: int) -> None:
        """`<<: *base` (or a list of them): keys of the target win over merged ones."""
        sources = source.value if isinstance(source, SequenceNode) else [source]
        for item in sources:
            value = self.convert(item, depth + 1)
            if value is _REJECTED:
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
            return _REJECTED
        result = LSeq(position(node))
        for item in node.value:
            value = self.convert(item, depth + 1)
            if value is _REJECTED:
                continue
            if (
                isinstance(item, ScalarNode)
                and tag_of(item) == PLAIN
                and not isinstance(value, str)
            ):
                result.texts[len(result)] = item.value
            result.append(value)
            result.item_pos.append(position(item))
        return result


def _syntax_finding(path: str, exc: YAMLError) -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    if isinstance(exc, MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        message = "; ".join(parts) or str(exc)
    else:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
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


def _compose_c(parser: Any) -> Iterator[Any]:
    while parser.check_node():
        yield parser.get_node()


def _convert_all(
    path: str, nodes: Iterator[Any], limits: Limits
) -> tuple[list[Document], list[Finding]]:
    """Convert each composed document; a syntax error ends the stream with a finding."""
    try:
        return _convert_strict(path, nodes, limits)
    except _SyntaxErrorAfter as exc:
        exc.findings.append(_syntax_finding(path, exc.error))
        return exc.documents, exc.findings


class _SyntaxErrorAfter(Exception):
    """A syntax error, with what was read before it."""

    def __init__(
        self, error: YAMLError, documents: list[Document], findings: list[Finding]
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.documents = documents
        self.findings = findings


def _convert_strict(
    path: str, nodes: Iterator[Any], limits: Limits
) -> tuple[list[Document], list[Finding]]:
    findings: list[Finding] = []
    documents: list[Document] = []
    try:
        for node in nodes:
            converter = _Converter(path, limits)
            try:
                root = converter.convert(node, 1)
            except _LimitExceeded as exc:
                findings.extend(converter.findings)
                findings.append(exc.finding)
                continue
            findings.extend(converter.findings)
            documents.append(
                Document(path, len(documents), None if root is _REJECTED else root, position(node))
            )
    except YAMLError as exc:
        raise _SyntaxErrorAfter(exc, documents, findings) from exc
    return documents, findings


def _too_deep(path: str, where: Position, depth: int) -> LoadedFile:
    message = f"nesting deeper than {depth} levels; raise --max-depth if it is real"
    if depth >= _C_COMPOSER_SAFE_DEPTH:
        message = f"nesting deeper than {depth} levels, more than cjo can read safely"
    finding = Finding(path, where[0], where[1], Level.ERROR, "yaml-depth-limit", message)
    return LoadedFile(path, (), (finding,))


def load_text(path: str, text: str, limits: Limits = Limits()) -> LoadedFile:
    """Parse YAML text (already decoded) into located documents and findings."""
    # Past this depth the C composer would crash the process, whatever --max-depth says.
    # Below that bound the converter enforces --max-depth itself (and cheaply).
    depth = min(limits.max_depth, _C_COMPOSER_SAFE_DEPTH)
    if nesting_bound(text) > _C_COMPOSER_SAFE_DEPTH:
        try:
            where = deepest_event(text, depth)
        except YAMLError:
            where = None  # a syntax error: reported by the parse below
        if where is not None:
            return _too_deep(path, where, depth)
    parser = Parser(text)
    result: tuple[list[Document], list[Finding]] | None
    try:
        result = _convert_strict(path, _compose_c(parser), limits)
    except _SyntaxErrorAfter:
        result = None  # retried below with the pure-Python parser
    except RecursionError:  # a --max-depth raised past what Python's stack allows
        return _too_deep(path, (1, 1), limits.max_depth)
    finally:
        parser.dispose()
    if result is None:
        try:
            result = _convert_all(path, compose_pure(text), limits)
        except RecursionError:
            return _too_deep(path, (1, 1), limits.max_depth)
    documents, findings = result
    return LoadedFile(path, tuple(documents), tuple(findings))


def load_file(path: Path, display: str | None = None, limits: Limits = Limits()) -> LoadedFile:
    """Read, decode and parse one file; every failure becomes a finding."""
    name = display if display is not None else str(path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            message = (
                f"file is {size:,} bytes, over the {limits.max_bytes:,}-byte limit; "
                "raise --max-bytes if it is real"
            )
            return LoadedFile(
                name, (), (Finding(name, 1, 1, Level.ERROR, "file-too-large", message),)
            )
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        finding = Finding(name, 1, 1, Level.ERROR, "unreadable", f"cannot read file: {reason}")
        return LoadedFile(name, (), (finding,), unreadable=True)
    text, problem = _decode(name, data)
    if text is None:
        assert problem is not None
        return LoadedFile(name, (), (problem,), unreadable=True)
    return load_text(name, text, limits)
