"""`cjo report` on a large event log, against ClickHouse's windowFunnel (chdb) and a bare
DuckDB scan of the same Parquet file. Whole processes, timed in one run.

    .venv/bin/python -m pip install -e '.[bench]'        # chdb
    .venv/bin/python benchmarks/funnel_bench.py --events 1000000 10000000 --runs 3

For each size it generates (once, seeded: benchmarks/event_log.py) a log in
benchmarks/out/, then times, `--runs` times each, keeping the fastest and the
peak resident memory of that run (GNU time):

- cjo: `cjo report cart4 --log FILE --format json` on a 4-step ordered 7-day funnel
  (product_view → add_to_cart → checkout_start → purchase), Parquet read in place;
- chdb: the same funnel as `windowFunnel(604800)` grouped by customer;
- scan: DuckDB `count(*), count(DISTINCT customer_id)` over the file.

It checks that cjo's counts per step equal chdb's (levels counted cumulatively:
the semantics agree for ordered funnels of distinct step events), and prints a
Markdown table; the JSON goes to benchmarks/out/funnel_bench.json.
"""

from __future__ import annotations

import argparse
import compileall
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from event_log import ensure_log

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
STEPS = ("product_view", "add_to_cart", "checkout_start", "purchase")

FUNNEL_YAML = """kind: funnel
id: cart4
name: cart to purchase
steps:
  - {event: product_view}
  - {event: add_to_cart}
  - {event: checkout_start}
  - {event: purchase}
window: 7d
order: ordered
"""

CHDB = """
import sys, chdb
conditions = ", ".join(f"event = '{name}'" for name in sys.argv[2].split(","))
query = f'''
SELECT level, count() FROM (
  SELECT customer_id, windowFunnel(604800)(toDateTime(ts), {conditions}) AS level
  FROM file('{sys.argv[1]}', Parquet) GROUP BY customer_id)
GROUP BY level ORDER BY level FORMAT JSONCompact'''
print(chdb.query(query).bytes().decode())
"""

SCAN = """
import sys, duckdb
con = duckdb.connect()
print(con.execute("SELECT count(*), count(DISTINCT customer_id) FROM read_parquet(?)",
                  [sys.argv[1]]).fetchall())
"""


def timed(command: list[str]) -> tuple[float, int, str]:
    """(seconds, peak RSS in MB, stdout) of one whole process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", stats.name, *command],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
        seconds, kilobytes = stats.read().split()[-2:]
    return float(seconds), int(kilobytes) // 1024, done.stdout


def best(command: list[str], runs: int) -> tuple[float, int, str]:
    results = [timed(command) for _ in range(runs)]
    return min(results, key=lambda r: r[0])


def compile_package(root: Path = REPO) -> None:
    """Write cjo's bytecode, as `pip install` does for chdb: a checkout run with
    PYTHONDONTWRITEBYTECODE set (as some machines are) would otherwise compile every
    module again in every timed run (about 0.1 s)."""
    compileall.compile_dir(root / "cjo_cli", quiet=1, force=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    compile_package()
    workspace = OUT / "funnel_ws" / "journeys"
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "cart4.yaml").write_text(FUNNEL_YAML, encoding="utf-8")
    python = sys.executable
    cjo = [python, "-m", "cjo_cli"]
    rows = []
    for size in args.events:
        log = ensure_log(OUT, size)
        report = [*cjo, "report", "cart4", "-w", str(workspace), "--log", str(log), "-f", "json"]
        cjo_time, cjo_mb, cjo_out = best(report, args.runs)
        steps = json.loads(cjo_out)["funnels"][0]["steps"]
        cjo_counts = [step["customers"] for step in steps]
        ch_time, ch_mb, ch_out = best([python, "-c", CHDB, str(log), ",".join(STEPS)], args.runs)
        levels = dict(json.loads(ch_out)["data"])
        ch_counts = [sum(n for level, n in levels.items() if level >= k) for k in (1, 2, 3, 4)]
        scan_time, scan_mb, _ = best([python, "-c", SCAN, str(log)], args.runs)
        rows.append(
            {
                "events": size,
                "cjo_seconds": cjo_time,
                "cjo_mb": cjo_mb,
                "chdb_seconds": ch_time,
                "chdb_mb": ch_mb,
                "scan_seconds": scan_time,
                "scan_mb": scan_mb,
                "cjo_counts": cjo_counts,
                "chdb_counts": ch_counts,
                "same_counts": cjo_counts == ch_counts,
            }
        )
        print(f"{size:,}: {rows[-1]}", file=sys.stderr)
    (OUT / "funnel_bench.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print("| events | cjo report | chdb windowFunnel | DuckDB scan | cjo / chdb | same counts |")
    print("|--:|--:|--:|--:|--:|:-:|")
    for row in rows:
        print(
            f"| {row['events']:,} | {row['cjo_seconds']:.2f} s, {row['cjo_mb']} MB "
            f"| {row['chdb_seconds']:.2f} s, {row['chdb_mb']} MB "
            f"| {row['scan_seconds']:.2f} s, {row['scan_mb']} MB "
            f"| {row['cjo_seconds'] / row['chdb_seconds']:.2f}x "
            f"| {'yes' if row['same_counts'] else 'NO'} |"
        )


if __name__ == "__main__":
    main()
