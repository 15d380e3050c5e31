"""The inputs commands read, one way each: the workspace, the event log and the
customers file, from the options every command shares (`options.py`).

`log_input` checks the log options and sniffs each file's format once; `open_log`
opens it in DuckDB, `spark_log` in Spark. Readers' errors gain the option that fixes it.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cjo_cli.errors import UsageError

if TYPE_CHECKING:
    from cjo_cli.events.customers import CustomersSummary
    from cjo_cli.events.database import Connection
    from cjo_cli.events.reject_limit import RejectLimit
    from cjo_cli.events.tables import LoadSummary
    from cjo_cli.model import Workspace
    from cjo_cli.spark.read import SparkLog

Picked = TypeVar("Picked")


# ---- the workspace --------------------------------------------------------------------


def workspace(path: Path) -> Workspace:
    """The workspace's model; WorkspaceInvalid (exit 1, with the findings) on errors."""
    from cjo_cli.spec.workspace import load_workspace

    if not path.is_dir():
        raise UsageError(f"no workspace directory {path}; give --workspace")
    return load_workspace(path)


def pick_documents(kind: str, documents: Mapping[str, Picked], ids: list[str]) -> list[Picked]:
    """The named documents of one kind, in the given order (all of them when none is
    named); an unknown id is a usage error with the known ones and a suggestion."""
    from cjo_cli.spec.suggest import did_you_mean

    if not ids:
        if not documents:
            raise UsageError(f"the workspace has no {kind}s")
        return list(documents.values())
    picked = []
    for wanted in ids:
        if wanted not in documents:
            known = ", ".join(sorted(documents)) or "none"
            raise UsageError(
                f"no {kind} {wanted!r} ({kind}s: {known}){did_you_mean(wanted, documents)}"
            )
        picked.append(documents[wanted])
    return picked


# ---- option values --------------------------------------------------------------------


def parse_time(text: str | None, flag: str) -> int | None:
    """An ISO date or time as µs since the epoch; a naive one is UTC (as in the logs)."""
    from cjo_cli.model.clock import parse_instant

    if text is None:
        return None
    try:
        return parse_instant(text)
    except (ValueError, OverflowError) as exc:
        raise UsageError(f"bad {flag} {text!r}: use an ISO date or time, e.g. 2026-06-01") from exc


def parse_mapping(items: list[str]) -> dict[str, str]:
    """`--map customer_id=user_id` → {"customer_id": "user_id"}."""
    from cjo_cli.events.tables import MAPPABLE

    mapping: dict[str, str] = {}
    for item in items:
        target, sep, source = item.partition("=")
        if not sep or target not in MAPPABLE or not source:
            raise UsageError(
                f"bad --map {item!r}: use CANONICAL=SOURCE with CANONICAL one of "
                + ", ".join(MAPPABLE)
            )
        mapping[target] = source
    return mapping


def expand_logs(items: list[str]) -> list[Path]:
    """`--log` values as files: globs expanded (sorted), each file once."""
    paths: list[Path] = []
    for item in items:
        if any(char in item for char in "*?[") and not Path(item).exists():
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise UsageError(f"--log {item}: no file matches")
            paths += [Path(match) for match in matches]
        else:
            paths.append(Path(item))
    # The same file under two spellings (log.jsonl, ./log.jsonl, a link to it) is one
    # file: read twice, every event would count double.
    unique: dict[Path, Path] = {}
    for path in paths:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def check_output_file(path: Path, flag: str) -> None:
    """A file a command will write: not a directory, in a directory that exists and that
    we may write in (checked before the work, not found out after it)."""
    import os

    parent = path.resolve().parent
    if path.is_dir():
        raise UsageError(f"{flag} {path}: is a directory; give a file name")
    if path.exists() and not path.is_file():
        return  # a device or a pipe (/dev/stdout): written in place, not beside
    if not parent.is_dir():
        raise UsageError(f"{flag} {path}: directory {parent} does not exist")
    # The file is written beside its name and renamed: the directory must be writable.
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: directory {parent} is not writable")


def refuse_duckdb_options(**given: object) -> None:
    """Options that only the embedded engine has are an error with --engine spark."""
    used = [name for name, value in given.items() if value not in (None, False, [], ())]
    if used:
        flags = ", ".join(f"--{name.replace('_', '-')}" for name in used)
        raise UsageError(f"{flags}: only with --engine duckdb (the embedded engine)")


# ---- the log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LogInput:
    """A log as the options give it: each file with its format, sniffed once."""

    files: tuple[tuple[Path, str], ...]
    mapping: dict[str, str]
    limit: RejectLimit
    customers: Path | None
    sniffed: bool
    """The formats were told from the files (--log-format auto)."""
    stitch: bool = True
    """Anonymous ids linked to a known id become that customer (--identity stitch)."""
    rejects_file: Path | None = None
    """Where to write every rejected row as CSV (--rejects)."""
    source_tz: str | None = None
    """The zone of a Mixpanel export's local `time` (--source-tz)."""

    @property
    def paths(self) -> list[Path]:
        return [path for path, _ in self.files]

    @property
    def formats(self) -> list[str]:
        return sorted({fmt for _, fmt in self.files})


