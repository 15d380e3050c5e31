"""Writing a rendered file atomically: beside the target, then renamed into place, so a
reader sees the old file or the whole new one, and no temporary file stays behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cjo_cli.output import files
from cjo_cli.output.files import write_text_atomically


@pytest.mark.parametrize(
    "text",
    ["<html></html>\n", "", "日本語のレポート\n", "a\nb\n" * 50_000],
)
def test_writes_the_text_and_leaves_nothing_else(tmp_path: Path, text: str) -> None:
    target = tmp_path / "report.html"
    write_text_atomically(target, text)
    assert target.read_bytes() == text.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    write_text_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_reader_sees_the_old_file_until_the_whole_new_one_is_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    new = "new " * 10_000
    seen: list[tuple[str, str, str]] = []
    real_replace = os.replace

    def replace(source: Path, destination: Path) -> None:
        seen.append(
            (
                Path(source).name,
                Path(source).read_text(encoding="utf-8"),
                Path(destination).read_text(encoding="utf-8"),
            )
        )
        assert Path(source).parent == target.parent  # beside it: the rename is atomic
        real_replace(source, destination)

    monkeypatch.setattr(files.os, "replace", replace)
    write_text_atomically(target, new)
    assert seen == [(f".report.html.building-{os.getpid()}", new, "old")]
    assert target.read_text(encoding="utf-8") == new


def test_a_failed_rename_keeps_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def replace(source: Path, destination: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OSError, match="No space left"):
        write_text_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_failed_rename_of_a_new_file_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def replace(source: Path, destination: Path) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(PermissionError):
        write_text_atomically(tmp_path / "report.html", "new")
    assert list(tmp_path.iterdir()) == []


def test_text_that_cannot_be_encoded_leaves_no_half_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomically(target, "a" * 100_000 + "\ud800")  # a lone surrogate
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_missing_directory_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_text_atomically(tmp_path / "missing" / "report.html", "x")
    assert list(tmp_path.iterdir()) == []
