"""Context as properties: where a visit came from and on what, as each vendor exports it,
usable in `where`, splits and `--by` like the event's own properties.

- Segment's common fields, `context.campaign`, `context.page`, `context.device`, ...:
  https://segment.com/docs/connections/spec/common/#context
- GA4 BigQuery export's `traffic_source`, `device`, `geo`, `ecommerce`, `items`:
  https://support.google.com/analytics/answer/7029846
- Amplitude Export API's `user_properties`, `platform`, `country`, ...:
  https://amplitude.com/docs/apis/analytics/export
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cjo_cli.events.load import load_events
from cjo_cli.events.tables import connect
from tests.conftest import REPO, RunCjo, json_of

SEGMENT = {
    "type": "track",
    "event": "product_view",
    "userId": "u1",
    "timestamp": "2026-08-01T10:00:00Z",
    "properties": {"sku": "s1", "context.locale": "mine"},
    "context": {
        "campaign": {"name": "TPS Newsletter", "source": "Newsletter", "medium": "email"},
        "page": {"path": "/academy/", "referrer": "", "url": "https://example.com/academy/"},
        "device": {"type": "ios"},
        "os": {"name": "iPhone OS", "version": "8.1.3"},
        "locale": "en-US",
        "ip": "8.8.8.8",
    },
}
GA4 = {
    "event_name": "purchase",
    "event_timestamp": "1785578400000000",
    "user_pseudo_id": "p1",
    "platform": "WEB",
    "event_params": [{"key": "value", "value": {"double_value": 42.0}}],
    "traffic_source": {"name": "(direct)", "medium": "(none)", "source": "(direct)"},
    "device": {
        "category": "desktop",
        "operating_system": "Windows",
        "web_info": {"browser": "Chrome"},
    },
    "geo": {"country": "Japan", "region": "Tokyo", "city": "Shibuya"},
    "ecommerce": {"purchase_revenue": 42.0, "transaction_id": "T1"},
    "items": [{"item_id": "s1", "quantity": 1}],
}
AMPLITUDE = {
    "event_type": "purchase",
    "user_id": "u1",
    "event_time": "2026-08-01 10:00:00.000000",
    "event_properties": {"price": 10, "user.plan": "from the event"},
    "user_properties": {"plan": "pro", "a/b": 1},
    "platform": "Web",
    "country": "Japan",
    "os_name": "Chrome",
}


def properties_of(tmp_path: Path, fmt: str, row: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    con = connect()
    assert load_events(con, [(path, fmt)]).read == 1
    ((text,),) = con.execute("SELECT properties FROM events").fetchall()
    found: dict[str, Any] = json.loads(text)
    return found


@pytest.mark.parametrize(
    ("fmt", "row", "expected"),
    [
        (
            "segment",
            SEGMENT,
            {
                "sku": "s1",
                "context.campaign.source": "Newsletter",
                "context.campaign.medium": "email",
                "context.campaign.name": "TPS Newsletter",
                "context.page.path": "/academy/",
                "context.page.referrer": "",
                "context.page.url": "https://example.com/academy/",
                "context.device.type": "ios",
                "context.os.name": "iPhone OS",
                "context.os.version": "8.1.3",
                "context.locale": "mine",  # the event's own property wins
            },
        ),
        (
            "ga4",
            GA4,
            {
                "value": 42.0,
                "platform": "WEB",
                "traffic_source.source": "(direct)",
                "traffic_source.medium": "(none)",
                "traffic_source.name": "(direct)",
                "device.category": "desktop",
                "device.operating_system": "Windows",
                "device.browser": "Chrome",
                "geo.country": "Japan",
                "geo.region": "Tokyo",
                "geo.city": "Shibuya",
                "ecommerce.purchase_revenue": 42.0,
                "ecommerce.transaction_id": "T1",
                "items": [{"item_id": "s1", "quantity": 1}],
            },
        ),
        (
            "amplitude",
            AMPLITUDE,
            {
                "price": 10,
                "user.plan": "from the event",
                "user.a/b": 1,
                "platform": "Web",
                "country": "Japan",
                "os_name": "Chrome",
            },
        ),
    ],
    ids=["segment", "ga4", "amplitude"],
)
def test_context_fields_become_properties(
    tmp_path: Path, fmt: str, row: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert properties_of(tmp_path, fmt, row) == expected


def test_no_context_adds_nothing(tmp_path: Path) -> None:
    bare = {k: v for k, v in SEGMENT.items() if k != "context"}
    assert properties_of(tmp_path, "segment", bare) == {"sku": "s1", "context.locale": "mine"}


def test_a_funnel_breaks_down_by_a_campaign_source(run_cjo: RunCjo, tmp_path: Path) -> None:
    rows = []
    for n, source in enumerate(["Newsletter", "Newsletter", "Instagram"]):
        for event, minute in (("product_view", 0), ("add_to_cart", 5)):
            if source == "Instagram" and event == "add_to_cart":
                continue
            row = {
                "type": "track",
                "event": event,
                "userId": f"u{n}",
                "timestamp": f"2026-08-01T10:{minute:02d}:00Z",
                "properties": {},
                "context": {"campaign": {"source": source}},
            }
            rows.append(json.dumps(row))
    log = tmp_path / "segment.jsonl"
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_cjo(
        "report",
        "product_to_cart",
        "-w",
        str(REPO / "journeys"),
        "--log",
        str(log),
        "--by",
        "context.campaign.source",
        "-f",
        "json",
    )
    (funnel,) = json_of(result)["funnels"]
    groups = {g["value"]: g["steps"][-1]["customers"] for g in funnel["breakdown"]["groups"]}
    assert groups == {"Newsletter": 2, "Instagram": 0}
