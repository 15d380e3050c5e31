"""The compiled yes/no check (`compile_schema`) says "valid" exactly when jsonschema does.

Hypothesis mutates valid example documents of every kind (written here after the examples
of SPEC.md) and asks both; `json_equal` is checked against the equality JSON Schema means.
"""

from __future__ import annotations

import copy
import json
import math
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from cjo_cli.spec.fast_schema import compile_schema, json_equal
from cjo_cli.spec.schema_check import KINDS
from tests.conftest import REPO
from tests.spec.schema_helpers import assert_agree, at, checks, paths_in

# ---------------------------------------------------------------------------------------------
# Valid examples, after SPEC.md


EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "phases": [
        {
            "kind": "phases",
            "id": "lifecycle",
            "name": "ライフサイクル",
            "phases": [
                {"id": "awareness", "name": "認知"},
                {"id": "acquisition", "name": "獲得"},
                {"id": "onboarding", "name": "オンボーディング"},
                {"id": "engagement", "name": "エンゲージメント", "description": "使い続ける"},
                {"id": "retention", "name": "維持"},
                {"id": "advocacy", "name": "推奨"},
            ],
            "loop_to": "engagement",
        },
        {"kind": "phases", "id": "short", "phases": [{"id": "only"}]},
    ],
    "touchpoint": [
        {
            "kind": "touchpoint",
            "id": "cart_push",
            "name": "カゴ落ち Web プッシュ",
            "channel": "web_push",
            "phase": "acquisition",
            "events": {"delivered": "push_delivered", "clicked": "push_click"},
        },
        {"kind": "touchpoint", "id": "cart_email", "channel": "email", "description": 1.1},
    ],
    "persona": [
        {
            "kind": "persona",
            "id": "lisa",
            "name": "リサ (28, skincare enthusiast)",
            "profile": {
                "age": 28,
                "occupation": "会社員",
                "goals": ["肌をきれいに", 2],
                "pains": ["情報が多すぎる"],
                "benefits_sought": ["低刺激"],
                "preferred_channels": ["email", "app_push"],
                "quote": "自分の肌に合うかな?",
            },
            "segment": {
                "all": [
                    {
                        "event": "product_view",
                        "where": {"category": "skincare", "price": {"gte": 1000}},
                        "count": {"min": 3},
                        "within": "30d",
                    },
                    {"not": {"event": "purchase", "within": "90d"}},
                ]
            },
        },
        {
            "kind": "persona",
            "id": "bargain_hunter",
            "segment": {
                "any": [
                    {"attribute": "newsletter", "op": "eq", "value": True},
                    {"attribute": "age", "op": "between", "value": [20, 35]},
                    {"property": "coupon", "op": "exists", "value": True},
                    {"event": "coupon_used", "count": {"min": 2, "max": 10}},
                ]
            },
        },
    ],
    "journey": [
        {
            "kind": "journey",
            "id": "cart_abandonment",
            "name": "カゴ落ちリマインド",
            "persona": "lisa",
            "phase": "acquisition",
            "entry": {"event": "cart_abandoned"},
            "re_entry": {"after": "7d"},
            "goal": {"event": "purchase", "within": "7d"},
            "exit_on": [{"event": "unsubscribe"}],
            "limits": {
                "per_customer": {"max": 3, "per": "1d"},
                "quiet_hours": {"from": "22:00", "to": "08:00", "tz": "Asia/Tokyo"},
            },
            "holdout": "10%",
            "start": "wait_1h",
            "steps": {
                "wait_1h": {"wait": "1h", "next": "push"},
                "push": {"send": "cart_push", "next": "wait_open"},
                "wait_open": {
                    "wait_for": {"event": "push_click"},
                    "timeout": "1d",
                    "next": "done",
                    "on_timeout": "email",
                },
                "email": {"send": "cart_email", "next": "wait_evening"},
                "wait_evening": {"wait_until": "19:00", "tz": "Asia/Tokyo", "next": "split_value"},
                "split_value": {
                    "split": [
                        {
                            "if": {"property": "cart_value", "op": "gte", "value": 10000},
                            "next": "ad",
                        },
                        {"else": "done"},
                    ]
                },
                "ad": {"send": "retarget_ad", "next": "done"},
                "done": {"exit": True},
            },
        },
        {
            "kind": "journey",
            "id": "welcome",
            "entry": {
                "event": "signup",
                "where": {"source": "web", "age": {"gte": 18}},
                "if": {"attribute": "newsletter", "op": "eq", "value": True},
            },
            "re_entry": "never",
            "holdout": 5,
            "steps": {
                "test": {
                    "ab": {
                        "seed": "v1",
                        "variants": {
                            "a": {"weight": 50, "next": "mail"},
                            "b": {"weight": 50.0, "next": "bye"},
                        },
                    },
                    "name": "A/B",
                },
                "mail": {"send": "welcome_mail", "next": "bye", "description": "ようこそ"},
                "bye": {"exit": True},
            },
        },
        {
            "kind": "journey",
            "id": "small",
            "entry": {"event": "e", "where": {"k": {"gt": 0}, "j": {"in": [1, 2]}}},
            "steps": {
                "s": {
                    "ab": {
                        "variants": {
                            "a": {"weight": 50, "next": "t"},
                            "b": {"weight": 50, "next": "t"},
                        }
                    }
                },
                "t": {"exit": True},
            },
        },
    ],
    "funnel": [
        {
            "kind": "funnel",
            "id": "purchase_funnel",
            "name": "購入ファネル",
            "steps": [
                {"event": "product_view", "name": "商品閲覧"},
                {"event": "add_to_cart"},
                {"event": "checkout_start"},
                {"event": "purchase", "where": {"amount": {"gt": 0}}},
            ],
            "window": "7d",
            "order": "ordered",
            "exclude": [{"event": "refund", "between": [1, 4]}],
            "breakdown": {"property": "channel", "attribution": "first_touch"},
        },
        {
            "kind": "funnel",
            "id": "signup",
            "persona": "lisa",
            "phase": "acquisition",
            "steps": [{"event": "visit"}, {"event": "signup"}],
            "order": "strict",
            "breakdown": {"variant": "welcome"},
            "kpi": {"name": "登録率", "target": "5%"},
        },
        {
            "kind": "funnel",
            "id": "by_persona",
            "steps": [{"event": "a"}, {"event": "b"}],
            "order": "unordered",
            "breakdown": {"persona": True},
        },
    ],
    "map": [
        {
            "kind": "map",
            "id": "lisa_map",
            "name": "リサのカスタマージャーニーマップ",
            "persona": "lisa",
            "phases": "lifecycle",
            "theme": {"product": "スキンケア", "goal": "定期購入", "start": "SNS で新商品を知る"},
            "stages": {
                "awareness": {
                    "actions": ["Instagram で新作を見る", "口コミを検索"],
                    "touchpoints": ["instagram_ad", "review_site"],
                    "thoughts": ["自分の肌に合うかな?"],
                    "emotion": {"score": 1, "note": "期待"},
                    "info_needs": ["成分", "価格"],
                    "pain_points": ["情報が多すぎる"],
                    "measures": ["肌タイプ診断コンテンツ"],
                    "kpis": [{"funnel": "product_discovery", "name": "発見率"}],
                    "journeys": ["first_purchase_incentive"],
                },
                "acquisition": {"emotion": {"score": -2}},
            },
        },
        {"kind": "map", "id": "empty_map", "persona": "p", "phases": "l", "stages": {}},
    ],
    "policy": [
        {
            "kind": "policy",
            "id": "default",
            "frequency_caps": [
                {"channel": "any", "max": 3, "per": "1d"},
                {"channel": "email", "max": 1, "per": "1d"},
            ],
            "quiet_hours": {"from": "22:00", "to": "08:00", "tz": "Asia/Tokyo"},
            "priority": ["cart_abandonment", "loyalty_signup_abandonment"],
        },
        {"kind": "policy", "id": "none"},
    ],
    "test": [
        {
            "kind": "test",
            "id": "cart_push",
            "journey": "cart_abandonment",
            "journeys": "all",
            "customer": {"tier": "gold"},
            "group": "holdout",
            "variant": "a",
            "until": "+7d",
            "events": [
                {"at": "2026-06-01T10:00:00Z", "event": "cart", "properties": {"v": 1}},
                {"at": "+1h30m", "event": "push_click"},
            ],
            "expect": {
                "entered": True,
                "path": ["wait_1h", "push"],
                "sends": ["cart_push", {"touchpoint": "mail", "at": "2026-06-01T11:00:00Z"}],
                "capped": [],
                "deferred": [],
                "not_sent": [],
                "converted": False,
                "exit": "exit_step",
            },
        },
        {
            "kind": "test",
            "id": "t",
            "journey": "j",
            "events": [{"at": "x", "event": "e"}],
            "expect": {"exit": "goal"},
        },
    ],
}


