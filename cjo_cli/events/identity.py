"""One customer per person: anonymous ids stitched to the known id they were linked to.

Vendor exports carry an anonymous id (Segment `anonymousId`, Amplitude `device_id`,
GA4 `user_pseudo_id`, Mixpanel `distinct_id` / `$device_id`) before login and the
known id after. A row that carries both links them (so does a Segment identify or
alias call, which is not an event itself). After every file is read, each anonymous
id linked to a known id becomes that customer, its earlier and later events included:

    identities(anonymous_id, customer_id, first_linked_at, file, "row", known_ids)

An anonymous id linked to two or more known ids stays with the first link (by time,
then file and row order) and counts as a conflict (`known_ids` > 1). Links are one
level deep: a known id that is itself linked on (a Segment alias of a user id) takes
its own events along, not those of the anonymous ids linked to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

CREATE_LINKS = (
    "CREATE TEMP TABLE IF NOT EXISTS identity_links (anonymous_id VARCHAR, "
    'customer_id VARCHAR, ts TIMESTAMPTZ, file VARCHAR, file_index INTEGER, "row" BIGINT)'
)

# The links of the rows of `staged` (columns known_id, anonymous_id, link_ids, ts, row).
INSERT_LINKS = """
INSERT INTO identity_links
SELECT anonymous_id, known_id, ts, ?, ?, "row" FROM (
    SELECT known_id, ts, "row", unnest(list_prepend(anonymous_id, link_ids)) AS anonymous_id
    FROM staged WHERE known_id IS NOT NULL AND trim(known_id) <> ''
)
WHERE anonymous_id IS NOT NULL AND trim(anonymous_id) <> '' AND anonymous_id <> known_id
"""

_RESOLVE = """
CREATE OR REPLACE TABLE identities AS
SELECT anonymous_id, customer_id, ts AS first_linked_at, file, "row", known_ids
FROM (
    SELECT *,
        row_number() OVER (
            PARTITION BY anonymous_id ORDER BY ts NULLS LAST, file_index, "row"
        ) AS place,
        count(DISTINCT customer_id) OVER (PARTITION BY anonymous_id) AS known_ids
    FROM identity_links
)
WHERE place = 1
ORDER BY anonymous_id
"""


@dataclass(frozen=True)
class Stitched:
    merged: int = 0
    """Anonymous ids whose events now belong to a known customer."""
    conflicts: int = 0
    """Of them, those linked to more than one known id (the first link kept)."""


def resolve(con: duckdb.DuckDBPyConnection) -> Stitched:
    """The `identities` table from the links gathered so far."""
    con.execute(CREATE_LINKS)
    con.execute(_RESOLVE)
    ((merged, conflicts),) = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE known_ids > 1) FROM identities"
    ).fetchall()
    return Stitched(int(merged), int(conflicts))


def stitch(con: duckdb.DuckDBPyConnection) -> Stitched:
    """Resolve the links and give each anonymous id's events to its customer (no
    `identities` table when the log has no links: a canonical log gets none)."""
    ((links,),) = con.execute("SELECT count(*) FROM identity_links").fetchall()
    if not links:
        return Stitched()
    found = resolve(con)
    if found.merged:
        con.execute(
            "UPDATE events SET customer_id = i.customer_id FROM identities i "
            "WHERE events.customer_id = i.anonymous_id"
        )
    return found
