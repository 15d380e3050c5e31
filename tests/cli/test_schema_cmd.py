"""`cjo schema KIND`: the published JSON Schema (draft 2020-12) of each document kind,
exactly as shipped; an unknown kind is a usage error (exit 2) with the known kinds."""

from __future__ import annotations

import json
import sys

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from cjo_cli.cli import app as app_module
from cjo_cli.cli.schema_cmd import schema
from cjo_cli.errors import UsageError
from cjo_cli.spec.schema_check import KINDS, schema_text

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# One small valid document of each kind, and a change that makes it invalid.
VALID = {
    "phases": {"kind": "phases", "id": "life", "phases": [{"id": "a"}, {"id": "b"}]},
    "touchpoint": {"kind": "touchpoint", "id": "mail", "channel": "email"},
    "persona": {"kind": "persona", "id": "lisa"},
    "journey": {
        "kind": "journey",
        "id": "welcome",
        "entry": {"event": "signup"},
        "steps": {"done": {"exit": True}},
    },
    "funnel": {
        "kind": "funnel",
        "id": "buy",
        "steps": [{"event": "view"}, {"event": "purchase"}],
    },
    "map": {
        "kind": "map",
        "id": "lisa_map",
        "persona": "lisa",
        "phases": "life",
        "stages": {"a": {"actions": ["browse"]}},
    },
    "policy": {"kind": "policy", "id": "default"},
    "test": {
        "kind": "test",
        "id": "t",
        "journey": "welcome",
        "events": [{"at": "2026-06-01T10:00:00Z", "event": "signup"}],
        "expect": {"entered": True},
    },
}


def test_kinds() -> None:
    assert KINDS == (
        "phases",
        "touchpoint",
        "persona",
        "journey",
        "funnel",
        "map",
        "policy",
        "test",
    )
    assert sorted(VALID) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_schema_prints_the_shipped_schema(kind: str) -> None:
    result = CliRunner().invoke(app_module.app, ["schema", kind])
    assert result.exit_code == 0, result.output
    assert result.stdout == schema_text(kind)
    document = json.loads(result.stdout)
    assert document["$schema"] == DRAFT_2020_12
    assert document["$id"].endswith(f"/schemas/{kind}.json")
    assert document["properties"]["kind"]["const"] == kind
    Draft202012Validator.check_schema(document)


@pytest.mark.parametrize("kind", KINDS)
def test_the_schema_accepts_a_valid_document_and_refuses_a_wrong_kind(kind: str) -> None:
    validator = Draft202012Validator(json.loads(schema_text(kind)))
    assert list(validator.iter_errors(VALID[kind])) == []
    other = "persona" if kind != "persona" else "journey"
    assert list(validator.iter_errors({**VALID[kind], "kind": other}))
    assert list(validator.iter_errors({**VALID[kind], "id": "Not An Id"}))


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            "journy",
            "unknown kind 'journy'; one of: phases, touchpoint, persona, journey, funnel, map, "
            "policy, test; did you mean 'journey'?",
        ),
        (
            "phase",
            "unknown kind 'phase'; one of: phases, touchpoint, persona, journey, funnel, map, "
            "policy, test; did you mean 'phases'?",
        ),
        (
            "xyz",
            "unknown kind 'xyz'; one of: phases, touchpoint, persona, journey, funnel, map, "
            "policy, test",
        ),
        (
            "Journey",
            "unknown kind 'Journey'; one of: phases, touchpoint, persona, journey, funnel, map, "
            "policy, test; did you mean 'journey'?",
        ),
    ],
)
def test_an_unknown_kind_is_a_usage_error(kind: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        schema(kind)
    assert str(caught.value) == message


def test_an_unknown_kind_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["cjo", "schema", "funel"])
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    with pytest.raises(SystemExit) as caught:
        app_module.main()
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "cjo: error: unknown kind 'funel'; one of: phases, touchpoint, persona, journey, funnel, "
        "map, policy, test; did you mean 'funnel'?\n"
    )


def test_a_missing_kind_exits_2() -> None:
    result = CliRunner().invoke(app_module.app, ["schema"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "missing argument 'kind'" in result.output.lower()
