"""`cjo map`: golden outputs of Lisa's map (terminal at 80, 120 and 160 columns, Markdown,
Mermaid), with Japanese labels. Regenerate with UPDATE_GOLDEN=1 and read the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCjo

GOLDEN = REPO / "tests" / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "golden"),
    [
        (["--width", "80"], "lisa_map_80.txt"),
        (["--width", "120"], "lisa_map_120.txt"),
        (["--width", "160"], "lisa_map_160.txt"),
        (["--format", "markdown"], "lisa_map.md"),
        (["--format", "mermaid"], "lisa_map.mmd"),
    ],
)
def test_lisa_map(run_cjo: RunCjo, args: list[str], golden: str) -> None:
    result = run_cjo("map", "lisa_map", *args, env={"NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    check_golden(golden, result.stdout)


def test_terminal_lines_fit_the_width(run_cjo: RunCjo) -> None:
    from rich.cells import cell_len

    for width in (80, 160):
        result = run_cjo("map", "lisa_map", "--width", str(width))
        assert max(cell_len(line) for line in result.stdout.splitlines()) <= width
        assert "\x1b[" not in result.stdout  # piped: no colour codes


def test_every_phase_is_a_band_of_the_curve_in_order(run_cjo: RunCjo) -> None:
    text = run_cjo("map", "lisa_map", "--width", "220").stdout
    # The curve's header, first: the details repeat the names further down.
    header = next(line for line in text.splitlines() if "認知 (awareness)" in line)
    names = ("認知", "獲得", "オンボーディング", "エンゲージメント", "維持", "推奨")
    positions = [header.index(name) for name in names]
    assert positions == sorted(positions)


def test_unknown_map_and_broken_workspace(run_cjo: RunCjo, tmp_path: Path) -> None:
    unknown = run_cjo("map", "lisa_mapp")
    assert unknown.returncode == 2
    assert "did you mean 'lisa_map'" in unknown.stderr
    broken = tmp_path / "journeys"
    broken.mkdir()
    (broken / "m.yaml").write_text(
        "kind: map\nid: m\npersona: p\nphases: x\nstages: {}\n", encoding="utf-8"
    )
    result = run_cjo("map", "m", "--workspace", str(broken))
    assert result.returncode == 1
    assert "unknown persona 'p'" in result.stderr


def test_html_map_is_self_contained_and_escaped(run_cjo: RunCjo, tmp_path: Path) -> None:
    result = run_cjo("map", "lisa_map", "--format", "html")
    assert result.returncode == 0
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "<polyline" in page  # the emotion curve
    for text in ("認知 (awareness)", "カートに入れるが購入せずに離脱する", "迷いと不安"):
        assert text in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    hostile = tmp_path / "journeys"
    hostile.mkdir()
    (hostile / "w.yaml").write_text(
        "kind: phases\nid: p\nphases: [{id: a, name: '<script>alert(1)</script>'}]\n---\n"
        "kind: persona\nid: x\nname: '\"><img src=x onerror=alert(1)>'\n---\n"
        "kind: map\nid: m\npersona: x\nphases: p\nstages: {a: {actions: ['<b>bold</b> & co']}}\n",
        encoding="utf-8",
    )
    page = run_cjo("map", "m", "--workspace", str(hostile), "--format", "html").stdout
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&amp; co" in page
