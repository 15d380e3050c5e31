"""The published JSON Schemas: valid 2020-12, documented on every property, strict about
unknown keys, up to date with their generator, shipped twice with the same content, and
printed as they are by `cjo schema`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cjo_cli.spec.schema_check import KINDS
from tests.conftest import REPO, RunCjo

PACKAGE_SCHEMAS = REPO / "cjo_cli" / "schemas"
TOP_SCHEMAS = REPO / "schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# Keywords whose value is one subschema, a list of them, or a name → subschema mapping.
ONE_SCHEMA = {"additionalProperties", "items", "propertyNames", "not", "if", "then", "else"}
LIST_OF_SCHEMAS = {"oneOf", "anyOf", "allOf", "prefixItems"}
MAP_OF_SCHEMAS = {"properties", "$defs", "patternProperties"}
# Keywords with no subschema in them.
LEAF_KEYWORDS = {
    "$schema",
    "$id",
    "$ref",
    "title",
    "description",
    "type",
    "required",
    "enum",
    "const",
    "pattern",
    "minLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "default",
    "examples",
}


def load(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (PACKAGE_SCHEMAS / f"{kind}.json").read_text(encoding="utf-8")
    )
    return loaded


def walk(schema: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema, found by keyword (so a property named `items` is not taken for the
    `items` keyword). Unknown keywords fail: a new one must be taught to this walk."""
    if isinstance(schema, bool):
        return
    assert isinstance(schema, dict), path
    yield path, schema
    for keyword, value in schema.items():
        where = f"{path}/{keyword}"
        if keyword in ONE_SCHEMA:
            yield from walk(value, where)
        elif keyword in LIST_OF_SCHEMAS:
            for index, item in enumerate(value):
                yield from walk(item, f"{where}/{index}")
        elif keyword in MAP_OF_SCHEMAS:
            for name, item in value.items():
                yield from walk(item, f"{where}/{name}")
        else:
            assert keyword in LEAF_KEYWORDS or keyword.startswith("x-cjo-"), where


