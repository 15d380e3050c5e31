"""A yes/no JSON Schema check compiled to closures, for the keywords cjo's schemas use.

jsonschema reports errors well but costs about 1.7 ms per journey; most files
in CI are valid, so cjo asks this compiled check first and calls jsonschema
only for the documents that fail, to explain why. The test suite checks under
hypothesis that both agree on validity. A keyword this module does not know
raises at compile time, so a schema change cannot silently weaken the check.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = {"title", "description", "$schema", "$id", "$defs", "default", "examples"}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value) and value.is_integer()


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema means it: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and bool(a == b)


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, list[Check]] = {}

    def ref(self, pointer: str) -> Check:
        if pointer not in self.refs:
            cell: list[Check] = []
            self.refs[pointer] = cell
            target: Any = self.root
            for part in pointer.removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            cell.append(self.compile(target))
        cell = self.refs[pointer]
        return lambda value: cell[0](value)

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda _: True
        if schema is False:
            return lambda _: False
        checks: list[Check] = []
        for keyword, arg in schema.items():
            if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                continue
            checks.append(self.keyword(keyword, arg, schema))
        checks = [c for c in checks if c is not _ALWAYS]
        if not checks:
            return _ALWAYS
        if len(checks) == 1:
            return checks[0]
        return lambda value: all(check(value) for check in checks)

    def keyword(self, keyword: str, arg: Any, schema: dict[str, Any]) -> Check:
        if keyword == "$ref":
            return self.ref(arg)
        if keyword == "type":
            names = [arg] if isinstance(arg, str) else list(arg)
            preds = [_TYPES[name] for name in names]
            return lambda v: any(p(v) for p in preds)
        if keyword == "const":
            return lambda v: json_equal(v, arg)
        if keyword == "enum":
            return lambda v: any(json_equal(v, option) for option in arg)
        if keyword == "pattern":
            search = re.compile(arg).search
            return lambda v: not isinstance(v, str) or search(v) is not None
        if keyword == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= arg
        if keyword == "minimum":
            return lambda v: not _is_number(v) or v >= arg
        if keyword == "maximum":
            return lambda v: not _is_number(v) or v <= arg
        if keyword in {"minItems", "maxItems"}:
            low = keyword == "minItems"
            return lambda v: not isinstance(v, list) or (len(v) >= arg if low else len(v) <= arg)
        if keyword in {"minProperties", "maxProperties"}:
            low = keyword == "minProperties"
            return lambda v: not isinstance(v, dict) or (len(v) >= arg if low else len(v) <= arg)
        if keyword == "required":
            return lambda v: not isinstance(v, dict) or all(key in v for key in arg)
        if keyword == "items":
            item = self.compile(arg)
            return lambda v: not isinstance(v, list) or all(item(x) for x in v)
        if keyword == "propertyNames":
            name = self.compile(arg)
            return lambda v: not isinstance(v, dict) or all(name(k) for k in v)
        if keyword == "properties":
            props = {key: self.compile(sub) for key, sub in arg.items()}
            return lambda v: (
                not isinstance(v, dict) or all(props[k](x) for k, x in v.items() if k in props)
            )
        if keyword == "additionalProperties":
            known = set(schema.get("properties", {}))
            if "patternProperties" in schema:
                raise ValueError("patternProperties is not supported by the fast check")
            extra = self.compile(arg)
            return lambda v: (
                not isinstance(v, dict) or all(extra(x) for k, x in v.items() if k not in known)
            )
        if keyword in {"oneOf", "anyOf"}:
            branches = [self.compile(sub) for sub in arg]
            if keyword == "anyOf":
                return lambda v: any(b(v) for b in branches)
            return lambda v: sum(1 for b in branches if b(v)) == 1
        raise ValueError(f"JSON Schema keyword {keyword!r} is not supported by the fast check")


def _always(_: Any) -> bool:
    return True


_ALWAYS: Check = _always


def compile_schema(schema: dict[str, Any]) -> Check:
    """A function that tells whether a value is valid against `schema`."""
    return _Compiler(schema).compile(schema)
