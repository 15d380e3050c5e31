"""Numbered lines and CSV records: every row numbered as editors count lines, every
unreadable row a reject with its reason, and reading goes on after it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli.events import lines
from cjo_cli.events.lines import Rejects, csv_records, delimiter_of, numbered_lines
from tests.conftest import examples


def read_lines(path: Path, data: bytes) -> tuple[list[tuple[int, str]], Rejects]:
    path.write_bytes(data)
    rejects = Rejects()
    got: list[tuple[int, str]] = []
    for batch in numbered_lines(path, rejects):
        assert batch.schema == pa.schema([("row", pa.int64()), ("raw", pa.string())])
        got.extend(
            zip(batch.column("row").to_pylist(), batch.column("raw").to_pylist(), strict=True)
        )
    return got, rejects


def read_csv(path: Path, data: bytes) -> tuple[list[str], list[dict[str, object]], Rejects]:
    path.write_bytes(data)
    rejects = Rejects()
    header, batches = csv_records(path, rejects)
    records = [record for batch in batches for record in batch.to_pylist()]
    return header, records, rejects


def listed(rejects: Rejects) -> list[tuple[int, str, str]]:
    return list(zip(rejects.rows, rejects.raws, rejects.reasons, strict=True))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a\nb\nc\n", [(1, "a"), (2, "b"), (3, "c")]),
        (b"a\nb\nc", [(1, "a"), (2, "b"), (3, "c")]),  # no final newline
        (b"a\n\n  \n\t\nb\n", [(1, "a"), (5, "b")]),  # blank lines: not rows, still counted
        (b"\n\na\n", [(3, "a")]),
        (b"a\r\nb\r\n\r\nc\r\n", [(1, "a"), (2, "b"), (4, "c")]),  # CRLF: the \r goes
        (b"\xef\xbb\xbfa\nb\n", [(1, "a"), (2, "b")]),  # a BOM is not part of line 1
        (b"\xef\xbb\xbf\na\n", [(2, "a")]),
        (b"  padded  \n", [(1, "  padded  ")]),  # kept as written
        (b"\xc3\xa9t\xc3\xa9\n", [(1, "été")]),
        (b"", []),
        (b"\n\n", []),
    ],
    ids=[
        "plain",
        "no-final-newline",
        "blank-lines",
        "leading-blanks",
        "crlf",
        "bom",
        "bom-then-blank",
        "spaces-kept",
        "utf8",
        "empty",
        "only-blank",
    ],
)
def test_numbered_lines(tmp_path: Path, data: bytes, expected: list[tuple[int, str]]) -> None:
    got, rejects = read_lines(tmp_path / "log.jsonl", data)
    assert got == expected
    assert listed(rejects) == []


def test_invalid_utf8_rows_are_rejected_and_the_rest_read(tmp_path: Path) -> None:
    data = b"one\n\xff\n\ntw\xc3o\nthree\n\xc3\xa9\xe9\n"
    got, rejects = read_lines(tmp_path / "log.jsonl", data)
    assert got == [(1, "one"), (5, "three")]
    assert listed(rejects) == [
        (2, "\ufffd", "not UTF-8 text (byte 0xff at column 1)"),
        (4, "tw\ufffdo", "not UTF-8 text (byte 0xc3 at column 3)"),
        (6, "é\ufffd", "not UTF-8 text (byte 0xe9 at column 3)"),
    ]


def test_invalid_utf8_after_a_bom_keeps_the_numbering(tmp_path: Path) -> None:
    got, rejects = read_lines(tmp_path / "log.jsonl", b"\xef\xbb\xbf\xff\nok\n")
    assert got == [(2, "ok")]
    assert listed(rejects) == [(1, "\ufffd", "not UTF-8 text (byte 0xff at column 1)")]


def test_crlf_lines_in_a_chunk_with_bad_bytes_lose_their_cr(tmp_path: Path) -> None:
    got, rejects = read_lines(tmp_path / "log.jsonl", b"a\r\n\xff\r\n\r\nb\r\n")
    assert got == [(1, "a"), (4, "b")]
    assert rejects.rows == [2]


def test_a_rejected_crlf_line_has_no_cr_in_its_raw_text(tmp_path: Path) -> None:
    _, rejects = read_lines(tmp_path / "log.jsonl", b"a\r\nb\xff\r\n")
    assert rejects.raws == ["b\ufffd"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_numbering_is_the_same_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(lines, "CHUNK_BYTES", chunk)
    data = b"\xef\xbb\xbfalpha\r\n\nbeta\n\xffgamma\n\n\ndelta\nlast"
    got, rejects = read_lines(tmp_path / "log.jsonl", data)
    assert got == [(1, "alpha"), (3, "beta"), (7, "delta"), (8, "last")]
    assert rejects.rows == [4]
    assert rejects.reasons == ["not UTF-8 text (byte 0xff at column 1)"]


def test_rejects_table() -> None:
    rejects = Rejects()
    rejects.add(3, "raw text", "why")
    rejects.add(9, "", "because")
    table = rejects.table("log.jsonl")
    assert table.schema == pa.schema(
        [("file", pa.string()), ("row", pa.int64()), ("raw", pa.string()), ("reason", pa.string())]
    )
    assert table.to_pylist() == [
        {"file": "log.jsonl", "row": 3, "raw": "raw text", "reason": "why"},
        {"file": "log.jsonl", "row": 9, "raw": "", "reason": "because"},
    ]
    assert Rejects().table("x").num_rows == 0


def test_csv_header_and_records(tmp_path: Path) -> None:
    header, records, rejects = read_csv(
        tmp_path / "log.csv", b"customer_id,event,ts\nc1,view,2026-01-01\nc2,buy,2026-01-02\n"
    )
    assert header == ["customer_id", "event", "ts"]
    assert records == [
        {"row": 2, "c0": "c1", "c1": "view", "c2": "2026-01-01"},
        {"row": 3, "c0": "c2", "c1": "buy", "c2": "2026-01-02"},
    ]
    assert listed(rejects) == []


def test_tsv_is_split_on_tabs(tmp_path: Path) -> None:
    """A `.tsv` (also gzipped: `.tsv.gz`) is tab-separated; a comma is then text."""
    text = b"customer_id\tevent\tts\nc1\tview, again\t2026-01-01\n"
    for name in ("log.tsv", "log.TSV"):
        header, records, rejects = read_csv(tmp_path / name, text)
        assert header == ["customer_id", "event", "ts"]
        assert records == [{"row": 2, "c0": "c1", "c1": "view, again", "c2": "2026-01-01"}]
        assert listed(rejects) == []
    assert delimiter_of(Path("a.tsv.gz")) == "\t" and delimiter_of(Path("a.csv")) == ","


def test_csv_quoted_newlines_keep_the_first_line_of_the_record(tmp_path: Path) -> None:
    data = b'a,b\n1,"two\nlines"\n"x, y","say ""hi"""\n3,"crlf\r\ninside"\r\n4,5\n'
    _, records, rejects = read_csv(tmp_path / "log.csv", data)
    assert records == [
        {"row": 2, "c0": "1", "c1": "two\nlines"},
        {"row": 4, "c0": "x, y", "c1": 'say "hi"'},
        {"row": 5, "c0": "3", "c1": "crlf\r\ninside"},
        {"row": 7, "c0": "4", "c1": "5"},
    ]
    assert listed(rejects) == []


