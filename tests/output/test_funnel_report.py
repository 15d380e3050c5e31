"""`cjo report`'s renderings of funnel results: the JSON contract (docs/funnels.md), CSV rows,
Markdown tables, the people-readable percent and duration, and the rich tables."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rich.cells import cell_len
from rich.console import Console

from cjo_cli.engine.effects import Arm, Difference
from cjo_cli.engine.funnel_result import FunnelGroup, FunnelResult, StepStats
from cjo_cli.engine.group_compare import GroupComparison
from cjo_cli.model import Duration, EventFilter, Funnel, FunnelStep, Kpi
from cjo_cli.output.funnel_report import (
    CSV_COLUMNS,
    duration,
    format_csv,
    format_json,
    format_markdown,
    funnel_table,
    overview_table,
    percent,
    print_tables,
    vs_rest,
)

STEP_KEYS = [
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
]


def make_funnel(
    funnel_id: str = "checkout",
    name: str = "Checkout",
    step_names: tuple[str, ...] = ("Viewed", "Carted", "Bought"),
    kpi: Kpi | None = None,
) -> Funnel:
    return Funnel(
        funnel_id,
        name,
        tuple(
            FunnelStep(EventFilter(f"event_{number}"), step)
            for number, step in enumerate(step_names, 1)
        ),
        window=Duration(7 * 86400, "7d"),
        kpi=kpi,
    )


def make_steps(names: tuple[str, ...], counts: tuple[int, ...]) -> tuple[StepStats, ...]:
    stats = []
    for index, (name, count) in enumerate(zip(names, counts, strict=True)):
        first, previous = counts[0], counts[index - 1] if index else count
        stats.append(
            StepStats(
                name,
                f"event_{index + 1}",
                count,
                count / first if first else None,
                count / previous if previous else None,
                None if index == 0 or not count else 90.0 * index,
                None if index == 0 or not count else 100.0 * index,
            )
        )
    return tuple(stats)


def make_result(
    counts: tuple[int, ...] = (3, 2, 1),
    step_names: tuple[str, ...] = ("Viewed", "Carted", "Bought"),
    name: str = "Checkout",
    breakdown: str | None = None,
    groups: dict[str, tuple[int, ...]] | None = None,
    excluded: int = 0,
    kpi: Kpi | None = None,
) -> FunnelResult:
    funnel = make_funnel(name=name, step_names=step_names, kpi=kpi)
    return FunnelResult(
        funnel,
        FunnelGroup(None, make_steps(step_names, counts), excluded),
        breakdown,
        tuple(
            FunnelGroup(label, make_steps(step_names, values), 1)
            for label, values in (groups or {}).items()
        ),
        engine="exact",
    )


# ---- JSON -----------------------------------------------------------------------------


def test_format_json_is_the_contract_with_funnels_and_log() -> None:
    document = json.loads(format_json([make_result(excluded=4)], read=120, rejected=5))
    assert list(document) == ["funnels", "log"]
    assert document["log"] == {"read": 120, "rejected": 5}
    (funnel,) = document["funnels"]
    assert list(funnel) == [
        "funnel",
        "name",
        "order",
        "window_seconds",
        "engine",
        "excluded",
        "steps",
        "breakdown",
        "interval",
        "log_end",
        "trend",
    ]
    assert funnel["funnel"] == "checkout"
    assert funnel["name"] == "Checkout"
    assert funnel["order"] == "ordered"
    assert funnel["window_seconds"] == 7 * 86400
    assert funnel["engine"] == "exact"
    assert funnel["excluded"] == 4
    assert funnel["breakdown"] is None
    assert [list(step) for step in funnel["steps"]] == [STEP_KEYS] * 3
    assert funnel["steps"][0] == {
        "name": "Viewed",
        "event": "event_1",
        "customers": 3,
        "from_start": 1.0,
        "from_previous": 1.0,
        "median_seconds": None,
        "mean_seconds": None,
        "percentiles": None,
        "histogram": None,
        "percentiles_from_start": None,
        "histogram_from_start": None,
    }


def test_format_json_keeps_shares_exact_and_null_where_nothing_divides() -> None:
    # Shares are not rounded in the JSON: 2/3 comes back as the same float.
    document = json.loads(format_json([make_result((3, 2, 0))], 0, 0))
    steps = document["funnels"][0]["steps"]
    assert steps[1]["from_start"] == 2 / 3
    assert steps[1]["from_previous"] == 2 / 3
    assert steps[1]["median_seconds"] == 90.0
    assert steps[2]["customers"] == 0
    assert steps[2]["from_start"] == 0.0
    assert steps[2]["median_seconds"] is None
    empty = json.loads(format_json([make_result((0, 0, 0))], 0, 0))["funnels"][0]["steps"]
    assert [(s["from_start"], s["from_previous"]) for s in empty] == [(None, None)] * 3


def test_format_json_breakdown_groups() -> None:
    result = make_result(
        breakdown="channel (first touch)", groups={"web": (2, 1, 1), "(none)": (1, 1, 0)}
    )
    funnel = json.loads(format_json([result], 3, 0))["funnels"][0]
    assert funnel["breakdown"]["by"] == "channel (first touch)"
    groups = funnel["breakdown"]["groups"]
    assert [(g["value"], g["excluded"]) for g in groups] == [("web", 1), ("(none)", 1)]
    assert [s["customers"] for s in groups[0]["steps"]] == [2, 1, 1]
    assert [list(s) for s in groups[1]["steps"]] == [STEP_KEYS] * 3


def test_format_json_writes_unicode_as_is() -> None:
    text = format_json([make_result(name="購入ファネル")], 0, 0)
    assert '"name": "購入ファネル"' in text
    assert text.startswith('{\n  "funnels": [')


# ---- CSV ------------------------------------------------------------------------------


def test_format_csv_rows_whole_funnel_then_groups() -> None:
    result = make_result((3, 2, 1), breakdown="persona", groups={"lisa": (2, 1, 0)})
    rows = list(csv.reader(io.StringIO(format_csv([result]))))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1:] == [
        ["checkout", "", "", "1", "Viewed", "event_1", "3", "1.0", "1.0", "", ""],
        [
            "checkout",
            "",
            "",
            "2",
            "Carted",
            "event_2",
            "2",
            "0.666667",
            "0.666667",
            "90.0",
            "100.0",
        ],
        ["checkout", "", "", "3", "Bought", "event_3", "1", "0.333333", "0.5", "180.0", "200.0"],
        ["checkout", "persona", "lisa", "1", "Viewed", "event_1", "2", "1.0", "1.0", "", ""],
        [
            "checkout",
            "persona",
            "lisa",
            "2",
            "Carted",
            "event_2",
            "1",
            "0.5",
            "0.5",
            "90.0",
            "100.0",
        ],
        ["checkout", "persona", "lisa", "3", "Bought", "event_3", "0", "0.0", "0.0", "", ""],
    ]


def test_format_csv_quotes_names_with_commas_and_uses_newlines() -> None:
    result = make_result((1, 1), step_names=('Seen, "liked"', "Done"))
    text = format_csv([result])
    assert "\r" not in text
    assert text.splitlines()[1] == 'checkout,,,1,"Seen, ""liked""",event_1,1,1.0,1.0,,'
    assert list(csv.reader(io.StringIO(text)))[1][4] == 'Seen, "liked"'


