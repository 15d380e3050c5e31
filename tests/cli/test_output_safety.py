"""Hostile text through the real CLI: a log whose property values and customer ids carry
terminal escapes, NULs, bidi overrides, HTML and spreadsheet formulas, and a workspace
whose names do too. Every human-facing format shows them escaped, CSV cells are
formula-safe, JSON keeps the exact values (tests/output/test_output_safety.py holds
each renderer to the same, under hypothesis)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCjo, json_of

SAMPLE = REPO / "samples" / "events.jsonl"
CART = REPO / "journeys" / "orchestration" / "cart_abandonment.yaml"

VALUES = [
    "\x1b[31mRED",
    "\x1b]8;;http://x\x07link",
    '=HYPERLINK("http://x")',
    "=cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "+1",
    "<script>alert(1)</script>",
    "a|b",
    "\u202eabc",
    "`tick`",
    "[/]",
    "nul\x00x",
    "cr\rx",
]
"""The `utm_source` values of the hostile log, one per customer."""

FUNNEL_NAME = "\x1b[31mFUNNEL <script>alert(1)</script> | `x` [/] \u202e"
STEP_NAME = "=cmd|' /C calc'!A0 \x1b]8;;http://x\x07"
MAP_NAME = "\x1b[2J<img src=x onerror=alert(1)> | [/] \u202e %%{init}%% Title: a; #b"
PREFIX = "\x1b[31m"
"""Every customer id of the hostile log starts with it."""

HIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def no_raw_control_character(text: str) -> None:
    found = HIDDEN.search(text)
    assert found is None, f"raw {found.group()!r} in {text[max(0, found.start() - 60) :][:120]!r}"


def hostile_log(path: Path, only: tuple[str, ...] = ()) -> Path:
    """The sample log with hostile ids and `utm_source` values (`only` these events)."""
    lines = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict) or not isinstance(event.get("customer_id"), str):
            continue
        if only and event.get("event") not in only:
            continue
        number = sum(map(ord, event["customer_id"]))
        properties = event["properties"] if isinstance(event.get("properties"), dict) else {}
        event["properties"] = {**properties, "utm_source": VALUES[number % len(VALUES)]}
        event["customer_id"] = f"{PREFIX}{event['customer_id']}\u202e"
        lines.append(json.dumps(event))
    lonely = {"customer_id": "\x1b]8;;http://x\x07me", "event": "nothing", "ts": "2026-08-01"}
    lines.append(json.dumps(lonely))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def where(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the hostile log (`log.jsonl`, the funnel's events only), the
    whole hostile log (`full.jsonl`) and a workspace with hostile names (`journeys`)."""
    root = tmp_path_factory.mktemp("hostile")
    hostile_log(root / "log.jsonl", ("ad_click", "page_view", "product_view"))
    hostile_log(root / "full.jsonl")
    workspace = root / "journeys"
    shutil.copytree(REPO / "journeys", workspace)
    funnels = workspace / "funnels.yaml"
    text = funnels.read_text(encoding="utf-8")
    # A JSON string is a YAML double-quoted one, escapes (`\u001b`) and all.
    text = text.replace("name: 商品発見 (product discovery)", f"name: {json.dumps(FUNNEL_NAME)}")
    step = f"{{event: ad_click, name: {json.dumps(STEP_NAME)}}}"
    text = text.replace("{event: ad_click, name: 広告クリック}", step)
    funnels.write_text(text, encoding="utf-8")
    lisa = workspace / "maps" / "lisa.yaml"
    text = lisa.read_text(encoding="utf-8")
    named = re.sub("(?m)^name: .*$", lambda _: f"name: {json.dumps(MAP_NAME)}", text, count=1)
    lisa.write_text(named, encoding="utf-8")
    return root