def test_csv_wrong_column_counts_are_rejected(tmp_path: Path) -> None:
    data = b'a,b\n1,2\n1,2,3\n4\n"multi\nline",x,y\n5,6\n'
    _, records, rejects = read_csv(tmp_path / "log.csv", data)
    assert [record["row"] for record in records] == [2, 7]
    assert listed(rejects) == [
        (3, "1,2,3", "expected 2 columns, found 3"),
        (4, "4", "expected 2 columns, found 1"),
        (5, '"multi\nline",x,y', "expected 2 columns, found 3"),
    ]


def test_csv_blank_lines_are_not_records(tmp_path: Path) -> None:
    _, records, rejects = read_csv(tmp_path / "log.csv", b"a,b\r\n\r\n1,2\r\n   \r\n\n3,4\r\n")
    assert records == [{"row": 3, "c0": "1", "c1": "2"}, {"row": 6, "c0": "3", "c1": "4"}]
    assert listed(rejects) == []


def test_csv_empty_fields_are_a_record(tmp_path: Path) -> None:
    _, records, _ = read_csv(tmp_path / "log.csv", b"a,b\n,\n")
    assert records == [{"row": 2, "c0": "", "c1": ""}]


def test_csv_stray_quote_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    _, records, rejects = read_csv(tmp_path / "log.csv", b'a,b\n1,"2"x\n3,4\n')
    assert records == [{"row": 3, "c0": "3", "c1": "4"}]
    assert listed(rejects) == [(2, '1,"2"x', "bad CSV: ',' expected after '\"'")]