def test_format_csv_of_no_results_is_the_header() -> None:
    assert format_csv([]) == ",".join(CSV_COLUMNS) + "\n"


# ---- percent and duration -------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (None, "–"),
        (0.0, "0.0%"),
        (1.0, "100.0%"),
        (0.5, "50.0%"),
        (2 / 3, "66.7%"),
        (0.0004, "0.0%"),
        (0.00051, "0.1%"),
    ],
)
def test_percent(share: float | None, text: str) -> None:
    assert percent(share) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "–"),
        (0, "0s"),
        (0.25, "0.25s"),
        (1, "1s"),
        (45, "45s"),
        (59.4, "59s"),
        (59.6, "1m"),
        (60, "1m"),
        (61, "1m 1s"),
        (725, "12m 5s"),
        (3599, "59m 59s"),
        (3600, "1h"),
        (3660, "1h 1m"),
        (12_000, "3h 20m"),
        (86_399, "23h 59m"),
        (86_400, "1d"),
        (187_200, "2d 4h"),
        (7 * 86_400, "7d"),
    ],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


# ---- Markdown -------------------------------------------------------------------------


def test_format_markdown_table() -> None:
    result = make_result((3, 2, 1), excluded=2)
    text = format_markdown([result], read=1234, rejected=5)
    assert text.splitlines() == [
        "## Checkout (`checkout`)",
        "",
        "ordered, window 7d; 2 excluded",
        "",
        "| # | Step | Event | Customers | From start | From previous | Median | Mean |",
        "|---|---|---|--:|--:|--:|--:|--:|",
        "| 1 | Viewed | `event_1` | 3 | 100.0% | 100.0% | – | – |",
        "| 2 | Carted | `event_2` | 2 | 66.7% | 66.7% | 1m 30s | 1m 40s |",
        "| 3 | Bought | `event_3` | 1 | 33.3% | 50.0% | 3m | 3m 20s |",
        "",
        "Log: read 1,234 rows, rejected 5.",
    ]


