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
from functools import cache
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = {"title", "description", "$schema", "$id", "$defs", "default", "examples"}
_OBJECT_KEYWORDS = (
    "properties",
    "additionalProperties",
    "required",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "patternProperties",
)


@cache
def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """A JSON Schema pattern with ECMA-262 meaning in Python's `re`.

    JSON Schema patterns are ECMA-262, where `$` (without the multiline flag) is
    the end of the input; in Python, `$` also matches before a final line break,
    so `"1h\\n"` would pass `^[0-9]+[smhdw]$`. A bare `$` becomes `\\Z`.
    """
    out = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == "]":
            in_class = False
            out.append(char)
        elif char == "$" and not in_class:
            out.append("\\Z")
        else:
            out.append(char)
    return re.compile("".join(out))


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


def _always(_: Any) -> bool:
    return True


_ALWAYS: Check = _always


def _never(_: Any) -> bool:
    return False


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return _ALWAYS
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool:
        for each in checks:  # noqa: SIM110 - a plain loop is measurably faster here
            if not each(value):
                return False
        return True

    return check


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
            return _ALWAYS
        if schema is False:
            return _never
        checks: list[Check] = []
        if any(k in schema for k in _OBJECT_KEYWORDS):
            checks.append(self.object_check(schema))
        for keyword, arg in schema.items():
            if keyword in _ANNOTATIONS or keyword in _OBJECT_KEYWORDS or keyword.startswith("x-"):
                continue
            checks.append(self.keyword(keyword, arg))
        return _all_of([c for c in checks if c is not _ALWAYS])

    def object_check(self, schema: dict[str, Any]) -> Check:
        """properties, additionalProperties, required, propertyNames, min/maxProperties at once."""
        if "patternProperties" in schema:
            raise ValueError("patternProperties is not supported by the fast check")
        props = {key: self.compile(sub) for key, sub in schema.get("properties", {}).items()}
        extra_schema = schema.get("additionalProperties", True)
        extra = None if extra_schema is True else self.compile(extra_schema)
        names = self.compile(schema["propertyNames"]) if "propertyNames" in schema else None
        required = tuple(schema.get("required", ()))
        low = schema.get("minProperties", 0)
        high = schema.get("maxProperties")

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for key in required:
                if key not in value:
                    return False
            if len(value) < low or (high is not None and len(value) > high):
                return False
            for key, item in value.items():
                if names is not None and not names(key):
                    return False
                prop = props.get(key)
                if prop is not None:
                    if not prop(item):
                        return False
                elif extra is not None and not extra(item):
                    return False
            return True

        return check

    def choice(self, branches: list[Any], need_one: bool) -> Check:
        """oneOf / anyOf. A branch that demands an object with keys the value lacks
        cannot match, so it is skipped without being run: same answer, less work."""
        compiled = []
        for sub in branches:
            wants_object = isinstance(sub, dict) and sub.get("type") == "object"
            needs = tuple(sub.get("required", ())) if wants_object else ()
            compiled.append((wants_object, needs, self.compile(sub)))

        def check(value: Any) -> bool:
            is_dict = isinstance(value, dict)
            matches = 0
            for wants_object, needs, branch in compiled:
                if wants_object and not is_dict:
                    continue
                if is_dict:
                    missing = False
                    for key in needs:
                        if key not in value:
                            missing = True
                            break
                    if missing:
                        continue
                if branch(value):
                    if not need_one:
                        return True
                    matches += 1
                    if matches > 1:
                        return False
            return matches == 1

        return check

    def keyword(self, keyword: str, arg: Any) -> Check:
        if keyword == "$ref":
            return self.ref(arg)
        if keyword == "type":
            preds = [_TYPES[name] for name in ([arg] if isinstance(arg, str) else arg)]
            if len(preds) == 1:
                return preds[0]
            return lambda v: any(p(v) for p in preds)
        if keyword == "const":
            return lambda v: json_equal(v, arg)
        if keyword == "enum":
            return lambda v: any(json_equal(v, option) for option in arg)
        if keyword == "pattern":
            search = ecma_pattern(arg).search
            return lambda v: not isinstance(v, str) or search(v) is not None
        if keyword == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= arg
        # Written as "not below" / "not above", as jsonschema does: NaN passes both.
        if keyword == "minimum":
            return lambda v: not _is_number(v) or not v < arg
        if keyword == "maximum":
            return lambda v: not _is_number(v) or not v > arg
        if keyword in {"minItems", "maxItems"}:
            low = keyword == "minItems"
            return lambda v: not isinstance(v, list) or (len(v) >= arg if low else len(v) <= arg)
        if keyword == "items":
            item = self.compile(arg)

            def items(value: Any) -> bool:
                if isinstance(value, list):
                    for entry in value:
                        if not item(entry):
                            return False
                return True

            return items
        if keyword in {"oneOf", "anyOf"}:
            return self.choice(arg, need_one=keyword == "oneOf")
        raise ValueError(f"JSON Schema keyword {keyword!r} is not supported by the fast check")


def compile_schema(schema: dict[str, Any]) -> Check:
    """A function that tells whether a value is valid against `schema`."""
    return _Compiler(schema).compile(schema)
