"""The text before the parsers: the first character YAML refuses, and the stand-ins for
the characters YAML 1.2 does not break lines at."""

from __future__ import annotations

from cjo_cli.spec.yaml_nodes import Parser, first_unprintable, hide_non_breaks, restore_scalars


def test_first_unprintable() -> None:
    assert first_unprintable("a: 1\nb: 2\n") is None
    assert first_unprintable("a: 1\nb: \t\x85\u2028\U0001f600\n") is None
    assert first_unprintable("ab\n\x00") == ((2, 1), "\x00")


def test_hide_non_breaks_swaps_one_for_one_and_back() -> None:
    text = "a\x85b\u2028c\u2029d\ue000"
    hidden, restore = hide_non_breaks(text)
    assert len(hidden) == len(text)
    assert not set("\x85\u2028\u2029") & set(hidden)
    assert hidden.count("\ue000") == 1  # the text's own private-use character is not a stand-in
    assert hidden.translate(restore) == text
    assert hide_non_breaks("plain") == ("plain", {})


def test_restore_scalars_once_per_node_however_often_aliased() -> None:
    hidden, restore = hide_non_breaks("a: &x [p\u2028q]\nb: [*x, *x]\n")
    parser = Parser(hidden)
    node = parser.get_single_node()
    parser.dispose()
    restore_scalars(node, restore)
    (_, a), (_, b) = node.value
    assert a.value[0].value == "p\u2028q"
    assert b.value[0] is b.value[1] is a