def test_format_markdown_escapes_pipes_and_shows_line_breaks() -> None:
    result = make_result(
        (2, 1),
        step_names=("a|b", "two\nlines"),
        name="A | B",
        breakdown="chan|nel",
        groups={"x|y": (2, 1)},
    )
    lines = format_markdown([result], 0, 0).splitlines()
    assert lines[0] == "## A \\| B (`checkout`)"
    assert "| 1 | a\\|b | `event_1` | 2 | 100.0% | 100.0% | – | – |" in lines
    assert "| 2 | two\\nlines | `event_2` | 1 | 50.0% | 50.0% | 1m 30s | 1m 40s |" in lines
    assert "By chan\\|nel:" in lines
    assert "| chan\\|nel | a\\|b | two\\nlines | Conversion |" in lines
    assert "|---|--:|--:|--:|" in lines
    assert "| x\\|y | 2 | 1 | 50.0% |" in lines
    # Every table row has as many unescaped separators as the header.
    for line in lines:
        if line.startswith("| "):
            assert line.replace("\\|", "").count("|") in {4, 9, 5}


def test_format_markdown_without_exclusions_says_none() -> None:
    lines = format_markdown([make_result()], 0, 0).splitlines()
    assert lines[2] == "ordered, window 7d"
    assert lines[-1] == "Log: read 0 rows, rejected 0."


# ---- rich tables ----------------------------------------------------------------------


def recorded(width: int = 120) -> Console:
    return Console(record=True, width=width, color_system=None, file=io.StringIO())


def test_print_tables_shows_every_step_name() -> None:
    results = [
        make_result(step_names=("閲覧", "カート追加", "購入")),
        make_result(step_names=("Landing", "Signup"), counts=(10, 4), name="Signup"),
    ]
    console = recorded()
    print_tables(results, console)
    text = console.export_text()
    for name in ("閲覧", "カート追加", "購入", "Landing", "Signup"):
        assert name in text
    assert "Checkout (checkout)" in text
    assert "Signup (checkout)" in text
    assert "From start" in text and "Mean" in text
    assert "40.0%" in text
    assert "█" * 24 in text  # step 1's full bar at width 120


def test_funnel_table_narrow_drops_the_mean_and_event_names() -> None:
    console = recorded(80)
    console.print(funnel_table(make_result(), width=80))
    text = console.export_text()
    assert "Mean" not in text
    assert "Start" in text and "From start" not in text
    assert "event_1" not in text
    assert "█" * 8 in text and "█" * 9 not in text


def test_funnel_table_breakdown_and_exclusions() -> None:
    result = make_result(excluded=1234, breakdown="persona", groups={"lisa": (2, 1, 1)})
    console = recorded()
    console.print(funnel_table(result, 120))
    text = console.export_text()
    assert "1,234 removed by exclusions" in text
    assert "by persona" in text
    assert "lisa" in text


def test_overview_table_kpi_verdict() -> None:
    results = [
        make_result((10, 5, 3), kpi=Kpi("conv", 25.0)),
        make_result((10, 5, 1), kpi=Kpi("conv", 25.0), name="Other"),
        make_result((10, 5, 1)),
    ]
    console = recorded()
    console.print(overview_table(results))
    text = console.export_text()
    assert "25% met" in text
    assert "25% missed" in text
    assert "30.0%" in text and "10.0%" in text


def test_names_with_brackets_are_shown_as_written() -> None:
    result = make_result(
        (2, 1),
        step_names=("Viewed [beta]", "Bought"),
        name="Checkout [beta]",
        breakdown="persona",
        groups={"lisa": (2, 1)},
    )
    console = recorded()
    print_tables([result], console)
    text = console.export_text()
    assert "Checkout [beta] (checkout)" in text
    assert text.count("Viewed [beta]") == 2  # the step row and the breakdown's header


