"""Compressed logs as the vendors ship them, read as the text they hold.

gzip (Segment's S3 and warehouse files, BigQuery GZIP extracts), zstd, and zip
(Amplitude's Export API: a zip of one gzipped JSON file per hour) are told by their
first bytes, not by their names. A zip's members are read in name order as if
they were one file (a member that does not end its last line is given a line end),
so row numbers count the decompressed lines. A stream that fails to decompress
ends the read with an EventLogError naming the file and the cause.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from cjo_cli.events.tables import EventLogError

_MAGIC = ((b"\x1f\x8b", "gzip"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"PK\x03\x04", "zip"))
COMPRESSED_SUFFIXES = (".gz", ".gzip", ".zst", ".zstd", ".zip")


def compression(path: Path) -> str | None:
    """ "gzip", "zstd" or "zip" when the file's first bytes say so, else None."""
    with path.open("rb") as handle:
        head = handle.read(4)
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def plain_name(name: str) -> str:
    """The file name without a compression suffix: `events.csv.gz` → `events.csv`."""
    lowered = name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name


_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, zipfile.BadZipFile)
_OPEN_ERRORS: tuple[type[BaseException], ...] = (*_ERRORS, ValueError)


class _Checked(io.RawIOBase):
    """A decompressing stream whose failures are EventLogErrors naming the file."""

    def __init__(self, source: Any, path: Path, kind: str) -> None:
        self.source = source
        self.path = path
        self.kind = kind

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self.source.read(len(buffer))
        except Exception as exc:  # zstandard's errors are not in _ERRORS
            if isinstance(exc, _ERRORS) or type(exc).__name__ == "ZstdError":
                raise EventLogError(
                    f"{self.path}: the {self.kind} data cannot be decompressed ({exc}); "
                    "the file may be truncated or damaged"
                ) from exc
            raise
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.source.close()
        super().close()


class _Members(io.RawIOBase):
    """The members of a zip, one after another, each gunzipped when it is gzip."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names = sorted(i.filename for i in archive.infolist() if not i.is_dir())
        self.current: Any = None  # the open member: a ZipExtFile or a GzipFile over it
        self.last = b"\n"

    def readable(self) -> bool:
        return True

    def _open_next(self) -> bool:
        if not self.names:
            return False
        member: Any = self.archive.open(self.names.pop(0))  # a ZipExtFile, which can peek
        self.current = (
            gzip.GzipFile(fileobj=member) if member.peek(2)[:2] == b"\x1f\x8b" else member
        )
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while True:
            if self.current is None and not self._open_next():
                return 0
            assert self.current is not None
            data = self.current.read(len(buffer))
            if data:
                self.last = data[-1:]
                buffer[: len(data)] = data
                return len(data)
            self.current.close()
            self.current = None
            if self.last != b"\n":  # the member did not end its last line
                self.last = b"\n"
                buffer[:1] = b"\n"
                return 1

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
        self.archive.close()
        super().close()


class _Zstd(io.RawIOBase):
    """zstd frames one after another; a file that ends inside a frame is an error (the
    library's own stream reader returns what it has, and a truncated export would be
    read short without a word)."""

    def __init__(self, path: Path) -> None:
        import zstandard

        self.new = zstandard.ZstdDecompressor().decompressobj
        self.file = path.open("rb")
        self.frame = self.new()
        self.pending = b""
        self.in_frame = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self.pending:
            data = self.file.read(1 << 20)
            if not data:
                if self.in_frame:
                    raise EOFError("the file ends inside a zstd frame")
                return 0
            while data:
                self.in_frame = True
                self.pending += self.frame.decompress(data)
                data = b""
                if self.frame.eof:
                    data = self.frame.unused_data
                    self.frame = self.new()
                    self.in_frame = False
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def close(self) -> None:
        self.file.close()
        super().close()


@contextmanager
def open_log(path: Path) -> Iterator[BinaryIO]:
    """The file's bytes, decompressed when it is gzip, zstd or zip."""
    kind = compression(path)
    if kind is None:
        with path.open("rb") as handle:
            yield handle
        return
    source: Any
    try:
        if kind == "gzip":
            source = gzip.GzipFile(path, "rb")
        elif kind == "zstd":
            source = _Zstd(path)
        else:
            source = _Members(zipfile.ZipFile(path))
    except _OPEN_ERRORS as exc:
        raise EventLogError(f"{path}: not a readable {kind} file ({exc})") from exc
    stream = io.BufferedReader(_Checked(source, path, kind), buffer_size=1 << 20)
    try:
        yield stream
    finally:
        stream.close()
