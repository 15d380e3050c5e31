"""When libyaml refuses a document, only that document is read again by the pure-Python
parser (about twenty times slower), within a budget: the documents before it are kept as
libyaml read them, and libyaml goes on after it.

A file of many valid documents with a syntax error at the end used to be read a second
time, whole, by the pure-Python parser: 40 s for 2 MB. The tests watch what text the
pure-Python parser is given, rather than time it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cjo_cli.spec import yaml_loader
from cjo_cli.spec.yaml_loader import load_text
from cjo_cli.spec.yaml_nodes import compose_pure

TOUCHPOINT = "kind: touchpoint\nid: t{n}\nchannel: email\n---\n"
MANY = "".join(TOUCHPOINT.format(n=n) for n in range(2_000))  # 8,000 lines
BIG_MAPPING = "".join(f"k{n}: {{a: {n}, b: x}}\n" for n in range(20_000))  # 360 KB, one document


@pytest.fixture
def pure_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts handed to the pure-Python parser."""
    texts: list[str] = []

    def spy(text: str) -> Iterator[Any]:
        texts.append(text)
        return compose_pure(text)

    monkeypatch.setattr(yaml_loader, "compose_pure", spy)
    return texts


@dataclass(frozen=True)
class Case:
    text: str
    pure_reads: list[str]
    """What the pure-Python parser must be given, and nothing more."""
    documents: int
    findings: list[tuple[str, int, int]]
    """(rule, line, column) of each finding."""


CASES = {
    "many_documents_then_a_syntax_error": Case(
        MANY + "a: [unclosed\n",
        ["---\na: [unclosed\n"],
        2_000,
        [("yaml-syntax", 8_002, 1)],
    ),
    "a_refused_document_in_the_middle": Case(
        "a: 1\n---\nb: [x?]\n---\nc: 2\nc: 3\n",
        ["---\nb: [x?]\n"],
        3,
        [("duplicate-key", 6, 1)],  # found by libyaml again after the refused document
    ),
    "refused_documents_after_many": Case(
        MANY + "b: [x?]\n---\n" + MANY + "c: [y?]\n",
        ["---\nb: [x?]\n", "---\nc: [y?]\n"],
        4_002,
        [],
    ),
    "document_end_markers_around_it": Case(
        "a: 1\n...\n# note\n...\nb: [x?]\n...\n...\n---\nc: 1\n",
        ["b: [x?]\n"],
        3,
        [],
    ),
    "the_refused_document_has_the_error_too": Case(
        "a: 1\n---\nb: [x?\n---\nc: 1\n",
        ["---\nb: [x?\n"],
        1,
        [("yaml-syntax", 4, 1)],
    ),
    # A document over the budget is not read again: libyaml's error stands.
    "one_big_document_with_a_syntax_error": Case(
        BIG_MAPPING + "z: [unclosed\n",
        [],
        0,
        [("yaml-syntax", 20_002, 1)],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_only_the_refused_document_is_read_again(name: str, pure_reads: list[str]) -> None:
    case = CASES[name]
    loaded = load_text("x.yaml", case.text)
    assert pure_reads == case.pure_reads
    assert len(loaded.documents) == case.documents
    assert [(f.rule, f.line, f.col) for f in loaded.findings] == case.findings


def test_documents_after_a_refused_one_keep_their_places(pure_reads: list[str]) -> None:
    loaded = load_text("x.yaml", MANY + "b: [合うかな?]\nc: 名前\n---\nd: [1, 2]\n")
    assert pure_reads == ["---\nb: [合うかな?]\nc: 名前\n"]
    *_, refused, after = loaded.documents
    assert refused.root == {"b": ["合うかな?"], "c": "名前"}
    assert (refused.pos, refused.root.val_pos["c"]) == ((8_001, 1), (8_002, 4))
    assert (after.index, after.pos) == (2_001, (8_004, 1))
    assert after.root["d"].item_pos == [(8_004, 5), (8_004, 8)]


def test_a_refused_document_over_the_budget_gets_a_hint(pure_reads: list[str]) -> None:
    [finding] = load_text("x.yaml", BIG_MAPPING + "z: [x?]\n").findings
    assert pure_reads == []
    assert (finding.rule, finding.line, finding.col) == ("yaml-syntax", 20_001, 6)
    assert "quote the value" in finding.message


def test_the_budget_counts_documents_too(
    pure_reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_loader, "_PURE_MAX_DOCUMENTS", 2)
    loaded = load_text("x.yaml", "a: [x?]\n---\nb: [x?]\n---\nc: [x?]\n")
    assert len(pure_reads) == 2
    assert [d.root for d in loaded.documents] == [{"a": ["x?"]}, {"b": ["x?"]}]
    assert [(f.rule, f.line) for f in loaded.findings] == [("yaml-syntax", 5)]


def test_deep_nesting_after_a_refused_document_is_measured(pure_reads: list[str]) -> None:
    # libyaml is restarted after the refused document: the depth check must run again, or
    # its composer would crash the process on the deep document.
    loaded = load_text("x.yaml", "a: [x?]\n---\nb: 1\n---\n" + "[" * 10_000 + "]" * 10_000)
    assert len(pure_reads) == 1
    assert [(f.rule, f.line, f.col) for f in loaded.findings] == [("yaml-depth-limit", 5, 65)]
    assert loaded.documents == ()
