"""What a run's inputs lack, said on stderr before its numbers: the events its documents
name that the log never shows, and the customer attributes it compares when no
`--customers` file was given. Without these, a typo or a missing file prints zeros that
look like measurements."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cjo_cli.model import JourneyMap, Workspace

if TYPE_CHECKING:
    from cjo_cli.events.database import Connection


def map_documents(jmap: JourneyMap) -> tuple[list[str], list[str]]:
    """The funnels and journeys a measured map reads."""
    funnels = [ref.funnel for stage in jmap.stages.values() for ref in stage.kpis]
    journeys = [j for stage in jmap.stages.values() for j in stage.journeys]
    return list(dict.fromkeys(funnels)), list(dict.fromkeys(journeys))


def warn_unmet(
    con: Connection,
    ws: Workspace,
    funnels: Iterable[str] = (),
    journeys: Iterable[str] = (),
    customers_given: bool = True,
) -> int:
    """Warn of what the run's documents need and the inputs lack; how many warnings."""
    from cjo_cli.events.tables import distinct_events
    from cjo_cli.output import progress
    from cjo_cli.spec.rules.log_events import concerned, events_missing_from_log, trait_readers

    owners = concerned(ws, funnels, journeys)
    count = 0
    for finding in events_missing_from_log(ws, distinct_events(con), owners=owners):
        progress.warn(f"warning: {finding.message} ({finding.path}:{finding.line}:{finding.col})")
        count += 1
    if not customers_given:
        for what, attributes in trait_readers(ws, owners):
            names = ", ".join(attributes)
            progress.warn(
                f"warning: {what} compares customer attributes ({names}) and no --customers "
                "file was given: no customer has them, so only `ne` comparisons hold; pass "
                "--customers FILE.csv with those columns"
            )
            count += 1
    return count
