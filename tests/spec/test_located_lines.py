"""Positions in the text, counted as both YAML parsers count them: CRLF, CR and LF are
line breaks; NEL, U+2028 and U+2029 are not (YAML 1.2)."""

from __future__ import annotations

import pytest

from cjo_cli.spec.located import (
    failing_document,
    line_breaks,
    line_col,
    next_line,
    skip_document_ends,
)


@pytest.mark.parametrize(
    ("text", "breaks"),
    [("", 0), ("a", 0), ("a\nb\n", 2), ("a\r\nb\r\n", 2), ("a\rb\r", 2), ("a\u2028b\x85c", 0)],
)
def test_line_breaks(text: str, breaks: int) -> None:
    assert line_breaks(text) == breaks


@pytest.mark.parametrize(
    ("text", "index", "where"),
    [("abc", 2, (1, 3)), ("a\nbc", 3, (2, 2)), ("a\r\nbc", 4, (2, 2)), ("a\rb", 2, (2, 1))],
)
def test_line_col(text: str, index: int, where: tuple[int, int]) -> None:
    assert line_col(text, index) == where


def test_next_line() -> None:
    assert next_line("ab\ncd", 0) == 3
    assert next_line("ab\r\ncd", 1) == 4
    assert next_line("abcd", 1) == 4


TEXT = "a: 1\n...\n# c\n...\n---\nb: [x?\nc: 2\n---\nd: 3\n"


def test_failing_document() -> None:
    # after `a: 1`, the `...` lines still belong to it; the document ends at the next marker
    assert failing_document(TEXT, 5, TEXT.index("?")) == (17, TEXT.index("---\nd"))
    # an error found at the next marker ends the document there
    marker = TEXT.index("---\nd")
    assert failing_document(TEXT, 17, marker) == (17, marker)
    # the document's own opening marker is not its end
    assert failing_document("---\n[x?]\n", 0, 0) == (0, 9)


def test_skip_document_ends() -> None:
    assert skip_document_ends("...\n...\nb: 1\n", 0) == 8
    assert skip_document_ends("---\nb: 1\n", 0) == 0
