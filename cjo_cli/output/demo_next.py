"""The end of `cjo demo`: the commands that run the same loop on one's own export.

Apart from `demo_report` (the demo's numbers), so that the two change independently.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

OWN_EXPORT: tuple[tuple[str, str], ...] = (
    ("cjo init", "journeys/ with one document of each kind, and the CI files"),
    ("cjo validate journeys/", "after each edit: file:line:col findings"),
    ("cjo test journeys/", "the journeys' tests: customer stories and what must happen"),
    ("cjo validate journeys/ --log export.jsonl", "does the log hold the events they name?"),
    ("cjo report --log export.jsonl", "the funnels, measured"),
    ("cjo simulate --log export.jsonl --customers customers.csv", "the journeys, replayed"),
    ("cjo map first_timer_map --log export.jsonl", "the journey map, with the numbers"),
)
FORMATS_NOTE = (
    "The log's format is sniffed (JSON lines, CSV, Parquet, Segment, Mixpanel, Amplitude, "
    "GA4); --log-format says it, --map names your columns: docs/exports/<vendor>.md."
)


def own_export_text() -> Text:
    """Each command under its comment: a line a shell runs whole, however narrow the
    terminal (the longest is 60 columns), and a comment that is harmless if pasted."""
    text = Text("\n")
    text.append("On your own export:", style="bold")
    for command, what in OWN_EXPORT:
        text.append(f"\n  # {what}", style="dim")
        text.append("\n  ")
        text.append(command, style="cyan")
    return text


def print_own_export(console: Console | None = None) -> None:
    # soft_wrap: a command line is never cut in two, so that it pastes into a shell whole.
    console = console or Console(highlight=False)
    console.print(own_export_text(), soft_wrap=True)
    console.print(FORMATS_NOTE)
