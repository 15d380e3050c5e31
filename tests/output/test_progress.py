"""What a command says on stderr: notes and warnings as written (no markup), progress
bars only on a terminal, and callbacks that work either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjo_cli.output import progress

PATHS = [Path("logs/a.jsonl"), Path("logs/b.csv"), Path("logs/c.parquet")]


@pytest.fixture
def not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr as pytest captures it, whatever the environment forces."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr taken for a terminal, as rich lets the environment say."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_INTERACTIVE", raising=False)
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "100")


@pytest.mark.usefixtures("not_a_terminal")
@pytest.mark.parametrize(
    "text",
    [
        "log: read 1,234, rejected 5 (see the rejects table)",
        "[red]not red[/red] [bold]",
        "closing [/] tag and :smile: and [link=http://x]x[/link]",
        "https://example.com/a_b_c 1.5 'quoted' True None",
        "日本語のメモ",
    ],
)
def test_note_prints_the_text_literally_on_stderr(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    progress.note(text)
    captured = capsys.readouterr()
    assert captured.err == text + "\n"
    assert captured.out == ""


@pytest.mark.usefixtures("not_a_terminal")
def test_warn_prints_the_text_literally_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    progress.warn("funnel [x]: 50% [/]")
    captured = capsys.readouterr()
    assert captured.err == "funnel [x]: 50% [/]\n"
    assert captured.out == ""


@pytest.mark.usefixtures("not_a_terminal")
def test_a_long_note_stays_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    text = "checkout: a breakdown by A/B variant comes from the journey replay; " + "x" * 40
    progress.note(text)
    assert capsys.readouterr().err == text + "\n"


@pytest.mark.usefixtures("not_a_terminal")
def test_no_progress_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert progress.shows_progress() is False
    finished: list[object] = []
    with progress.reading(PATHS) as done:
        for path in PATHS:
            done(path)
            finished.append(path)
    assert finished == PATHS
    asked: list[int] = []

    def total() -> int:
        asked.append(1)
        return 100

    with progress.replaying(total) as step:
        for done_events in (10, 50, 100):
            step(done_events)
    assert asked == []  # the total is asked only on a terminal
    assert capsys.readouterr() == ("", "")


@pytest.mark.usefixtures("terminal")
def test_progress_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert progress.shows_progress() is True
    with progress.reading(PATHS) as done:
        for path in PATHS:
            done(path)
    asked: list[int] = []

    def total() -> int:
        asked.append(1)
        return 100

    with progress.replaying(total) as step:
        step(40)
    assert asked == [1]
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "reading a.jsonl" in captured.err
    assert "reading c.parquet" in captured.err  # the bar names the file being read
    assert "3/3" in captured.err
    assert "40/100" in captured.err and "events" in captured.err


@pytest.mark.usefixtures("terminal")
def test_the_bar_shows_a_file_name_escaped_and_never_as_markup(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile = [Path("logs/\x1b]8;;x\x07[red]a.jsonl"), Path("logs/[bold]\u202eb.csv")]
    with progress.reading(hostile) as done:
        for path in hostile:
            done(path)
    err = capsys.readouterr().err
    assert "reading \\x1b]8;;x\\x07[red]a.jsonl" in err
    assert "reading [bold]\\u202eb.csv" in err
    assert "\x07" not in err and "\u202e" not in err


@pytest.mark.usefixtures("not_a_terminal")
def test_notes_and_warnings_show_control_characters_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress.note("log: \x1b[2Ja.jsonl\nnext")
    progress.warn("funnel \u202e[x]\r")
    assert capsys.readouterr().err == "log: \\x1b[2Ja.jsonl\\nnext\nfunnel \\u202e[x]\\r\n"


@pytest.mark.usefixtures("terminal")
def test_quiet_means_no_bars_even_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.reading(PATHS, quiet=True) as done:
        for path in PATHS:
            done(path)
    asked: list[int] = []

    def total() -> int:
        asked.append(1)
        return 10

    with progress.replaying(total, quiet=True) as step:
        step(5)
    assert asked == []
    assert capsys.readouterr() == ("", "")


@pytest.mark.usefixtures("not_a_terminal")
def test_reading_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.reading([]) as done:
        assert callable(done)
    assert capsys.readouterr() == ("", "")
