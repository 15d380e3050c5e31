"""`cjo simulate` of every sample journey on a large event log, against `cjo report`.

    .venv/bin/python benchmarks/simulate_bench.py --sizes 1000000,3000000 --repeat 3 [--profile]

For each size it uses the seeded log of the funnel benchmark,
benchmarks/out/events_{N}.parquet (generated once by benchmarks/event_log.py
when missing), and times whole processes, `--repeat` times each, keeping the
fastest and the peak resident memory of that run (GNU time):

- simulate: `cjo simulate -w journeys --log FILE --format json`, every journey of
  the sample workspace replayed customer by customer, on every core (the default
  for a large log: worker processes), and pinned to one core with `--jobs 1`
  (`taskset -c 0`, where taskset exists); the two outputs must be the same bytes;
- report: `cjo report cart4` on the funnel benchmark's 4-step ordered funnel
  workspace (benchmarks/out/funnel_ws), the same file: a set-based SQL baseline.

It prints a Markdown table (seconds, peak MB, simulate / report, the speed-up from
one core to all of them, seconds per million events: flat when the growth is
linear; the memory of the parallel run is the peak sum of the resident memory of
cjo and its worker processes, sampled every 20 ms) and writes the rows as JSON to
benchmarks/out/simulate_bench.json. `--profile` then runs one simulate in process
on the smallest size under cProfile and prints the top functions by cumulative
and by own time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from event_log import ensure_log
from funnel_bench import FUNNEL_YAML, OUT, REPO, best

SAMPLE_WS = REPO / "journeys"
FUNNEL_WS = OUT / "funnel_ws" / "journeys"
JSON_OUT = OUT / "simulate_bench.json"
DEFAULT_SIZES = "1000000,3000000,10000000"
PROFILE_TOP = 25


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] <= 0:
        raise argparse.ArgumentTypeError(f"bad --sizes {text!r}")
    return sizes


def funnel_workspace() -> Path:
    """The 4-step funnel workspace of funnel_bench.py (same file, same content)."""
    FUNNEL_WS.mkdir(parents=True, exist_ok=True)
    (FUNNEL_WS / "cart4.yaml").write_text(FUNNEL_YAML, encoding="utf-8")
    return FUNNEL_WS


def simulate_args(log: Path) -> list[str]:
    return ["simulate", "-w", str(SAMPLE_WS), "--log", str(log), "--format", "json"]


def _descendants_rss_kb(root: int) -> int:
    """The resident memory of `root` and all of its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree)


def tree_timed(command: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak MB of the process tree, stdout) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(process.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    peak = 0
    while process.poll() is None:
        peak = max(peak, _descendants_rss_kb(process.pid))
        time.sleep(0.02)
    reader.join()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit {process.returncode}")
    return seconds, peak // 1024, b"".join(chunks).decode("utf-8")


def measure(size: int, repeat: int, funnel_ws: Path) -> dict[str, Any]:
    log = ensure_log(OUT, size)
    cjo = [sys.executable, "-m", "cjo_cli"]
    runs = [tree_timed([*cjo, *simulate_args(log)]) for _ in range(repeat)]
    sim_s, sim_mb, sim_out = min(runs, key=lambda run: run[0])
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    one_s, one_mb, one_out = best([*pin, *cjo, *simulate_args(log), "--jobs", "1"], repeat)
    if one_out != sim_out:
        raise SystemExit(f"{size:,}: simulate on every core and with --jobs 1 differ")
    report = [*cjo, "report", "cart4", "-w", str(funnel_ws), "--log", str(log), "-f", "json"]
    rep_s, rep_mb, _ = best(report, repeat)
    result = json.loads(sim_out)
    millions = size / 1_000_000
    return {
        "events": size,
        "events_read": result["log"]["read"],
        "customers_replayed": result["log"]["customers_replayed"],
        "journeys": len(result["journeys"]),
        "simulate_seconds": sim_s,
        "simulate_mb": sim_mb,
        "simulate_one_core_seconds": one_s,
        "simulate_one_core_mb": one_mb,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "scaling": one_s / sim_s if sim_s else None,
        "report_seconds": rep_s,
        "report_mb": rep_mb,
        "ratio": sim_s / rep_s if rep_s else None,
        "simulate_s_per_m_events": sim_s / millions,
        "report_s_per_m_events": rep_s / millions,
        "repeat": repeat,
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    print(
        "| events | simulate, all cores | simulate, 1 core | 1 core / all | report "
        "| simulate / report | simulate s / M events |"
    )
    print("|--:|--:|--:|--:|--:|--:|--:|")
    for row in rows:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.1f}x"
        print(
            f"| {row['events']:,} | {row['simulate_seconds']:.2f} s, {row['simulate_mb']} MB "
            f"| {row['simulate_one_core_seconds']:.2f} s, {row['simulate_one_core_mb']} MB "
            f"| {row['scaling']:.2f}x "
            f"| {row['report_seconds']:.2f} s, {row['report_mb']} MB "
            f"| {ratio} | {row['simulate_s_per_m_events']:.2f} |"
        )


def profile(size: int) -> None:
    """One in-process `cjo simulate` under cProfile; top functions to stdout."""
    from cjo_cli.cli.app import app

    log = ensure_log(OUT, size)
    profiler = cProfile.Profile()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        start = time.perf_counter()
        profiler.enable()
        try:
            app(args=[*simulate_args(log), "--jobs", "1"], standalone_mode=False)
        finally:
            profiler.disable()
        wall = time.perf_counter() - start
    stats = pstats.Stats(profiler, stream=sys.stdout)
    print(f"\n## cProfile: cjo simulate, {size:,} events ({wall:.1f} s wall under the profiler)")
    print(f"\n### top {PROFILE_TOP} by cumulative time")
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(PROFILE_TOP)
    print(f"### top {PROFILE_TOP} by own time")
    stats.sort_stats(pstats.SortKey.TIME).print_stats(PROFILE_TOP)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes(DEFAULT_SIZES),
        help=f"comma-separated event counts (default {DEFAULT_SIZES})",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per command, best kept")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=600.0,
        help="skip a size whose simulate, extrapolated linearly from the last size, "
        "would take longer than this per run (default 600)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one simulate on the smallest size"
    )
    args = parser.parse_args()
    funnel_ws = funnel_workspace()
    rows: list[dict[str, Any]] = []
    for size in args.sizes:
        if rows:
            projected = rows[-1]["simulate_s_per_m_events"] * size / 1_000_000
            if projected > args.max_seconds:
                print(
                    f"skipping {size:,}: simulate projected at {projected:.0f} s per run "
                    f"(> --max-seconds {args.max_seconds:.0f})",
                    file=sys.stderr,
                )
                continue
        rows.append(measure(size, args.repeat, funnel_ws))
        print(f"{size:,}: {rows[-1]}", file=sys.stderr)
    JSON_OUT.parent.mkdir(parents=True, exist_ok=True)
    JSON_OUT.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print_table(rows)
    print(f"\n(JSON: {JSON_OUT.relative_to(REPO)})")
    if args.profile:
        profile(args.sizes[0])


if __name__ == "__main__":
    main()
