"""The compiled yes/no schema check agrees with jsonschema, on the sample's documents
and on random mutations of them (hypothesis)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli.spec.fast_schema import compile_schema, json_equal
from cjo_cli.spec.schema_check import KINDS
from cjo_cli.spec.yaml_loader import load_file
from tests.conftest import REPO, examples
from tests.spec.schema_helpers import assert_agree, at, checks, paths_in


def _plain(value: Any) -> Any:
    """Located values → plain JSON values (what jsonschema and the check both see)."""
    return json.loads(json.dumps(value))


@cache
def sample_documents() -> dict[str, list[Any]]:
    docs: dict[str, list[Any]] = {kind: [] for kind in KINDS}
    paths = sorted((REPO / "journeys").rglob("*.yaml"))
    paths += sorted((REPO / "tests" / "cases" / "valid").glob("*.yaml"))
    for path in paths:
        for doc in load_file(Path(path)).documents:
            if isinstance(doc.root, dict) and doc.root.get("kind") in docs:
                docs[doc.root["kind"]].append(_plain(doc.root))
    return docs


@pytest.mark.parametrize("kind", KINDS)
def test_every_sample_document_is_valid_for_both(kind: str) -> None:
    documents = sample_documents()[kind]
    assert documents, f"the sample has no {kind} document"
    fast, slow = checks(kind)
    for document in documents:
        assert fast(document) and slow.is_valid(document)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 200)
    | st.floats(-1e3, 1e3, allow_nan=False)
    | st.sampled_from(
        [
            "",
            "1h",
            "7d",
            "0s",
            "25:00",
            "19:00",
            "10%",
            "Abc",
            "email",
            "x y",
            "ordered",
            "never",
            "wait",
            "first_touch",
            "true",
        ]
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["event", "next", "wait", "op", "value", "if", "else", "weight", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    document = copy.deepcopy(draw(st.sampled_from(sample_documents()[kind])))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths_in(document)))
        if not path:
            continue
        parent = at(document, path[:-1])
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["nxt", "name", "where", "timeout", "seed"]))] = draw(
                json_values
            )
        else:
            parent.append(draw(json_values))
    return kind, document


@settings(max_examples=examples(200), deadline=None)
@given(mutated())
def test_the_compiled_check_agrees_with_jsonschema(case: tuple[str, Any]) -> None:
    assert_agree(*case)


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (True, 1, False),
        (1, 1.0, True),
        (0, False, False),
        ([1, {"a": True}], [1.0, {"a": True}], True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ("1", 1, False),
        (None, None, True),
    ],
)
def test_json_equality(a: Any, b: Any, equal: bool) -> None:
    assert json_equal(a, b) is equal


@pytest.mark.parametrize("keyword", ["patternProperties", "if", "allOf", "format"])
def test_unknown_keywords_are_refused(keyword: str) -> None:
    with pytest.raises(ValueError, match=keyword):
        compile_schema({"type": "object", keyword: {}})
