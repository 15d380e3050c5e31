"""LMap and LSeq: a dict and a list that remember where each value was written."""

from __future__ import annotations

from typing import Any

import pytest

from cjo_cli.spec.located import LMap, LSeq, position_of, source_text
from cjo_cli.spec.yaml_loader import load_text

TEXT = """\
kind: journey
steps:
  wait: {wait: 1h, next: push}
  push:
    send: mail
labels: [1.10, no, ~, 1.10x]
version: 1.10
flag: yes
off: false
"""


@pytest.fixture(scope="module")
def root() -> Any:
    (document,) = load_text("j.yaml", TEXT).documents
    return document.root


def test_containers_are_plain_dicts_and_lists(root: Any) -> None:
    assert isinstance(root, dict) and isinstance(root, LMap)
    assert isinstance(root["labels"], list) and isinstance(root["labels"], LSeq)
    assert root == {
        "kind": "journey",
        "steps": {"wait": {"wait": "1h", "next": "push"}, "push": {"send": "mail"}},
        "labels": [1.1, "no", None, "1.10x"],
        "version": 1.1,
        "flag": "yes",
        "off": False,
    }


def test_positions(root: Any) -> None:
    assert root.pos == (1, 1)
    assert root.key_pos["steps"] == (2, 1)
    assert root.val_pos["steps"] == (3, 3)
    assert root["steps"]["wait"].pos == (3, 9)
    assert root["steps"]["wait"].val_pos["next"] == (3, 26)
    assert root["labels"].pos == (6, 9)
    assert root["labels"].item_pos == [(6, 10), (6, 16), (6, 20), (6, 23)]


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        ((), False, (1, 1)),
        (("kind",), False, (1, 7)),
        (("kind",), True, (1, 1)),
        (("steps", "wait", "next"), False, (3, 26)),
        (("steps", "wait", "next"), True, (3, 20)),
        (("steps", "push", "send"), False, (5, 11)),
        (("labels", 1), False, (6, 16)),
        (("labels", 1), True, (6, 16)),  # items have no key: their own position
        # A path into a missing value points at the deepest part that exists.
        (("steps", "wait", "timeout"), False, (3, 9)),
        (("steps", "nope", "next"), False, (3, 3)),
        (("steps", "wait", "next", "deeper"), False, (3, 26)),
        (("labels", 9), False, (6, 9)),
        (("labels", -1), False, (6, 9)),  # not counted from the end
        (("labels", "0"), False, (6, 9)),  # a key is not an index
        (("kind", 0), False, (1, 7)),
        (("missing",), True, (1, 1)),
    ],
)
def test_position_of(root: Any, path: tuple[str | int, ...], key: bool, expected: Any) -> None:
    assert position_of(root, path, key=key) == expected


def test_position_of_a_plain_value() -> None:
    assert position_of({"a": 1}, ("a",)) is None
    assert position_of("text", ()) is None


@pytest.mark.parametrize(
    ("where", "key", "expected"),
    [
        ((), "version", "1.10"),
        ((), "flag", "yes"),  # a string: as it is
        ((), "off", "false"),
        ((), "kind", "journey"),
        (("labels",), 0, "1.10"),
        (("labels",), 1, "no"),
        (("labels",), 2, "~"),
        (("labels",), 3, "1.10x"),
    ],
)
def test_source_text(root: Any, where: tuple[str, ...], key: str | int, expected: str) -> None:
    container = root
    for step in where:
        container = container[step]
    assert source_text(container, key) == expected


def test_source_text_of_plain_containers() -> None:
    assert source_text({"n": 1.10, "s": "x"}, "n") == "1.1"
    assert source_text({"n": 1.10, "s": "x"}, "s") == "x"
    assert source_text([None, True], 1) == "True"


def test_built_by_hand() -> None:
    lmap = LMap((2, 3))
    lmap["a"] = 1
    lmap.key_pos["a"], lmap.val_pos["a"] = (2, 3), (2, 6)
    lseq = LSeq((4, 1))
    lseq.append("x")
    lseq.item_pos.append((4, 3))
    lmap["b"] = lseq
    lmap.key_pos["b"], lmap.val_pos["b"] = (3, 3), (4, 1)
    assert lmap == {"a": 1, "b": ["x"]}
    assert position_of(lmap, ("b", 0)) == (4, 3)
    assert position_of(lmap, ("b",), key=True) == (3, 3)
    assert (lmap.texts, lseq.texts) == ({}, {})
    with pytest.raises(AttributeError):
        lmap.other = 1  # type: ignore[attr-defined]
