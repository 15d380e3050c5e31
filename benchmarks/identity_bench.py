"""What identity stitching and de-duplication cost `cjo report` on a Segment export.

    .venv/bin/python benchmarks/identity_bench.py --events 1000000
    farm-bench -n 5 --timeout 600 -- $(cat benchmarks/out/identity_a.cmd) \
        --vs "$(cat benchmarks/out/identity_b.cmd)"

It writes (seeded) two Segment/RudderStack logs of the same events in
benchmarks/out/: `segment_ids.jsonl`, where each visitor browses under an
anonymousId, identifies, then goes on under the userId, and 1% of the calls arrive
twice (a second delivery with the same messageId); and `segment_plain.jsonl`, the
same calls without anonymousIds, identify calls or messageIds. Command A reads the
first with stitching and de-duplication (what a user gets), command B the second
with `--identity none` (the work as it was before both). Both run the 4-step funnel
product_view → add_to_cart → checkout_start → purchase, and must give the same
counts: the plain log names every call by its user, so it is what stitching and
de-duplication have to recover (checked once before the timing).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
STEPS = ("product_view", "add_to_cart", "checkout_start", "purchase")
FUNNEL = """kind: funnel
id: cart4
name: cart to purchase
steps:
  - {event: product_view}
  - {event: add_to_cart}
  - {event: checkout_start}
  - {event: purchase}
window: 7d
"""


def _calls(events: int, seed: int) -> list[tuple[dict[str, object], dict[str, object]]]:
    """(with ids, plain) call pairs, in time order per visitor."""
    rng = random.Random(seed)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    found: list[tuple[dict[str, object], dict[str, object]]] = []
    visitor = 0
    while len(found) < events:
        visitor += 1
        user, anonymous = f"user-{visitor}", f"anon-{visitor:x}"
        at = start + timedelta(seconds=rng.randrange(90 * 86400))
        login = rng.randrange(1, 4)
        for step, name in enumerate(STEPS):
            if step and rng.random() < 0.4:
                break
            if step == login:
                ident = {"type": "identify", "anonymousId": anonymous, "userId": user}
                found.append((ident | {"timestamp": _iso(at)}, {}))
            ids = {"userId": user} if step >= login else {"anonymousId": anonymous}
            call = {"type": "track", "event": name, "timestamp": _iso(at), "properties": {}}
            found.append((call | ids, call | {"userId": user}))
            at += timedelta(minutes=rng.randrange(1, 120))
    return found[:events]


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def write(events: int, seed: int = 7) -> tuple[Path, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    with_ids, plain = OUT / "segment_ids.jsonl", OUT / "segment_plain.jsonl"
    with with_ids.open("w", encoding="utf-8") as a, plain.open("w", encoding="utf-8") as b:
        for number, (call, bare) in enumerate(_calls(events, seed)):
            line = json.dumps(call | {"messageId": f"m-{number}"})
            a.write(line + "\n")
            if rng.random() < 0.01:
                a.write(line + "\n")  # a second delivery
            if bare:
                b.write(json.dumps(bare) + "\n")
    return with_ids, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with_ids, plain = write(args.events)
    workspace = OUT / "identity_ws"
    workspace.mkdir(exist_ok=True)
    (workspace / "funnels.yaml").write_text(FUNNEL, encoding="utf-8")
    cjo = REPO / ".venv" / "bin" / "cjo"
    common = f"{cjo} report cart4 -w {workspace} --log-format segment -f json --log"
    (OUT / "identity_a.cmd").write_text(f"{common} {with_ids}\n", encoding="utf-8")
    (OUT / "identity_b.cmd").write_text(f"{common} {plain} --identity none\n", encoding="utf-8")
    counts = []
    for command in ((OUT / "identity_a.cmd"), (OUT / "identity_b.cmd")):
        done = subprocess.run(
            command.read_text(encoding="utf-8").split(), capture_output=True, text=True, check=True
        )
        (funnel,) = json.loads(done.stdout)["funnels"]
        counts.append([step["customers"] for step in funnel["steps"]])
    if counts[0] != counts[1]:
        raise SystemExit(f"stitched {counts[0]} != plain {counts[1]}")
    print(f"same counts {counts[0]}; time them with the farm-bench line in this file")


if __name__ == "__main__":
    main()
