"""`--engine spark` against the embedded DuckDB engine, on the funnel benchmark's logs.

    .venv/bin/python benchmarks/spark_bench.py [--sizes 1000000 10000000] [--parts 4]
        [--masters 'local[1]' 'local[2]'] [--runs 1]

For each size, the seeded log (benchmarks/event_log.py) is written once as `--parts`
Parquet part files under benchmarks/out/parts_{N}/ (Spark reads one file per task,
as a warehouse export comes), then whole processes are timed:

- `cjo report -w journeys --log parts/*.parquet -f json` (the 7 sample funnels),
- `cjo simulate -w journeys --log parts/*.parquet -f json` (the 12 sample journeys),
- with `--commands cart4`: `cjo report cart4` of funnel_bench's 4-step ordered funnel
  (product_view → add_to_cart → checkout_start → purchase, 7 days), the funnel that
  Spark counts in Spark SQL (`spark/funnel_sql.py`) rather than per customer in Python,

with `--engine duckdb`, and with `--engine spark --spark-master local[N]` for each
master, the whole process pinned to N cores (`taskset`; unpinned, local[1] still
uses the second core for the JVM's side and DuckDB's threads): the scaling by
executor cores. Each Spark run checks its output equals DuckDB's (funnel engine
names aside). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from event_log import ensure_log
from funnel_bench import FUNNEL_YAML, OUT, REPO, best


def parts(size: int, count: int) -> list[Path]:
    folder = OUT / f"parts_{size}_{count}"
    files = sorted(folder.glob("*.parquet"))
    if len(files) == count:
        return files
    import duckdb

    whole = ensure_log(OUT, size)
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    per = -(-size // count)
    for number in range(count):
        target = folder / f"part-{number:03d}.parquet"
        con.execute(
            f"COPY (SELECT * FROM read_parquet('{whole}') LIMIT {per} OFFSET {number * per}) "
            f"TO '{target}' (FORMAT parquet)"
        )
    return sorted(folder.glob("*.parquet"))


def comparable(command: str, text: str) -> Any:
    data = json.loads(text)
    if command in ("report", "cart4"):
        for funnel in data["funnels"]:
            funnel.pop("engine")
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--parts", type=int, default=4)
    parser.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--commands",
        nargs="+",
        default=["report", "simulate"],
        choices=["report", "simulate", "cart4"],
    )
    args = parser.parse_args()
    cjo = [sys.executable, "-m", "cjo_cli"]
    cart4 = OUT / "funnel_ws" / "journeys"
    cart4.mkdir(parents=True, exist_ok=True)
    (cart4 / "cart4.yaml").write_text(FUNNEL_YAML, encoding="utf-8")
    print("| events | command | engine | s | peak RSS (driver) | same output |")
    print("|--:|---|---|--:|--:|:-:|")
    for size in args.sizes:
        logs = [arg for path in parts(size, args.parts) for arg in ("--log", str(path))]
        for command in args.commands:
            if command == "cart4":
                base = [*cjo, "report", "cart4", "-w", str(cart4), *logs, "-f", "json"]
            else:
                base = [*cjo, command, "-w", str(REPO / "journeys"), *logs, "-f", "json"]
            seconds, mb, expected = best(base, args.runs)
            print(f"| {size:,} | {command} | duckdb | {seconds:.1f} | {mb} MB | |", flush=True)
            for master in args.masters:
                cores = int(master.removeprefix("local[").removesuffix("]") or 1)
                pin = ["taskset", "-c", ",".join(str(n) for n in range(cores))]
                spark = [*pin, *base, "--engine", "spark", "--spark-master", master]
                spark += ["--spark-conf", "spark.driver.memory=6g"]
                seconds, mb, found = best(spark, args.runs)
                same = comparable(command, found) == comparable(command, expected)
                print(
                    f"| {size:,} | {command} | spark {master} | {seconds:.1f} | {mb} MB | "
                    f"{'yes' if same else 'NO'} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
