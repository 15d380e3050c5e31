"""Regenerate the committed sample event log (same as `cjo sample-log samples/`).

python samples/generate.py [--customers 2000] [--seed 7] [--out samples]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cjo_cli.sample_log import write_sample

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    for name, rows in write_sample(args.out, args.customers, args.seed).items():
        print(f"{args.out / name}: {rows:,} rows")
