"""Characters YAML refuses are reported where they stand, and the characters YAML 1.2
reads as ordinary ones (NEL, U+2028, U+2029) are not line breaks, as they are in
YAML 1.1 and so for libyaml."""

from __future__ import annotations

from typing import Any

import pytest

from cjo_cli.spec.yaml_loader import load_text

# text, (line, column) of the finding, the character named in it
REFUSED: dict[str, tuple[str, tuple[int, int], str]] = {
    "nul_in_a_value": ("kind: touchpoint\nid: \x00\n", (2, 5), "U+0000"),
    "nul_after_wide_characters": ("a: 1\nb: 名前\x00\n", (2, 6), "U+0000"),
    "bell_in_a_comment": ("a: 1\n  # \x07\n", (2, 5), "U+0007"),
    "escape_in_a_key": ("a: 1\nb: 2\n\x1b[31m: red\n", (3, 1), "U+001B"),
    "delete_after_crlf": ("a: 1\r\nb: x\x7f\r\n", (2, 5), "U+007F"),
    "lone_cr_lines": ("a: 1\rb: 2\rc: \x01\r", (3, 4), "U+0001"),
    "c1_control": ("a: \x9b\n", (1, 4), "U+009B"),
    "noncharacter": ("a: 1\nb: \ufffe\n", (2, 4), "U+FFFE"),
    "first_of_several": ("a: \x02\n\x00\n", (1, 4), "U+0002"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_refused_character_is_reported_where_it_stands(name: str) -> None:
    text, where, shown = REFUSED[name]
    loaded = load_text("x.yaml", text)
    [finding] = loaded.findings
    assert (finding.rule, (finding.line, finding.col)) == ("yaml-syntax", where)
    assert shown in finding.message
    assert loaded.documents == ()


def test_a_bom_at_the_start_is_no_refused_character() -> None:
    loaded = load_text("x.yaml", "\ufeffa: 1\nb: \x00\n")
    assert [(f.line, f.col) for f in loaded.findings] == [(2, 4)]


# text, the roots read, where the last key stands
NOT_BREAKS: dict[str, tuple[str, list[Any], tuple[int, int]]] = {
    "line_separator_in_a_comment": ("a: 1 # x\u2028y z\nb: 2\n", [{"a": 1, "b": 2}], (2, 1)),
    "line_separator_in_a_comment_line": ("a: 1\n# x\u2028y: z\nb: 2\n", [{"a": 1, "b": 2}], (3, 1)),
    "paragraph_separator_in_a_comment": ("# \u2029c: d\na: 1\n", [{"a": 1}], (2, 1)),
    "next_line_in_a_comment": ("a: 1 # \x85b: 2\nc: 3\n", [{"a": 1, "c": 3}], (2, 1)),
    "line_separator_in_a_plain_scalar": (
        "a: b\u2028c\nd: 1\n",
        [{"a": "b\u2028c", "d": 1}],
        (2, 1),
    ),
    "next_line_in_a_plain_scalar": ("a: x\x85y\nd: 1\n", [{"a": "x\x85y", "d": 1}], (2, 1)),
    "line_separator_in_quotes": ('a: "b\u2028c"\nd: 1\n', [{"a": "b\u2028c", "d": 1}], (2, 1)),
    "in_a_key": ("k\u2028: 1\nd: 1\n", [{"k\u2028": 1, "d": 1}], (2, 1)),
    "in_a_key_and_a_flow_sequence": (
        "a: [x\u2029y, z]\nb\u2028: 1\n",
        [{"a": ["x\u2029y", "z"], "b\u2028": 1}],
        (2, 1),
    ),
    # The stand-ins must not be characters the text uses itself.
    "with_private_use_characters": (
        "a: \ue000\u2028\ue001\nb: 1\n",
        [{"a": "\ue000\u2028\ue001", "b": 1}],
        (2, 1),
    ),
    # After the pure-Python parser read a document libyaml refused.
    "in_a_document_libyaml_refuses": (
        "a: [x?, y\u2028z] # \u2028c: d\n---\nb: 1\n",
        [{"a": ["x?", "y\u2028z"]}, {"b": 1}],
        (3, 1),
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_BREAKS))
def test_yaml_1_2_non_breaks_are_ordinary_characters(name: str) -> None:
    text, roots, where = NOT_BREAKS[name]
    loaded = load_text("x.yaml", text)
    assert loaded.findings == ()
    assert [d.root for d in loaded.documents] == roots
    last = loaded.documents[-1].root
    assert last.key_pos[list(last)[-1]] == where


def test_non_breaks_in_a_syntax_error_message_are_shown_as_they_are() -> None:
    [finding] = load_text("x.yaml", "a: *x\u2028y\n").findings
    assert (finding.rule, finding.line, finding.col) == ("yaml-syntax", 1, 4)
    assert "alias 'x\\u2028y'" in finding.message  # as ruamel writes it, not its stand-in
