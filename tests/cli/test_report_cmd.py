"""`cjo report` through the real CLI on the bundled sample: the JSON contract, the other
formats, --db, Parquet read in place giving the same numbers, and clear errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, RunCjo, json_of

SAMPLE = str(REPO / "samples" / "events.jsonl")
STEP_KEYS = {
    "name",
    "event",
    "customers",
    "from_start",
    "from_previous",
    "median_seconds",
    "mean_seconds",
    "percentiles",
    "histogram",
    "percentiles_from_start",
    "histogram_from_start",
}


def report_json(run_cjo: RunCjo, *args: str) -> dict[str, object]:
    document: dict[str, object] = json_of(run_cjo("report", *args, "--format", "json"))
    return document


def test_json_contract_on_the_sample(run_cjo: RunCjo) -> None:
    document = report_json(run_cjo, "--log", SAMPLE)
    funnels = document["funnels"]
    assert isinstance(funnels, list) and len(funnels) == 7
    log = document["log"]
    assert log == {"read": 43743, "rejected": 6}
    for funnel in funnels:
        assert {"funnel", "steps", "excluded", "breakdown", "order", "window_seconds"} <= set(
            funnel
        )
        counts = [step["customers"] for step in funnel["steps"]]
        assert counts == sorted(counts, reverse=True)
        for step in funnel["steps"]:
            assert set(step) == STEP_KEYS
    purchase = next(f for f in funnels if f["funnel"] == "purchase_funnel")
    first = purchase["steps"][0]
    assert first["from_start"] == 1.0 and first["median_seconds"] is None
    assert purchase["steps"][1]["from_start"] == pytest.approx(
        purchase["steps"][1]["customers"] / first["customers"]
    )


def test_named_funnels_only_and_unknown_funnel(run_cjo: RunCjo) -> None:
    document = report_json(run_cjo, "purchase_funnel", "--log", SAMPLE)
    assert [f["funnel"] for f in document["funnels"]] == ["purchase_funnel"]  # type: ignore[union-attr]
    result = run_cjo("report", "purchase_funel", "--log", SAMPLE)
    assert result.returncode == 2
    assert "purchase_funnel" in result.stderr and "Traceback" not in result.stderr


def test_csv_and_markdown(run_cjo: RunCjo) -> None:
    csv_out = run_cjo("report", "purchase_funnel", "--log", SAMPLE, "--format", "csv")
    assert csv_out.returncode == 0, csv_out.stderr
    lines = csv_out.stdout.splitlines()
    assert lines[0].startswith("funnel,breakdown,group,step,name,event,customers")
    assert lines[1].startswith("purchase_funnel,,,1,商品閲覧,product_view,")
    md = run_cjo("report", "purchase_funnel", "--log", SAMPLE, "--format", "markdown")
    assert "| 1 | 商品閲覧 | `product_view` |" in md.stdout


def test_table_has_bars_and_fits_80_columns(run_cjo: RunCjo) -> None:
    from rich.cells import cell_len

    result = run_cjo("report", "purchase_funnel", "--log", SAMPLE, env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert "█" in result.stdout and "購入完了" in result.stdout
    assert all(cell_len(line) <= 80 for line in result.stdout.splitlines())
    assert "read 43,743, rejected 6" in result.stderr


def test_db_keeps_events_rejects_and_results(run_cjo: RunCjo, tmp_path: Path) -> None:
    db = tmp_path / "out.duckdb"
    result = run_cjo("report", "purchase_funnel", "--log", SAMPLE, "--db", str(db))
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchone() == (43743,)
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (6,)
    steps = con.execute(
        'SELECT step, customers FROM funnel_steps WHERE "group" IS NULL ORDER BY step'
    ).fetchall()
    kept = con.execute(
        "SELECT level, count(*) FROM funnel_customers WHERE NOT excluded GROUP BY level"
    ).fetchall()
    # Customers at step k = customers whose level is at least k.
    for step, customers in steps:
        assert customers == sum(n for level, n in kept if level >= step)
    assert not list(tmp_path.glob(".cjo-*"))  # no temporary files left behind


def test_parquet_in_place_equals_the_loaded_jsonl(run_cjo: RunCjo, tmp_path: Path) -> None:
    parquet = tmp_path / "events.parquet"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.read_json(SAMPLE, format="newline_delimited", ignore_errors=True)  # warm-up import
    con.execute(
        "COPY (SELECT customer_id, event, ts::TIMESTAMPTZ AS ts, to_json(properties)::VARCHAR "
        "AS properties FROM read_json(?, format = 'newline_delimited', ignore_errors = true, "
        "columns = {customer_id: 'VARCHAR', event: 'VARCHAR', ts: 'VARCHAR', properties: 'JSON'}) "
        "WHERE try_cast(ts AS TIMESTAMPTZ) IS NOT NULL AND customer_id <> '' AND event <> '') "
        "TO ? (FORMAT parquet)",
        [SAMPLE, str(parquet)],
    )
    from_jsonl = report_json(run_cjo, "--log", SAMPLE)["funnels"]
    from_parquet = report_json(run_cjo, "--log", str(parquet))["funnels"]
    assert from_parquet == from_jsonl


def test_since_until(run_cjo: RunCjo) -> None:
    everything = report_json(run_cjo, "purchase_funnel", "--log", SAMPLE)
    nothing = report_json(run_cjo, "purchase_funnel", "--log", SAMPLE, "--since", "2100-01-01")
    assert everything["funnels"][0]["steps"][0]["customers"] > 0  # type: ignore[index]
    assert nothing["funnels"][0]["steps"][0]["customers"] == 0  # type: ignore[index]
    bad = run_cjo("report", "--log", SAMPLE, "--since", "yesterday")
    assert bad.returncode == 2 and "ISO" in bad.stderr


def test_by_persona_and_property(run_cjo: RunCjo) -> None:
    document = report_json(run_cjo, "purchase_funnel", "--log", SAMPLE, "--by", "persona")
    breakdown = document["funnels"][0]["breakdown"]  # type: ignore[index]
    assert breakdown["by"] == "persona"
    labels = [group["value"] for group in breakdown["groups"]]
    assert labels == sorted(labels) and "lisa" in labels
    total = document["funnels"][0]["steps"][0]["customers"]  # type: ignore[index]
    for group in breakdown["groups"]:
        assert group["steps"][0]["customers"] <= total
    by_category = report_json(run_cjo, "purchase_funnel", "--log", SAMPLE, "--by", "category")
    groups = by_category["funnels"][0]["breakdown"]["groups"]  # type: ignore[index]
    # First-touch groups partition the customers who entered.
    assert sum(g["steps"][0]["customers"] for g in groups) == total


def test_unreadable_log_fails_loudly(run_cjo: RunCjo, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text(
        '{"customer_id": "a", "event": "x", "ts": "2026-01-01T00:00:00Z"}\n' + "not json\n" * 20,
        encoding="utf-8",
    )
    result = run_cjo("report", "--log", str(garbage), "--log-format", "jsonl")
    assert result.returncode == 2
    assert "--max-rejects" in result.stderr and "Traceback" not in result.stderr
    missing = run_cjo("report", "--log", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    no_log = run_cjo("report")
    assert no_log.returncode == 2 and "--log" in no_log.stderr


def test_glob_reads_every_file(run_cjo: RunCjo, tmp_path: Path) -> None:
    lines = Path(SAMPLE).read_text(encoding="utf-8").splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "a.jsonl").write_text("".join(lines[:half]), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("".join(lines[half:]), encoding="utf-8")
    split = report_json(run_cjo, "--log", str(tmp_path / "*.jsonl"))
    whole = report_json(run_cjo, "--log", SAMPLE)
    assert split["log"] == whole["log"]
    assert split["funnels"] == whole["funnels"]


PLAIN_FUNNEL = """kind: funnel
id: plain
name: view to buy
steps:
  - {event: view}
  - {event: buy}
