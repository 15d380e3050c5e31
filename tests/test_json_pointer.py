"""JSON Pointers to top-level keys: any key, including those JSONPath cannot name."""

from __future__ import annotations

import json

import duckdb
import pytest

from cjo_cli.json_pointer import key_pointer


@pytest.mark.parametrize(
    ("key", "pointer"),
    [
        ("cart value", "/cart value"),
        ("", "/"),
        ("a/b", "/a~1b"),
        ("~", "/~0"),
        ("~1", "/~01"),  # `~` first, so a written `~1` is not read back as `/`
        ("~/", "/~0~1"),
        ("/~", "/~1~0"),
        ("a//b", "/a~1~1b"),
        ('say "hi"', '/say "hi"'),
        ("back\\slash", "/back\\slash"),
        ("tab\there", "/tab\there"),
        ("$.x", "/$.x"),
    ],
)
def test_key_pointer(key: str, pointer: str) -> None:
    assert key_pointer(key) == pointer


KEYS = [
    "",
    " ",
    "cart value",
    "a\tb",
    "a\nb",
    "\x01",
    "\x00",
    'say "hi"',
    "'single'",
    "a/b",
    "/",
    "~",
    "~0",
    "~1",
    "back\\slash",
    "\\",
    "$.x",
    "[0]",
    "*",
    "日本語",
    "é",
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@pytest.mark.parametrize("key", KEYS, ids=[repr(k) for k in KEYS])
def test_duckdb_finds_the_key(con: duckdb.DuckDBPyConnection, key: str) -> None:
    # Every key of the list in one object, each with its own value: the pointer must pick
    # exactly this key, not a neighbour that differs by an escape.
    document = json.dumps({k: f"value {n}" for n, k in enumerate(KEYS)} | {"other": "x"})
    wanted = f"value {KEYS.index(key)}"
    got = con.execute(
        "SELECT json_extract_string(?::JSON, ?), json_extract(?::JSON, ?)::VARCHAR",
        [document, key_pointer(key), document, key_pointer(key)],
    ).fetchall()
    assert got == [(wanted, json.dumps(wanted))]


def test_a_missing_key_is_null(con: duckdb.DuckDBPyConnection) -> None:
    document = json.dumps({"a/b": 1, "a": {"b": 2}})
    got = con.execute(
        "SELECT json_extract(?::JSON, ?), json_extract(?::JSON, ?)::VARCHAR",
        [document, key_pointer("nope"), document, key_pointer("a/b")],
    ).fetchall()
    # `a/b` is the top-level key, not the path a → b.
    assert got == [(None, "1")]
