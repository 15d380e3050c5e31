"""The published JSON Schemas: valid 2020-12, documented on every property, strict about
unknown keys, up to date with their generator, and printed by `cjo schema`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cjo_cli.spec.schema_check import KINDS, schema
from tests.conftest import REPO, RunCjo


def subschemas(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from subschemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from subschemas(value, f"{path}/{index}")


def resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return {**target, **node}
    return node


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12(kind: str) -> None:
    loaded = schema(kind)
    Draft202012Validator.check_schema(loaded)
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert loaded["title"] and loaded["description"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_property_has_a_title_and_description(kind: str) -> None:
    root = schema(kind)
    missing = []
    for path, node in subschemas(root):
        for name, prop in (node.get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            full = resolve(root, prop)
            if not (full.get("title") and full.get("description")):
                missing.append(f"{path}/properties/{name}")
    assert missing == []


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_keys_are_errors(kind: str) -> None:
    loose = [
        path
        for path, node in subschemas(schema(kind))
        if "properties" in node and node.get("additionalProperties") is not False
    ]
    assert loose == []


def test_committed_schemas_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/build_schemas.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_schemas_dir_and_package_data_match(kind: str) -> None:
    top = (REPO / "schemas" / f"{kind}.json").read_text(encoding="utf-8")
    shipped = (REPO / "cjo_cli" / "schemas" / f"{kind}.json").read_text(encoding="utf-8")
    assert top == shipped


def test_cjo_schema_prints_the_schema(run_cjo: RunCjo) -> None:
    result = run_cjo("schema", "journey")
    assert result.returncode == 0
    assert json.loads(result.stdout) == schema("journey")


def test_cjo_schema_unknown_kind(run_cjo: RunCjo) -> None:
    result = run_cjo("schema", "jouney")
    assert result.returncode == 2
    assert "did you mean 'journey'" in result.stderr