@cache
def schema_of(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (REPO / "cjo_cli" / "schemas" / f"{kind}.json").read_text(encoding="utf-8")
    )
    return loaded


def test_every_kind_has_examples() -> None:
    assert set(EXAMPLES) == set(KINDS)


@pytest.mark.parametrize(
    ("kind", "index"), [(kind, i) for kind in KINDS for i in range(len(EXAMPLES[kind]))]
)
def test_the_examples_are_valid_for_both(kind: str, index: int) -> None:
    fast, slow = checks(kind)
    document = EXAMPLES[kind][index]
    assert list(slow.iter_errors(document)) == []
    assert fast(document) is True


# ---------------------------------------------------------------------------------------------
# Mutations


TRICKY_STRINGS = [
    "",
    "1h",
    "7d",
    "0s",
    "1hour",
    "1.5h",
    "-1h",
    "1h\n",
    "25:00",
    "19:00",
    "9:00",
    "23:59",
    "24:00",
    "10%",
    "0%",
    "100%",
    "101%",
    "10.5%",
    "%",
    "10",
    "Abc",
    "abc",
    "a-b",
    "_a",
    "a1_",
    "名前",
    "email",
    "any",
    "never",
    "always",
    "ordered",
    "first_touch",
    "gte",
    "between",
    "true",
]


