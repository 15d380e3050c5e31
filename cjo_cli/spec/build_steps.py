"""The model of a journey's steps (see `model.journeys`): one step kind per key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from cjo_cli.model import conditions as c
from cjo_cli.model import journeys as j
from cjo_cli.model.loc import Loc
from cjo_cli.model.timing import parse_duration, parse_time_of_day
from cjo_cli.spec.located import LMap

if TYPE_CHECKING:  # the builder calls this module
    from cjo_cli.spec.build import Builder


def build_step(self: Builder, step_id: str, node: LMap, key_loc: Loc) -> j.Step:
    """One journey step of its document (the schema picked its kind by its key)."""
    base: dict[str, Any] = {
        "id": step_id,
        "name": self.label(node, "name", step_id),
        "loc": key_loc,
        "locs": self.locs(node),
    }
    if "wait" in node:
        return j.WaitStep(duration=parse_duration(node["wait"]), next=node["next"], **base)
    if "wait_until" in node:
        return j.WaitUntilStep(
            at=parse_time_of_day(node["wait_until"]),
            tz=str(node.get("tz", "UTC")),
            next=node["next"],
            **base,
        )
    if "wait_for" in node:
        return j.WaitForStep(
            event=self.event_filter(node["wait_for"]),
            timeout=parse_duration(node["timeout"]),
            next=node["next"],
            on_timeout=node["on_timeout"],
            **base,
        )
    if "wait_any" in node:
        spec = node["wait_any"]
        return j.WaitAnyStep(
            within=parse_duration(spec["within"]),
            paths=tuple(
                j.ActionPath(
                    self.event_filter(path),
                    path["next"],
                    self.loc(path),
                    self.val_loc(path, "next"),
                )
                for path in spec["paths"]
            ),
            else_step=spec["else"],
            else_loc=self.val_loc(spec, "else"),
            **base,
        )
    if "send" in node:
        return j.SendStep(touchpoint=node["send"], next=node["next"], **base)
    if "set" in node:
        spec = node["set"]
        return j.SetStep(
            attribute=str(spec["attribute"]),
            value=_scalar(spec["value"]),
            next=node["next"],
            **base,
        )
    if "split" in node:
        branches = []
        for case in node["split"]:
            if "else" in case:
                branches.append(
                    j.SplitBranch(None, case["else"], self.loc(case), self.val_loc(case, "else"))
                )
            else:
                branches.append(
                    j.SplitBranch(
                        self.condition(case["if"]),
                        case["next"],
                        self.loc(case),
                        self.val_loc(case, "next"),
                    )
                )
        return j.SplitStep(branches=tuple(branches), **base)
    if "ab" in node:
        ab = node["ab"]
        variants = ab["variants"]
        return j.AbStep(
            variants=tuple(
                j.Variant(
                    name,
                    float(spec["weight"]),
                    spec["next"],
                    Loc(self.path, *variants.key_pos[name]),
                    self.val_loc(spec, "next"),
                )
                for name, spec in variants.items()
            ),
            seed=self.label(ab, "seed"),
            variant_from=ab["variant_from"]["property"] if "variant_from" in ab else None,
            **base,
        )
    return j.ExitStep(**base)


def _scalar(value: Any) -> c.Scalar:
    """A schema-checked scalar as a plain Python value (YAML strings may be subclasses)."""
    if isinstance(value, str):
        return str(value)
    return cast(c.Scalar, value)