def test_csv_unterminated_quote_takes_the_rest(tmp_path: Path) -> None:
    _, records, rejects = read_csv(tmp_path / "log.csv", b'a,b\n1,2\n3,"open\n4,5\n')
    assert records == [{"row": 2, "c0": "1", "c1": "2"}]
    assert listed(rejects) == [(3, '3,"open\n4,5', "bad CSV: unexpected end of data")]


def test_csv_bom_crlf_and_invalid_utf8(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfa,b\r\n1,\xff\r\n2,\xc3\xa9\r\n"
    header, records, rejects = read_csv(tmp_path / "log.csv", data)
    assert header == ["a", "b"]
    assert records == [{"row": 3, "c0": "2", "c1": "é"}]
    assert listed(rejects) == [(2, "1,\ufffd", "not UTF-8 text (byte 0xff at column 3)")]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf"])
def test_csv_empty_file_has_no_header(tmp_path: Path, data: bytes) -> None:
    header, records, rejects = read_csv(tmp_path / "log.csv", data)
    assert (header, records, listed(rejects)) == ([], [], [])


def test_csv_header_only(tmp_path: Path) -> None:
    header, records, _ = read_csv(tmp_path / "log.csv", b"a,b,c")
    assert (header, records) == (["a", "b", "c"], [])


def test_csv_batches_have_one_column_per_header_name(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(b"x,y,z\n1,2,3\n")
    _, batches = csv_records(path, Rejects())
    (batch,) = list(batches)
    assert batch.schema == pa.schema(
        [("row", pa.int64()), ("c0", pa.string()), ("c1", pa.string()), ("c2", pa.string())]
    )


# Lines as exports have them, and the characters where a byte-level shortcut could
# go wrong: every kind of whitespace Python's str.strip() knows, control bytes, CRs,
# multi-byte UTF-8, and bytes that are not UTF-8 at all.
_PIECES = st.sampled_from(
    [
        b'{"event":"a"}',
        b"x",
        b" ",
        b"\t",
        b"\r",
        b"\r\r",
        b"\x0b",
        b"\x0c",
        b"\x1c",
        b"\x1f",
        b"\x00",
        b"\x7f",
        b"\xc2\x85",  # NEL
        b"\xc2\xa0",  # no-break space
        b"\xe3\x80\x80",  # ideographic space
        b"\xe2\x80\xa8",  # line separator
        b"\xe2\x80\x8b",  # zero-width space: not whitespace to Python
        "é".encode(),
        b"\xff",
        b"\xed\xa0\x80",  # an encoded surrogate: not UTF-8 to Python
    ]
)
_CHUNKS = st.lists(st.lists(_PIECES, max_size=4).map(b"".join), max_size=12).map(b"\n".join)


@given(chunk=_CHUNKS, first_row=st.integers(1, 10**9))
@settings(max_examples=examples(300))
def test_the_arrow_split_gives_the_rows_of_the_line_by_line_reader(
    chunk: bytes, first_row: int
) -> None:
    expected_rejects, got_rejects = Rejects(), Rejects()
    rows, texts = lines._decode_lines(chunk, first_row, expected_rejects)
    table = lines._lines_table(chunk, first_row, got_rejects)
    assert table.schema == pa.schema([("row", pa.int64()), ("raw", pa.string())])
    assert table.column("row").to_pylist() == rows
    assert table.column("raw").to_pylist() == texts
    assert got_rejects == expected_rejects


def test_valid_chunks_take_the_arrow_split(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> object:
        raise AssertionError("a valid chunk went line by line")

    monkeypatch.setattr(lines, "_decode_lines", refuse)
    chunk = '{"a":1}\r\n\n  \n\u3000\n x'.encode()
    table = lines._lines_table(chunk, 7, Rejects())
    assert table.column("row").to_pylist() == [7, 11]
    assert table.column("raw").to_pylist() == ['{"a":1}', " x"]
