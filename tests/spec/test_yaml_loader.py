"""The loader: YAML 1.2 scalars, positions of everything, merge keys, multi-document files."""

from __future__ import annotations

from typing import Any

import pytest

from cjo_cli.spec.located import LMap, position_of, source_text
from cjo_cli.spec.yaml_loader import load_text


def one(text: str) -> Any:
    loaded = load_text("t.yaml", text)
    assert loaded.findings == ()
    (document,) = loaded.documents
    return document.root


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("off", "off"),
        ("19:00", "19:00"),
        ("1.10", 1.1),
        ("0o17", 15),
        ("0x1f", 31),
        ("~", None),
        ("null", None),
        ("", None),
        ("true", True),
        ("False", False),
        ("-3", -3),
        ("1e3", 1000.0),
        (".inf", float("inf")),
        ("'1.10'", "1.10"),
        ('"no"', "no"),
        ("2026-11-25", "2026-11-25"),
        ("1_000", "1_000"),
    ],
)
def test_yaml_1_2_core_scalars(text: str, value: Any) -> None:
    assert one(f"v: {text}\n")["v"] == value


def test_labels_keep_the_text_as_written() -> None:
    root = one("name: 1.10\nother: 1.1\nlist: [1.10, x]\n")
    assert source_text(root, "name") == "1.10"
    assert source_text(root, "other") == "1.1"
    assert source_text(root["list"], 0) == "1.10"
    assert source_text(root["list"], 1) == "x"


def test_positions_of_keys_values_and_items() -> None:
    root = one("a: 1\nb:\n  - x\n  - {c: 名前, d: 3}\n")
    assert isinstance(root, LMap)
    assert root.pos == (1, 1)
    assert root.key_pos["b"] == (2, 1)
    assert position_of(root, ("b", 0)) == (3, 5)
    assert position_of(root, ("b", 1, "d")) == (4, 16)  # columns count characters, not bytes
    assert position_of(root, ("b", 1, "d"), key=True) == (4, 13)
    assert position_of(root, ("b", 9, "zz")) == (3, 3)  # a missing path points at its parent


def test_multi_document_files_and_trailing_separator() -> None:
    loaded = load_text("t.yaml", "a: 1\n---\nb: 2\n---\n")
    assert [d.root for d in loaded.documents] == [{"a": 1}, {"b": 2}, None]
    assert [d.pos for d in loaded.documents][:2] == [(1, 1), (3, 1)]


def test_merge_keys_and_anchors() -> None:
    root = one("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n")
    assert root["c"] == {"x": 1, "y": 3}


def test_question_mark_in_flow_sequences_is_read() -> None:
    # libyaml refuses this valid YAML; cjo reads it again with the pure-Python parser.
    assert one("thoughts: [自分の肌に合うかな?]\n")["thoughts"] == ["自分の肌に合うかな?"]


@pytest.mark.parametrize(
    ("text", "rule", "line", "col"),
    [
        ("a: 1\na: 2\n", "duplicate-key", 2, 1),
        ("a: !!python/object:os.system {}\n", "yaml-tag", 1, 4),
        ("a: !custom 3\n", "yaml-tag", 1, 4),
        ("a: !!binary aGk=\n", "yaml-tag", 1, 4),
        ("a: !!int abc\n", "yaml-tag", 1, 4),
        ("? [a, b]\n: 1\n", "yaml-key", 1, 3),
        ("a: [1, 2\nb: 3\n", "yaml-syntax", 2, 2),
        ("a: &x [*x]\n", "yaml-alias-limit", 1, 4),
    ],
)
def test_problems_are_findings_with_a_place(text: str, rule: str, line: int, col: int) -> None:
    findings = load_text("t.yaml", text).findings
    assert [(f.rule, f.line, f.col) for f in findings] == [(rule, line, col)]


def test_explicit_core_tags_are_honoured() -> None:
    assert one("a: !!str 12\nb: !!int '7'\nc: !!float 1\n") == {"a": "12", "b": 7, "c": 1.0}
