"""The HTML output opened in a real browser (headless Chromium): the rendered page holds
the map's phases (Japanese included) and the emotion chart; a screenshot is kept in
test-output/ for a person to look at."""

from __future__ import annotations

import os
import re
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


def test_the_report_a_manager_reads_renders_and_prints(run_cjo: RunCjo, tmp_path: Path) -> None:
    """`cjo report --html` on the sample: the header (what, when, the log, its span, the
    cjo version), names as written, split branches by their condition, counts on the
    arrows, no `-0.0`; printed to PDF (A4 landscape) and shot at laptop width, both kept
    in test-output/ for a person to look at."""
    from cjo_cli import __version__

    page = tmp_path / "report.html"
    result = run_cjo(
        "report",
        "--log",
        "samples/events.jsonl",
        "--customers",
        "samples/customers.csv",
        "--html",
        str(page),
    )
    assert result.returncode == 0, result.stderr
    dom = browse(page, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-500:]
    text = dom.stdout
    for fact in (
        "<dt>Generated</dt>",
        f"UTC by cjo {__version__}</dd>",
        "<dt>Log file</dt><dd>events.jsonl</dd>",
        "<dt>Span</dt><dd>2026-08-01 ",
        "What this log shows of 7 funnels, 12 journeys replayed, 1 journey map measured.",
    ):
        assert fact in text
    # Step names as written in the journey (cart_abandonment's split_value), the split's
    # branches by their condition.
    assert 'font-weight="bold">カート金額で分岐</text>' in text
    assert "cart_value ≥ 10000" in text and "newsletter = true" in text
    assert "if #" not in text
    counts = re.findall(r'class="edge-label"[^>]*><tspan font-weight="bold"[^>]*>([0-9,]+)<', text)
    assert len(counts) >= 40 and any(count != "0" for count in counts)
    assert "-0.0" not in text and "−0.0" not in text
    pdf = REPO / "test-output" / "report.pdf"
    pdf.parent.mkdir(exist_ok=True)
    pdf.unlink(missing_ok=True)
    printed = browse(
        page, tmp_path / "profile-pdf", "--no-pdf-header-footer", f"--print-to-pdf={pdf}"
    )
    assert printed.returncode == 0, printed.stderr[-500:]
    body = pdf.read_bytes()
    assert body.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", body))
    assert 12 <= pages <= 80, pages  # a page or two per funnel and journey, not hundreds
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is not None:  # pages as pictures, for a person (poppler-utils)
        subprocess.run(
            [pdftoppm, "-r", "50", "-png", str(pdf), str(REPO / "test-output" / "report-page")],
            check=True,
            timeout=120,
        )
    shot = screenshot(page, tmp_path, "report_laptop.png", "1366,900")
    assert shot.stat().st_size > 50_000
