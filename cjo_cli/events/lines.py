"""Reading text files as numbered lines and CSV records, losing nothing.

DuckDB's own readers skip or stop at rows they cannot read and then cannot say
which source row an accepted row came from; these readers number every row
and turn every unreadable one into a reject with its reason, and hand the rest
to DuckDB as Arrow batches.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from cjo_cli.events.compressed import open_log, plain_name
from cjo_cli.events.tables import EventLogError

CHUNK_BYTES = 32 * 1024 * 1024

_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def refuse_wide_text(path: Path) -> None:
    """EventLogError for a UTF-16 or UTF-32 file (Excel's "Unicode text", PowerShell's
    default): read as UTF-8 every line of it would be a reject, and its NUL bytes would
    split lines where the file has none."""
    with open_log(path) as handle:
        head = handle.read(4096)
    encoding = next((name for bom, name in _WIDE_BOMS if head.startswith(bom)), None)
    if encoding is None and len(head) >= 8 and head.count(0) * 4 >= len(head):
        encoding = "UTF-16"  # no byte-order mark, but every other byte is NUL
    if encoding is not None:
        raise EventLogError(
            f"{path}: the file is {encoding} text; cjo reads UTF-8. Convert it first, e.g. "
            f"iconv -f {encoding} -t UTF-8 {path.name} > {path.stem}.utf8{path.suffix}"
        )


@dataclass
class Rejects:
    """Rows that could not be read, with their row number, raw text and reason."""

    rows: list[int] = field(default_factory=list)
    raws: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add(self, row: int, raw: str, reason: str) -> None:
        self.rows.append(row)
        self.raws.append(raw)
        self.reasons.append(reason)

    def table(self, file: str) -> pa.Table:
        return pa.table(
            {
                "file": pa.array([file] * len(self.rows), pa.string()),
                "row": pa.array(self.rows, pa.int64()),
                "raw": pa.array(self.raws, pa.string()),
                "reason": pa.array(self.reasons, pa.string()),
            }
        )


def _decode_lines(chunk: bytes, first_row: int, rejects: Rejects) -> tuple[list[int], list[str]]:
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError:
        rows, lines = [], []
        for offset, raw in enumerate(chunk.split(b"\n")):
            try:
                line = raw.decode("utf-8").removesuffix("\r")
            except UnicodeDecodeError as exc:
                shown = raw.decode("utf-8", errors="replace").removesuffix("\r")
                reason = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
                rejects.add(first_row + offset, shown, reason)
                continue
            if line.strip():
                rows.append(first_row + offset)
                lines.append(line)
        return rows, lines
    rows, lines = [], []
    for offset, line in enumerate(text.split("\n")):
        if line.strip():
            rows.append(first_row + offset)
            lines.append(line.removesuffix("\r"))
    return rows, lines


def numbered_lines(path: Path, rejects: Rejects) -> Iterator[pa.Table]:
    """Batches of (row, raw) for the non-blank lines of a file; row is the 1-based line."""
    refuse_wide_text(path)
    with open_log(path) as handle:
        carry = handle.read(3).removeprefix(b"\xef\xbb\xbf")
        next_row = 1
        while True:
            block = handle.read(CHUNK_BYTES)
            if not block:
                break
            data = carry + block
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            chunk, carry = data[:cut], data[cut + 1 :]
            rows, lines = _decode_lines(chunk, next_row, rejects)
            next_row += chunk.count(b"\n") + 1
            yield pa.table({"row": pa.array(rows, pa.int64()), "raw": pa.array(lines, pa.string())})
        if carry:
            rows, lines = _decode_lines(carry, next_row, rejects)
            yield pa.table({"row": pa.array(rows, pa.int64()), "raw": pa.array(lines, pa.string())})


class _CountingLines:
    """Lines of a text file that remember which physical lines the current record took."""

    def __init__(self, lines: Iterator[tuple[int, str]]) -> None:
        self.lines = lines
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _CountingLines:
        return self

    def __next__(self) -> str:
        number, line = next(self.lines)
        self.taken.append((number, line))
        return line

    def record_start(self) -> int:
        return self.taken[0][0] if self.taken else 0

    def record_text(self) -> str:
        return "".join(text for _, text in self.taken).rstrip("\r\n")


def delimiter_of(path: Path) -> str:
    """A tab for a `.tsv` file (compressed or not), else a comma."""
    return "\t" if plain_name(path.name).lower().endswith(".tsv") else ","


def csv_records(path: Path, rejects: Rejects) -> tuple[list[str], Iterator[pa.Table]]:
    """The header and batches of CSV (or, for `.tsv`, tab-separated) records (row = the
    record's first line), exactly.

    Records with the wrong number of columns, a stray quote or bytes that are not
    UTF-8 become rejects; reading goes on with the next line.
    """
    text_lines = _text_lines(path, rejects)
    source = _CountingLines(text_lines)
    delimiter = delimiter_of(path)
    reader = csv.reader(source, strict=True, delimiter=delimiter)
    try:
        header = next(reader)
        source.taken = []
    except StopIteration:
        return [], iter(())
    width = len(header)

    def batches() -> Iterator[pa.Table]:
        nonlocal reader
        columns: list[list[str]] = [[] for _ in range(width)]
        rows: list[int] = []
        while True:
            source.taken = []
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                rejects.add(source.record_start(), source.record_text(), f"bad CSV: {exc}")
                reader = csv.reader(source, strict=True, delimiter=delimiter)
                continue
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line is not a row
            start = source.record_start()
            if len(record) != width:
                rejects.add(
                    start, source.record_text(), f"expected {width} columns, found {len(record)}"
                )
                continue
            rows.append(start)
            for column, value in zip(columns, record, strict=True):
                column.append(value)
            if len(rows) >= 500_000:
                yield _record_table(rows, columns)
                columns = [[] for _ in range(width)]
                rows = []
        if rows:
            yield _record_table(rows, columns)

    return header, batches()


def _record_table(rows: list[int], columns: list[list[str]]) -> pa.Table:
    data = {"row": pa.array(rows, pa.int64())}
    for index, values in enumerate(columns):
        data[f"c{index}"] = pa.array(values, pa.string())
    return pa.table(data)


def _text_lines(path: Path, rejects: Rejects) -> Iterator[tuple[int, str]]:
    """The lines of a file with their line ends, undecodable lines rejected (and skipped)."""
    refuse_wide_text(path)
    with open_log(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                shown = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                reason = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
                rejects.add(number, shown, reason)
