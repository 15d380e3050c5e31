"""The HTML output opened in a real browser (headless Chromium): the rendered page holds
the map's phases (Japanese included) and the emotion chart; a screenshot is kept in
test-output/ for a person to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCjo

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def screenshot(page: Path, tmp_path: Path, name: str, size: str) -> Path:
    """A picture of the page in test-output/, for a person to look at."""
    out = REPO / "test-output"
    out.mkdir(exist_ok=True)
    shot = out / name
    shot.unlink(missing_ok=True)
    picture = browse(
        page, tmp_path / "profile-shot", f"--window-size={size}", f"--screenshot={shot}"
    )
    assert picture.returncode == 0, picture.stderr[-500:]
    return shot


def test_the_map_page_renders_in_chromium(run_cjo: RunCjo, tmp_path: Path) -> None:
    page = tmp_path / "lisa_map.html"
    result = run_cjo("map", "lisa_map", "--format", "html")
    assert result.returncode == 0
    page.write_text(result.stdout, encoding="utf-8")
    dom = browse(page, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-500:]
    for text in (
        "認知 (awareness)",
        "推奨 (advocacy)",
        "カートに入れるが購入せずに離脱する",
        "迷いと不安",
    ):
        assert text in dom.stdout
    assert "<svg" in dom.stdout and "<polyline" in dom.stdout
    shot = screenshot(page, tmp_path, "lisa_map.png", "1400,1000")
    assert shot.stat().st_size > 20_000  # a real page, not a blank one


def test_the_demo_report_renders_in_chromium(run_cjo: RunCjo, tmp_path: Path) -> None:
    """The README's main job: `cjo demo` writes a report that a browser shows with the
    funnels' numbers, the step names (Japanese too) and the charts."""
    import duckdb

    result = run_cjo("demo", "--out", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    page = tmp_path / "demo" / "report.html"
    dom = browse(page, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-500:]
    with duckdb.connect(str(tmp_path / "demo" / "cjo.duckdb"), read_only=True) as con:
        steps = con.execute(
            'SELECT name, customers FROM funnel_steps WHERE "group" IS NULL'
        ).fetchall()
    assert len(steps) >= 14
    for name, customers in steps:
        assert name in dom.stdout
        assert f"{customers:,} · " in dom.stdout
    for text in ("商品閲覧", "カート追加", "カゴ落ちリマインド", "wait_open", "Where we lose"):
        assert text in dom.stdout
    for chart in ("funnel-chart", "flow-chart", "holdout-chart", "<polyline"):
        assert chart in dom.stdout
    shot = screenshot(page, tmp_path, "demo_report.png", "1400,2600")
    assert shot.stat().st_size > 50_000
