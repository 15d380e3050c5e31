"""How cjo types YAML scalars: the YAML 1.2 core schema, and explicit core tags."""

from __future__ import annotations

import math
from typing import Any

import pytest

from cjo_cli.spec.yaml_nodes import (
    CORE_SCALAR_TAGS,
    MAP,
    SEQ,
    STR,
    TAG,
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

INT, FLOAT, BOOL, NULL = (TAG + name for name in ("int", "float", "bool", "null"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # YAML 1.1 booleans are strings in 1.2.
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        ("NO", "NO"),
        # Sexagesimal numbers and times are strings.
        ("19:00", "19:00"),
        ("1:30:00", "1:30:00"),
        ("2026-06-01", "2026-06-01"),  # no timestamps either
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        ("tRUE", "tRUE"),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("", None),
        ("nULL", "nULL"),
        ("0", 0),
        ("-0", 0),
        ("+12", 12),
        ("012", 12),  # decimal in 1.2, not octal
        ("0o17", 15),
        ("0o8", "0o8"),
        ("0O17", "0O17"),
        ("0x1F", 31),
        ("0xff", 255),
        ("0X1F", "0X1F"),
        ("0x", "0x"),
        ("0b101", "0b101"),
        ("1_000", "1_000"),
        ("1.10", 1.1),
        ("1.", 1.0),
        (".5", 0.5),
        ("-.5", -0.5),
        ("1e3", 1000.0),
        ("1E-2", 0.01),
        ("+1.5e+2", 150.0),
        ("1e", "1e"),
        (".", "."),
        ("-.", "-."),
        ("+.", "+."),
        ("1.2.3", "1.2.3"),
        ("12abc", "12abc"),
        ("word", "word"),
        ("été", "été"),
        ("ñ", "ñ"),
    ],
)
def test_resolve_plain(text: str, expected: object) -> None:
    got = resolve_plain(text)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (".inf", math.inf),
        (".Inf", math.inf),
        (".INF", math.inf),
        ("+.inf", math.inf),
        ("-.inf", -math.inf),
        ("-.Inf", -math.inf),
    ],
)
def test_resolve_plain_infinities(text: str, expected: float) -> None:
    assert resolve_plain(text) == expected


@pytest.mark.parametrize("text", [".nan", ".NaN", ".NAN"])
def test_resolve_plain_nan(text: str) -> None:
    got = resolve_plain(text)
    assert isinstance(got, float) and math.isnan(got)


@pytest.mark.parametrize("text", [".iNf", "inf", "-.nan", "nan", ".nAn", "infinity"])
def test_resolve_plain_not_special_floats(text: str) -> None:
    assert resolve_plain(text) == text


@pytest.mark.parametrize(
    ("tag", "text", "expected"),
    [
        (STR, "1", "1"),
        (STR, "true", "true"),
        (STR, "", ""),
        (INT, "3", 3),
        (INT, "0x1F", 31),
        (INT, "0o17", 15),
        (FLOAT, "3", 3.0),
        (FLOAT, "1.5", 1.5),
        (FLOAT, "1e3", 1000.0),
        (FLOAT, ".inf", math.inf),
        (BOOL, "true", True),
        (BOOL, "False", False),
        (NULL, "~", None),
        (NULL, "", None),
        (NULL, "null", None),
    ],
)
def test_typed_scalar_accepts(tag: str, text: str, expected: object) -> None:
    got = typed_scalar(tag, text)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    ("tag", "text"),
    [
        (INT, "1.5"),
        (INT, "true"),  # a bool is not an int here, though Python says so
        (INT, "abc"),
        (INT, ""),
        (INT, "1_000"),
        (INT, "-0x1F"),  # no sign on hex in the core schema
        (FLOAT, "abc"),
        (FLOAT, "true"),
        (FLOAT, "~"),
        (BOOL, "yes"),
        (BOOL, "1"),
        (BOOL, "on"),
        (NULL, "0"),
        (NULL, "none"),
        (NULL, "false"),
    ],
)
def test_typed_scalar_refuses(tag: str, text: str) -> None:
    with pytest.raises(ValueError) as caught:
        typed_scalar(tag, text)
    assert str(caught.value) == f"{text!r} is not a valid !!{tag[len(TAG) :]}"


@pytest.mark.parametrize(("tag", "text"), [(INT, "12\n"), (NULL, "\n"), (FLOAT, "1.5\n")])
def test_typed_scalar_refuses_a_trailing_newline(tag: str, text: str) -> None:
    with pytest.raises(ValueError):
        typed_scalar(tag, text)


def test_core_tags() -> None:
    assert {TAG + t for t in ("str", "int", "float", "bool", "null")} == CORE_SCALAR_TAGS
    assert (STR, MAP, SEQ) == (TAG + "str", TAG + "map", TAG + "seq")


@pytest.mark.parametrize(
    ("tag", "shown"),
    [(TAG + "int", "!!int"), (TAG + "python/object", "!!python/object"), ("!local", "!local")],
)
def test_show_tag(tag: str, shown: str) -> None:
    assert show_tag(tag) == shown


def nodes(text: str, pure: bool) -> list[Any]:
    if pure:
        return list(compose_pure(text))
    parser = Parser(text)
    found = []
    while parser.check_node():
        found.append(parser.get_node())
    return found


@pytest.mark.parametrize("pure", [False, True], ids=["c", "pure"])
def test_both_parsers_leave_plain_scalars_untyped(pure: bool) -> None:
    (root,) = nodes('a: 1\nb: "2"\nc: !!int 3\nd: [x]\n', pure)
    assert tag_of(root) == MAP
    values = {key.value: value for key, value in root.value}
    assert tag_of(values["a"]) == "?plain"
    assert tag_of(values["b"]) == STR  # quoted: a string
    assert tag_of(values["c"]) == INT
    assert tag_of(values["d"]) == SEQ
    assert position(values["a"]) == (1, 4)
    assert position(values["d"]) == (4, 4)


def test_the_pure_parser_reads_what_libyaml_refuses() -> None:
    (root,) = nodes("[合うかな?]\n", pure=True)
    assert [item.value for item in root.value] == ["合うかな?"]


@pytest.mark.parametrize(
    ("text", "bound"),
    [("", 1), ("a: 1\n", 5), ("[[{}]]\n", 10), ("x\nlonger line\n", 12)],
)
def test_nesting_bound(text: str, bound: int) -> None:
    assert nesting_bound(text) == bound


@pytest.mark.parametrize(
    ("text", "max_depth", "where"),
    [
        ("a: 1\n", 1, None),
        ("a: {b: [1]}\n", 3, None),
        ("a: {b: [1]}\n", 2, (1, 8)),
        ("a:\n  b:\n    c: 1\n", 2, (3, 5)),
        ("[[], [], []]\n", 2, None),
        ("[[[x]]]\n", 1, (1, 2)),
    ],
)
def test_deepest_event(text: str, max_depth: int, where: tuple[int, int] | None) -> None:
    assert deepest_event(text, max_depth) == where
