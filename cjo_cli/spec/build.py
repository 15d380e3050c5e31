"""Schema-valid documents (located YAML) → model objects.

Only documents that passed their JSON Schema come here, so shapes are known;
what the schema cannot check (references, graphs, zones) is for the rules.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any, cast

from cjo_cli.model import conditions as c
from cjo_cli.model import documents as d
from cjo_cli.model import journeys as j
from cjo_cli.model.journey_tests import JourneyTest
from cjo_cli.model.loc import Loc
from cjo_cli.model.timing import parse_duration, parse_percent, parse_time_of_day
from cjo_cli.spec.build_steps import build_step
from cjo_cli.spec.build_tests import build_test
from cjo_cli.spec.located import LMap, LSeq, source_text


class Builder:
    """Builds the model of one document, remembering which file it came from."""

    def __init__(self, path: str) -> None:
        self.path = path

    # ---- helpers ----------------------------------------------------------

    def loc(self, node: Any) -> Loc:
        line, col = node.pos
        return Loc(self.path, line, col)

    def val_loc(self, node: LMap, key: str) -> Loc:
        line, col = node.val_pos[key]
        return Loc(self.path, line, col)

    def item_locs(self, seq: LSeq | None) -> tuple[Loc, ...]:
        if seq is None:
            return ()
        return tuple(Loc(self.path, line, col) for line, col in seq.item_pos)

    def locs(self, node: LMap) -> dict[str, Loc]:
        return {key: Loc(self.path, *pos) for key, pos in node.val_pos.items()}

    @staticmethod
    def label(node: LMap, key: str, default: str = "") -> str:
        return source_text(node, key) if key in node and node[key] is not None else default

    @staticmethod
    def labels(node: LMap, key: str) -> tuple[str, ...]:
        seq = node.get(key)
        if not isinstance(seq, LSeq):
            return ()
        return tuple(source_text(seq, i) for i in range(len(seq)) if seq[i] is not None)

    # ---- conditions -------------------------------------------------------

    @staticmethod
    def where(node: Any) -> tuple[c.PropertyFilter, ...]:
        if not isinstance(node, dict):
            return ()
        filters = []
        for key, spec in node.items():
            if isinstance(spec, dict):
                op, value = next(iter(spec.items()))
                filters.append(c.PropertyFilter(key, cast(c.Op, op), _value(value)))
            else:
                filters.append(c.PropertyFilter(key, "eq", _value(spec)))
        return tuple(filters)

    def event_filter(self, node: LMap) -> c.EventFilter:
        return c.EventFilter(str(node["event"]), self.where(node.get("where")))

    def condition(self, node: LMap) -> c.Condition:
        if "event" in node:
            count = node.get("count") or {}
            within = node.get("within")
            return c.EventCondition(
                event=str(node["event"]),
                where=self.where(node.get("where")),
                count_min=int(count.get("min", 1)),
                count_max=int(count["max"]) if "max" in count else None,
                within=parse_duration(within) if within else None,
            )
        if "attribute" in node:
            return c.AttributeCondition(node["attribute"], node["op"], _value(node.get("value")))
        if "property" in node:
            return c.PropertyCondition(node["property"], node["op"], _value(node.get("value")))
        if "all" in node:
            return c.AllOf(tuple(self.condition(item) for item in node["all"]))
        if "any" in node:
            return c.AnyOf(tuple(self.condition(item) for item in node["any"]))
        return c.Not(self.condition(node["not"]))

    def quiet_hours(self, node: LMap | None) -> j.QuietHours | None:
        if node is None:
            return None
        return j.QuietHours(
            parse_time_of_day(node["from"]),
            parse_time_of_day(node["to"]),
            str(node["tz"]),
            loc=self.loc(node),
            locs=self.locs(node),
        )

    # ---- documents --------------------------------------------------------

    def build(self, node: LMap) -> d.Document:
        kind = node["kind"]
        return cast(d.Document, getattr(self, f"build_{kind}")(node))

    def build_test(self, node: LMap) -> JourneyTest:
        return build_test(self, node)

    def header(self, node: LMap) -> dict[str, Any]:
        return {
            "id": node["id"],
            "name": self.label(node, "name", node["id"]),
            "description": self.label(node, "description"),
            "loc": self.loc(node),
            "locs": self.locs(node),
        }

    def build_phases(self, node: LMap) -> d.Phases:
        phases = tuple(
            d.Phase(
                p["id"], self.label(p, "name", p["id"]), self.label(p, "description"), self.loc(p)
            )
            for p in node["phases"]
        )
        head = self.header(node)
        del head["description"]
        return d.Phases(phases=phases, loop_to=node.get("loop_to"), **head)

    def build_touchpoint(self, node: LMap) -> d.Touchpoint:
        events = node.get("events") or {}
        return d.Touchpoint(
            channel=node["channel"],
            phase=node.get("phase"),
            delivered_event=events.get("delivered"),
            opened_event=events.get("opened"),
            clicked_event=events.get("clicked"),
            requires=self.condition(node["requires"]) if "requires" in node else None,
            **self.header(node),
        )

    def build_persona(self, node: LMap) -> d.Persona:
        segment = node.get("segment")
        return d.Persona(
            segment=self.condition(segment) if segment is not None else None,
            profile=dict(node.get("profile") or {}),
            **self.header(node),
        )

    def step(self, step_id: str, node: LMap, key_loc: Loc) -> j.Step:
        return build_step(self, step_id, node, key_loc)

    def entry(self, node: LMap) -> j.Entry:
        if "audience" in node:
            return j.Entry(
                None,
                self.condition(node["audience"]),
                j.Schedule(
                    parse_duration(node["every"]),
                    parse_time_of_day(node["at"]) if "at" in node else time(0, 0),
                    str(node.get("tz", "UTC")),
                    date.fromisoformat(node["start"]) if "start" in node else None,
                    self.loc(node),
                    self.locs(node),
                ),
            )
        condition = node.get("if")
        return j.Entry(
            self.event_filter(node),
            self.condition(condition) if condition is not None else None,
        )

    def build_journey(self, node: LMap) -> j.Journey:
        spec_steps = node["steps"]
        steps = {
            step_id: self.step(step_id, spec, Loc(self.path, *spec_steps.key_pos[step_id]))
            for step_id, spec in spec_steps.items()
        }
        entry_node = node["entry"]
        re_entry = node.get("re_entry", "never")
        goal = node.get("goal")
        limits = node.get("limits") or {}
        per_customer = limits.get("per_customer")
        holdout = node.get("holdout")
        return j.Journey(
            entry=self.entry(entry_node),
            steps=steps,
            start=node.get("start", next(iter(steps))),
            persona=node.get("persona"),
            phase=node.get("phase"),
            re_entry=(
                j.ReEntry("after", parse_duration(re_entry["after"]))
                if isinstance(re_entry, dict)
                else j.ReEntry(re_entry)
            ),
            goal=(
                j.Goal(
                    tuple(self.event_filter(item) for item in goal["any"])
                    if "any" in goal
                    else (self.event_filter(goal),),
                    parse_duration(goal["within"]) if "within" in goal else None,
                    goal.get("value"),
                )
                if goal is not None
                else None
            ),
            exit_on=tuple(self.event_filter(item) for item in node.get("exit_on") or ()),
            per_customer=(
                j.SendLimit(per_customer["max"], parse_duration(per_customer["per"]))
                if per_customer
                else None
            ),
            quiet_hours=self.quiet_hours(limits.get("quiet_hours")),
            rate=(
                j.SendLimit(rate["max"], parse_duration(rate["per"]))
                if (rate := limits.get("rate"))
                else None
            ),
            holdout_percent=parse_percent(holdout) if holdout is not None else 0.0,
            holdout_text=self.label(node, "holdout"),
            assignment=(
                j.Assignment(assignment["property"], self.label(assignment, "holdout"))
                if (assignment := node.get("assignment")) is not None
                else None
            ),
            **self.header(node),
        )

    def funnel_step(self, node: LMap) -> d.FunnelStep:
        if "any" not in node:
            spec = self.event_filter(node)
            return d.FunnelStep(spec, self.label(node, "name", spec.event), self.loc(node))
        alternatives = tuple(self.event_filter(item) for item in node["any"])
        label = d.FunnelStep(alternatives[0], "", any_of=alternatives).event_label
        return d.FunnelStep(
            alternatives[0], self.label(node, "name", label), self.loc(node), alternatives
        )

    def build_funnel(self, node: LMap) -> d.Funnel:
        steps = tuple(self.funnel_step(s) for s in node["steps"])
        exclusions = []
        for item in node.get("exclude") or ():
            first, last = item.get("between", [1, len(steps)])
            between_loc = self.val_loc(item, "between") if "between" in item else self.loc(item)
            exclusions.append(
                d.Exclusion(self.event_filter(item), first, last, self.loc(item), between_loc)
            )
        breakdown = node.get("breakdown")
        kpi = node.get("kpi")
        window = node.get("window")
        return d.Funnel(
            steps=steps,
            window=parse_duration(window) if window else d.DEFAULT_FUNNEL_WINDOW,
            order=node.get("order", "ordered"),
            exclusions=tuple(exclusions),
            breakdown=_breakdown(breakdown) if breakdown is not None else None,
            persona=node.get("persona"),
            phase=node.get("phase"),
            kpi=(
                d.Kpi(
                    self.label(kpi, "name", node["id"]),
                    parse_percent(kpi["target"]) if "target" in kpi else None,
                )
                if kpi is not None
                else None
            ),
            **self.header(node),
        )

    def build_map(self, node: LMap) -> d.JourneyMap:
        stages = {}
        for phase_id, spec in node["stages"].items():
            emotion = spec.get("emotion")
            stages[phase_id] = d.Stage(
                phase=phase_id,
                actions=self.labels(spec, "actions"),
                touchpoints=tuple(spec.get("touchpoints") or ()),
                thoughts=self.labels(spec, "thoughts"),
                emotion=(
                    d.Emotion(emotion["score"], self.label(emotion, "note"))
                    if emotion is not None
                    else None
                ),
                info_needs=self.labels(spec, "info_needs"),
                pain_points=self.labels(spec, "pain_points"),
                measures=self.labels(spec, "measures"),
                kpis=tuple(
                    d.KpiRef(k["funnel"], self.label(k, "name"), self.val_loc(k, "funnel"))
                    for k in spec.get("kpis") or ()
                ),
                journeys=tuple(spec.get("journeys") or ()),
                loc=Loc(self.path, *node["stages"].key_pos[phase_id]),
                touchpoint_locs=self.item_locs(spec.get("touchpoints")),
                journey_locs=self.item_locs(spec.get("journeys")),
            )
        theme = node.get("theme") or LMap(node.pos)
        return d.JourneyMap(
            persona=node["persona"],
            phases=node["phases"],
            stages=stages,
            theme=d.Theme(
                self.label(theme, "product"), self.label(theme, "start"), self.label(theme, "goal")
            ),
            **self.header(node),
        )

    def build_policy(self, node: LMap) -> d.Policy:
        return d.Policy(
            frequency_caps=tuple(
                d.FrequencyCap(cap["channel"], cap["max"], parse_duration(cap["per"]))
                for cap in node.get("frequency_caps") or ()
            ),
            quiet_hours=self.quiet_hours(node.get("quiet_hours")),
            priority=tuple(node.get("priority") or ()),
            priority_locs=self.item_locs(node.get("priority")),
            default_tz=str(node["default_tz"]) if "default_tz" in node else None,
            **self.header(node),
        )


def _value(value: Any) -> c.Value:
    if isinstance(value, list):
        return tuple(value)
    return cast(c.Value, value)


def _breakdown(node: LMap) -> d.Breakdown:
    if "property" in node:
        # `step: N` alone means attribution by that step.
        default = "step" if "step" in node else "first_touch"
        return d.Breakdown(
            "property",
            property=node["property"],
            attribution=node.get("attribution", default),
            step=node.get("step"),
        )
    if "persona" in node:
        return d.Breakdown("persona")
    return d.Breakdown("variant", journey=node["variant"])