def test_a_name_with_a_closing_tag_does_not_crash() -> None:
    console = recorded()
    print_tables([make_result(name="Sale [/]")], console)
    assert "Sale [/] (checkout)" in console.export_text()


def test_rejects_csv_guards_text_cells() -> None:
    from cjo_cli.output.funnel_report import rejects_csv

    text = rejects_csv([("log.csv", 3, "bad CSV: x", '=HYPERLINK("http://x")\r,b')])
    assert text == ('file,row,reason,raw\nlog.csv,3,bad CSV: x,"\'=HYPERLINK(""http://x"")\r,b"\n')


# ---- each group against the rest -----------------------------------------------------


def compared_result() -> FunnelResult:
    # web 60/100 against app 40/100: +20 points, p = erfc(2) (tests/engine/test_group_compare);
    # sms has 10 customers at step 1: too few to tell.
    return make_result(
        (210, 150, 105),
        breakdown="channel (first touch)",
        groups={"web": (100, 80, 60), "app": (100, 60, 40), "sms": (10, 10, 5)},
    )


def test_format_json_compares_each_group_with_the_rest() -> None:
    breakdown = json.loads(format_json([compared_result()], 0, 0))["funnels"][0]["breakdown"]
    assert breakdown["comparison"] == "each group against the rest, Holm-corrected"
    web, app, sms = (group["compared"] for group in breakdown["groups"])
    assert list(web) == [
        "difference_points",
        "ci_low",
        "ci_high",
        "p_value",
        "p_adjusted",
        "significant",
        "verdict",
    ]
    # web 60/100 against the rest 45/110.
    assert web["difference_points"] == pytest.approx(100 * (0.6 - 45 / 110))
    assert web["ci_low"] < web["difference_points"] < web["ci_high"]
    assert web["p_adjusted"] >= web["p_value"]
    assert (web["significant"], web["verdict"]) == (True, "significant")
    assert app["difference_points"] < 0
    assert sms == {
        "difference_points": None,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
        "p_adjusted": None,
        "significant": False,
        "verdict": "too few to tell",
    }


def test_format_json_does_not_compare_overlapping_persona_groups() -> None:
    result = make_result((3, 2, 1), breakdown="persona", groups={"lisa": (2, 1, 0)})
    breakdown = json.loads(format_json([result], 0, 0))["funnels"][0]["breakdown"]
    assert breakdown["comparison"].startswith("not compared: persona groups may overlap")
    assert breakdown["groups"][0]["compared"] is None


def test_the_csv_leaves_the_comparison_out() -> None:
    header = format_csv([compared_result()]).splitlines()[0]
    assert header == ",".join(CSV_COLUMNS)


@pytest.mark.parametrize("width", [80, 120])
def test_funnel_table_has_a_vs_rest_column(width: int) -> None:
    console = recorded(width)
    console.print(funnel_table(compared_result(), width))
    text = console.export_text()
    assert "vs rest" in text and "too few" in text
    assert "+19.1 pt*" in text  # 60.0% against 45/110 = 40.9%
    assert "* significant (Holm-corrected p < 0.05)" in " ".join(text.split())


def test_a_long_breakdown_fits_80_columns_uncut() -> None:
    names = ("商品閲覧", "カート追加", "購入手続き", "購入完了", "レビュー投稿")
    groups = {f"channel-{n}": (100, 80, 60, 50, 10 + 5 * n) for n in range(4)}
    result = make_result(
        (400, 320, 240, 200, 70), step_names=names, breakdown="channel (last touch)", groups=groups
    )
    console = recorded(80)
    console.print(funnel_table(result, 80))
    lines = console.export_text().splitlines()
    assert [line for line in lines if cell_len(line) > 80] == []
    assert [line for line in lines if "…" in line] == []
    assert any("pt" in line for line in lines)


def test_vs_rest_text() -> None:
    assert vs_rest(None) == "–"
    # A difference that rounds to none has no sign.
    tiny = GroupComparison(Arm(100, 50), Arm(100, 50), Difference(-0.0001, -0.1, 0.1), 0.9, 0.9)
    assert vs_rest(tiny) == "+0.0 pt"
    assert vs_rest(GroupComparison(Arm(10, 5), Arm(100, 50), None)) == "too few"
