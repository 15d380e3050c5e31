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

import numpy as np
import numpy.typing as npt
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
            yield _lines_table(chunk, next_row, rejects)
            next_row += chunk.count(b"\n") + 1
        if carry:
            yield _lines_table(carry, next_row, rejects)


def _lines_table(chunk: bytes, first_row: int, rejects: Rejects) -> pa.Table:
    """(row, raw) for the non-blank lines of a chunk whose first line is `first_row`.

    A chunk of valid UTF-8 (nearly all of them) is split into lines by Arrow, in C, and
    its arrays are built from buffers: `pa.array` on Python lists costs more per line,
    and its first call imports pandas where pandas is installed (about 0.4 s). A chunk
    with bytes that are not UTF-8 goes line by line (`_decode_lines`), which rejects
    those lines. Both give the same rows (tests/events/test_lines.py holds them equal).
    """
    try:
        # Python's own check, so that exactly the same chunks take the fast path.
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        numbers, texts = _decode_lines(chunk, first_row, rejects)
        return pa.table({"row": pa.array(numbers, pa.int64()), "raw": pa.array(texts, pa.string())})
    # Imported here: about 0.1 s that a report of Parquet logs need not pay.
    import pyarrow.compute as pc

    whole = pa.Array.from_buffers(
        pa.string(),
        1,
        [None, pa.py_buffer(np.array([0, len(chunk)], np.int32)), pa.py_buffer(chunk)],
    )
    lines = pc.split_pattern(whole, pattern="\n").flatten()
    # A "\r" before the "\n" (a CRLF file) ends the line; it is not part of the row.
    crlf = pc.ends_with(lines, pattern="\r")
    if pc.any(crlf).as_py():
        lines = pc.if_else(crlf, pc.utf8_slice_codeunits(lines, 0, -1), lines)
    keep = _non_blank(lines)
    if not keep.all():
        lines = lines.take(_int64_array(np.flatnonzero(keep)))
    rows = np.flatnonzero(keep).astype(np.int64) + first_row
    return pa.table({"row": _int64_array(rows), "raw": lines})


def _non_blank(lines: pa.StringArray) -> npt.NDArray[np.bool_]:
    """Which lines are not blank (str.strip() leaves something). A line starting with a
    visible ASCII character certainly is not; the others (rare) are asked in Python."""
    count = len(lines)
    offsets = np.frombuffer(
        lines.buffers()[1], dtype=np.int32, count=count + 1, offset=lines.offset * 4
    )
    data = np.frombuffer(lines.buffers()[2] or b"\0", dtype=np.uint8)
    starts, lengths = offsets[:-1], offsets[1:] - offsets[:-1]
    first = data[np.minimum(starts, len(data) - 1)]
    keep = (lengths > 0) & (first >= 0x21) & (first <= 0x7E)
    for index in np.flatnonzero(~keep):
        keep[index] = bool(str(lines[int(index)].as_py()).strip())
    return keep


def _int64_array(values: npt.NDArray[np.int64]) -> pa.Array:
    """An Arrow int64 array over a numpy array's buffer (no `pa.array`: see above)."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


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
