"""The loader: YAML 1.2 scalars, positions of everything, merge keys, multi-document files,
and every YAML problem as a finding with a place (never an exception)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from cjo_cli.spec.located import LMap, LSeq, position_of, source_text
from cjo_cli.spec.yaml_loader import Limits, LoadedFile, load_file, load_text


def load(text: str, limits: Limits = Limits()) -> LoadedFile:
    return load_text("t.yaml", text, limits)


def one(text: str) -> Any:
    """The root of a one-document text that must load without findings."""
    loaded = load(text)
    assert loaded.findings == ()
    (document,) = loaded.documents
    return document.root


def problems(loaded: LoadedFile) -> list[tuple[str, int, int]]:
    return [(f.rule, f.line, f.col) for f in loaded.findings]


# ---------------------------------------------------------------------------------------------
# YAML 1.2 core schema for plain scalars


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # YAML 1.1 booleans are plain words in YAML 1.2
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        ("No", "No"),
        ("YES", "YES"),
        ("On", "On"),
        # sexagesimal numbers and timestamps are YAML 1.1 only
        ("19:00", "19:00"),
        ("12:30:00", "12:30:00"),
        ("2026-11-25", "2026-11-25"),
        # the core schema's booleans
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        # null, in every spelling, and an empty value
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("", None),
        # integers: decimal (a leading zero is not octal), 0o octal, 0x hexadecimal
        ("0", 0),
        ("-3", -3),
        ("+12", 12),
        ("012", 12),
        ("0o17", 15),
        ("0x1f", 31),
        ("0x1F", 31),
        # what YAML 1.1 read as numbers and YAML 1.2's core schema does not
        ("0b101", "0b101"),
        ("1_000", "1_000"),
        ("0O17", "0O17"),
        ("0X1F", "0X1F"),
        ("+0x1f", "+0x1f"),
        ("0o8", "0o8"),
        # floats
        ("1.10", 1.1),
        ("1.", 1.0),
        (".5", 0.5),
        ("-2.5", -2.5),
        ("1e3", 1000.0),
        ("1E+3", 1000.0),
        ("6.02e-23", 6.02e-23),
        (".inf", math.inf),
        (".Inf", math.inf),
        ("+.inf", math.inf),
        ("-.INF", -math.inf),
        # quoted scalars are always strings
        ("'1.10'", "1.10"),
        ('"no"', "no"),
        ("'19:00'", "19:00"),
        ("'~'", "~"),
        ('""', ""),
        ("'true'", "true"),
    ],
)
def test_yaml_1_2_core_scalars(text: str, value: Any) -> None:
    loaded = one(f"v: {text}\n")["v"]
    assert loaded == value
    assert type(loaded) is type(value)


@pytest.mark.parametrize("text", [".nan", ".NaN", ".NAN"])
def test_not_a_number(text: str) -> None:
    value = one(f"v: {text}\n")["v"]
    assert isinstance(value, float)
    assert math.isnan(value)


@pytest.mark.parametrize(("text", "value"), [("no", "no"), ("19:00", "19:00"), ("0o17", 15)])
def test_scalars_in_sequences_follow_the_same_rules(text: str, value: Any) -> None:
    assert one(f"- {text}\n- [{text}]\n") == [value, [value]]


def test_labels_keep_the_text_as_written() -> None:
    root = one("name: 1.10\nother: 1.1\nhex: 0x1f\nnothing: ~\nword: no\nlist: [1.10, x, 0o17]\n")
    assert isinstance(root, LMap)
    assert root["name"] == 1.1
    assert root.texts["name"] == "1.10"
    assert source_text(root, "name") == "1.10"
    assert source_text(root, "other") == "1.1"
    assert source_text(root, "hex") == "0x1f"
    assert source_text(root, "nothing") == "~"
    # strings need no copy of their text
    assert "word" not in root.texts
    assert source_text(root, "word") == "no"
    items = root["list"]
    assert isinstance(items, LSeq)
    assert items.texts == {0: "1.10", 2: "0o17"}
    assert [source_text(items, i) for i in range(3)] == ["1.10", "x", "0o17"]


def test_a_duplicate_key_does_not_keep_the_earlier_text() -> None:
    loaded = load("v: 1.10\nv: abc\n")
    root = loaded.documents[0].root
    assert root["v"] == "abc"
    assert root.texts == {}
    assert source_text(root, "v") == "abc"


# ---------------------------------------------------------------------------------------------
# Explicit tags


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("!!str 12", "12"),
        ("!!str no", "no"),
        ("!!str ~", "~"),
        ('!!int "7"', 7),
        ("!!int '0x1f'", 31),
        ("!!float 1", 1.0),
        ("!!float '2.5'", 2.5),
        ("!!bool true", True),
        ("!!null ''", None),
        ("!<tag:yaml.org,2002:str> 12", "12"),
    ],
)
def test_core_tags_are_honoured(text: str, value: Any) -> None:
    loaded = one(f"v: {text}\n")["v"]
    assert loaded == value
    assert type(loaded) is type(value)


def test_core_collection_tags_are_honoured() -> None:
    assert one("a: !!map {x: 1}\nb: !!seq [1]\n") == {"a": {"x": 1}, "b": [1]}


@pytest.mark.xfail(
    reason="BUG: the non-specific tag `!` must make a scalar a string (YAML 1.2 §6.9.1); "
    "libyaml and ruamel mark it plain-implicit, so `! 12` loads as the integer 12",
    strict=True,
)
def test_the_non_specific_tag_makes_a_string() -> None:
    assert one("v: ! 12\n")["v"] == "12"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("v: !!python/object:os.system {}\n", "!!python/object:os.system"),
        ("v: !!python/object/apply:os.system ['echo hi']\n", "!!python/object/apply:os.system"),
        ("v: !!python/name:os.system ''\n", "!!python/name:os.system"),
        ("v: !custom 3\n", "!custom"),
        ("v: !!binary aGk=\n", "!!binary"),
        ("v: !!set {x}\n", "!!set"),
        ("v: !!timestamp 2001-12-14\n", "!!timestamp"),
        ("v: !!omap [a: 1]\n", "!!omap"),
        ("v: !<tag:example.com,2000:thing> x\n", "tag:example.com,2000:thing"),
        # `!!` redefined by a %TAG directive is not the core schema any more
        ("%TAG !! tag:example.com,2000:\n---\nv: !!str x\n", "tag:example.com,2000:str"),
    ],
)
def test_other_tags_are_refused(text: str, shown: str) -> None:
    loaded = load(text)
    [finding] = loaded.findings
    assert finding.rule == "yaml-tag"
    assert shown in finding.message
    assert (finding.line, finding.col) == (text.count("\n"), 4)
    # the tagged value is left out, not turned into something else
    assert loaded.documents[-1].root == {}


@pytest.mark.parametrize(
    "text",
    ["!!python/name:os.system x: 1\n", "!custom k: 1\n", "? !!binary aGk=\n: 1\n"],
    ids=["python", "custom", "binary"],
)
def test_tags_on_keys_are_refused_too(text: str) -> None:
    assert [f.rule for f in load(text).findings] == ["yaml-tag"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("!!int abc", "'abc' is not a valid !!int"),
        ("!!int 1.5", "'1.5' is not a valid !!int"),
        ("!!int true", "'true' is not a valid !!int"),
        ("!!float abc", "'abc' is not a valid !!float"),
        ("!!bool yes", "'yes' is not a valid !!bool"),
        ("!!null x", "'x' is not a valid !!null"),
    ],
)
def test_core_tags_on_the_wrong_text_are_findings(text: str, message: str) -> None:
    loaded = load(f"a: 1\nv: {text}\n")
    assert [(f.rule, f.line, f.col, f.message) for f in loaded.findings] == [
        ("yaml-tag", 2, 4, message)
    ]
    assert loaded.documents[0].root == {"a": 1}


def test_a_refused_sequence_item_is_left_out_with_positions_kept_in_step() -> None:
    loaded = load("- !custom 1\n- two\n- !!python/object:x {}\n- four\n")
    assert [f.rule for f in loaded.findings] == ["yaml-tag", "yaml-tag"]
    root = loaded.documents[0].root
    assert root == ["two", "four"]
    assert root.item_pos == [(2, 3), (4, 3)]


# ---------------------------------------------------------------------------------------------
# Positions: 1-based line and column of every key, value and item


def test_positions_of_keys_values_and_items() -> None:
    root = one("a: 1\nb:\n  - x\n  - {c: 名前, d: 3}\n")
    assert isinstance(root, LMap)
    assert root.pos == (1, 1)
    assert root.key_pos == {"a": (1, 1), "b": (2, 1)}
    assert root.val_pos["a"] == (1, 4)
    assert root.val_pos["b"] == (3, 3)
    assert root["b"].pos == (3, 3)
    assert root["b"].item_pos == [(3, 5), (4, 5)]
    assert position_of(root, ("b", 0)) == (3, 5)
    assert position_of(root, ("b", 1, "d")) == (4, 16)  # columns count characters, not bytes
    assert position_of(root, ("b", 1, "d"), key=True) == (4, 13)
    assert position_of(root, ("b", 9, "zz")) == (3, 3)  # a missing path points at its parent


def test_positions_in_block_sequences_of_mappings() -> None:
    root = one("steps:\n  - event: view\n    name: 閲覧\n  - event: buy\n")
    steps = root["steps"]
    assert steps.item_pos == [(2, 5), (4, 5)]
    assert steps[0].key_pos == {"event": (2, 5), "name": (3, 5)}
    assert steps[0].val_pos == {"event": (2, 12), "name": (3, 11)}
    assert steps[1].val_pos["event"] == (4, 12)


def test_positions_in_flow_sequences() -> None:
    root = one("tags: [a, bb, 'c c', 4]\n")
    assert root["tags"].item_pos == [(1, 8), (1, 11), (1, 15), (1, 22)]


@pytest.mark.parametrize(
    ("prefix", "width"),
    [
        ("名前", 2),
        ("カゴ落ちリマインド", 9),
        ("😀", 1),  # outside the BMP: still one character
        ("é", 1),
    ],
)
def test_columns_count_characters_after_non_ascii_text(prefix: str, width: int) -> None:
    # `x: 名前, y: 1` on one line: the column of `y` and of `1` count characters.
    root = one(f"{{x: {prefix}, y: 1}}\n")
    assert root.key_pos["y"] == (1, 7 + width)
    assert root.val_pos["y"] == (1, 10 + width)
    root = one(f"{prefix}: 1\n")
    assert root.val_pos[prefix] == (1, width + 3)
    root = one(f"- [{prefix}, 2]\n")
    assert root[0].item_pos == [(1, 4), (1, 6 + width)]


def test_positions_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffa: 1\nb: [x, 名前]\nc: {d: 2}\n".encode())
    loaded = load_file(path)
    assert loaded.findings == ()
    root = loaded.documents[0].root
    assert root == {"a": 1, "b": ["x", "名前"], "c": {"d": 2}}
    assert root.pos == (1, 1)
    assert root.key_pos == {"a": (1, 1), "b": (2, 1), "c": (3, 1)}
    assert root.val_pos["a"] == (1, 4)
    assert root["b"].item_pos == [(2, 5), (2, 8)]
    assert root["c"].val_pos["d"] == (3, 8)
    # the same, already decoded, with the BOM still in the text
    assert load_text("t.yaml", "\ufeffa: 1\n").documents[0].root.val_pos["a"] == (1, 4)


def test_positions_with_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes(b"a: 1\r\nb:\r\n  - x\r\n  - \xe5\x90\x8d: \xe5\x80\xa4\r\nc: 3\r\n")
    loaded = load_file(path)
    assert loaded.findings == ()
    root = loaded.documents[0].root
    assert root.key_pos == {"a": (1, 1), "b": (2, 1), "c": (5, 1)}
    assert root["b"].item_pos == [(3, 5), (4, 5)]
    assert root["b"][1].val_pos["名"] == (4, 8)
    assert root["c"] == 3  # no stray "\r" in values


def test_positions_with_bom_and_crlf_together(tmp_path: Path) -> None:
    path = tmp_path / "both.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\r\nb: x\r\n")
    root = load_file(path).documents[0].root
    assert root == {"a": 1, "b": "x"}
    assert root.val_pos == {"a": (1, 4), "b": (2, 4)}


def test_positions_after_text_the_c_parser_refuses() -> None:
    # libyaml refuses `?` inside a flow sequence; the pure-Python parser reads it,
    # with the same positions.
    root = one("thoughts: [自分の肌に合うかな?, x]\nnext: 名前\n")
    assert root["thoughts"] == ["自分の肌に合うかな?", "x"]
    assert root["thoughts"].item_pos == [(1, 12), (1, 24)]
    assert root.val_pos["next"] == (2, 7)


# ---------------------------------------------------------------------------------------------
# Documents, anchors, merges


def test_multi_document_files_and_trailing_separator() -> None:
    loaded = load("a: 1\n---\nb: 2\n---\n")
    assert loaded.findings == ()
    assert [d.root for d in loaded.documents] == [{"a": 1}, {"b": 2}, None]
    assert [d.index for d in loaded.documents] == [0, 1, 2]
    assert [d.pos for d in loaded.documents][:2] == [(1, 1), (3, 1)]
    assert loaded.documents[1].root.key_pos["b"] == (3, 1)


@pytest.mark.parametrize(
    ("text", "roots"),
    [
        ("---\na: 1\n", [{"a": 1}]),
        ("a: 1\n...\n---\nb: 2\n", [{"a": 1}, {"b": 2}]),
        ("---\n---\n", [None, None]),
        ("", []),
        ("# only a comment\n", []),
        ("\n\n", []),
    ],
)
def test_document_boundaries(text: str, roots: list[Any]) -> None:
    loaded = load(text)
    assert loaded.findings == ()
    assert [d.root for d in loaded.documents] == roots


def test_findings_name_the_line_in_a_later_document() -> None:
    loaded = load("a: 1\n---\nb: 2\nb: 3\n")
    assert problems(loaded) == [("duplicate-key", 4, 1)]


def test_anchors_and_aliases() -> None:
    root = one("- &x b\n- *x\n- &m {k: 1}\n- *m\n")
    assert root == ["b", "b", {"k": 1}, {"k": 1}]


def test_merge_keys_target_wins() -> None:
    root = one("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n")
    assert root["c"] == {"x": 1, "y": 3}
    assert "<<" not in root["c"]
    # merged keys point at where they were written
    assert root["c"].key_pos == {"y": (4, 3), "x": (1, 11)}


def test_merge_keys_target_wins_even_when_written_after_the_merge() -> None:
    root = one("base: &b {x: 1, y: 2}\nc:\n  y: 3\n  <<: *b\n")
    assert root["c"] == {"x": 1, "y": 3}


def test_merge_of_a_list_earlier_sources_win() -> None:
    root = one("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n")
    assert root["c"] == {"x": 1, "y": 2, "z": 3}


def test_merge_keeps_the_source_text() -> None:
    root = one("base: &b {v: 1.10}\nc:\n  <<: *b\n")
    assert source_text(root["c"], "v") == "1.10"


def test_merge_of_a_non_mapping_is_a_finding() -> None:
    loaded = load("a: &a [1]\nc:\n  <<: *a\n  d: 1\n")
    assert [f.rule for f in loaded.findings] == ["yaml-key"]
    assert "merges mappings only" in loaded.findings[0].message
    assert loaded.documents[0].root["c"] == {"d": 1}


def test_a_quoted_merge_key_is_an_ordinary_key() -> None:
    assert one("'<<': 1\n") == {"<<": 1}


# ---------------------------------------------------------------------------------------------
# Duplicate keys


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", [(2, 1, "a", 1)]),
        ("x: 0\na: 1\nb: 2\na: 3\n", [(4, 1, "a", 2)]),
        ("a: 1\na: 2\na: 3\n", [(2, 1, "a", 1), (3, 1, "a", 2)]),
        ("b:\n  c: 1\n  d: 2\n  c: 3\n", [(4, 3, "c", 2)]),
        ("{a: 1, a: 2}\n", [(1, 8, "a", 1)]),
        ("- {k: 1}\n- k: 1\n  k: 2\n", [(3, 3, "k", 2)]),
        ("名前: 1\n名前: 2\n", [(2, 1, "名前", 1)]),
    ],
)
def test_duplicate_keys_are_findings_at_the_second_key(
    text: str, expected: list[tuple[int, int, str, int]]
) -> None:
    loaded = load(text)
    assert [(f.rule, f.line, f.col, f.message) for f in loaded.findings] == [
        ("duplicate-key", line, col, f"duplicate key {key!r} (first at line {first})")
        for line, col, key, first in expected
    ]


def test_the_last_duplicate_value_is_kept() -> None:
    loaded = load("a: 1\na: 2\n")
    assert loaded.documents[0].root == {"a": 2}
    assert loaded.documents[0].root.val_pos["a"] == (2, 4)


# ---------------------------------------------------------------------------------------------
# Keys that are not scalars


@pytest.mark.parametrize(
    ("text", "line", "col"),
    [
        ("? [a, b]\n: 1\n", 1, 3),
        ("? {a: 1}\n: 2\n", 1, 3),
        ("[a, b]: 1\n", 1, 1),
        ("{[a]: 1}\n", 1, 2),
        ("x: 1\n? {a: 1}\n: 2\n", 2, 3),
    ],
)
def test_collections_as_keys_are_findings(text: str, line: int, col: int) -> None:
    loaded = load(text)
    assert problems(loaded) == [("yaml-key", line, col)]
    assert "keys must be plain scalars" in loaded.findings[0].message


# ---------------------------------------------------------------------------------------------
# Syntax errors


@pytest.mark.parametrize(
    ("text", "line", "col"),
    [
        ("a: [1, 2\nb: 3\n", 2, 2),
        ("a: b: c\n", 1, 5),
        ("a:\n\tb: 1\n", 2, 1),
        ("a: 'x\n", 2, 1),
        ("a: *nope\n", 1, 4),
        ("名前: 値 x: 2\n", 1, 8),
        ("a: 1\n b: 2\n", 2, 3),
        ("a: 1\n---\nb: [\n", 4, 1),
        ("- a\nb: 1\n", 2, 1),
    ],
)
def test_syntax_errors_are_findings_with_a_place(text: str, line: int, col: int) -> None:
    loaded = load(text)
    assert problems(loaded) == [("yaml-syntax", line, col)]
    assert loaded.findings[0].message.startswith("YAML syntax: ")


def test_documents_before_a_syntax_error_are_kept() -> None:
    loaded = load("a: 1\n---\nb: [\n")
    assert [d.root for d in loaded.documents] == [{"a": 1}]


def test_syntax_error_positions_with_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\r\nb: \xe5\x90\x8d\xe5\x89\x8d x: 2\r\n")
    assert problems(load_file(path)) == [("yaml-syntax", 2, 8)]


# ---------------------------------------------------------------------------------------------
# Aliases and limits


@pytest.mark.parametrize(
    ("text", "line", "col"),
    [
        ("a: &x [*x]\n", 1, 4),
        ("a: &x {b: *x}\n", 1, 4),
        ("a: &x\n  <<: *x\n", 1, 4),  # the node that contains itself, at its anchor
        ("- &x [1, [2, *x]]\n", 1, 3),
    ],
)
def test_recursive_aliases_are_refused(text: str, line: int, col: int) -> None:
    loaded = load(text)
    assert problems(loaded) == [("yaml-alias-limit", line, col)]
    assert "recursive alias" in loaded.findings[0].message
    assert loaded.documents == ()


def test_alias_expansion_is_capped_by_the_node_budget() -> None:
    text = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    assert load(text).findings == ()  # 1 + 5 + 20 + 85 nodes
    capped = load(text, Limits(max_nodes=50))
    assert [f.rule for f in capped.findings] == ["yaml-alias-limit"]
    assert capped.documents == ()


def test_depth_is_capped() -> None:
    text = "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 10)) + "  " * 10 + "leaf: 1\n"
    assert load(text).findings == ()
    [finding] = load(text, Limits(max_depth=5)).findings
    assert finding.rule == "yaml-depth-limit"
    assert (finding.line, finding.col) == (6, 11)  # the mapping at depth 6


def test_a_file_over_the_byte_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 100, encoding="utf-8")
    loaded = load_file(path, "big.yaml", Limits(max_bytes=100))
    assert [(f.path, f.rule, f.line, f.col) for f in loaded.findings] == [
        ("big.yaml", "file-too-large", 1, 1)
    ]


def test_a_file_that_is_not_utf8_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nname: caf\xe9\n")
    loaded = load_file(path, "latin1.yaml")
    assert loaded.unreadable
    assert problems(loaded) == [("encoding", 2, 10)]