def _property_names(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        found |= set(schema.get("properties", {}))
        for value in schema.values():
            found |= _property_names(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _property_names(value)
    return found


# Every key some schema knows (`wait`, `send`, `gte`...): added where they do not belong they
# make the oneOf branches and the operator objects ambiguous.
KNOWN_KEYS = sorted(set().union(*(_property_names(schema_of(kind)) for kind in KINDS)))
UNKNOWN_KEYS = ["nxt", "colour", "x", "Abc", "", "名前", "$ref", "1"]

TRICKY_NUMBERS = [0, 1, -1, 2, 3, -2, -3, 50, 100, 101, 150, 151, 0.5, 1.0, 2.0, 99.5, 100.5]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from(TRICKY_NUMBERS)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0.0, -0.0, 1e300, -1e-300])
    | st.text(max_size=6)
    | st.sampled_from(TRICKY_STRINGS)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(KNOWN_KEYS) | st.sampled_from(UNKNOWN_KEYS), inner, max_size=3
        )
    ),
    max_leaves=6,
)


def _pairs(value: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((key, item))
            found += _pairs(item)
    elif isinstance(value, list):
        for item in value:
            found += _pairs(item)
    return found


# Every key with its value, from the examples of each kind: grafted into other mappings they
# make plausible documents (a `send` next to a `wait`, a second operator in a `where`...).
GRAFTS = {
    kind: sorted({json.dumps(pair, ensure_ascii=False) for d in docs for pair in _pairs(d)})
    for kind, docs in EXAMPLES.items()
}


def _bounds(schema: Any) -> set[float]:
    found: set[float] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in {"minimum", "maximum"}:
                found.add(value)
            found |= _bounds(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _bounds(value)
    return found


@cache
def edge_numbers(kind: str) -> list[float]:
    """Numbers on and just beside every minimum and maximum of the kind's schema."""
    found: dict[str, float] = {}
    for bound in _bounds(schema_of(kind)):
        for delta in (-1, -0.5, 0, 0.5, 1):
            edge = bound + delta
            variants = [edge, float(edge), int(edge)] if float(edge).is_integer() else [edge]
            found.update((repr(v), v) for v in variants)  # 2 and 2.0 are both kept
    return [found[key] for key in sorted(found)]


ACTIONS = ["delete", "add", "graft", "replace", "string", "edit", "number", "copy"]
EDIT_CHARACTERS = "0123456789smhdwyAZaz_:%.- \n名"


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> Any:
    """A valid example with one to three mutations, anywhere in it."""
    document = copy.deepcopy(draw(st.sampled_from(EXAMPLES[kind])))
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        paths = paths_in(document)
        action = draw(st.sampled_from(ACTIONS))
        if action in {"add", "graft"}:
            containers = [p for p in paths if isinstance(at(document, p), (dict, list))]
            target = at(document, draw(st.sampled_from(containers)))
            if action == "graft":
                key, value = json.loads(draw(st.sampled_from(GRAFTS[kind])))
            else:
                key = draw(st.sampled_from(KNOWN_KEYS) | st.sampled_from(UNKNOWN_KEYS))
                value = draw(json_values)
            if isinstance(target, dict):
                target[key] = value
            elif target and action == "graft":  # a second copy of an item
                target.append(copy.deepcopy(draw(st.sampled_from(target))))
            else:
                target.insert(draw(st.integers(0, len(target))), value)
            continue
        if action in {"string", "edit", "number"}:
            wanted = (int, float, bool) if action == "number" else str
            leaves = [p for p in paths if p and isinstance(at(document, p), wanted)]
            if not leaves:
                continue
            path = draw(st.sampled_from(leaves))
            parent, key = at(document, path[:-1]), path[-1]
            if action == "string":
                parent[key] = draw(st.sampled_from(TRICKY_STRINGS))
            elif action == "number":
                pool = [*edge_numbers(kind), *TRICKY_NUMBERS, True, False]
                parent[key] = draw(st.sampled_from(pool))
            else:  # one character inserted, replaced or removed: near misses of patterns
                text: str = parent[key]
                where = draw(st.integers(0, len(text)))
                char = draw(st.sampled_from(EDIT_CHARACTERS)) * draw(st.integers(0, 1))
                parent[key] = text[:where] + char + text[where + draw(st.integers(0, 1)) :]
            continue
        if len(paths) == 1:
            continue  # an empty document: nothing to delete or replace
        path = draw(st.sampled_from(paths[1:]))
        parent = at(document, path[:-1])
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(json_values)
        else:  # put a copy of another part of the document here (keeps shapes plausible)
            source = draw(st.sampled_from(paths))
            parent[path[-1]] = copy.deepcopy(at(document, source))
    return document


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_compiled_check_agrees_with_jsonschema(kind: str, data: st.DataObject) -> None:
    assert_agree(kind, data.draw(mutated(kind)))


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=100, deadline=None)
@given(document=json_values)
def test_agreement_on_arbitrary_values(kind: str, document: Any) -> None:
    assert_agree(kind, document)


# Hand-picked shapes around the oneOf branches, the bounds and the custom patterns, with the
# answer both must give.
STEP = {"wait": "1h", "next": "done"}


def journey_with(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLES["journey"][1])
    document.update(changes)
    return document


def stage(**changes: Any) -> dict[str, Any]:
    return {**EXAMPLES["map"][1], "stages": {"awareness": changes}}


def profile(**changes: Any) -> dict[str, Any]:
    return {**EXAMPLES["persona"][1], "profile": changes}


def ab(variants: dict[str, Any]) -> dict[str, Any]:
    return journey_with(steps={"s": {"ab": {"variants": variants}}})


HAND_PICKED: list[tuple[str, dict[str, Any], bool]] = [
    ("journey", journey_with(steps={"s": {"wait": "1h", "send": "x", "next": "done"}}), False),
    ("journey", journey_with(steps={"s": {"next": "done"}}), False),
    ("journey", journey_with(steps={"s": {"exit": True}}), True),
    ("journey", journey_with(steps={"s": {"exit": 1}}), False),  # 1 is not true
    ("journey", journey_with(steps={"s": {"exit": 1.0}}), False),
    ("journey", journey_with(steps={"s": {"exit": False}}), False),
    ("journey", journey_with(steps={"s": {"wait": "1y", "next": "a"}}), False),
    ("journey", journey_with(steps={"s": {"wait": "1H", "next": "a"}}), False),
    ("journey", journey_with(steps={"s": {"wait": 60, "next": "a"}}), False),
    ("journey", journey_with(steps={"s": {"wait_until": "24:00", "next": "a"}}), False),
    ("journey", journey_with(steps={"s": {"wait_until": "9:00", "next": "a"}}), False),
    ("journey", journey_with(steps={"s": {"wait_until": "23:59", "next": "a"}}), True),
    (
        "journey",
        journey_with(steps={"s": {"split": [{"if": {"event": "x"}, "next": "a"}, {"else": "b"}]}}),
        True,
    ),
    ("journey", journey_with(steps={"s": {"split": [{"if": {}, "next": "a"}]}}), False),
    (
        "journey",
        journey_with(steps={"s": {"split": [{"else": "a", "if": {"event": "x"}, "next": "a"}]}}),
        False,
    ),
    ("journey", journey_with(steps={"s": {"split": []}}), False),
    ("journey", ab({"a": {"weight": 100, "next": "x"}}), False),  # fewer than 2 variants
    ("journey", ab({"a": {"weight": 50, "next": "x"}, "b": {"next": "x"}}), False),
    ("journey", ab({"a": {"weight": 100.5, "next": "x"}, "b": {"weight": 0, "next": "x"}}), False),
    ("journey", ab({"a": {"weight": 99.5, "next": "x"}, "b": {"weight": 0.5, "next": "x"}}), True),
    ("journey", ab({"A": {"weight": 50, "next": "x"}, "b": {"weight": 50, "next": "x"}}), False),
    ("journey", journey_with(steps={"Bad": STEP}), False),
    ("journey", journey_with(steps={}), False),
    ("journey", journey_with(holdout="10%"), True),
    ("journey", journey_with(holdout="10.5%"), True),
    ("journey", journey_with(holdout="10"), False),
    ("journey", journey_with(holdout=100), True),
    ("journey", journey_with(holdout=100.5), False),
    ("journey", journey_with(holdout=-1), False),
    ("journey", journey_with(holdout=True), False),
    ("journey", journey_with(holdout=None), False),
    ("journey", journey_with(re_entry="sometimes"), False),
    ("journey", journey_with(re_entry={"after": "1h", "x": 1}), False),
    ("journey", journey_with(entry={"event": ""}), False),
    ("journey", journey_with(entry={"event": "x", "where": {"k": {"gte": 1}}}), True),
    ("journey", journey_with(entry={"event": "x", "where": {"k": {"gte": 1, "lte": 2}}}), False),
    ("journey", journey_with(entry={"event": "x", "where": {"k": {}}}), False),
    ("journey", journey_with(entry={"event": "x", "where": {"k": {"like": 1}}}), False),
    ("journey", journey_with(entry={"event": "x", "where": {"k": [1, 2]}}), False),
    ("journey", journey_with(entry={"event": "x", "where": {"k": {"in": [1, 2]}}}), True),
    ("journey", journey_with(entry={"event": "x", "if": {"all": [{"not": {"any": []}}]}}), True),
    ("journey", journey_with(entry={"event": "x", "if": {"all": [], "any": []}}), False),
    ("journey", journey_with(entry={"event": "x", "if": {"event": "y", "count": {}}}), False),
    (
        "journey",
        journey_with(entry={"event": "x", "if": {"event": "y", "count": {"min": 1.0}}}),
        True,
    ),
    (
        "journey",
        journey_with(entry={"event": "x", "if": {"event": "y", "count": {"min": 1.5}}}),
        False,
    ),
    ("journey", journey_with(entry={"event": "x", "if": {"attribute": "a", "op": "like"}}), False),
    (
        "journey",
        journey_with(limits={"quiet_hours": {"from": "24:00", "to": "08:00", "tz": "UTC"}}),
        False,
    ),
    ("journey", journey_with(limits={"per_customer": {"max": 1e300, "per": "1d"}}), True),
    ("map", stage(emotion={"score": 2}), True),
    ("map", stage(emotion={"score": 3}), False),
    ("map", stage(emotion={"score": -2.0}), True),
    ("map", stage(emotion={"score": -2.5}), False),
    ("map", stage(emotion={"score": True}), False),
    ("map", stage(emotion={"note": "x"}), False),
    ("map", stage(kpis=[{"name": "x"}]), False),
    ("persona", profile(age=0), True),
    ("persona", profile(age=-1), False),
    ("persona", profile(age=150), True),
    ("persona", profile(age=150.5), False),
    ("persona", profile(age=28.0), True),
    ("persona", profile(age=28.5), False),
    ("persona", profile(preferred_channels=["fax"]), False),
    ("persona", profile(goals=[None]), False),
    (
        "policy",
        {"kind": "policy", "id": "p", "frequency_caps": [{"channel": "any", "max": 1}]},
        False,
    ),
    ("funnel", {"kind": "funnel", "id": "f", "steps": [{"event": "a"}]}, False),
    ("funnel", {**EXAMPLES["funnel"][2], "breakdown": {"persona": True, "variant": "v"}}, False),
    ("funnel", {**EXAMPLES["funnel"][2], "breakdown": {}}, False),
    ("funnel", {**EXAMPLES["funnel"][2], "exclude": [{"event": "x", "between": [1, 2, 3]}]}, False),
    ("funnel", {**EXAMPLES["funnel"][2], "exclude": [{"event": "x", "between": [0, 2]}]}, False),
    ("touchpoint", {"kind": "touchpoint", "id": "t", "channel": "email", "events": {}}, True),
    ("touchpoint", {"kind": "journey", "id": "t", "channel": "email"}, False),
    ("phases", {"kind": "phases", "id": "p", "phases": []}, False),
]


@pytest.mark.parametrize(
    ("kind", "document", "valid"),
    HAND_PICKED,
    ids=[f"{kind}-{i}" for i, (kind, _, _) in enumerate(HAND_PICKED)],
)
def test_agreement_on_hand_picked_documents(
    kind: str, document: dict[str, Any], valid: bool
) -> None:
    fast, slow = checks(kind)
    assert slow.is_valid(document) is valid
    assert fast(document) is valid


# YAML can load what JSON cannot write: .inf, -.inf and .nan.
@pytest.mark.parametrize(
    ("kind", "document"),
    [
        ("journey", journey_with(holdout=math.inf)),
        ("journey", journey_with(holdout=-math.inf)),
        ("map", {**EXAMPLES["map"][1], "stages": {"a": {"emotion": {"score": math.nan}}}}),
        ("map", {**EXAMPLES["map"][1], "stages": {"a": {"emotion": {"score": math.inf}}}}),
        (
            "policy",
            {
                **EXAMPLES["policy"][1],
                "frequency_caps": [{"channel": "any", "max": math.nan, "per": "1d"}],
            },
        ),
        ("journey", journey_with(holdout=math.nan)),
    ],
    ids=["inf", "-inf", "nan-integer", "inf-integer", "nan-integer-cap", "nan-percent"],
)
def test_agreement_on_values_only_yaml_can_write(kind: str, document: dict[str, Any]) -> None:
    assert_agree(kind, document)


# ---------------------------------------------------------------------------------------------
# json_equal: equality as JSON Schema means it


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (True, 1, False),
        (1, True, False),
        (False, 0, False),
        (0, False, False),
        (True, 1.0, False),
        (True, True, True),
        (False, False, True),
        (1, 1.0, True),
        (0, -0.0, True),
        (1, 1.5, False),
        (2**60, float(2**60), True),
        ("1", 1, False),
        ("a", "a", True),
        ("a", "A", False),
        (None, None, True),
        (None, False, False),
        (None, 0, False),
        (None, "", False),
        ([], [], True),
        ({}, {}, True),
        ([], {}, False),
        ([1, {"a": True}], [1.0, {"a": True}], True),
        ([1, {"a": True}], [1, {"a": 1}], False),
        ([True], [1], False),
        ([1, 2], [2, 1], False),
        ([1], [1, 1], False),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({"a": 1, "b": 2}, {"b": 2.0, "a": 1.0}, True),
        ({"a": [0]}, {"a": [False]}, False),
        ({"a": {"b": [None]}}, {"a": {"b": [None]}}, True),
        ([[1]], [1], False),
    ],
)
def test_json_equality(a: Any, b: Any, equal: bool) -> None:
    assert json_equal(a, b) is equal
    assert json_equal(b, a) is equal
    # and it is what `const` and `enum` mean to jsonschema
    assert Draft202012Validator({"const": a}).is_valid(b) is equal
    assert compile_schema({"const": a})(b) is equal
    assert compile_schema({"enum": ["other", a]})(b) is equal


