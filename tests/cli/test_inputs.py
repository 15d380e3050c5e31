"""The inputs every command reads, in process: option values (times, --map, --log globs),
the log options checked before anything is read, the readers' errors with the option
that fixes each, the workspace, and picking documents by id."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cjo_cli.cli.inputs import (
    check_output_file,
    expand_logs,
    log_input,
    open_log,
    parse_mapping,
    parse_time,
    pick_documents,
    refuse_duckdb_options,
    workspace,
)
from cjo_cli.errors import UsageError, WorkspaceInvalid
from cjo_cli.events.tables import EventLogError, connect


def us(*args: int, tz: dt.tzinfo = dt.UTC) -> int:
    moment = dt.datetime(*args, tzinfo=tz)  # type: ignore[misc]
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def write_jsonl(path: Path, *records: object, broken: int = 0) -> Path:
    lines = [json.dumps(record) for record in records] + ["{not json"] * broken
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def canonical(customer: str = "c1", event: str = "view", ts: str = "2026-06-01T10:00:00Z") -> dict:
    return {"customer_id": customer, "event": event, "ts": ts, "properties": {}}


# ---- option values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("2026-06-01", us(2026, 6, 1)),
        ("2026-06-01T10:30", us(2026, 6, 1, 10, 30)),
        ("2026-06-01 10:30:15", us(2026, 6, 1, 10, 30, 15)),
        ("2026-06-01T10:30:00Z", us(2026, 6, 1, 10, 30)),
        ("2026-06-01T10:30:00+09:00", us(2026, 6, 1, 1, 30)),
        ("2026-06-01T10:30:00-05:00", us(2026, 6, 1, 15, 30)),
        ("  2026-06-01  ", us(2026, 6, 1)),
        ("2026-06-01T00:00:00.000250", us(2026, 6, 1) + 250),
        ("1970-01-01", 0),
    ],
)
def test_parse_time(text: str | None, expected: int | None) -> None:
    assert parse_time(text, "--since") == expected


@pytest.mark.parametrize("text", ["tomorrow", "", "2026-13-01", "2026-06-01T25:00", "06/01/2026"])
@pytest.mark.parametrize("flag", ["--since", "--until"])
def test_parse_time_errors_name_the_flag(text: str, flag: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_time(text, flag)
    assert str(caught.value) == (f"bad {flag} {text!r}: use an ISO date or time, e.g. 2026-06-01")
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("items", "mapping"),
    [
        ([], {}),
        (["customer_id=user_id"], {"customer_id": "user_id"}),
        (["ts=time", "event=name"], {"ts": "time", "event": "name"}),
        (["properties=a=b"], {"properties": "a=b"}),
        (["event=first", "event=second"], {"event": "second"}),
        (["customer_id=ユーザー"], {"customer_id": "ユーザー"}),
        (["anonymous_id=anon"], {"anonymous_id": "anon"}),
    ],
)
def test_parse_mapping(items: list[str], mapping: dict[str, str]) -> None:
    assert parse_mapping(items) == mapping


@pytest.mark.parametrize("item", ["user_id", "userid=customer_id", "event=", "=event", "ts"])
def test_parse_mapping_errors(item: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_mapping(["event=name", item])
    assert str(caught.value) == (
        f"bad --map {item!r}: use CANONICAL=SOURCE with CANONICAL one of "
        "customer_id, event, ts, properties, anonymous_id"
    )


def test_expand_logs_sorts_globs_and_keeps_each_file_once(tmp_path: Path) -> None:
    for name in ("b.jsonl", "a.jsonl", "c.csv", "sub/d.jsonl"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.csv"
    assert expand_logs([str(tmp_path / "*.jsonl")]) == [a, b]
    assert expand_logs([str(b), str(tmp_path / "*.jsonl"), str(c), str(b)]) == [b, a, c]
    assert expand_logs([str(tmp_path / "[ab].jsonl"), str(tmp_path / "?.csv")]) == [a, b, c]
    assert expand_logs([str(tmp_path / "**" / "*.jsonl")]) == [a, b, tmp_path / "sub/d.jsonl"]
    # A plain path is kept as given (log_input says when it is missing).
    assert expand_logs(["missing.jsonl"]) == [Path("missing.jsonl")]


def test_expand_logs_reads_one_file_under_two_spellings_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sub").mkdir()
    log = tmp_path / "log.jsonl"
    log.write_text("", encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to(log)
    monkeypatch.chdir(tmp_path)
    given = ["log.jsonl", "./log.jsonl", "sub/../log.jsonl", str(log), "link.jsonl"]
    assert expand_logs(given) == [Path("log.jsonl")]


def test_expand_logs_takes_an_existing_file_with_glob_characters_as_is(tmp_path: Path) -> None:
    odd = tmp_path / "log[1].jsonl"
    odd.write_text("", encoding="utf-8")
    assert expand_logs([str(odd)]) == [odd]


def test_expand_logs_no_match(tmp_path: Path) -> None:
    pattern = str(tmp_path / "*.parquet")
    with pytest.raises(UsageError) as caught:
        expand_logs([pattern])
    assert str(caught.value) == f"--log {pattern}: no file matches"


def test_check_output_file(tmp_path: Path) -> None:
    check_output_file(tmp_path / "out.duckdb", "--db")
    with pytest.raises(UsageError, match=r"^--db .*: is a directory; give a file name$"):
        check_output_file(tmp_path, "--db")
    with pytest.raises(UsageError, match=r"^--html .*: directory .*missing does not exist$"):
        check_output_file(tmp_path / "missing" / "r.html", "--html")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({}, None),
        ({"db": None, "threads": None, "keep": False, "ids": [], "more": ()}, None),
        ({"db": Path("x.duckdb")}, "--db: only with --engine duckdb (the embedded engine)"),
        (
            {"db": None, "memory_limit": "4GB", "threads": 2},
            "--memory-limit, --threads: only with --engine duckdb (the embedded engine)",
        ),
        ({"keep_tables": True}, "--keep-tables: only with --engine duckdb (the embedded engine)"),
    ],
)
def test_refuse_duckdb_options(given: dict[str, object], message: str | None) -> None:
    if message is None:
        refuse_duckdb_options(**given)
        return
    with pytest.raises(UsageError) as caught:
        refuse_duckdb_options(**given)
    assert str(caught.value) == message


# ---- the log options ------------------------------------------------------------------


def test_log_input_sniffs_each_file_once(tmp_path: Path) -> None:
    jsonl = write_jsonl(tmp_path / "a.jsonl", canonical())
    segment = write_jsonl(
        tmp_path / "b.json",
        {"type": "track", "userId": "u", "event": "x", "timestamp": "2026-06-01T00:00:00Z"},
    )
    amplitude = write_jsonl(
        tmp_path / "c.jsonl", {"event_type": "x", "event_time": "2026-06-01 00:00:00"}
    )
    ga4 = write_jsonl(tmp_path / "d.jsonl", {"event_name": "x", "event_timestamp": "1"})
    mixpanel = write_jsonl(
        tmp_path / "e.jsonl", {"event": "x", "properties": {"distinct_id": "u", "time": 1}}
    )
    table = tmp_path / "f.CSV"
    table.write_text("customer_id,event,ts\n", encoding="utf-8")
    parquet = tmp_path / "g.parquet"
    parquet.write_bytes(b"")
    files = [jsonl, segment, amplitude, ga4, mixpanel, table, parquet]
    given = log_input([str(p) for p in files], "auto", None, "1%")
    assert given.files == (
        (jsonl, "jsonl"),
        (segment, "segment"),
        (amplitude, "amplitude"),
        (ga4, "ga4"),
        (mixpanel, "mixpanel"),
        (table, "csv"),
        (parquet, "parquet"),
    )
    assert given.paths == files
    assert given.formats == ["amplitude", "csv", "ga4", "jsonl", "mixpanel", "parquet", "segment"]
    assert given.sniffed is True
    assert given.mapping == {}
    assert given.customers is None
    assert (given.limit.share, given.limit.text) == (0.01, "1%")


def test_log_input_with_a_format_given(tmp_path: Path) -> None:
    log = tmp_path / "export.txt"
    log.write_text("not even json\n", encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("customer_id\nc1\n", encoding="utf-8")
    given = log_input([str(log)], "jsonl", ["customer_id=user"], "250", people)
    assert given.files == ((log, "jsonl"),)
    assert given.sniffed is False
    assert given.mapping == {"customer_id": "user"}
    assert (given.limit.share, given.limit.count) == (None, 250)
    assert given.customers == people


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            (None, "auto", None, "1%"),
            "give the event log with --log FILE (several, or a glob, are fine)",
        ),
        (
            ([], "auto", None, "1%"),
            "give the event log with --log FILE (several, or a glob, are fine)",
        ),
        (
            (["LOG"], "xml", None, "1%"),
            "unknown --log-format 'xml'; one of: auto, jsonl, segment, mixpanel, amplitude, ga4, "
            "csv, parquet",
        ),
        (
            (["LOG"], "JSONL", None, "1%"),
            "unknown --log-format 'JSONL'; one of: auto, jsonl, segment, mixpanel, amplitude, "
            "ga4, csv, parquet",
        ),
        (
            (["LOG"], "auto", None, "lots"),
            "bad --max-rejects 'lots': use a share such as 1% or a count",
        ),
        (
            (["LOG"], "auto", None, "-1"),
            "bad --max-rejects '-1': use a share such as 1% or a count",
        ),
        (
            (["LOG"], "auto", None, "150%"),
            "bad --max-rejects '150%': use a share such as 1% or a count",
        ),
        (
            (["LOG"], "auto", None, "x%"),
            "bad --max-rejects 'x%': use a share such as 1% or a count",
        ),
        (
            (["LOG"], "auto", ["who=id"], "1%"),
            "bad --map 'who=id': use CANONICAL=SOURCE with "
            "CANONICAL one of customer_id, event, ts, properties, anonymous_id",
        ),
    ],
)
def test_log_input_usage_errors(tmp_path: Path, args: tuple, message: str) -> None:
    log = write_jsonl(tmp_path / "a.jsonl", canonical())
    logs, *rest = args
    logs = [str(log) if item == "LOG" else item for item in logs] if logs is not None else None
    with pytest.raises(UsageError) as caught:
        log_input(logs, *rest)
    assert str(caught.value) == message


def test_log_input_missing_files(tmp_path: Path) -> None:
    log = write_jsonl(tmp_path / "a.jsonl", canonical())
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(UsageError) as caught:
        log_input([str(log), str(missing)], "auto", None, "1%")
    assert str(caught.value) == f"--log {missing}: no such file"
    with pytest.raises(UsageError) as caught:
        log_input([str(tmp_path)], "auto", None, "1%")
    assert str(caught.value) == f"--log {tmp_path}: no such file"
    people = tmp_path / "people.csv"
    with pytest.raises(UsageError) as caught:
        log_input([str(log)], "auto", None, "1%", people)
    assert str(caught.value) == f"--customers {people}: no such file"


@pytest.mark.parametrize(
    ("first_line", "detail"),
    [
        ('{"user": "u", "action": "x"}', "the first record's keys (action, user) match no known"),
        ("[1, 2]", "the first line is not a JSON object"),
        ("not json", "cannot tell the format from the first line"),
    ],
)
def test_an_unknown_json_shape_asks_for_log_format(
    tmp_path: Path, first_line: str, detail: str
) -> None:
    log = tmp_path / "odd.jsonl"
    log.write_text(first_line + "\n", encoding="utf-8")
    with pytest.raises(EventLogError) as caught:
        log_input([str(log)], "auto", None, "1%")
    message = str(caught.value)
    assert message.startswith(f"{log}: ")
    assert detail in message
    assert message.endswith("; give --log-format")
    assert caught.value.exit_code == 2


# ---- opening the log ------------------------------------------------------------------


def test_open_log_says_what_was_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_jsonl(tmp_path / "a.jsonl", canonical("c1"), canonical("c2"), broken=1)
    people = tmp_path / "people.csv"
    people.write_text("customer_id,vip\nc1,true\nc2,false\nc3,true\n", encoding="utf-8")
    given = log_input([str(log)], "auto", None, "50%", people)
    con = connect()
    opened = open_log(con, given, copy=True)
    assert (opened.summary.read, opened.summary.rejected) == (2, 1)
    assert opened.customers is not None and opened.customers.customers == 3
    assert con.execute("SELECT count(*) FROM events").fetchone() == (2,)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "log format: jsonl (sniffed)",
        "log: read 2, rejected 1 (--rejects FILE.csv lists them; --db keeps a rejects table)",
        "customers: 3",
    ]


def test_open_log_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_jsonl(tmp_path / "a.jsonl", canonical())
    opened = open_log(connect(), log_input([str(log)], "auto", None, "1%"), copy=True, quiet=True)
    assert (opened.summary.read, opened.summary.rejected) == (1, 0)
    assert opened.customers is None
    assert capsys.readouterr() == ("", "")


def test_a_csv_without_customer_id_asks_for_map(tmp_path: Path) -> None:
    log = tmp_path / "events.csv"
    log.write_text("user,event,ts\nu1,view,2026-06-01T10:00:00Z\n", encoding="utf-8")
    given = log_input([str(log)], "auto", None, "1%")
    with pytest.raises(EventLogError) as caught:
        open_log(connect(), given, copy=True, quiet=True)
    message = str(caught.value)
    assert message.startswith(f"{log}: missing column(s) customer_id (column 'customer_id')")
    assert message.endswith("; use --map CANONICAL=COLUMN")
    # With the mapping it reads.
    mapped = log_input([str(log)], "auto", ["customer_id=user"], "1%")
    assert open_log(connect(), mapped, copy=True, quiet=True).summary.read == 1


def test_a_mapping_on_a_vendor_format_is_a_usage_error(tmp_path: Path) -> None:
    log = write_jsonl(
        tmp_path / "s.jsonl",
        {"type": "track", "userId": "u", "event": "x", "timestamp": "2026-06-01T00:00:00Z"},
    )
    given = log_input([str(log)], "auto", ["customer_id=user"], "1%")
    with pytest.raises(UsageError) as caught:
        open_log(connect(), given, copy=True, quiet=True)
    assert str(caught.value).startswith("--map: Segment / RudderStack")
    assert "a column mapping applies to the canonical csv, jsonl and parquet formats only" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("limit", "fails"), [("1%", True), ("50%", True), ("80%", False), ("3", True), ("4", False)]
)
def test_too_many_rejects_asks_for_max_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], limit: str, fails: bool
) -> None:
    log = write_jsonl(tmp_path / "a.jsonl", canonical(), broken=4)  # 4 of 5 unreadable
    given = log_input([str(log)], "auto", None, limit)
    if not fails:
        assert open_log(connect(), given, copy=True).summary.rejected == 4
        return
    with pytest.raises(EventLogError) as caught:
        open_log(connect(), given, copy=True)
    first = "".join(f"\n  {log}:{row}: not valid JSON" for row in (2, 3, 4, 5))
    assert str(caught.value) == (
        f"could not read 4 of 5 rows, more than --max-rejects {limit}; the log is mostly "
        f"unreadable or needs --log-format/--map. The first:{first}\n"
        "(--rejects FILE.csv writes them all)"
    )
    # What was read is said before the error.
    assert "log: read 1, rejected 4 (--rejects FILE.csv" in capsys.readouterr().err


def test_rejects_file_keeps_every_reject_also_when_the_run_stops(tmp_path: Path) -> None:
    log = write_jsonl(tmp_path / "a.jsonl", canonical(), broken=4)
    out = tmp_path / "rejects.csv"
    given = log_input([str(log)], "auto", None, "1%", rejects_file=out)
    with pytest.raises(EventLogError):
        open_log(connect(), given, copy=True)
    assert out.read_text(encoding="utf-8").splitlines() == ["file,row,reason,raw"] + [
        f"{log},{row},not valid JSON,{{not json" for row in (2, 3, 4, 5)
    ]


# ---- the workspace --------------------------------------------------------------------


def test_workspace_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        workspace(tmp_path / "nope")
    assert str(caught.value) == f"no workspace directory {tmp_path / 'nope'}; give --workspace"
    file = tmp_path / "file.yaml"
    file.write_text("kind: touchpoint\n", encoding="utf-8")
    with pytest.raises(UsageError, match="no workspace directory"):
        workspace(file)


TOUCHPOINT = "kind: touchpoint\nid: mail\nname: Mail\nchannel: email\n"


def test_workspace_loads_the_model(tmp_path: Path) -> None:
    (tmp_path / "touchpoints.yaml").write_text(TOUCHPOINT, encoding="utf-8")
    ws = workspace(tmp_path)
    assert list(ws.touchpoints) == ["mail"]
    assert ws.touchpoints["mail"].channel == "email"


def test_a_broken_workspace_is_invalid_with_its_findings(tmp_path: Path) -> None:
    (tmp_path / "touchpoints.yaml").write_text(TOUCHPOINT, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(
        "kind: touchpoint\nid: mail\nname: Again\nchannel: email\n---\n"
        "kind: touchpoint\nid: Bad-Id\nchannel: email\n",
        encoding="utf-8",
    )
    with pytest.raises(WorkspaceInvalid) as caught:
        workspace(tmp_path)
    error = caught.value
    assert error.exit_code == 1
    assert error.findings
    assert all(f.level.value == "error" for f in error.findings)
    assert all(f.path.endswith(".yaml") for f in error.findings)
    assert "duplicate-id" in {f.rule for f in error.findings}
    assert any(f.line == 7 for f in error.findings)  # the bad id
    assert str(error) == f"the workspace has {len(error.findings)} error(s); fix them first"


# ---- picking documents ----------------------------------------------------------------

DOCUMENTS = {"checkout": "C", "signup": "S", "repeat": "R"}


def test_pick_documents() -> None:
    assert pick_documents("funnel", DOCUMENTS, []) == ["C", "S", "R"]
    assert pick_documents("funnel", DOCUMENTS, ["repeat", "checkout"]) == ["R", "C"]
    assert pick_documents("funnel", DOCUMENTS, ["signup", "signup"]) == ["S", "S"]


@pytest.mark.parametrize(
    ("documents", "ids", "message"),
    [
        (
            DOCUMENTS,
            ["chekout"],
            "no funnel 'chekout' (funnels: checkout, repeat, signup); did you mean 'checkout'?",
        ),
        (DOCUMENTS, ["zzz"], "no funnel 'zzz' (funnels: checkout, repeat, signup)"),
        ({}, ["x"], "no funnel 'x' (funnels: none)"),
        ({}, [], "the workspace has no funnels"),
    ],
)
def test_pick_documents_errors(documents: dict[str, str], ids: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        pick_documents("funnel", documents, ids)
    assert str(caught.value) == message


def test_source_tz_is_for_mixpanel_and_a_real_zone(tmp_path: Path) -> None:
    log = write_jsonl(tmp_path / "a.jsonl", canonical())
    with pytest.raises(UsageError, match="applies to Mixpanel exports"):
        log_input([str(log)], "auto", None, "1%", source_tz="Asia/Tokyo")
    with pytest.raises(UsageError, match="'Mars/Olympus': not a time zone"):
        log_input([str(log)], "mixpanel", None, "1%", source_tz="Mars/Olympus")
    assert log_input([str(log)], "mixpanel", None, "1%", source_tz="Asia/Tokyo").source_tz == (
        "Asia/Tokyo"
    )


@pytest.mark.parametrize(
    ("rejected", "duplicates", "line"),
    [
        (0, 0, "log: read 10, rejected 0"),
        (
            3,
            0,
            "log: read 10, rejected 3 (--rejects FILE.csv lists them; --db keeps a rejects table)",
        ),
        (
            3,
            2,
            "log: read 10, rejected 3 (2 of them duplicate deliveries of a message; --rejects "
            "FILE.csv lists them; --db keeps a rejects table)",
        ),
    ],
)
def test_the_log_line_has_one_pair_of_brackets(rejected: int, duplicates: int, line: str) -> None:
    from cjo_cli.cli.inputs import _log_line
    from cjo_cli.events.tables import FileSummary, LoadSummary

    summary = LoadSummary((FileSummary("a.jsonl", "jsonl", 10, rejected, 0, duplicates),))
    assert _log_line(summary) == line