def resolve(root: dict[str, Any], pointer: str) -> dict[str, Any]:
    assert pointer.startswith("#/"), pointer
    target: Any = root
    for part in pointer.removeprefix("#/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    assert isinstance(target, dict), pointer
    return target


def documented(root: dict[str, Any], schema: dict[str, Any], field: str) -> str | None:
    """The schema's title or description, its own or (through `$ref`s) its target's."""
    seen: set[str] = set()
    while True:
        text = schema.get(field)
        if isinstance(text, str) and text.strip():
            return text
        pointer = schema.get("$ref")
        if pointer is None or pointer in seen:
            return None
        seen.add(pointer)
        schema = resolve(root, pointer)


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12(kind: str) -> None:
    schema = load(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT
    assert schema["$id"] == f"https://cjo.dev/schemas/{kind}.json"
    assert isinstance(schema["title"], str) and schema["title"].strip()
    assert isinstance(schema["description"], str) and schema["description"].strip()
    assert schema["type"] == "object"
    assert schema["properties"]["kind"]["const"] == kind
    assert {"kind", "id"} <= set(schema["required"])


def test_every_kind_has_a_schema_and_nothing_else_is_shipped() -> None:
    assert sorted(p.stem for p in PACKAGE_SCHEMAS.glob("*.json")) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_ref_points_at_a_def(kind: str) -> None:
    root = load(kind)
    for path, node in walk(root):
        if "$ref" in node:
            assert node["$ref"].startswith("#/$defs/"), path
            resolve(root, node["$ref"])


@pytest.mark.parametrize("kind", KINDS)
def test_every_property_has_a_title_and_description(kind: str) -> None:
    root = load(kind)
    checked = 0
    missing = []
    for path, node in walk(root):
        for name, prop in (node.get("properties") or {}).items():
            checked += 1
            for field in ("title", "description"):
                if documented(root, prop, field) is None:
                    missing.append(f"{path}/properties/{name}: no {field}")
    assert missing == []
    assert checked >= 5  # the walk did reach the properties


@pytest.mark.parametrize("kind", KINDS)
def test_every_def_has_a_title_and_description(kind: str) -> None:
    root = load(kind)
    missing = [
        f"#/$defs/{name}"
        for name, definition in root["$defs"].items()
        if not (
            documented(root, definition, "title") and documented(root, definition, "description")
        )
    ]
    assert missing == []


def test_the_walk_reaches_nested_properties() -> None:
    """Properties inside $defs, items, oneOf/anyOf branches and additionalProperties are
    checked too: the walk finds them."""
    paths = {path for kind in KINDS for path, node in walk(load(kind)) if "properties" in node}
    assert "#/$defs/condition/oneOf/0" in paths  # in a $def, in a oneOf branch
    assert "#/properties/steps/additionalProperties/oneOf/6/properties/split/items/anyOf/0" in paths
    assert "#/properties/phases/items" in paths  # in items
    assert "#/properties/stages/additionalProperties" in paths  # in additionalProperties
    assert "#/$defs/where/additionalProperties/anyOf/1" in paths  # in anyOf


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_keys_are_errors(kind: str) -> None:
    loose = [
        path
        for path, node in walk(load(kind))
        if "properties" in node and node.get("additionalProperties") is not False
    ]
    assert loose == []


@pytest.mark.parametrize("kind", KINDS)
def test_object_schemas_with_properties_say_they_are_objects(kind: str) -> None:
    untyped = [
        path
        for path, node in walk(load(kind))
        if "properties" in node and node.get("type") != "object"
    ]
    assert untyped == []


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_keys_are_rejected_by_jsonschema(kind: str) -> None:
    """`additionalProperties: false` at the top, seen by a validator: a minimal document
    with a misspelt key fails."""
    validator = Draft202012Validator(load(kind))
    errors = list(validator.iter_errors({"kind": kind, "id": "x", "nmae": "typo"}))
    assert any(e.validator == "additionalProperties" and "nmae" in e.message for e in errors)


def check_schemas(root: Path) -> subprocess.CompletedProcess[str]:
    """`scripts/build_schemas.py --check`, run in `root`."""
    return subprocess.run(
        [sys.executable, "scripts/build_schemas.py", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_committed_schemas_are_up_to_date() -> None:
    result = check_schemas(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_up_to_date_check_notices_a_stale_schema(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "build_schemas.py", tmp_path / "scripts")
    shutil.copytree(PACKAGE_SCHEMAS, tmp_path / "cjo_cli" / "schemas")
    stale = tmp_path / "cjo_cli" / "schemas" / "map.json"
    stale.write_text(stale.read_text(encoding="utf-8").replace("Emotion", "Feeling"), "utf-8")
    (tmp_path / "cjo_cli" / "schemas" / "policy.json").unlink()
    result = check_schemas(tmp_path)
    assert result.returncode == 1
    assert "map.json" in result.stdout
    assert "policy.json" in result.stdout
    assert "journey.json" not in result.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_schemas_dir_and_package_data_match(kind: str) -> None:
    top = (TOP_SCHEMAS / f"{kind}.json").read_bytes()
    shipped = (PACKAGE_SCHEMAS / f"{kind}.json").read_bytes()
    assert top == shipped


@pytest.mark.parametrize("kind", KINDS)
def test_cjo_schema_prints_the_schema(kind: str, run_cjo: RunCjo) -> None:
    result = run_cjo("schema", kind)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (PACKAGE_SCHEMAS / f"{kind}.json").read_text(encoding="utf-8")
    assert json.loads(result.stdout) == load(kind)


def test_cjo_schema_unknown_kind(run_cjo: RunCjo) -> None:
    result = run_cjo("schema", "jouney")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "unknown kind 'jouney'" in result.stderr
    assert "did you mean 'journey'" in result.stderr
    assert "Traceback" not in result.stderr


# A YAML block scalar or a quoted "\n" ends a value with a newline; in Python's `re`, which
# jsonschema uses, `$` also matches just before a final newline, unlike ECMA-262 (the regex
# dialect JSON Schema specifies, and editors use).
TRAILING_NEWLINE = [
    ("kind: touchpoint\nid: |\n  mail\nchannel: email\n", "bad-id"),
    ('kind: touchpoint\nid: "mail\\n"\nchannel: email\n', "bad-id"),
    (
        "kind: journey\nid: j\nentry: {event: e}\n"
        'steps:\n  a: {wait: "1h\\n", next: b}\n  b: {exit: true}\n',
        "bad-duration",
    ),
    (
        "kind: journey\nid: j\nentry: {event: e}\n"
        'steps:\n  a: {wait_until: "19:00\\n", next: b}\n  b: {exit: true}\n',
        "bad-time-of-day",
    ),
    (
        'kind: journey\nid: j\nentry: {event: e}\nholdout: "10%\\n"\nsteps:\n  b: {exit: true}\n',
        "bad-percent",
    ),
]


@pytest.mark.parametrize(
    ("text", "rule"),
    TRAILING_NEWLINE,
    ids=["id-block-scalar", "id-quoted", "duration", "time-of-day", "percent"],
)
def test_a_trailing_newline_does_not_pass_a_pattern(text: str, rule: str) -> None:
    from cjo_cli.spec.schema_check import check_document
    from cjo_cli.spec.yaml_loader import load_text

    loaded = load_text("t.yaml", text)
    assert loaded.findings == ()
    _, findings = check_document("t.yaml", loaded.documents[0].root)
    assert rule in {f.rule for f in findings}