@contextmanager
def _hints() -> Iterator[None]:
    """Readers' errors, with the option that fixes each."""
    from cjo_cli.events.load import MappingNotApplicable
    from cjo_cli.events.reject_limit import TooManyRejects
    from cjo_cli.events.tables import EventLogError, MissingColumns, UnknownLogFormat

    try:
        yield
    except UnknownLogFormat as exc:
        raise EventLogError(f"{exc}; give --log-format") from exc
    except MissingColumns as exc:
        raise EventLogError(f"{exc}; use --map CANONICAL=COLUMN") from exc
    except MappingNotApplicable as exc:
        raise UsageError(f"--map: {exc}") from exc
    except TooManyRejects as exc:
        first = "".join(f"\n  {file}:{row}: {reason}" for file, row, reason in exc.examples)
        raise EventLogError(
            f"could not read {exc.unreadable:,} of {exc.total:,} rows, more than --max-rejects "
            f"{exc.limit.text}; the log is mostly unreadable or needs --log-format/--map. "
            f"The first:{first}\n(--rejects FILE.csv writes them all)"
        ) from exc


def log_input(
    logs: list[str] | None,
    log_format: str,
    column_map: list[str] | None,
    max_rejects: str,
    customers: Path | None = None,
    identity: str = "stitch",
    rejects_file: Path | None = None,
    source_tz: str | None = None,
) -> LogInput:
    """Usage errors in the log options, before anything is read; each file's format."""
    from cjo_cli.events.formats import FORMATS, with_formats
    from cjo_cli.events.reject_limit import RejectLimit

    if not logs:
        raise UsageError("give the event log with --log FILE (several, or a glob, are fine)")
    if log_format not in FORMATS:
        raise UsageError(f"unknown --log-format {log_format!r}; one of: {', '.join(FORMATS)}")
    mapping = parse_mapping(column_map or [])
    try:
        limit = RejectLimit.parse(max_rejects)
    except ValueError as exc:
        raise UsageError(
            f"bad --max-rejects {max_rejects!r}: use a share such as 1% or a count"
        ) from exc
    paths = expand_logs(logs)
    for path in paths:
        if not path.is_file():
            raise UsageError(f"--log {path}: no such file")
    if customers is not None and not customers.is_file():
        raise UsageError(f"--customers {customers}: no such file")
    with _hints():
        files = tuple(with_formats(paths, log_format))
    if rejects_file is not None:
        check_output_file(rejects_file, "--rejects")
    if source_tz is not None:
        _check_source_tz(source_tz, [fmt for _, fmt in files])
    return LogInput(
        files,
        mapping,
        limit,
        customers,
        log_format == "auto",
        identity == "stitch",
        rejects_file,
        source_tz,
    )


def _check_source_tz(zone: str, formats: list[str]) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if "mixpanel" not in formats:
        raise UsageError("--source-tz applies to Mixpanel exports (--log-format mixpanel) only")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UsageError(
            f"--source-tz {zone!r}: not a time zone (use an IANA name such as Asia/Tokyo)"
        ) from exc


@dataclass(frozen=True)
class OpenedLog:
    summary: LoadSummary
    customers: CustomersSummary | None


def open_log(
    con: Connection,
    given: LogInput,
    *,
    copy: bool,
    quiet: bool = False,
    check_properties: bool = True,
) -> OpenedLog:
    """Load the log (or, for Parquet when nothing is kept, scan it in place) and the
    customers file; say what was read and rejected; exit 2 when too much was unreadable.
    `check_properties`: False when nothing the run computes reads the properties (a
    Parquet log read in place then skips checking that they are JSON objects)."""
    from cjo_cli.events.customers import load_customers
    from cjo_cli.events.load import load_events
    from cjo_cli.events.parquet_view import scan_parquet
    from cjo_cli.events.reject_limit import TooManyRejects, check_rejects
    from cjo_cli.events.tables import read_in_place, reject_rows
    from cjo_cli.output import progress

    if given.sniffed and not quiet:
        progress.note(f"log format: {', '.join(given.formats)} (sniffed)")
    with _hints(), progress.reading(given.paths, quiet) as done:
        # In place unless a copy is asked for (--db).
        if read_in_place(given.formats, given.mapping) and not copy:
            summary = scan_parquet(con, given.paths, given.mapping, done, check_properties)
        else:
            summary = load_events(
                con, given.files, given.mapping, done, given.stitch, source_tz=given.source_tz
            )
    if not quiet:
        progress.note(_log_line(summary))
        if summary.merged:
            progress.note(_identities_line(summary.merged, summary.conflicts))
    if given.rejects_file is not None:
        _write_rejects(given.rejects_file, reject_rows(con))
    with _hints():
        try:
            check_rejects(summary, given.limit)
        except TooManyRejects as exc:
            exc.examples = tuple(row[:3] for row in reject_rows(con, 5, unreadable_only=True))
            raise
    people = None
    if given.customers is not None:
        people = load_customers(con, given.customers)
        if not quiet:
            progress.note(_customers_line(people))
    return OpenedLog(summary, people)


