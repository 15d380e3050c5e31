"""The commands that show everything at once: `cjo demo`, `cjo map --log`, `cjo report --html`.

    .venv/bin/python benchmarks/demo_bench.py [--sizes 1000000] [--runs 3]

Whole processes, best of `--runs`, with peak resident memory (GNU time):

- `cjo demo` on the bundled sample (fresh output directory each run): the README's
  main job, which the team wants under 30 s on a fresh machine;
- `cjo map lisa_map --log FILE`: the sample map measured on the funnel benchmark's
  seeded log (benchmarks/out/events_{N}.parquet, generated when missing): its 7 KPI
  funnels and the 12 journeys of its stages;
- `cjo report --log FILE --html`: every funnel, every journey replayed, the map,
  and the HTML page; against `cjo report` alone on the same file.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from event_log import ensure_log
from funnel_bench import OUT, REPO, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cjo = [sys.executable, "-m", "cjo_cli"]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "demo"
        seconds, mb, _ = best([*cjo, "demo", "--out", str(out)], args.runs)
        shutil.rmtree(out, ignore_errors=True)
        rows.append(("`cjo demo` (sample: 43,749 rows, 2,000 customers)", seconds, mb))
        for size in args.sizes:
            log = ensure_log(OUT, size)
            ws = ["-w", str(REPO / "journeys"), "--log", str(log)]
            page = str(Path(scratch) / "report.html")
            for label, command in (
                ("`cjo report` (7 funnels)", [*cjo, "report", *ws, "-f", "json"]),
                ("`cjo map lisa_map --log`", [*cjo, "map", "lisa_map", *ws, "-f", "json"]),
                ("`cjo report --html`", [*cjo, "report", *ws, "-f", "json", "--html", page]),
            ):
                seconds, mb, _ = best(command, args.runs)
                rows.append((f"{label}, {size:,} events", seconds, mb))
    print("| command | best s | peak RSS |")
    print("|---|--:|--:|")
    for label, seconds, mb in rows:
        print(f"| {label} | {seconds:.2f} | {mb} MB |")


if __name__ == "__main__":
    main()
