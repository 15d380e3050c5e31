"""Check documents against the JSON Schema of their kind and explain what is wrong.

Valid documents pass the compiled yes/no check alone. A document that fails
it is handed to jsonschema (imported only then), whose errors are turned into
findings with the position of the offending key or value and a message a
person can act on: unknown keys get a "did you mean", a step or condition
with the wrong shape is explained by its own branch, not by a wall of oneOf.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from cjo_cli.findings import Finding, Level
from cjo_cli.spec.fast_schema import Check, compile_schema, ecma_pattern
from cjo_cli.spec.located import LMap, LSeq, Position, position_of
from cjo_cli.spec.suggest import did_you_mean

if TYPE_CHECKING:
    from jsonschema import ValidationError

KINDS = ("phases", "touchpoint", "persona", "journey", "funnel", "map", "policy", "test")

_RULE_MESSAGES = {
    "bad-id": (
        "{value} is not a valid id (a lower-case letter, then lower-case letters, digits or _)"
    ),
    "bad-duration": (
        "{value} is not a duration (use a whole number and s, m, h, d or w: 30s, 15m, 1h, 7d, 2w)"
    ),
    "bad-time-of-day": '{value} is not a time of day (use "HH:MM", 00:00 to 23:59)',
    "bad-date": "{value} is not a day of the calendar (use YYYY-MM-DD, e.g. 2026-06-01)",
    "bad-percent": '{value} is not a percentage from 0% to 100% (use e.g. "10%")',
}
_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def schema_text(kind: str) -> str:
    """The published JSON Schema of a kind, as shipped in the package."""
    return (
        resources.files("cjo_cli").joinpath("schemas", f"{kind}.json").read_text(encoding="utf-8")
    )


@cache
def schema(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(kind))
    return loaded


@cache
def fast_check(kind: str) -> Check:
    return compile_schema(schema(kind))


@cache
def explaining_validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator, ValidationError, validators

    def pattern(validator: Any, regex: str, instance: Any, _: Any) -> Any:
        # ECMA-262 patterns, as the compiled check reads them (a final `\n` does not pass `$`).
        if validator.is_type(instance, "string") and not ecma_pattern(regex).search(instance):
            yield ValidationError(f"{instance!r} does not match {regex!r}")

    checker = validators.extend(Draft202012Validator, {"pattern": pattern})  # type: ignore[no-untyped-call]
    return checker(schema(kind))


def _shown(value: Any, container: Any = None, key: str | int | None = None) -> str:
    if value is None:
        return "empty"
    texts = getattr(container, "texts", None)
    if texts is not None and key in texts:
        return repr(texts[key])
    if isinstance(value, (LMap, dict)):
        return "a mapping"
    if isinstance(value, (LSeq, list)):
        return "a list"
    if value is None:
        return "null"
    return repr(value)


class _Explainer:
    """Turns jsonschema errors of one document into findings."""

    def __init__(self, path: str, root: Any) -> None:
        self.path = path
        self.root = root
        self.findings: list[Finding] = []

    def add(self, pos: Position | None, rule: str, message: str) -> None:
        line, col = pos if pos is not None else self.root.pos
        self.findings.append(Finding(self.path, line, col, Level.ERROR, rule, message))

    def where(self, error: ValidationError) -> tuple[tuple[str | int, ...], Any, Any]:
        path = tuple(error.absolute_path)
        parent = self.root
        for step in path[:-1]:
            parent = parent[step]
        return path, (parent if path else None), (path[-1] if path else None)

    def explain(self, errors: Iterable[ValidationError]) -> None:
        for error in errors:
            self.explain_one(error)

    def explain_one(self, error: ValidationError) -> None:
        path, parent, key = self.where(error)
        instance: Any = error.instance
        validator = str(error.validator)
        bound: Any = error.validator_value
        sub = error.schema if isinstance(error.schema, dict) else {}
        label = _describe(path)
        if self._in_property_names(error):
            rule = sub.get("x-cjo-rule", "schema")
            message = _RULE_MESSAGES.get(rule, "{value} is not allowed here").format(
                value=repr(instance)
            )
            node = self.root
            for step in path:
                node = node[step]
            pos = node.key_pos.get(instance) if isinstance(node, LMap) else None
            self.add(pos, rule, message)
            return
        pos = position_of(self.root, path)
        if validator == "additionalProperties":
            allowed = list(sub.get("properties", {}))
            for extra in sorted(set(instance) - set(allowed)):
                key_pos = instance.key_pos.get(extra) if isinstance(instance, LMap) else None
                hint = did_you_mean(extra, allowed) or f" (expected one of: {', '.join(allowed)})"
                self.add(key_pos, "unknown-key", f"unknown key {extra!r} in {label}{hint}")
        elif validator == "required":
            missing = [k for k in bound if k not in instance]
            for name in missing:
                self.add(pos, "missing-key", f"{label} is missing the required key {name!r}")
        elif validator in {"oneOf", "anyOf"}:
            self.explain_choice(error, path, pos, label)
        elif validator == "pattern" and "x-cjo-rule" in sub:
            rule = sub["x-cjo-rule"]
            self.add(
                pos,
                rule,
                f"{label}: " + _RULE_MESSAGES[rule].format(value=_shown(instance, parent, key)),
            )
        elif validator == "type":
            expected = bound
            names = [expected] if isinstance(expected, str) else list(expected)
            wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
            self.add(
                pos, "bad-type", f"{label} must be {wanted}, not {_shown(instance, parent, key)}"
            )
        elif validator in {"enum", "const"}:
            options = bound if validator == "enum" else [bound]
            shown = ", ".join(str(o).lower() if isinstance(o, bool) else str(o) for o in options)
            hint = (
                did_you_mean(instance, [str(o) for o in options])
                if isinstance(instance, str)
                else ""
            )
            self.add(
                pos,
                "bad-value",
                f"{label} is {_shown(instance, parent, key)}, expected {shown}{hint}",
            )
        else:
            self.add(pos, "bad-value", f"{label}: {_plain_message(error, parent, key)}")

    @staticmethod
    def _in_property_names(error: ValidationError) -> bool:
        return "propertyNames" in error.schema_path and isinstance(error.instance, str)

    def explain_choice(
        self, error: ValidationError, path: tuple[str | int, ...], pos: Position | None, label: str
    ) -> None:
        branches: Any = error.validator_value
        instance: Any = error.instance
        own_schema: Any = error.schema
        if own_schema.get("type") == "object" and not isinstance(instance, dict):
            return  # the schema's own `type` error says it better
        keys = [b.get("x-cjo-key") for b in branches]
        if isinstance(instance, dict) and all(keys):
            present = [k for k in keys if k in instance]
            if len(present) == 1:
                index = keys.index(present[0])
                own = [e for e in error.context or () if e.relative_schema_path[0] == index]
                self.explain(own)
                return
            if not present:
                allowed = {k for b in branches for k in b.get("properties", {})}
                unknown = [k for k in instance if k not in allowed]
                for extra in unknown:
                    key_pos = instance.key_pos.get(extra) if isinstance(instance, LMap) else None
                    hint = did_you_mean(extra, allowed)
                    self.add(key_pos, "unknown-key", f"unknown key {extra!r} in {label}{hint}")
                if not unknown:
                    self.add(pos, "missing-key", f"{label} needs one of: {', '.join(keys)}")
                return
            self.add(pos, "bad-value", f"{label} has {', '.join(present)}; give only one of them")
            return
        # No discriminating key: explain the branch that fits the value's type.
        context = list(error.context or ())
        fitting = [e for e in context if e.validator != "type"]
        chosen = fitting if fitting else context
        if chosen and fitting:
            first = min(e.relative_schema_path[0] for e in chosen)
            self.explain(e for e in chosen if e.relative_schema_path[0] == first)
            return
        wanted = sorted(
            {_TYPE_NAMES.get(str(t), str(t)) for e in context for t in _as_list(_bound(e))}
        )
        self.add(pos, "bad-type", f"{label} must be {' or '.join(wanted) or 'something else'}")


def _bound(error: ValidationError) -> Any:
    return error.validator_value


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _describe(path: tuple[str | int, ...]) -> str:
    if not path:
        return "the document"
    parts: list[str] = []
    for step in path:
        parts.append(f"[{step}]" if isinstance(step, int) else (("." if parts else "") + step))
    return "'" + "".join(parts) + "'"


def _plain_message(error: ValidationError, parent: Any, key: Any) -> str:
    value = _shown(error.instance, parent, key)
    bound: Any = error.validator_value
    messages = {
        "minimum": f"{value} is less than the minimum {bound}",
        "maximum": f"{value} is more than the maximum {bound}",
        "minItems": f"needs at least {bound} item(s)",
        "maxItems": f"allows at most {bound} item(s)",
        "minProperties": f"needs at least {bound} entr{'y' if bound == 1 else 'ies'}",
        "maxProperties": f"allows at most {bound} entr{'y' if bound == 1 else 'ies'}",
        "minLength": "must not be empty",
    }
    return messages.get(str(error.validator), str(error.message))


def check_document(path: str, root: Any) -> tuple[str | None, list[Finding]]:
    """The kind of a document and the findings of its schema check.

    The kind is None when the document has no usable `kind`; then the findings
    say why and no schema is applied.
    """
    if not isinstance(root, LMap):
        pos = getattr(root, "pos", (1, 1))
        found = "a list" if isinstance(root, LSeq) else _shown(root)
        message = f"a document must be a mapping with kind and id, not {found}"
        return None, [Finding(path, pos[0], pos[1], Level.ERROR, "bad-type", message)]
    kind = root.get("kind")
    if kind not in KINDS:
        if "kind" not in root:
            line, col = root.pos
            message = f"document has no 'kind' (one of: {', '.join(KINDS)})"
            return None, [Finding(path, line, col, Level.ERROR, "missing-key", message)]
        line, col = root.val_pos["kind"]
        hint = did_you_mean(str(kind), KINDS)
        message = f"unknown kind {_shown(kind, root, 'kind')} (one of: {', '.join(KINDS)}){hint}"
        return None, [Finding(path, line, col, Level.ERROR, "unknown-kind", message)]
    if fast_check(kind)(root):
        return kind, []
    explainer = _Explainer(path, root)
    explainer.explain(explaining_validator(kind).iter_errors(root))
    return kind, _dedupe(explainer.findings)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[Finding] = set()
    unique = []
    for finding in findings:
        if finding not in seen:
            seen.add(finding)
            unique.append(finding)
    return unique
