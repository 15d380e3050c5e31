"""One customer per person: a visitor who browses anonymously, logs in and then orders
is one customer, for every vendor, with rows written as each vendor documents them.

- Segment identify/alias/track/page: https://segment.com/docs/connections/spec/identify/,
  https://segment.com/docs/connections/spec/alias/ (RudderStack writes the same shape:
  https://www.rudderstack.com/docs/event-spec/standard-events/identify/)
- Amplitude Export API (user_id, device_id, event_time):
  https://amplitude.com/docs/apis/analytics/export
- GA4 BigQuery export (user_pseudo_id, user_id, event_timestamp in µs):
  https://support.google.com/analytics/answer/7029846
- Mixpanel raw export with simplified ID merge (distinct_id `$device:…` before login,
  `$device_id` and `$user_id` on identified events):
  https://docs.mixpanel.com/docs/tracking-methods/id-management/identifying-users-simplified
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjo_cli.events.load import load_events
from cjo_cli.events.tables import connect

T0 = 1_785_578_400  # 2026-08-01T10:00:00Z


def iso(offset: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(T0 + offset, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


SEGMENT = [
    {"type": "page", "anonymousId": "a-1", "name": "Home", "properties": {}, "timestamp": iso(0)},
    {
        "type": "track",
        "anonymousId": "a-1",
        "event": "product_view",
        "properties": {"sku": "s1"},
        "timestamp": iso(60),
    },
    {
        "type": "identify",
        "anonymousId": "a-1",
        "userId": "u-1",
        "traits": {"email": "lisa@example.com"},
        "timestamp": iso(120),
    },
    {
        "type": "track",
        "userId": "u-1",
        "event": "purchase",
        "properties": {"revenue": 4200},
        "timestamp": iso(600),
    },
]
AMPLITUDE = [
    {
        "event_type": "product_view",
        "device_id": "d-1",
        "user_id": None,
        "event_time": "2026-08-01 10:01:00.000000",
        "amplitude_id": 9001,
        "event_properties": {"sku": "s1"},
    },
    {
        "event_type": "login",
        "device_id": "d-1",
        "user_id": "u-1",
        "event_time": "2026-08-01 10:02:00.000000",
        "amplitude_id": 9001,
        "event_properties": {},
    },
    {
        "event_type": "purchase",
        "device_id": "d-2",
        "user_id": "u-1",
        "event_time": "2026-08-01 10:10:00.000000",
        "amplitude_id": 9001,
        "event_properties": {"revenue": 4200},
    },
]
GA4 = [
    {
        "event_name": "view_item",
        "event_timestamp": str((T0 + 60) * 1_000_000),
        "user_pseudo_id": "1234.5678",
        "event_params": [{"key": "page_location", "value": {"string_value": "/p/s1"}}],
    },
    {
        "event_name": "login",
        "event_timestamp": str((T0 + 120) * 1_000_000),
        "user_pseudo_id": "1234.5678",
        "user_id": "u-1",
        "event_params": [],
    },
    {
        "event_name": "purchase",
        "event_timestamp": str((T0 + 600) * 1_000_000),
        "user_pseudo_id": "9999.0000",
        "user_id": "u-1",
        "event_params": [{"key": "value", "value": {"double_value": 42.0}}],
    },
]
MIXPANEL = [
    {
        "event": "product_view",
        "properties": {"time": T0 + 60, "distinct_id": "$device:d-1", "$device_id": "d-1"},
    },
    {
        "event": "$identify",
        "properties": {
            "time": T0 + 120,
            "distinct_id": "u-1",
            "$device_id": "d-1",
            "$user_id": "u-1",
        },
    },
    {
        "event": "purchase",
        "properties": {"time": T0 + 600, "distinct_id": "u-1", "$user_id": "u-1"},
    },
]
VENDORS = {"segment": SEGMENT, "amplitude": AMPLITUDE, "ga4": GA4, "mixpanel": MIXPANEL}


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def customers_of(tmp_path: Path, fmt: str, rows: list[dict[str, Any]], stitch: bool = True) -> Any:
    con = connect()
    summary = load_events(
        con, [(write(tmp_path / f"{fmt}.jsonl", rows), fmt)], stitch_identities=stitch
    )
    found = con.execute("SELECT DISTINCT customer_id FROM events ORDER BY 1").fetchall()
    return summary, [customer for (customer,) in found], con


def test_each_vendor_stitches_the_anonymous_visit_to_the_buyer(tmp_path: Path) -> None:
    for fmt, rows in VENDORS.items():
        summary, customers, _ = customers_of(tmp_path, fmt, rows)
        assert customers == ["u-1"], fmt
        assert (summary.merged, summary.conflicts) >= (1, 0), fmt


def test_without_stitching_the_visit_and_the_order_are_two_customers(tmp_path: Path) -> None:
    for fmt, rows in VENDORS.items():
        _, customers, _ = customers_of(tmp_path, fmt, rows, stitch=False)
        assert len(customers) >= 2, fmt


def test_the_identities_table_says_where_each_link_was_first_seen(tmp_path: Path) -> None:
    _, _, con = customers_of(tmp_path, "segment", SEGMENT)
    assert con.execute(
        "SELECT anonymous_id, customer_id, strftime(first_linked_at, '%H:%M'), \"row\", "
        "known_ids FROM identities"
    ).fetchall() == [("a-1", "u-1", "10:02", 3, 1)]


def test_a_segment_alias_links_the_previous_id(tmp_path: Path) -> None:
    rows = [
        {"type": "track", "anonymousId": "old", "event": "view", "timestamp": iso(0)},
        {"type": "alias", "previousId": "old", "userId": "u-9", "timestamp": iso(10)},
        {"type": "track", "userId": "u-9", "event": "buy", "timestamp": iso(20)},
    ]
    _, customers, _ = customers_of(tmp_path, "segment", rows)
    assert customers == ["u-9"]


def test_an_anonymous_id_linked_to_two_people_stays_with_the_first(tmp_path: Path) -> None:
    # A shared device: two logins. Its anonymous events go to the first known id.
    rows = [
        {"type": "track", "anonymousId": "shared", "event": "view", "timestamp": iso(0)},
        {"type": "identify", "anonymousId": "shared", "userId": "u-2", "timestamp": iso(50)},
        {"type": "identify", "anonymousId": "shared", "userId": "u-1", "timestamp": iso(30)},
    ]
    summary, customers, con = customers_of(tmp_path, "segment", rows)
    assert customers == ["u-1"]
    assert (summary.merged, summary.conflicts) == (1, 1)
    assert con.execute("SELECT known_ids FROM identities").fetchall() == [(2,)]


def test_a_canonical_log_with_an_anonymous_column_is_stitched(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "user,anon,event,ts\n,c-1,view,2026-08-01T10:00:00Z\nu-1,c-1,buy,2026-08-01T10:05:00Z\n",
        encoding="utf-8",
    )
    con = connect()
    mapping = {"customer_id": "user", "anonymous_id": "anon"}
    summary = load_events(con, [(path, "csv")], mapping)
    assert summary.merged == 1
    assert con.execute("SELECT customer_id, properties::VARCHAR FROM events").fetchall() == [
        ("u-1", "{}"),
        ("u-1", "{}"),
    ]


def test_a_log_without_anonymous_ids_is_read_as_before() -> None:
    sample = Path(__file__).resolve().parents[2] / "samples" / "events.jsonl"
    found = []
    for stitch in (True, False):
        con = connect()
        summary = load_events(con, [(sample, "jsonl")], stitch_identities=stitch)
        found.append((summary.read, con.execute('SELECT * FROM events ORDER BY "row"').fetchall()))
    assert found[0] == found[1]


PEOPLE = st.lists(
    st.tuples(st.sampled_from(["a1", "a2", "a3"]), st.sampled_from([None, "u1", "u2"])),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=PEOPLE, seed=st.integers(0, 1000), cut=st.integers(0, 12))
def test_stitching_does_not_depend_on_row_order_or_file_split(
    tmp_path: Path, rows: list[tuple[str, str | None]], seed: int, cut: int
) -> None:
    # Distinct times: the first link is then the earliest, whatever the order of rows.
    records = [
        {
            "type": "track",
            "anonymousId": anon,
            "userId": user,
            "event": f"e{n}",
            "timestamp": iso(n),
        }
        for n, (anon, user) in enumerate(rows)
    ]

    def stitched(parts: list[list[dict[str, Any]]]) -> list[tuple[Any, ...]]:
        con = connect()
        files = [
            (write(tmp_path / f"part{i}.jsonl", part), "segment") for i, part in enumerate(parts)
        ]
        load_events(con, files)
        return sorted(con.execute("SELECT customer_id, event FROM events").fetchall())

    shuffled = records[:]
    random.Random(seed).shuffle(shuffled)
    assert stitched([records]) == stitched([shuffled[:cut], shuffled[cut:]])


def test_amplitudes_own_person_id_joins_a_device_that_never_logged_in(tmp_path: Path) -> None:
    # Amplitude has already merged both devices into amplitude_id 42; only the second
    # one logs in. Its resolved id carries the first device's events to the user.
    rows = [
        {
            "event_type": "view",
            "device_id": "phone",
            "amplitude_id": 42,
            "event_time": "2026-08-01 10:00:00",
        },
        {
            "event_type": "buy",
            "device_id": "laptop",
            "user_id": "u-7",
            "amplitude_id": 42,
            "event_time": "2026-08-01 11:00:00",
        },
        {
            "event_type": "view",
            "device_id": "tablet",
            "amplitude_id": 43,
            "event_time": "2026-08-01 12:00:00",
        },
    ]
    _, customers, _ = customers_of(tmp_path, "amplitude", rows)
    assert customers == ["amplitude_id:43", "u-7"]
