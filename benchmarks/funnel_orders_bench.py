"""`cjo report` on strict, unordered and repeated-step funnels, the shapes that leave the
ordered SQL path (engine/funnel_sets.py answers most customers in SQL, funnel_exact the
rest). Whole processes, timed in one run.

    .venv/bin/python benchmarks/funnel_orders_bench.py --events 1000000 10000000 --runs 3
    .venv/bin/python benchmarks/funnel_orders_bench.py --baseline /tmp/old   # A/B

The logs are those of benchmarks/event_log.py (generated once, seeded, in
benchmarks/out/). The funnels, in a workspace at benchmarks/out/orders_ws, all with a
7-day window:

- strict4: product_view → add_to_cart → checkout_start → purchase, `order: strict`;
- unordered4: the same four steps, `order: unordered`;
- repeat4: product_view → product_view → add_to_cart → purchase, ordered (one event
  name in two steps).

Each is timed `--runs` times (`cjo report ID -w WS --log FILE -f json`), keeping the
fastest run and its peak resident memory (GNU time). With `--baseline DIR` (a directory
holding another copy of the `cjo_cli` package), the same report is also run with
PYTHONPATH=DIR, runs alternating, and the counts per step must agree. `--commands`
prints the report commands (one per funnel and size) without running them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from event_log import ensure_log

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
WORKSPACE = OUT / "orders_ws" / "journeys"

FUNNELS = {
    "strict4": ("strict", ("product_view", "add_to_cart", "checkout_start", "purchase")),
    "unordered4": ("unordered", ("product_view", "add_to_cart", "checkout_start", "purchase")),
    "repeat4": ("ordered", ("product_view", "product_view", "add_to_cart", "purchase")),
}


def funnel_yaml(funnel_id: str, order: str, events: tuple[str, ...]) -> str:
    steps = "".join(f"  - {{event: {name}, name: s{i + 1}}}\n" for i, name in enumerate(events))
    return (
        f"kind: funnel\nid: {funnel_id}\nname: {funnel_id}\nsteps:\n{steps}"
        f"window: 7d\norder: {order}\n"
    )


def write_workspace() -> Path:
    WORKSPACE.mkdir(parents=True, exist_ok=True)
    for funnel_id, (order, events) in FUNNELS.items():
        text = funnel_yaml(funnel_id, order, events)
        (WORKSPACE / f"{funnel_id}.yaml").write_text(text, encoding="utf-8")
    return WORKSPACE


def report_command(funnel_id: str, log: Path) -> list[str]:
    return [
        sys.executable, "-m", "cjo_cli", "report", funnel_id,
        "-w", str(WORKSPACE), "--log", str(log), "-f", "json",
    ]  # fmt: skip


def timed(command: list[str], pythonpath: str | None) -> tuple[float, int, list[int]]:
    """(seconds, peak RSS in MB, customers per step) of one whole process."""
    # `python -m` puts the working directory first on sys.path: run from elsewhere, so
    # that PYTHONPATH alone says which copy of cjo_cli runs.
    env = {**os.environ, "PYTHONPATH": pythonpath or str(REPO)}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", stats.name, *command],
            capture_output=True,
            text=True,
            cwd=tempfile.gettempdir(),
            env=env,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
        seconds, kilobytes = stats.read().split()[-2:]
    steps = json.loads(done.stdout)["funnels"][0]["steps"]
    return float(seconds), int(kilobytes) // 1024, [step["customers"] for step in steps]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--funnels", nargs="+", default=list(FUNNELS), choices=list(FUNNELS))
    parser.add_argument("--baseline", help="a directory with another cjo_cli to compare")
    parser.add_argument("--commands", action="store_true", help="print the commands only")
    args = parser.parse_args()
    write_workspace()
    rows = []
    for size in args.events:
        log = ensure_log(OUT, size)
        for funnel_id in args.funnels:
            command = report_command(funnel_id, log)
            if args.commands:
                print(" ".join(command))
                continue
            new, old = [], []
            for _ in range(args.runs):
                new.append(timed(command, None))
                if args.baseline:
                    old.append(timed(command, args.baseline))
            row = {"events": size, "funnel": funnel_id, "seconds": min(r[0] for r in new)}
            row["mb"], row["counts"] = min(new)[1], new[0][2]
            if old:
                row["baseline_seconds"] = min(r[0] for r in old)
                row["same_counts"] = all(r[2] == row["counts"] for r in old + new)
            rows.append(row)
            print(f"{size:,} {funnel_id}: {row}", file=sys.stderr)
    if args.commands:
        return
    (OUT / "funnel_orders_bench.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print("| events | funnel | cjo report | baseline | baseline / cjo | same counts |")
    print("|--:|:--|--:|--:|--:|:-:|")
    for row in rows:
        base = row.get("baseline_seconds")
        compared = ["", "", ""]
        if base is not None:
            same = "yes" if row["same_counts"] else "NO"
            compared = [f"{base:.2f} s", f"{base / row['seconds']:.2f}x", same]
        print(
            f"| {row['events']:,} | {row['funnel']} | {row['seconds']:.2f} s, {row['mb']} MB "
            f"| {' | '.join(compared)} |"
        )


if __name__ == "__main__":
    main()
