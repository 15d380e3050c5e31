"""`cjo report` against ClickHouse's windowFunnel (chdb) on event logs of several shapes.
Whole processes; the funnel, the chdb query and the count check are funnel_bench's.

    .venv/bin/python -m pip install -e '.[bench]'        # chdb
    .venv/bin/python benchmarks/funnel_shapes_bench.py --events 1000000 --runs 3
    .venv/bin/python benchmarks/funnel_shapes_bench.py --events 10000000 --shapes default steps60

One log per size and shape (benchmarks/event_log.py, seeded, generated once into
benchmarks/out/; the default shape is funnel_bench's events_{N}.parquet). Shapes:

- default: ~20 events per customer, ~28% of them funnel steps, ~40-byte properties;
- steps60: 500k customers per 10M events, 60% funnel steps, 4 sessions each;
- props0: every properties object empty (`{}`);
- props500: properties padded to ~500 bytes;
- few: 1,000 events per customer (10k customers per 10M events).

For each, the fastest of `--runs` runs of `cjo report cart4 -f json` and of the chdb
query, their peak resident memory (GNU time), whether the counts per step agree, and
cjo / chdb. Prints a Markdown table; the rows go to benchmarks/out/funnel_shapes.json.
`--pythonpath DIR` runs cjo from another copy of the package (before/after).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from event_log import Shape, ensure_log
from funnel_bench import CHDB, FUNNEL_YAML, OUT, REPO, STEPS, best, compile_package

SHAPES: dict[str, Any] = {
    "default": lambda events: Shape(),
    "steps60": lambda events: Shape(customers=events // 20, step_share=0.6, sessions=4),
    "props0": lambda events: Shape(property_bytes=0),
    "props500": lambda events: Shape(property_bytes=500),
    "few": lambda events: Shape(customers=max(1, events // 1000)),
}
"""Shape per name, as a function of the log's size (customers scale with it)."""


def _cjo_env(pythonpath: Path | None) -> None:
    if pythonpath is not None:
        os.environ["PYTHONPATH"] = str(pythonpath)


def run_shape(events: int, name: str, runs: int, workspace: Path) -> dict[str, Any]:
    shape = SHAPES[name](events)
    log = ensure_log(OUT, events, shape)
    python = sys.executable
    # -P: the working directory (the repository) must not shadow `--pythonpath`.
    report = [python, "-P", "-m", "cjo_cli", "report", "cart4", "-w", str(workspace)]
    cjo_time, cjo_mb, cjo_out = best([*report, "--log", str(log), "-f", "json"], runs)
    cjo_counts = [step["customers"] for step in json.loads(cjo_out)["funnels"][0]["steps"]]
    ch_time, ch_mb, ch_out = best([python, "-c", CHDB, str(log), ",".join(STEPS)], runs)
    levels = dict(json.loads(ch_out)["data"])
    ch_counts = [sum(n for level, n in levels.items() if level >= k) for k in (1, 2, 3, 4)]
    return {
        "events": events,
        "shape": name,
        "log": log.name,
        "cjo_seconds": cjo_time,
        "cjo_mb": cjo_mb,
        "chdb_seconds": ch_time,
        "chdb_mb": ch_mb,
        "cjo_counts": cjo_counts,
        "chdb_counts": ch_counts,
        "same_counts": cjo_counts == ch_counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=list(SHAPES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pythonpath", type=Path, help="run cjo_cli from this directory")
    parser.add_argument("--json", type=Path, default=OUT / "funnel_shapes.json")
    args = parser.parse_args()
    _cjo_env(args.pythonpath)
    compile_package(args.pythonpath or REPO)
    workspace = OUT / "funnel_ws" / "journeys"
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "cart4.yaml").write_text(FUNNEL_YAML, encoding="utf-8")
    rows = []
    for events in args.events:
        for name in args.shapes:
            rows.append(run_shape(events, name, args.runs, workspace))
            print(f"{events:,} {name}: {rows[-1]}", file=sys.stderr)
    args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print("| events | shape | cjo report | chdb windowFunnel | cjo / chdb | same counts |")
    print("|--:|:--|--:|--:|--:|:-:|")
    for row in rows:
        print(
            f"| {row['events']:,} | {row['shape']} "
            f"| {row['cjo_seconds']:.2f} s, {row['cjo_mb']} MB "
            f"| {row['chdb_seconds']:.2f} s, {row['chdb_mb']} MB "
            f"| {row['cjo_seconds'] / row['chdb_seconds']:.2f}x "
            f"| {'yes' if row['same_counts'] else 'NO'} |"
        )


if __name__ == "__main__":
    main()
