"""For the tests of the compiled schema check: the two checks of a kind (compiled and
jsonschema's), their agreement on a document, and paths into plain JSON documents (the
random mutations' places)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from cjo_cli.spec.fast_schema import Check, compile_schema
from cjo_cli.spec.schema_check import explaining_validator, schema


@cache
def checks(kind: str) -> tuple[Check, Draft202012Validator]:
    # cjo's jsonschema validator: draft 2020-12 with ECMA-262 patterns (see ecma_pattern).
    return compile_schema(schema(kind)), explaining_validator(kind)


def assert_agree(kind: str, document: Any) -> None:
    """The compiled check says what jsonschema says about the document."""
    fast, slow = checks(kind)
    expected = slow.is_valid(document)
    assert fast(document) is expected, json.dumps(document, ensure_ascii=False, default=repr)


def paths_in(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path below `value` (the root's own path, `()`, included)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths_in(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths_in(item, (*prefix, index))
    return found


def at(document: Any, path: tuple[Any, ...]) -> Any:
    """The value at `path` in `document`."""
    for step in path:
        document = document[step]
    return document
