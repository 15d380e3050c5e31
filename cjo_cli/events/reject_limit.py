"""How many unreadable rows a log may have before it proves nothing.

A limit is a share of the rows ("1%") or a count ("250"). Readable rows that are
not events (a Segment identify call) are rejects too, so that nothing goes
missing, but they are not held against the limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cjo_cli.events.tables import EventLogError, LoadSummary

_SHARE = re.compile(r"\+?[0-9]+(\.[0-9]+)?\s*%")
_COUNT = re.compile(r"\+?[0-9]+")


class TooManyRejects(EventLogError):
    """More rows could not be read than the limit allows."""

    def __init__(
        self,
        unreadable: int,
        total: int,
        limit: RejectLimit,
        examples: tuple[tuple[str, int, str], ...] = (),
    ) -> None:
        self.unreadable = unreadable
        self.total = total
        self.limit = limit
        self.examples = examples
        """The first unreadable rows: (file, row, reason)."""
        super().__init__(
            f"could not read {unreadable:,} of {total:,} rows, more than the limit of "
            f"{limit.text}; the log is mostly unreadable or needs another format or column "
            "mapping"
        )


@dataclass(frozen=True)
class RejectLimit:
    text: str
    share: float | None = None
    """A fraction of all rows (0.01 for "1%"), or None for a count."""
    count: int = 0

    @classmethod
    def parse(cls, text: str) -> RejectLimit:
        """ "1%", "0.5%" or "250"; ValueError for anything else."""
        cleaned = text.strip()
        # Digits only: float() and int() would also take "nan", "inf", "1_000" and "1e3".
        if _SHARE.fullmatch(cleaned):
            share = float(cleaned[:-1]) / 100
            if not 0 <= share <= 1:
                raise ValueError(f"{text!r} is not a share between 0% and 100%")
            return cls(cleaned, share=share)
        if not _COUNT.fullmatch(cleaned):
            raise ValueError(f"{text!r} is neither a share such as 1% nor a count")
        count = int(cleaned)
        if count < 0:
            raise ValueError(f"{text!r} is a negative count")
        return cls(cleaned, count=count)

    def allowed(self, total: int) -> float:
        return self.share * total if self.share is not None else float(self.count)


def check_rejects(summary: LoadSummary, limit: RejectLimit) -> None:
    """Raise TooManyRejects when more rows were unreadable than `limit` allows."""
    total = summary.read + summary.rejected
    if summary.unreadable > limit.allowed(total):
        raise TooManyRejects(summary.unreadable, total, limit)