def report(run_cjo: RunCjo, where: Path, output_format: str) -> str:
    result = run_cjo(
        "report",
        "product_discovery",
        "--log",
        str(where / "log.jsonl"),
        "-w",
        str(where / "journeys"),
        "--by",
        "utm_source",
        "-f",
        output_format,
        env={"COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr
    no_raw_control_character(result.stderr)
    return result.stdout


def test_the_report_table_shows_groups_and_names_escaped(run_cjo: RunCjo, where: Path) -> None:
    out = report(run_cjo, where, "table")
    no_raw_control_character(out)
    for shown in ("\\x1b[31mRED", "\\x1b]8;;http://x\\x07link", "nul\\x00x", "cr\\rx"):
        assert shown in out
    assert "\\u202eabc" in out and "[/]" in out and "=HYPERLINK(" in out
    assert "\\x1b[31mFUNNEL <script>alert(1)</script> | `x` [/] \\u202e" in out


def test_the_markdown_report_escapes_html_and_pipes(run_cjo: RunCjo, where: Path) -> None:
    out = report(run_cjo, where, "markdown")
    no_raw_control_character(out)
    assert "<script" not in out and "<img" not in out
    assert "| &lt;script&gt;alert(1)&lt;/script&gt; |" in out
    assert "| a\\|b |" in out and "| \\`tick\\` |" in out and "| \\x1b[31mRED |" in out
    assert "## \\x1b[31mFUNNEL &lt;script&gt;alert(1)&lt;/script&gt; \\| \\`x\\` [/] \\u202e" in out
    # Every row of the breakdown table has its five cells, whatever the group's name.
    rows = [line for line in out.splitlines() if line.startswith("| ") and "%" in line]
    assert rows and all(len(re.findall(r"(?<!\\)\|", row)) in (6, 9) for row in rows)


def test_the_csv_report_is_formula_safe(run_cjo: RunCjo, where: Path) -> None:
    out = report(run_cjo, where, "csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    groups = {row["group"] for row in rows} - {""}
    assert {'\'=HYPERLINK("http://x")', "'=cmd|' /C calc'!A0", "'@SUM(1)", "'-2+3", "'+1"} <= groups
    # Quoted, so that the `\r` cannot start a row (the captured stdout reads it as `\n`).
    assert "cr\nx" in groups
    for row in rows:
        for column in ("funnel", "breakdown", "group", "name", "event"):
            assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r"))
    assert {row["name"] for row in rows if row["step"] == "1"} == {"'" + STEP_NAME}
    # The numbers cjo computes stay numbers.
    assert all(float(row["from_start"]) == 1.0 for row in rows if row["step"] == "1")


def test_the_json_report_keeps_the_exact_values(run_cjo: RunCjo, where: Path) -> None:
    (funnel,) = json.loads(report(run_cjo, where, "json"))["funnels"]
    assert {group["value"] for group in funnel["breakdown"]["groups"]} == set(VALUES)
    assert funnel["name"] == FUNNEL_NAME
    assert funnel["steps"][0]["name"] == STEP_NAME


@pytest.mark.parametrize("output_format", ["terminal", "markdown", "mermaid", "html"])
def test_the_map_shows_its_name_escaped(run_cjo: RunCjo, where: Path, output_format: str) -> None:
    args = ["--width", "200"] if output_format == "terminal" else ["--format", output_format]
    result = run_cjo("map", "lisa_map", "-w", str(where / "journeys"), *args)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    no_raw_control_character(out)
    if output_format in ("markdown", "html"):
        assert "<img" not in out  # in a terminal or a Mermaid label it is only text
    shown = {
        "terminal": "\\x1b[2J<img src=x onerror=alert(1)> | [/] \\u202e %%{init}%% Title: a; #b",
        "markdown": "# \\x1b[2J&lt;img src=x onerror=alert(1)&gt; \\| [/] \\u202e",
        "mermaid": "title \\x1b[2J<img src=x onerror=alert(1)> | [/] \\u202e ％％{init}％％",
        "html": "<h1>\\x1b[2J&lt;img src=x onerror=alert(1)&gt; | [/] \\u202e %%{init}%%",
    }[output_format]
    assert shown in out


def test_simulate_explain_shows_the_customer_escaped(run_cjo: RunCjo, where: Path) -> None:
    log = str(where / "full.jsonl")
    lonely = "\x1b]8;;http://x\x07me"
    # One event-triggered journey: an audience journey would check this customer too.
    result = run_cjo("simulate", "cart_abandonment", "--log", log, "--explain", lonely)
    assert result.returncode == 0, result.stderr
    no_raw_control_character(result.stdout)
    assert "\\x1b]8;;http://x\\x07me: no event of this customer" in result.stdout
    as_json = json_of(run_cjo("simulate", "--log", log, "--explain", lonely, "-f", "json"))
    assert as_json["customer_id"] == lonely


def test_diff_shows_the_changed_customers_escaped(
    run_cjo: RunCjo, where: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "cart.yaml"
    changed.write_text(
        CART.read_text(encoding="utf-8").replace("{wait: 1h, next: push", "{wait: 2h, next: push"),
        encoding="utf-8",
    )
    log = str(where / "full.jsonl")
    result = run_cjo("diff", str(CART), str(changed), "--log", log, "--show", "2")
    assert result.returncode == 0, result.stderr
    no_raw_control_character(result.stdout)
    shown = [line for line in result.stdout.splitlines() if line.startswith("\\x1b[31mcust_")]
    assert len(shown) == 2 and all(line.endswith("\\u202e") for line in shown)
    document = json_of(run_cjo("diff", str(CART), str(changed), "--log", log, "--json"))
    assert all(e["customer_id"].startswith(PREFIX) for e in document["examples"])