@settings(max_examples=300, deadline=None)
@given(a=json_values, b=json_values)
def test_const_and_enum_agree_with_jsonschema(a: Any, b: Any) -> None:
    for candidate in (a, b, copy.deepcopy(a)):
        assert compile_schema({"const": a})(candidate) is Draft202012Validator(
            {"const": a}
        ).is_valid(candidate)
        assert compile_schema({"enum": [b, a]})(candidate) is Draft202012Validator(
            {"enum": [b, a]}
        ).is_valid(candidate)


# ---------------------------------------------------------------------------------------------
# Keywords the compiled check does not know are refused at compile time


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "patternProperties": {"^x": {}}},
        {"if": {"type": "string"}, "then": {"minLength": 1}},
        {"then": {}},
        {"allOf": [{}]},
        {"not": {}},
        {"format": "date"},
        {"multipleOf": 2},
        {"exclusiveMinimum": 0},
        {"uniqueItems": True},
        {"prefixItems": [{}]},
        {"dependentRequired": {"a": ["b"]}},
        {"unevaluatedProperties": False},
        # nested, and behind a $ref
        {"type": "object", "properties": {"a": {"if": {}}}},
        {"items": {"patternProperties": {}}},
        {"$defs": {"x": {"allOf": []}}, "anyOf": [{"$ref": "#/$defs/x"}]},
    ],
)
def test_unsupported_keywords_raise(schema: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not supported"):
        compile_schema(schema)


@pytest.mark.parametrize("kind", KINDS)
def test_every_published_schema_compiles(kind: str) -> None:
    fast = compile_schema(schema_of(kind))
    assert fast(EXAMPLES[kind][0]) is True
    assert fast({"kind": kind}) is False
