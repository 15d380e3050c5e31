"""Where model objects were written: shown as file:line:col, never part of equality."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pytest

from cjo_cli.model.loc import NOWHERE, Loc, loc_field, locs_field


def test_str() -> None:
    assert str(Loc("journeys/cart.yaml", 12, 3)) == "journeys/cart.yaml:12:3"
    assert str(NOWHERE) == "<none>:1:1"
    assert f"{Loc('a b.yaml', 1, 10)}" == "a b.yaml:1:10"


def test_locs_are_values_ordered_by_path_line_col() -> None:
    assert Loc("a.yaml", 1, 2) == Loc("a.yaml", 1, 2)
    assert hash(Loc("a.yaml", 1, 2)) == hash(Loc("a.yaml", 1, 2))
    given = [Loc("b.yaml", 1, 1), Loc("a.yaml", 10, 1), Loc("a.yaml", 9, 5), Loc("a.yaml", 9, 2)]
    assert sorted(given) == [
        Loc("a.yaml", 9, 2),
        Loc("a.yaml", 9, 5),
        Loc("a.yaml", 10, 1),  # lines compare as numbers, not text
        Loc("b.yaml", 1, 1),
    ]


def test_locs_are_frozen() -> None:
    loc = Loc("a.yaml", 1, 1)
    with pytest.raises(AttributeError):
        loc.line = 2  # type: ignore[misc]


@dataclass(frozen=True)
class Thing:
    name: str
    loc: Loc = loc_field()
    locs: Any = locs_field()


def test_loc_fields_take_no_part_in_equality_hash_or_repr() -> None:
    here = Thing("x", Loc("a.yaml", 1, 1), {"name": Loc("a.yaml", 1, 7)})
    there = Thing("x", Loc("b.yaml", 9, 9), {"name": Loc("b.yaml", 9, 15)})
    assert here == there
    assert hash(here) == hash(there)
    assert here != Thing("y", Loc("a.yaml", 1, 1))
    assert repr(here) == "Thing(name='x')"


def test_loc_field_defaults() -> None:
    first, second = Thing("x"), Thing("y")
    assert first.loc is NOWHERE
    assert first.locs == {}
    assert first.locs is not second.locs  # each object its own mapping
    flags = {f.name: (f.compare, f.repr) for f in fields(Thing)}
    assert flags == {"name": (True, True), "loc": (False, False), "locs": (False, False)}


def test_model_objects_compare_without_their_locs() -> None:
    from cjo_cli.model import Phase, Phases, Touchpoint

    a = Touchpoint("t", "T", "email", loc=Loc("a.yaml", 1, 1), locs={"phase": Loc("a.yaml", 2, 8)})
    b = Touchpoint("t", "T", "email")
    assert a == b
    phases = Phases("p", "P", (Phase("x", "X", loc=Loc("a.yaml", 3, 5)),))
    assert phases == Phases("p", "P", (Phase("x", "X"),))
