"""Event-log formats: how each export's columns become the canonical event.

The canonical event is (`customer_id`, `event`, `ts` TIMESTAMPTZ in UTC,
`properties` JSON object). JSON-lines exports are read as raw lines and each
format is a set of SQL expressions over the parsed line `j` (a DuckDB JSON
value); expressions are constant SQL written here, never built from user data.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cjo_cli.events.compressed import open_log, plain_name
from cjo_cli.events.lines import refuse_wide_text
from cjo_cli.events.parquet_view import parquet_columns
from cjo_cli.events.tables import EventLogError, UnknownLogFormat

# Timestamps written as text: ISO 8601 with or without an offset. A naive one is
# UTC (the session's TimeZone is pinned to UTC).
_TEXT_TS = "try_cast({x} AS TIMESTAMPTZ)"
# Epoch seconds (Mixpanel) or milliseconds (newer Mixpanel exports) as a number.
# Numbers no clock can mean (nan, inf, 1e17) become ±infinity, which the range rule
# of `tables.ts_reason` rejects, instead of failing the whole load.
_EPOCH_TS = (
    "CASE WHEN isnan({d}) THEN NULL"
    " WHEN {d} >= 1e14 THEN 'infinity'::TIMESTAMPTZ WHEN {d} <= -1e14 THEN '-infinity'::TIMESTAMPTZ"
    " WHEN {d} > 1e11 THEN to_timestamp({d} / 1000) ELSE to_timestamp({d}) END"
).replace("{d}", "try_cast({x} AS DOUBLE)")
# GA4's event_timestamp: microseconds since the epoch, as a number or a string.
_MICROS_TS = (
    "CASE WHEN {us} >= 1e17 THEN 'infinity'::TIMESTAMPTZ"
    " WHEN {us} <= -1e17 THEN '-infinity'::TIMESTAMPTZ"
    " ELSE make_timestamp({us})::TIMESTAMPTZ END"
).replace("{us}", "try_cast({x} AS BIGINT)")

_GA4_PARAMS_TYPE = (
    '[{"key":"VARCHAR","value":{"string_value":"VARCHAR","int_value":"BIGINT",'
    '"float_value":"DOUBLE","double_value":"DOUBLE"}}]'
)
# A GA4 row whose event_params is not a list of {key, value} with distinct text keys
# is a reject: a map of them cannot be built, and dropping an item would lose data.
_GA4_PARAMS_REASON = (
    "CASE WHEN json_type(j, '$.event_params') IS NULL"
    " OR json_type(j, '$.event_params') = 'NULL' THEN NULL"
    " WHEN json_type(j, '$.event_params') <> 'ARRAY' THEN 'event_params is not a list'"
    " WHEN len(list_filter(json_extract(j, '$.event_params[*]'),"
    " lambda p: json_type(p, '$.key') IS DISTINCT FROM 'VARCHAR')) > 0"
    " THEN 'an event_params item has no text key'"
    " WHEN len(list_distinct(list_transform(json_extract(j, '$.event_params[*]'),"
    " lambda p: json_extract_string(p, '$.key')))) < json_array_length(j, '$.event_params')"
    " THEN 'event_params names a key twice' END"
)
# Only evaluated for rows that pass the check (CASE picks rows before it computes).
_GA4_PARAMS = (
    f"CASE WHEN ({_GA4_PARAMS_REASON}) IS NULL THEN "
    "to_json(map_from_entries(list_transform("
    f"from_json(j->'event_params', '{_GA4_PARAMS_TYPE}'),"
    " lambda p: {'key': p.key, 'value': coalesce(to_json(p.value.string_value),"
    " to_json(p.value.int_value), to_json(p.value.double_value), to_json(p.value.float_value))})))"
    " END"
)


def _with_context(properties: str, fields: Sequence[tuple[str, str]]) -> str:
    """The event's own properties over context fields (name, SQL giving JSON): a field
    the row does not have is left out (merging a JSON null removes the key), and an
    event property of the same name wins. Only when the properties are an object (or
    absent): anything else stays as it is, to be rejected."""
    pairs = ", ".join(f"'{name}', {value}" for name, value in fields)
    context = f"json_merge_patch('{{}}', json_object({pairs}))"
    return (
        f"CASE WHEN ({properties}) IS NULL OR json_type({properties}) = 'NULL' THEN {context}"
        f" WHEN json_type({properties}) = 'OBJECT' THEN json_merge_patch({context}, {properties})"
        f" ELSE {properties} END"
    )


def _nested(prefix: str, base: str, keys: Sequence[str]) -> list[tuple[str, str]]:
    """`prefix.key` for each key of the JSON object at `base` (SQL)."""
    return [(f"{prefix}.{key}", f"{base}->'{key}'") for key in keys]


# Segment's context: https://segment.com/docs/connections/spec/common/#context
_SEGMENT_CONTEXT = [
    *_nested(
        "context.campaign",
        "j->'context'->'campaign'",
        ("source", "medium", "name", "term", "content"),
    ),
    *_nested(
        "context.page", "j->'context'->'page'", ("path", "url", "referrer", "title", "search")
    ),
    *_nested("context.device", "j->'context'->'device'", ("type", "manufacturer", "model")),
    *_nested("context.os", "j->'context'->'os'", ("name", "version")),
    ("context.locale", "j->'context'->'locale'"),
    ("context.timezone", "j->'context'->'timezone'"),
]
# GA4's event row: https://support.google.com/analytics/answer/7029846
_GA4_CONTEXT = [
    ("platform", "j->'platform'"),
    *_nested("traffic_source", "j->'traffic_source'", ("source", "medium", "name")),
    *_nested("device", "j->'device'", ("category", "operating_system", "language")),
    ("device.browser", "j->'device'->'web_info'->'browser'"),
    *_nested("geo", "j->'geo'", ("country", "region", "city")),
    *_nested(
        "ecommerce", "j->'ecommerce'", ("purchase_revenue", "transaction_id", "total_item_quantity")
    ),
    ("items", "j->'items'"),
]
# Amplitude's export row: https://amplitude.com/docs/apis/analytics/export
_AMPLITUDE_CONTEXT = [
    (key, f"j->'{key}'")
    for key in ("platform", "os_name", "device_type", "country", "region", "city", "language")
]
# Amplitude's user_properties, each as `user.KEY` (the keys are the project's own).
_AMPLITUDE_USER = (
    "CASE WHEN json_type(j, '$.user_properties') = 'OBJECT' THEN to_json(map_from_entries("
    "list_transform(json_keys(j, '$.user_properties'), lambda k: {'key': 'user.' || k, "
    "'value': json_extract(j->'user_properties', "
    "'/' || replace(replace(k, '~', '~0'), '/', '~1'))}))) END"
)


def scalar_reason(labels: Sequence[str]) -> str:
    """SQL rejecting a row whose id, name or time field holds an array, an object or a
    boolean: as text it would be a made-up id, not a person. Each label's JSON path is
    a parameter (twice, in order: see `scalar_params`)."""
    branches = " ".join(
        "WHEN json_type(j, ?) IN ('ARRAY', 'OBJECT', 'BOOLEAN') THEN "
        f"{_sql_text(label)} || ' is a JSON ' || lower(json_type(j, ?)) || ', not text or a number'"
        for label in labels
    )
    return f"CASE {branches} END"


def scalar_params(paths: Sequence[str]) -> list[str]:
    return [path for path in paths for _ in range(2)]


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


NO_ID = "NULL::VARCHAR"
"""The id expression of a format whose rows carry no such id."""


@dataclass(frozen=True)
class JsonFormat:
    """A JSON-lines export: SQL expressions over the parsed line `j`."""

    name: str
    title: str
    known_id: str
    """The known (logged-in) id, or NULL."""
    event: str
    ts_text: str
    """The raw timestamp as text, for the reject reason."""
    ts: str
    properties: str
    scalars: tuple[tuple[str, str], ...]
    """(label, JSON path) of the fields that must be text or numbers (`scalar_reason`)."""
    skip_reason: str | None = None
    """A SQL expression giving a reject reason for rows that are not events (or NULL)."""
    shape_reason: str | None = None
    """A SQL expression giving a reject reason for a malformed field (or NULL)."""
    required_keys: tuple[str, ...] = ()
    """Top-level keys whose presence identifies the format when sniffing."""
    anonymous_id: str = NO_ID
    """The anonymous (device, cookie) id: the customer when no known id is given."""
    link_ids: tuple[str, ...] = ()
    """Other anonymous ids a row with a known id links to it (Segment alias's
    previousId, Mixpanel's $device_id), besides `anonymous_id` (see `identity`)."""
    message_id: str = NO_ID
    """The vendor's id of the message: a second row with it is a duplicate delivery
    (at-least-once delivery), not a second event."""

    @property
    def has_anonymous_ids(self) -> bool:
        return self.anonymous_id != NO_ID or bool(self.link_ids)

    @property
    def has_message_ids(self) -> bool:
        return self.message_id != NO_ID

    @property
    def customer_id(self) -> str:
        """The customer of a row before identities are stitched."""
        return f"coalesce({self.known_id}, {self.anonymous_id})"


JSON_FORMATS: dict[str, JsonFormat] = {
    "jsonl": JsonFormat(
        name="jsonl",
        title="canonical JSON lines (customer_id, event, ts, properties)",
        known_id="j->>'customer_id'",
        event="j->>'event'",
        ts_text="j->>'ts'",
        ts=_TEXT_TS.format(x="j->>'ts'"),
        properties="j->'properties'",
        scalars=(("customer_id", "$.customer_id"), ("event", "$.event"), ("ts", "$.ts")),
        required_keys=("customer_id", "event", "ts"),
    ),
    "segment": JsonFormat(
        name="segment",
        title="Segment / RudderStack (track, page and screen calls)",
        known_id="j->>'userId'",
        anonymous_id="j->>'anonymousId'",
        message_id="j->>'messageId'",
        link_ids=("j->>'previousId'",),
        event=(
            "CASE j->>'type' WHEN 'track' THEN j->>'event' WHEN 'page' THEN 'page_view'"
            " WHEN 'screen' THEN 'screen_view' ELSE j->>'event' END"
        ),
        ts_text="coalesce(j->>'timestamp', j->>'originalTimestamp', j->>'receivedAt')",
        ts=_TEXT_TS.format(
            x="coalesce(j->>'timestamp', j->>'originalTimestamp', j->>'receivedAt')"
        ),
        properties=_with_context(
            "CASE WHEN j->>'name' IS NOT NULL AND json_type(j->'properties') = 'OBJECT'"
            " THEN json_merge_patch(j->'properties', json_object('name', j->>'name'))"
            " ELSE j->'properties' END",
            _SEGMENT_CONTEXT,
        ),
        skip_reason=(
            "CASE WHEN j->>'type' IN ('identify', 'group', 'alias')"
            " THEN 'not an event: a Segment ' || (j->>'type') || ' call"
            " (profile traits belong in the customers file)' END"
        ),
        scalars=(
            ("userId", "$.userId"),
            ("anonymousId", "$.anonymousId"),
            ("event", "$.event"),
            ("timestamp", "$.timestamp"),
        ),
        required_keys=("type",),
    ),
    "mixpanel": JsonFormat(
        name="mixpanel",
        title="Mixpanel export (event, properties.distinct_id, properties.time)",
        # Simplified ID merge: $user_id once identified, distinct_id `$device:ID` before.
        known_id="json_extract_string(j, '/properties/$user_id')",
        # Mixpanel deduplicates on event, distinct_id, time and $insert_id together.
        message_id=(
            "CASE WHEN json_extract_string(j, '/properties/$insert_id') IS NOT NULL THEN"
            " concat_ws(' ', j->>'event', j->'properties'->>'distinct_id',"
            " j->'properties'->>'time', json_extract_string(j, '/properties/$insert_id')) END"
        ),
        anonymous_id="j->'properties'->>'distinct_id'",
        link_ids=(
            "json_extract_string(j, '/properties/$device_id')",
            "'$device:' || json_extract_string(j, '/properties/$device_id')",
        ),
        event="j->>'event'",
        ts_text="j->'properties'->>'time'",
        ts=_EPOCH_TS.format(x="j->'properties'->>'time'"),
        properties="j->'properties'",
        scalars=(
            ("distinct_id", "$.properties.distinct_id"),
            ("$user_id", "$.properties.$user_id"),
            ("event", "$.event"),
            ("time", "$.properties.time"),
        ),
        required_keys=("event", "properties"),
    ),
    "amplitude": JsonFormat(
        name="amplitude",
        title="Amplitude export (event_type, user_id or device_id, event_time)",
        known_id="j->>'user_id'",
        # Amplitude's own merge of a person's devices and ids, when the row has it.
        anonymous_id=(
            "CASE WHEN j->>'amplitude_id' IS NOT NULL THEN 'amplitude_id:' || (j->>'amplitude_id')"
            " ELSE j->>'device_id' END"
        ),
        link_ids=("j->>'device_id'",),
        # $insert_id is what Amplitude itself deduplicates by; uuid is unique per event.
        message_id="coalesce(json_extract_string(j, '/$insert_id'), j->>'uuid')",
        event="j->>'event_type'",
        ts_text="j->>'event_time'",
        ts=_TEXT_TS.format(x="j->>'event_time'"),
        properties=_with_context(
            "CASE WHEN json_type(j, '$.event_properties') = 'OBJECT' THEN "
            f"json_merge_patch(coalesce({_AMPLITUDE_USER}, '{{}}'), j->'event_properties') "
            "WHEN json_type(j, '$.event_properties') IS NULL "
            "OR json_type(j, '$.event_properties') = 'NULL' "
            f"THEN {_AMPLITUDE_USER} ELSE j->'event_properties' END",
            _AMPLITUDE_CONTEXT,
        ),
        scalars=(
            ("user_id", "$.user_id"),
            ("device_id", "$.device_id"),
            ("event_type", "$.event_type"),
            ("event_time", "$.event_time"),
        ),
        required_keys=("event_type", "event_time"),
    ),
    "ga4": JsonFormat(
        name="ga4",
        title="GA4 BigQuery export (event_name, event_timestamp µs, event_params)",
        known_id="j->>'user_id'",
        anonymous_id="j->>'user_pseudo_id'",
        event="j->>'event_name'",
        ts_text="j->>'event_timestamp'",
        ts=_MICROS_TS.format(x="j->>'event_timestamp'"),
        properties=_with_context(_GA4_PARAMS, _GA4_CONTEXT),
        scalars=(
            ("user_id", "$.user_id"),
            ("user_pseudo_id", "$.user_pseudo_id"),
            ("event_name", "$.event_name"),
            ("event_timestamp", "$.event_timestamp"),
        ),
        shape_reason=_GA4_PARAMS_REASON,
        required_keys=("event_name", "event_timestamp"),
    ),
}

TABULAR_FORMATS = {
    "csv": "canonical CSV (customer_id, event, ts, properties; other columns become properties)",
    "parquet": "canonical Parquet (customer_id, event, ts, properties)",
}

FORMATS = ("auto", *JSON_FORMATS, *TABULAR_FORMATS)


def sniff_json_keys(keys: set[str], properties_keys: set[str]) -> str | None:
    """Which JSON format a first record with these keys is, or None."""
    if {"event_name", "event_timestamp"} <= keys:
        return "ga4"
    if {"event_type", "event_time"} <= keys:
        return "amplitude"
    if "type" in keys and ({"userId", "anonymousId"} & keys):
        return "segment"
    if {"customer_id", "event", "ts"} <= keys:
        return "jsonl"
    if {"event", "properties"} <= keys and {"distinct_id", "time"} <= properties_keys:
        return "mixpanel"
    return None


def is_parquet(path: Path) -> bool:
    """Does the file start with Parquet's magic bytes? (False when it cannot be read:
    the reader that opens it next says why.)"""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PAR1"
    except OSError:
        return False


def _sniff_parquet(path: Path) -> str:
    """`ga4` for the BigQuery export schema, else the canonical `parquet`."""
    # DuckDB reads the footer: pyarrow.parquet would cost 0.05 s of imports on every report.
    try:
        with duckdb.connect() as con:
            names = set(parquet_columns(con, str(path)))
    except EventLogError:  # unreadable: the Parquet reader says why, with the file's name
        return "parquet"
    return "ga4" if {"event_name", "event_timestamp"} <= names and "ts" not in names else "parquet"


def sniff(path: Path) -> str:
    """The format of a log file, from its name and its first record."""
    name = plain_name(path.name).lower()
    if name.endswith(".parquet") or is_parquet(path):
        return _sniff_parquet(path)
    if name.endswith((".csv", ".tsv")):
        return "csv"
    try:
        refuse_wide_text(path)
        with open_log(path) as handle:
            for number, raw in enumerate(handle):
                if number == 0:
                    raw = raw.removeprefix(codecs.BOM_UTF8)
                if raw.strip():
                    first = json.loads(raw.decode("utf-8"))
                    break
            else:
                raise EventLogError(f"{path}: the file is empty")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnknownLogFormat(
            f"{path}: cannot tell the format from the first line ({exc})"
        ) from exc
    if not isinstance(first, dict):
        raise UnknownLogFormat(f"{path}: the first line is not a JSON object")
    props = first.get("properties")
    found = sniff_json_keys(set(first), set(props) if isinstance(props, dict) else set())
    if found is None:
        raise UnknownLogFormat(
            f"{path}: the first record's keys ({', '.join(sorted(first)[:8])}) match no known "
            "export"
        )
    return found


def with_formats(paths: Sequence[Path], log_format: str = "auto") -> list[tuple[Path, str]]:
    """Each file with its format: `log_format`, or under auto each file's own, sniffed
    once (the readers take the formats as given)."""
    return [(path, sniff(path) if log_format == "auto" else log_format) for path in paths]
