"""What a command says on stderr while it works: notes, warnings and progress bars.

Progress bars show only on a terminal; notes always (unless the command is quiet),
so that a CI log says what was read and rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from cjo_cli.output.text import rich_text, visible


def _stderr() -> Console:
    # soft_wrap: a note is one line in a CI log however long it is.
    return Console(stderr=True, highlight=False, soft_wrap=True)


def note(text: str) -> None:
    """A line of information on stderr, printed as written (no markup, nothing hidden:
    a note may quote a file name or an id)."""
    _stderr().print(rich_text(text))


def warn(text: str) -> None:
    """A warning on stderr, in yellow."""
    _stderr().print(rich_text(text, style="yellow"))


def shows_progress() -> bool:
    """Whether stderr is a terminal (progress bars would be seen)."""
    return _stderr().is_terminal


@contextmanager
def reading(paths: Sequence[Path], quiet: bool = False) -> Iterator[Callable[[object], None]]:
    """A bar over the log files; call the callback when a file is done."""
    console = _stderr()
    with Progress(
        SpinnerColumn(),
        # The description is a file's name: never markup.
        TextColumn("reading {task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    ) as progress:
        task = progress.add_task(visible(paths[0].name) if paths else "", total=len(paths))

        def done(_: object) -> None:
            progress.advance(task)
            index = min(int(progress.tasks[0].completed), len(paths) - 1)
            progress.update(task, description=visible(paths[index].name))

        yield done


@contextmanager
def replaying(total: Callable[[], int], quiet: bool = False) -> Iterator[Callable[[int], None]]:
    """A bar over the events a replay reads (`total` is asked only on a terminal);
    call the callback with the events done so far."""
    console = _stderr()
    show = console.is_terminal and not quiet
    with Progress(
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        console=console,
        transient=True,
        disable=not show,
    ) as progress:
        task = progress.add_task("replay", total=total() if show else None)
        yield lambda done: progress.update(task, completed=done)
