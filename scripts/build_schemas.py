"""Write the JSON Schemas of the cjo spec language into cjo_cli/schemas/.

The schemas are the published contract (editor completion, check-jsonschema,
`cjo schema KIND`). They share definitions (conditions, durations...), so they
are built here from one source and committed; `--check` fails when the
committed files differ from what this script builds (a test runs it).

Custom keywords, ignored by validators and used by cjo to report well:
`x-cjo-rule` names the rule id of a failed pattern (bad-duration...),
`x-cjo-key` names the key that selects a branch of a `oneOf`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, get_args

from cjo_cli.model.conditions import OPS as MODEL_OPS
from cjo_cli.model.documents import Channel

OUT = Path(__file__).resolve().parent.parent / "cjo_cli" / "schemas"
BASE_URI = "https://cjo.dev/schemas/"
# The model is the one list of channels and operators; the schemas follow it.
CHANNELS = list(get_args(Channel))
OPS = list(MODEL_OPS)

Schema = dict[str, Any]

# A real calendar day: 29 and 30 in every month but February, 31 in the long months,
# February 29 in leap years only (divisible by 4, centuries by 400).
DATE_PATTERN = (
    "^(?:[0-9]{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    "|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)$"
)


def prop(title: str, description: str, schema: Schema) -> Schema:
    return {"title": title, "description": description, **schema}


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


def strings(title: str, description: str) -> Schema:
    return prop(title, description, {"type": "array", "items": ref("label")})


def ids(title: str, description: str) -> Schema:
    return prop(title, description, {"type": "array", "items": ref("id")})


LABEL = prop(
    "Label",
    "Human text in any language. Any scalar is accepted and taken exactly as written "
    "(`1.10` stays `1.10`).",
    {"type": ["string", "number", "boolean"]},
)

COMMON_DEFS: dict[str, Schema] = {
    "id": prop(
        "Id",
        "An identifier: lower-case letter, then lower-case letters, digits or underscores.",
        {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "x-cjo-rule": "bad-id"},
    ),
    "label": LABEL,
    "event_name": prop(
        "Event name",
        "The name of an event as it appears in the event log's `event` column.",
        {"type": "string", "minLength": 1},
    ),
    "duration": prop(
        "Duration",
        "A whole number and a unit: s (seconds), m (minutes), h (hours), d (days), w (weeks). "
        "Examples: 30s, 15m, 1h, 7d, 2w.",
        {"type": "string", "pattern": "^[0-9]+[smhdw]$", "x-cjo-rule": "bad-duration"},
    ),
    "time_of_day": prop(
        "Time of day",
        'A 24-hour clock time "HH:MM", quoted, e.g. "19:00".',
        {
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
            "x-cjo-rule": "bad-time-of-day",
        },
    ),
    "date": prop(
        "Date",
        "A calendar day YYYY-MM-DD, e.g. 2026-06-01.",
        {"type": "string", "pattern": DATE_PATTERN, "x-cjo-rule": "bad-date"},
    ),
    "timezone": prop(
        "Time zone",
        "An IANA time zone name such as Asia/Tokyo, Europe/Berlin or UTC; or `customer`: "
        "each customer's `timezone` attribute, else the policy's `default_tz`.",
        {"type": "string", "minLength": 1},
    ),
    "percent": prop(
        "Percentage",
        'A percentage from 0 to 100 such as "10%" (or a number from 0 to 100).',
        {
            "type": ["string", "number"],
            "pattern": "^(100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?)%$",
            "minimum": 0,
            "maximum": 100,
            "x-cjo-rule": "bad-percent",
        },
    ),
    "channel": prop(
        "Channel",
        "Where the customer meets the brand: " + ", ".join(CHANNELS) + ".",
        {"enum": CHANNELS},
    ),
}


def scalar_value() -> Schema:
    return {"type": ["string", "number", "boolean", "null", "array"]}


def where_defs() -> dict[str, Schema]:
    op_props = {
        op: prop(op, f"The property's value must satisfy `{op}`.", scalar_value()) for op in OPS
    }
    return {
        "where": prop(
            "Where",
            "Event property filters, all of which must hold: `{key: value}` for equality or "
            "`{key: {op: value}}` with op one of " + ", ".join(OPS) + ".",
            {
                "type": "object",
                "additionalProperties": {
                    "anyOf": [
                        {"type": ["string", "number", "boolean", "null"]},
                        obj(op_props, minProperties=1, maxProperties=1),
                    ]
                },
            },
        ),
    }


def condition_defs() -> dict[str, Schema]:
    op = prop("Operator", "How to compare: " + ", ".join(OPS) + ".", {"enum": OPS})
    value = prop(
        "Value",
        "What to compare with: a list for `in`, [low, high] for `between`, true/false for "
        "`exists`.",
        scalar_value(),
    )
    count = prop(
        "Count",
        "How many such events the customer must have (default: at least one).",
        obj(
            {
                "min": prop(
                    "Minimum", "At least this many events.", {"type": "integer", "minimum": 0}
                ),
                "max": prop(
                    "Maximum", "At most this many events.", {"type": "integer", "minimum": 0}
                ),
            },
            minProperties=1,
        ),
    )
    branches = [
        obj(
            {
                "event": prop("Event", "The customer did this event.", ref("event_name")),
                "where": ref("where"),
                "count": count,
                "within": prop(
                    "Within",
                    "Only events in this period before the moment of evaluation count.",
                    ref("duration"),
                ),
            },
            ["event"],
            **{"x-cjo-key": "event"},
        ),
        obj(
            {
                "attribute": prop(
                    "Attribute",
                    "A trait of the customer's profile (customers file).",
                    {"type": "string"},
                ),
                "op": op,
                "value": value,
            },
            ["attribute", "op"],
            **{"x-cjo-key": "attribute"},
        ),
        obj(
            {
                "property": prop(
                    "Property", "A property of the event being evaluated.", {"type": "string"}
                ),
                "op": op,
                "value": value,
            },
            ["property", "op"],
            **{"x-cjo-key": "property"},
        ),
        obj(
            {
                "all": prop(
                    "All", "Every condition holds.", {"type": "array", "items": ref("condition")}
                )
            },
            ["all"],
            **{"x-cjo-key": "all"},
        ),
        obj(
            {
                "any": prop(
                    "Any",
                    "At least one condition holds.",
                    {"type": "array", "items": ref("condition")},
                )
            },
            ["any"],
            **{"x-cjo-key": "any"},
        ),
        obj(
            {"not": prop("Not", "The condition does not hold.", ref("condition"))},
            ["not"],
            **{"x-cjo-key": "not"},
        ),
    ]
    return {
        "condition": {
            "title": "Condition",
            "description": "A condition on the customer's events, profile attributes or the "
            "current event's properties: one of event, attribute, property, all, any, not.",
            "type": "object",
            "oneOf": branches,
        }
    }


def event_filter(title: str, description: str) -> Schema:
    return prop(
        title,
        description,
        obj(
            {
                "event": prop("Event", "The event name.", ref("event_name")),
                "where": ref("where"),
            },
            ["event"],
        ),
    )


def quiet_hours() -> Schema:
    return prop(
        "Quiet hours",
        "No sends between `from` and `to` (may cross midnight); a send due then is deferred "
        "to the end of the quiet window.",
        obj(
            {
                "from": prop("From", "Start of the quiet window.", ref("time_of_day")),
                "to": prop("To", "End of the quiet window.", ref("time_of_day")),
                "tz": prop("Time zone", "Zone of the clock times.", ref("timezone")),
            },
            ["from", "to", "tz"],
        ),
    )


def header(kind: str, name_required: bool = False) -> dict[str, Schema]:
    return {
        "kind": prop("Kind", "The kind of document.", {"const": kind}),
        "id": prop("Id", f"Unique among the {kind} documents of the workspace.", ref("id")),
        "name": prop("Name", "Display name, any language.", ref("label")),
        "description": prop("Description", "Free text.", ref("label")),
    }


def document(
    kind: str,
    title: str,
    description: str,
    properties: dict[str, Schema],
    required: list[str],
    defs: dict[str, Schema],
) -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE_URI}{kind}.json",
        "title": title,
        "description": description,
        "type": "object",
        "properties": {**header(kind), **properties},
        "required": ["kind", "id", *required],
        "additionalProperties": False,
        "$defs": {**COMMON_DEFS, **defs},
    }


def phases_schema() -> Schema:
    phase = obj(
        {
            "id": prop("Id", "The phase id, used by stages, touchpoints and journeys.", ref("id")),
            "name": prop("Name", "Display name.", ref("label")),
            "description": prop("Description", "Free text.", ref("label")),
        },
        ["id"],
    )
    return document(
        "phases",
        "cjo lifecycle phases",
        "The ordered lifecycle phases of the customer journey (awareness → advocacy).",
        {
            "phases": prop(
                "Phases", "The phases, in order.", {"type": "array", "items": phase, "minItems": 1}
            ),
            "loop_to": prop(
                "Loop to",
                "The phase a customer returns to after the last one (a loyalty loop).",
                ref("id"),
            ),
        },
        ["phases"],
        {},
    )


def touchpoint_schema() -> Schema:
    return document(
        "touchpoint",
        "cjo touchpoint",
        "A place or message where the customer meets the brand; journeys `send` touchpoints.",
        {
            "channel": prop("Channel", "The channel of the touchpoint.", ref("channel")),
            "phase": prop("Phase", "The lifecycle phase it mainly serves.", ref("id")),
            "events": prop(
                "Events",
                "Log events that show the touchpoint's real effect; replays join sends to them.",
                obj(
                    {
                        "delivered": prop(
                            "Delivered", "Event logged on delivery.", ref("event_name")
                        ),
                        "opened": prop("Opened", "Event logged when opened.", ref("event_name")),
                        "clicked": prop("Clicked", "Event logged on a click.", ref("event_name")),
                    }
                ),
            ),
            "requires": prop(
                "Requires",
                "Who can receive it, judged when it would be sent (a consent attribute, no "
                "unsubscribe event): a send to anyone else is recorded as unreachable.",
                ref("condition"),
            ),
        },
        ["channel"],
        {**where_defs(), **condition_defs()},
    )


def persona_schema() -> Schema:
    profile = obj(
        {
            "age": prop("Age", "Age in years.", {"type": "integer", "minimum": 0, "maximum": 150}),
            "occupation": prop("Occupation", "What the persona does.", ref("label")),
            "location": prop("Location", "Where the persona lives.", ref("label")),
            "goals": strings("Goals", "What the persona wants to achieve."),
            "pains": strings("Pains", "What frustrates the persona."),
            "benefits_sought": strings("Benefits sought", "The benefits the persona looks for."),
            "preferred_channels": prop(
                "Preferred channels",
                "Channels the persona uses most.",
                {"type": "array", "items": ref("channel")},
            ),
            "quote": prop("Quote", "A sentence in the persona's voice.", ref("label")),
        }
    )
    return document(
        "persona",
        "cjo persona",
        "A persona: who they are, and the behavioural segment that finds them in the log.",
        {
            "profile": prop("Profile", "Descriptive profile of the persona.", profile),
            "segment": prop(
                "Segment",
                "Which customers belong to the persona, evaluated on the log at each moment.",
                ref("condition"),
            ),
        },
        [],
        {**where_defs(), **condition_defs()},
    )


def step_branches() -> list[Schema]:
    common = {
        "name": prop("Name", "Display name of the step.", ref("label")),
        "description": prop("Description", "Free text.", ref("label")),
    }
    nxt = prop("Next", "The step that follows.", ref("id"))

    def branch(key: str, properties: dict[str, Schema], required: list[str]) -> Schema:
        return obj({**properties, **common}, [key, *required], **{"x-cjo-key": key})

    split_case = {
        "anyOf": [
            obj(
                {
                    "if": prop("If", "The branch is taken when this holds.", ref("condition")),
                    "next": nxt,
                },
                ["if", "next"],
                **{"x-cjo-key": "if"},
            ),
            obj(
                {"else": prop("Else", "The step taken when no branch before matched.", ref("id"))},
                ["else"],
                **{"x-cjo-key": "else"},
            ),
        ]
    }
    variant = obj(
        {
            "weight": prop(
                "Weight",
                "Share of customers, in percent.",
                {"type": "number", "minimum": 0, "maximum": 100},
            ),
            "next": nxt,
        },
        ["weight", "next"],
    )
    return [
        branch(
            "wait",
            {"wait": prop("Wait", "Wait this long.", ref("duration")), "next": nxt},
            ["next"],
        ),
        branch(
            "wait_until",
            {
                "wait_until": prop(
                    "Wait until",
                    "Wait until the next time the clock shows this.",
                    ref("time_of_day"),
                ),
                "tz": prop("Time zone", "The zone of the clock (default UTC).", ref("timezone")),
                "next": nxt,
            },
            ["next"],
        ),
        branch(
            "wait_for",
            {
                "wait_for": event_filter("Wait for", "Wait until the customer does this event."),
                "timeout": prop("Timeout", "Give up waiting after this long.", ref("duration")),
                "next": prop("Next", "The step after the event came.", ref("id")),
                "on_timeout": prop("On timeout", "The step after the timeout.", ref("id")),
            },
            ["timeout", "next", "on_timeout"],
        ),
        branch(
            "wait_any",
            {
                "wait_any": prop(
                    "Wait for any",
                    "An action path: wait for the first of several events, each with its own "
                    "next step, and take `else` when none came within the window.",
                    obj(
                        {
                            "within": prop("Within", "How long to wait.", ref("duration")),
                            "paths": prop(
                                "Paths",
                                "Tried in order at each event; the first that matches is taken.",
                                {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": obj(
                                        {
                                            "event": prop(
                                                "Event", "The event name.", ref("event_name")
                                            ),
                                            "where": ref("where"),
                                            "next": prop(
                                                "Next", "The step after this event.", ref("id")
                                            ),
                                        },
                                        ["event", "next"],
                                    ),
                                },
                            ),
                            "else": prop(
                                "Else",
                                "The step after the window, when no path matched.",
                                ref("id"),
                            ),
                        },
                        ["within", "paths", "else"],
                    ),
                )
            },
            [],
        ),
        branch(
            "send",
            {"send": prop("Send", "The touchpoint to send (its id).", ref("id")), "next": nxt},
            ["next"],
        ),
        branch(
            "set",
            {
                "set": prop(
                    "Set",
                    "Set a customer attribute (trait) for the rest of the replay: later "
                    "conditions see it.",
                    obj(
                        {
                            "attribute": prop(
                                "Attribute",
                                "The trait's name.",
                                {"type": "string", "minLength": 1},
                            ),
                            "value": prop(
                                "Value",
                                "Its new value: text, a number, true/false, or null to clear it.",
                                {"type": ["string", "number", "boolean", "null"]},
                            ),
                        },
                        ["attribute", "value"],
                    ),
                ),
                "next": nxt,
            },
            ["next"],
        ),
        branch(
            "split",
            {
                "split": prop(
                    "Split",
                    "Branches tried in order; the first whose `if` holds is taken; `else` last.",
                    {"type": "array", "items": split_case, "minItems": 1},
                )
            },
            [],
        ),
        branch(
            "ab",
            {
                "ab": prop(
                    "A/B test",
                    "Variants by weight; a customer's variant comes from a stable hash of "
                    "journey id, customer id and seed, or from the log with `variant_from`.",
                    obj(
                        {
                            "seed": prop(
                                "Seed", "Changes the assignment when changed.", ref("label")
                            ),
                            "variant_from": prop(
                                "Variant from",
                                "Where the log records each customer's real variant: the "
                                "entry event's property, else the customer's trait, whose "
                                "values are the variant ids.",
                                obj(
                                    {
                                        "property": prop(
                                            "Property",
                                            "The property (or trait) holding the variant id.",
                                            {"type": "string", "minLength": 1},
                                        )
                                    },
                                    ["property"],
                                ),
                            ),
                            "variants": prop(
                                "Variants",
                                "Variant name → weight (percent, adding up to 100) and next step.",
                                {
                                    "type": "object",
                                    "propertyNames": ref("id"),
                                    "additionalProperties": variant,
                                    "minProperties": 2,
                                },
                            ),
                        },
                        ["variants"],
                    ),
                )
            },
            [],
        ),
        branch("exit", {"exit": prop("Exit", "Leave the journey here.", {"const": True})}, []),
    ]


def goal_schema() -> Schema:
    """One goal event, or `any` of several (the first to come converts)."""
    common = {
        "within": prop("Within", "Conversion window from entry.", ref("duration")),
        "value": prop(
            "Value",
            "The goal event's property holding its value (e.g. amount): gives revenue and "
            "revenue per entrant.",
            {"type": "string", "minLength": 1},
        ),
    }
    one = obj(
        {
            "event": prop("Event", "The goal event.", ref("event_name")),
            "where": ref("where"),
            **common,
        },
        ["event"],
        **{"x-cjo-key": "event"},
    )
    several = obj(
        {
            "any": prop(
                "Any",
                "Several conversion events: the first of them to come converts.",
                {
                    "type": "array",
                    "items": event_filter("Goal event", "An event that converts."),
                    "minItems": 1,
                },
            ),
            **common,
        },
        ["any"],
        **{"x-cjo-key": "any"},
    )
    return {"type": "object", "oneOf": [one, several]}


def entry_schema() -> Schema:
    """An event-triggered entry, or an audience that enters on a schedule."""
    on_event = obj(
        {
            "event": prop("Event", "The entry event.", ref("event_name")),
            "where": ref("where"),
            "if": prop("If", "An extra condition checked at entry.", ref("condition")),
        },
        ["event"],
        **{"x-cjo-key": "event"},
    )
    audience = obj(
        {
            "audience": prop(
                "Audience",
                "Who enters at each scheduled instant: the customers for whom this condition "
                "holds as of that instant.",
                ref("condition"),
            ),
            "every": prop(
                "Every",
                "How often the audience enters: 1d, 1w... Whole days keep the wall-clock "
                "time `at` in `tz`.",
                ref("duration"),
            ),
            "at": prop("At", "The clock time of each instant (default 00:00).", ref("time_of_day")),
            "tz": prop("Time zone", "Zone of `at` and `start` (default UTC).", ref("timezone")),
            "start": prop(
                "Start",
                "The first day of the schedule, YYYY-MM-DD (default: the log's first day).",
                ref("date"),
            ),
        },
        ["audience", "every"],
        **{"x-cjo-key": "audience"},
    )
    return {"type": "object", "oneOf": [on_event, audience]}


def journey_schema() -> Schema:
    step = {
        "title": "Step",
        "description": "One step: exactly one of wait, wait_until, wait_for, send, split, ab, "
        "exit.",
        "type": "object",
        "oneOf": step_branches(),
    }
    re_entry = prop(
        "Re-entry",
        "Whether a customer may enter again: never (default), always (after leaving), or "
        "{after: duration} since the last entry.",
        {
            "anyOf": [
                {"enum": ["never", "always"]},
                obj(
                    {"after": prop("After", "Time since the last entry.", ref("duration"))},
                    ["after"],
                ),
            ]
        },
    )
    return document(
        "journey",
        "cjo journey",
        "An orchestrated journey: who enters, the steps they go through, and the goal.",
        {
            "persona": prop(
                "Persona", "Only customers in this persona's segment enter.", ref("id")
            ),
            "phase": prop("Phase", "The lifecycle phase the journey serves.", ref("id")),
            "entry": prop(
                "Entry",
                "Who enters: on an event (with optional filters), or an audience on a schedule.",
                entry_schema(),
            ),
            "re_entry": re_entry,
            "goal": prop(
                "Goal",
                "Reaching this event (or the first of `any`) exits the customer as converted "
                "(within the window).",
                goal_schema(),
            ),
            "exit_on": prop(
                "Exit on",
                "Events that end the journey at any step.",
                {
                    "type": "array",
                    "items": event_filter("Exit event", "An event that ends the journey."),
                },
            ),
            "limits": prop(
                "Limits",
                "Limits of this journey: per customer, quiet hours, and its send rate.",
                obj(
                    {
                        "per_customer": prop(
                            "Per customer",
                            "At most `max` sends per `per` to one customer.",
                            obj(
                                {
                                    "max": prop(
                                        "Max",
                                        "Most sends in the period.",
                                        {"type": "integer", "minimum": 0},
                                    ),
                                    "per": prop("Per", "The period.", ref("duration")),
                                },
                                ["max", "per"],
                            ),
                        ),
                        "quiet_hours": quiet_hours(),
                        "rate": prop(
                            "Rate",
                            "At most `max` sends of this journey, to all customers together, "
                            "per window of `per`; sends over it wait for the next window with "
                            "room, in arrival order.",
                            obj(
                                {
                                    "max": prop(
                                        "Max",
                                        "Most sends in a window.",
                                        {"type": "integer", "minimum": 1},
                                    ),
                                    "per": prop("Per", "The window.", ref("duration")),
                                },
                                ["max", "per"],
                            ),
                        ),
                    }
                ),
            ),
            "holdout": prop(
                "Holdout",
                "Share of entering customers kept as a control group: they enter, get nothing, "
                "and are measured.",
                ref("percent"),
            ),
            "assignment": prop(
                "Assignment",
                "Where the log records the journey's real run: the entry event's property "
                "(else the customer's trait) naming each customer's group, and the value that "
                "means holdout. With it, `cjo simulate` measures the effect.",
                obj(
                    {
                        "property": prop(
                            "Property",
                            "The property (or trait) holding the group.",
                            {"type": "string", "minLength": 1},
                        ),
                        "holdout": prop(
                            "Holdout value",
                            "The value of the property that marks a holdout customer; any "
                            "other value is treated.",
                            ref("label"),
                        ),
                    },
                    ["property", "holdout"],
                ),
            ),
            "start": prop("Start", "The first step (default: the first listed).", ref("id")),
            "steps": prop(
                "Steps",
                "Step id → step.",
                {
                    "type": "object",
                    "propertyNames": ref("id"),
                    "additionalProperties": step,
                    "minProperties": 1,
                },
            ),
        },
        ["entry", "steps"],
        {**where_defs(), **condition_defs()},
    )


def funnel_schema() -> Schema:
    alternative = obj(
        {
            "event": prop("Event", "An event that fills the step.", ref("event_name")),
            "where": ref("where"),
        },
        ["event"],
    )
    step = {
        "type": "object",
        "oneOf": [
            obj(
                {
                    "event": prop("Event", "The event of this step.", ref("event_name")),
                    "name": prop("Name", "Display name of the step.", ref("label")),
                    "where": ref("where"),
                },
                ["event"],
                **{"x-cjo-key": "event"},
            ),
            obj(
                {
                    "any": prop(
                        "Any",
                        "Alternatives: an event matching any one of them fills the step.",
                        {"type": "array", "items": alternative, "minItems": 1},
                    ),
                    "name": prop("Name", "Display name of the step.", ref("label")),
                },
                ["any"],
                **{"x-cjo-key": "any"},
            ),
        ],
    }
    between = prop(
        "Between",
        "Step numbers [from, to] (1-based) between which the event excludes "
        "(default: the whole funnel).",
        {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2, "maxItems": 2},
    )
    breakdown = prop(
        "Breakdown",
        "Split the counts by an event property (with attribution), by persona, or by the "
        "variant of a journey's A/B step.",
        {
            "type": "object",
            "oneOf": [
                obj(
                    {
                        "property": prop(
                            "Property", "The event property to break down by.", {"type": "string"}
                        ),
                        "attribution": prop(
                            "Attribution",
                            "Which step's value counts: first_touch (the first step event "
                            "that has the property, default), last_touch (the last one), "
                            "step (the event of step `step`) or all_steps (the value every "
                            "step event has).",
                            {"enum": ["first_touch", "last_touch", "step", "all_steps"]},
                        ),
                        "step": prop(
                            "Step",
                            "The step number (1-based) whose event gives the value, with "
                            "attribution: step.",
                            {"type": "integer", "minimum": 1},
                        ),
                    },
                    ["property"],
                    **{"x-cjo-key": "property"},
                ),
                obj(
                    {"persona": prop("Persona", "Break down by persona.", {"const": True})},
                    ["persona"],
                    **{"x-cjo-key": "persona"},
                ),
                obj(
                    {
                        "variant": prop(
                            "Variant", "Break down by this journey's A/B variant.", ref("id")
                        )
                    },
                    ["variant"],
                    **{"x-cjo-key": "variant"},
                ),
            ],
        },
    )
    return document(
        "funnel",
        "cjo funnel",
        "A conversion funnel: ordered steps, a window, and how steps may be ordered.",
        {
            "phase": prop("Phase", "The lifecycle phase the funnel measures.", ref("id")),
            "persona": prop(
                "Persona", "Only customers in this persona's segment count.", ref("id")
            ),
            "steps": prop(
                "Steps",
                # Each step is a bit of a 64-bit mask in the engines (engine/funnel_sql.py).
                "The funnel steps, in order (2 to 62).",
                {"type": "array", "items": step, "minItems": 2, "maxItems": 62},
            ),
            "window": prop(
                "Window",
                "Time from the step-1 event within which later steps count (default 14d).",
                ref("duration"),
            ),
            "order": prop(
                "Order",
                "ordered (others may come between), strict (nothing may come between) or "
                "unordered (any order).",
                {"enum": ["ordered", "strict", "unordered"]},
            ),
            "exclude": prop(
                "Exclude",
                "Events that remove the customer from the funnel when they come between "
                "the given steps.",
                {
                    "type": "array",
                    "items": obj(
                        {
                            "event": prop("Event", "The excluding event.", ref("event_name")),
                            "where": ref("where"),
                            "between": between,
                        },
                        ["event"],
                    ),
                },
            ),
            "breakdown": breakdown,
            "kpi": prop(
                "KPI",
                "The indicator this funnel measures (e.g. sign-up rate) and its target.",
                obj(
                    {
                        "name": prop("Name", "Name of the KPI.", ref("label")),
                        "target": prop("Target", 'Target conversion, e.g. "5%".', ref("percent")),
                    }
                ),
            ),
        },
        ["steps"],
        where_defs(),
    )


def map_schema() -> Schema:
    stage = obj(
        {
            "actions": strings("Actions", "What the customer does in this phase."),
            "touchpoints": ids("Touchpoints", "Touchpoint ids where the customer meets the brand."),
            "thoughts": strings("Thoughts", "What the customer thinks and feels."),
            "emotion": prop(
                "Emotion",
                "How the customer feels, from -2 (very negative) to +2 (very positive).",
                obj(
                    {
                        "score": prop(
                            "Score",
                            "From -2 to +2.",
                            {"type": "integer", "minimum": -2, "maximum": 2},
                        ),
                        "note": prop("Note", "The feeling in words.", ref("label")),
                    },
                    ["score"],
                ),
            ),
            "info_needs": strings("Information needs", "What the customer needs to know."),
            "pain_points": strings("Pain points", "What holds the customer back."),
            "measures": strings("Measures", "What we do to move the customer to the next phase."),
            "kpis": prop(
                "KPIs",
                "Funnels that measure this phase; shown with numbers when a log is given.",
                {
                    "type": "array",
                    "items": obj(
                        {
                            "funnel": prop("Funnel", "A funnel id.", ref("id")),
                            "name": prop("Name", "Display name of the KPI.", ref("label")),
                        },
                        ["funnel"],
                    ),
                },
            ),
            "journeys": ids("Journeys", "Journey ids active in this phase."),
        }
    )
    return document(
        "map",
        "cjo journey map",
        "A persona's journey map across the lifecycle phases.",
        {
            "persona": prop("Persona", "Whose map this is.", ref("id")),
            "phases": prop(
                "Phases", "The phases document whose phases are the columns.", ref("id")
            ),
            "theme": prop(
                "Theme",
                "What the map is about: the product, where it starts and the goal.",
                obj(
                    {
                        "product": prop("Product", "The product or service.", ref("label")),
                        "start": prop("Start", "Where the journey starts.", ref("label")),
                        "goal": prop("Goal", "Where the journey should end.", ref("label")),
                    }
                ),
            ),
            "stages": prop(
                "Stages",
                "Phase id → what happens in that phase.",
                {"type": "object", "propertyNames": ref("id"), "additionalProperties": stage},
            ),
        },
        ["persona", "phases", "stages"],
        {},
    )


def policy_schema() -> Schema:
    cap = obj(
        {
            "channel": prop(
                "Channel",
                "The channel capped, or `any` for all channels.",
                {"enum": ["any", *CHANNELS]},
            ),
            "max": prop("Max", "Most sends in the period.", {"type": "integer", "minimum": 0}),
            "per": prop("Per", "The period.", ref("duration")),
        },
        ["channel", "max", "per"],
    )
    return document(
        "policy",
        "cjo policy",
        "Workspace-wide limits shared by all journeys.",
        {
            "frequency_caps": prop(
                "Frequency caps",
                "Caps on sends per customer across all journeys.",
                {"type": "array", "items": cap},
            ),
            "quiet_hours": quiet_hours(),
            "default_tz": prop(
                "Default time zone",
                "The zone of a customer without a valid `timezone` attribute, where a time "
                "says `tz: customer`.",
                {"type": "string", "minLength": 1},
            ),
            "priority": ids(
                "Priority", "Journey ids, first wins when two want to send at the same moment."
            ),
        },
        [],
        {},
    )


def test_schema() -> Schema:
    instant = {
        "type": "string",
        "minLength": 1,
        "description": 'An ISO 8601 time with a zone ("2026-06-01T10:00:00Z"), or "+1h30m": '
        "that long after the previous event.",
    }
    event = obj(
        {
            "at": prop("At", "When the event happens.", instant),
            "event": prop("Event", "The event name.", ref("event_name")),
            "properties": prop("Properties", "The event's properties.", {"type": "object"}),
        },
        ["at", "event"],
    )
    touchpoints = {
        "type": "array",
        "items": {
            "anyOf": [
                ref("id"),
                obj(
                    {
                        "touchpoint": prop("Touchpoint", "The touchpoint id.", ref("id")),
                        "at": prop(
                            "At",
                            'When it is sent: an instant, or "+1h30m" after the entry.',
                            {"type": "string", "minLength": 1},
                        ),
                    },
                    ["touchpoint"],
                ),
            ]
        },
    }
    expect = obj(
        {
            "entered": prop("Entered", "Whether the customer enters.", {"type": "boolean"}),
            "path": ids("Path", "The steps visited, in order (every entry)."),
            "sends": prop("Sends", "The touchpoints sent, in order.", touchpoints),
            "capped": prop("Capped", "The sends skipped by a frequency cap.", touchpoints),
            "deferred": prop("Deferred", "The sends held by quiet hours first.", touchpoints),
            "not_sent": prop(
                "Not sent", "The sends held by quiet hours until the entry ended.", touchpoints
            ),
            "converted": prop("Converted", "Whether the customer converts.", {"type": "boolean"}),
            "exit": prop(
                "Exit",
                "How the last entry ends: goal, exit_event, end (its exit step; `exit_step` "
                "says the same) or censored.",
                {"enum": ["goal", "exit_event", "end", "exit_step", "censored"]},
            ),
        },
        [],
        minProperties=1,
    )
    return document(
        "test",
        "cjo test",
        "One customer's story through a journey and what must happen: run by `cjo test`.",
        {
            "journey": prop("Journey", "The journey under test.", ref("id")),
            "journeys": prop(
                "Journeys",
                "`all` replays every journey of the workspace too (caps and priorities).",
                {"const": "all"},
            ),
            "customer": prop(
                "Customer",
                "The customer's traits, as a --customers file gives them.",
                {"type": "object"},
            ),
            "group": prop(
                "Group", "treated (default) or holdout.", {"enum": ["treated", "holdout"]}
            ),
            "variant": prop("Variant", "Pins the journey's ab steps to this variant.", ref("id")),
            "until": prop(
                "Until",
                "When the story's log ends (default: its last event); timers due by then fire.",
                instant,
            ),
            "events": prop(
                "Events",
                "The customer's events, in time order.",
                {"type": "array", "items": event, "minItems": 1},
            ),
            "expect": prop(
                "Expect", "What must happen; unset expectations are not checked.", expect
            ),
        },
        ["journey", "events", "expect"],
        {},
    )


def build() -> dict[str, Schema]:
    return {
        "phases": phases_schema(),
        "touchpoint": touchpoint_schema(),
        "persona": persona_schema(),
        "journey": journey_schema(),
        "funnel": funnel_schema(),
        "map": map_schema(),
        "policy": policy_schema(),
        "test": test_schema(),
    }


def render(schema: Schema) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for kind, schema in build().items():
        path = OUT / f"{kind}.json"
        text = render(schema)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date, run python scripts/build_schemas.py:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