window: 1d
"""
PICKY_FUNNEL = PLAIN_FUNNEL.replace("id: plain", "id: picky").replace(
    "{event: buy}", "{event: buy, where: {plan: pro}}"
)


def properties_case(tmp_path: Path, extra_column: bool = False) -> list[str]:
    """A workspace of PLAIN_FUNNEL and PICKY_FUNNEL and a Parquet log of 4 rows, one of
    them (c1's buy) with properties that are not JSON: the common `report` arguments.
    `extra_column`: the log has a fifth column, `source`, folded into the properties."""
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "plain.yaml").write_text(PLAIN_FUNNEL, encoding="utf-8")
    (tmp_path / "ws" / "picky.yaml").write_text(PICKY_FUNNEL, encoding="utf-8")
    log = tmp_path / "log.parquet"
    extra = ", 'web' AS source" if extra_column else ""
    duckdb.execute(
        f"COPY (SELECT *{extra} FROM (VALUES "
        "('c1', 'view', TIMESTAMPTZ '2026-01-01 10:00:00+00', '{}'), "
        "('c1', 'buy', TIMESTAMPTZ '2026-01-01 11:00:00+00', 'not json'), "
        "('c2', 'view', TIMESTAMPTZ '2026-01-01 10:00:00+00', '{\"plan\": \"pro\"}'), "
        "('c2', 'buy', TIMESTAMPTZ '2026-01-01 11:00:00+00', '{\"plan\": \"pro\"}')) "
        "t(customer_id, event, ts, properties)) TO ? (FORMAT parquet)",
        [str(log)],
    )
    return ["-w", str(tmp_path / "ws"), "--log", str(log), "-f", "json", "--max-rejects", "1"]


@pytest.mark.parametrize("extra_column", [False, True])
def test_properties_are_checked_only_when_a_funnel_reads_them(
    run_cjo: RunCjo, tmp_path: Path, extra_column: bool
) -> None:
    # docs/funnels.md: a Parquet log read in place is not checked for properties that
    # are not JSON objects when no funnel reported reads them (on long properties the
    # check costs more than the funnels); the log line and the JSON say so.
    common = properties_case(tmp_path, extra_column)
    plain = run_cjo("report", "plain", *common)
    assert plain.returncode == 0, plain.stderr
    assert "properties not checked: no funnel reported reads them" in plain.stderr
    document = json_of(plain)
    assert document["log"] == {"read": 4, "rejected": 0, "properties_checked": False}
    # c1's buy, whose properties are not JSON, is an event like any other here.
    assert [step["customers"] for step in document["funnels"][0]["steps"]] == [2, 2]

    for asked in (["picky"], ["plain", "picky"], ["plain", "--by", "plan"]):
        checked = run_cjo("report", *asked, *common)
        assert checked.returncode == 0, checked.stderr
        assert "not checked" not in checked.stderr
        assert json_of(checked)["log"] == {"read": 3, "rejected": 1}