def _write_rejects(path: Path, rows: list[tuple[str, int, str, str]]) -> None:
    from cjo_cli.output.files import write_text_atomically
    from cjo_cli.output.funnel_report import rejects_csv

    write_text_atomically(path, rejects_csv(rows))


def _log_line(summary: LoadSummary) -> str:
    line = f"log: read {summary.read:,}, rejected {summary.rejected:,}"
    notes = []
    if summary.duplicates:
        notes.append(f"{summary.duplicates:,} of them duplicate deliveries of a message")
    if summary.rejected:
        notes.append("--rejects FILE.csv lists them; --db keeps a rejects table")
    if not summary.properties_checked:
        notes.append("properties not checked: no funnel reported reads them")
    return line + (f" ({'; '.join(notes)})" if notes else "")


def _identities_line(merged: int, conflicts: int) -> str:
    ids = "anonymous id" if merged == 1 else "anonymous ids"
    line = f"identities: {merged:,} {ids} stitched to known customers"
    if conflicts:
        line += f" ({conflicts:,} linked to several known ids: the first link kept)"
    return line


def _customers_line(people: CustomersSummary) -> str:
    line = f"customers: {people.customers:,}"
    if people.rejected:
        line += f" (rejected {people.rejected:,} of {people.rows:,} rows; see the rejects table)"
    return line


@dataclass
class SparkInput:
    log: SparkLog
    traits: dict[str, dict[str, Any]]


@contextmanager
def spark_log(
    given: LogInput, master: str, conf: list[str], check_properties: bool = True
) -> Iterator[SparkInput]:
    """A Spark session with the log read on the workers (and the customers' traits);
    stopped afterwards. `check_properties`: as `open_log`'s."""
    from cjo_cli.events.customers import read_traits
    from cjo_cli.events.reject_limit import TooManyRejects, check_rejects
    from cjo_cli.events.tables import NOT_AN_EVENT
    from cjo_cli.output import progress
    from cjo_cli.spark.read import read_events
    from cjo_cli.spark.session import parse_conf, running_session, spark_session

    settings = parse_conf(conf)
    traits: dict[str, dict[str, Any]] = {}
    if given.customers is not None:
        traits, people = read_traits(given.customers)
        progress.note(_customers_line(people))
    running = running_session()
    if running is None:
        progress.note(f"spark: starting {master}")
        session = spark_session(master, settings)
    else:
        # Called in a process that runs Spark already: its session, as its owner set it.
        where = running.sparkContext.master
        progress.note(f"spark: using this process's running session ({where})")
        session = running
    log = None
    try:
        with _hints():
            files, stitch, zone = list(given.files), given.stitch, given.source_tz
            log = read_events(session, files, given.mapping, stitch, zone, check_properties)
        progress.note(_log_line(log.summary))
        if log.summary.merged:
            progress.note(_identities_line(log.summary.merged, log.summary.conflicts))
        if given.rejects_file is not None:
            rows = log.rejects.orderBy("file", "row").collect()
            found = [(r["file"], int(r["row"]), r["reason"], r["raw"] or "") for r in rows]
            _write_rejects(given.rejects_file, found)
        with _hints():
            try:
                check_rejects(log.summary, given.limit)
            except TooManyRejects as exc:
                first = (
                    log.rejects.where(~log.rejects["reason"].startswith(NOT_AN_EVENT))
                    .orderBy("file", "row")
                    .take(5)
                )
                exc.examples = tuple((r["file"], int(r["row"]), r["reason"]) for r in first)
                raise
        yield SparkInput(log, traits)
    finally:
        if log is not None:
            log.release()
        if running is None:
            session.stop()


@contextmanager
def database(
    db: Path | None = None, threads: int | None = None, memory_limit: str | None = None
) -> Iterator[Connection]:
    """The DuckDB database a command works in; with `db`, written atomically there."""
    from cjo_cli.events.database import Settings, check_memory_limit, open_database

    if memory_limit is not None:
        try:
            memory_limit = check_memory_limit(memory_limit)
        except UsageError as exc:
            raise UsageError(f"--memory-limit: {exc}") from exc
    if db is not None:
        check_output_file(db, "--db")
    with open_database(db, Settings(threads=threads, memory_limit=memory_limit)) as con:
        yield con
