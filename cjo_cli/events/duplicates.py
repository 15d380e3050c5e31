"""Second deliveries of a message (the vendor's message id read before) as rejects.

Vendors deliver at least once. While a log is read, `seen_messages` holds the message
ids of the accepted rows; a later row with one of them, in this batch or file or an
earlier one, becomes a reject naming the first (`tables.DUPLICATE`).
"""

from __future__ import annotations

import duckdb

from cjo_cli.events.tables import DUPLICATE

CREATE_SEEN = (
    'CREATE TEMP TABLE IF NOT EXISTS seen_messages (message_id VARCHAR, file VARCHAR, "row" BIGINT)'
)


# One parallel CREATE, not UPDATEs (which DuckDB runs on one thread): a row already
# rejected, or without a message id, keeps its reason; a message id read in an earlier
# batch or file, or in an earlier row of this batch, makes the row a duplicate.
_MARK_DUPLICATES = """
CREATE OR REPLACE TEMP TABLE marked AS
SELECT s.* EXCLUDE (reason, first_row),
    CASE
        WHEN s.reason IS NOT NULL OR s.message_id IS NULL THEN s.reason
        WHEN seen.file IS NOT NULL
            THEN $1 || s.message_id || ', first read at ' || seen.file || ':' || seen."row"
        WHEN s."row" > s.first_row
            THEN $1 || s.message_id || ', first read at ' || $2 || ':' || s.first_row
    END AS reason
FROM (
    SELECT *, min(CASE WHEN reason IS NULL THEN "row" END)
        OVER (PARTITION BY message_id) AS first_row
    FROM staged
) s
LEFT JOIN seen_messages seen ON s.reason IS NULL AND s.message_id = seen.message_id
"""


def mark_duplicates(con: duckdb.DuckDBPyConnection, file: str) -> None:
    """Turn second deliveries of a message into rejects; remember the first ones."""
    ((any_ids,),) = con.execute(
        "SELECT count(*) > 0 FROM staged WHERE reason IS NULL AND message_id IS NOT NULL"
    ).fetchall()
    if not any_ids:
        return
    con.execute(_MARK_DUPLICATES, [DUPLICATE, file])
    con.execute("DROP TABLE staged")
    con.execute("ALTER TABLE marked RENAME TO staged")
    con.execute(
        'INSERT INTO seen_messages SELECT message_id, ?, "row" FROM staged '
        "WHERE reason IS NULL AND message_id IS NOT NULL",
        [file],
    )
