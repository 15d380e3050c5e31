"""Benchmark `cjo validate` against check-jsonschema on 1,000 generated journey files.

    python benchmarks/validate_bench.py [--files 1000] [--runs 5] [--out DIR]

Generates (seeded) a workspace like the sample's: a shared file of phases,
touchpoints and personas, and N journey files of 2-3 KB each (comments, Japanese
labels, 12-18 steps of every kind). Then times whole processes, each run
`--runs` times (min and median), in one run of this script:

- `cjo validate DIR` (schema + semantic checks, line:col for every finding);
- `check-jsonschema --schemafile schemas/journey.json FILES` (schema only);
- `cjo --help`;
- the hostile-YAML corpus, one `cjo validate` per file.

Prints a markdown table and writes benchmarks/out/validate_bench.json.
Needs the bench extra: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

TOUCHPOINTS = {
    "cart_push": "web_push",
    "cart_email": "email",
    "retarget_ad": "ad",
    "welcome_email": "email",
    "loyalty_email": "email",
    "replenish_sms": "sms",
    "cross_sell_email": "email",
    "smart_banner": "in_app",
    "tips_push": "app_push",
    "referral_email": "email",
    "winback_email": "email",
    "hello_bar": "web",
}
PHASES = ["awareness", "acquisition", "onboarding", "engagement", "retention", "advocacy"]
EVENTS = ["page_view", "product_view", "add_to_cart", "cart_abandoned", "checkout_start"]
GOALS = ["purchase", "loyalty_signup", "account_signup", "referral_sent", "app_install"]
LABELS = [
    "カゴ落ち",
    "会員登録",
    "初回購入",
    "詰め替え",
    "紹介",
    "休眠",
    "アンケート",
    "ウェルカム",
]


def shared_file() -> str:
    lines = [
        "# Shared documents of the benchmark workspace.",
        "kind: phases",
        "id: lifecycle",
        "phases:",
        *[f"  - {{id: {p}, name: フェーズ {p}}}" for p in PHASES],
    ]
    for tp, channel in TOUCHPOINTS.items():
        lines += ["---", "kind: touchpoint", f"id: {tp}", f"name: タッチポイント {tp}"]
        lines += [f"channel: {channel}", "phase: acquisition"]
    for persona in ("lisa", "kenji", "mika"):
        lines += ["---", "kind: persona", f"id: {persona}", f"name: ペルソナ {persona}"]
        lines += ["segment:", "  all:"]
        lines += [
            "    - {event: product_view, where: {category: skincare}, count: {min: 3}, within: 30d}"
        ]
        lines += ["    - not: {event: purchase, within: 90d}"]
    return "\n".join(lines) + "\n"


def journey_file(index: int, rng: random.Random) -> str:
    """A journey of 12-18 steps: a chain of waits and sends with a split, an ab and an exit."""
    label = rng.choice(LABELS)
    goal_days = rng.randint(3, 14)
    steps: list[str] = []
    count = rng.randint(12, 18)
    names = [f"s{i:02d}" for i in range(count)]
    for i, name in enumerate(names[:-1]):
        nxt = names[i + 1]
        kind = rng.choice(["wait", "send", "wait_for", "wait_until", "send", "split", "ab"])
        tp = rng.choice(list(TOUCHPOINTS))
        if kind == "wait":
            body = f"{{wait: {rng.randint(1, 48)}h, next: {nxt}, name: {label}の待機 {i}}}"
        elif kind == "send":
            body = f"{{send: {tp}, next: {nxt}, name: {label}の配信 {i}}}"
        elif kind == "wait_for":
            body = (
                f"{{wait_for: {{event: {rng.choice(GOALS)}}}, "
                f"timeout: {rng.randint(1, goal_days)}d, "
                f"next: {nxt}, on_timeout: {names[-1]}}}"
            )
        elif kind == "wait_until":
            body = (
                f'{{wait_until: "{rng.randint(8, 20):02d}:00", tz: Asia/Tokyo, next: {nxt}, '
                f"name: 配信時刻まで待つ {i}}}"
            )
        elif kind == "split":
            steps.append(f"  {name}:")
            steps.append(f"    name: {label}の分岐")
            steps.append("    split:")
            value = rng.randint(1000, 20000)
            steps.append(
                f"      - {{if: {{property: cart_value, op: gte, value: {value}}}, next: {nxt}}}"
            )
            steps.append(f"      - {{if: {{event: email_open, within: 7d}}, next: {nxt}}}")
            steps.append(f"      - {{else: {names[-1]}}}")
            continue
        else:
            share = rng.choice([50, 30, 20])
            steps.append(f"  {name}:")
            steps.append(f"    ab:  # {share}/{100 - share} test")
            steps.append(f"      seed: bench-{index}")
            steps.append("      variants:")
            steps.append(f"        a: {{weight: {share}, next: {nxt}}}")
            steps.append(f"        b: {{weight: {100 - share}, next: {nxt}}}")
            continue
        if rng.random() < 0.3:
            steps.append(f"  # {label}: ステップ {i} の意図をここに書く (why this step exists)")
        steps.append(f"  {name}: {body}")
    steps.append(f"  {names[-1]}: {{exit: true, name: 終了}}")
    header = [
        f"# Generated journey {index}: {label}のシナリオ (benchmark data).",
        "kind: journey",
        f"id: journey_{index:04d}",
        f"name: {label}ジャーニー {index} (generated)",
        f"description: ベンチマーク用に生成した{label}のジャーニー。本番のものと同じ程度の大きさ。",
        f"persona: {rng.choice(['lisa', 'kenji', 'mika'])}",
        f"phase: {rng.choice(PHASES)}",
        "entry:",
        f"  event: {rng.choice(EVENTS)}",
        f"  where: {{category: {rng.choice(['skincare', 'makeup', 'fragrance'])}}}",
        f"re_entry: {{after: {rng.randint(1, 30)}d}}",
        f"goal: {{event: {rng.choice(GOALS)}, within: {goal_days}d}}",
        "exit_on: [{event: unsubscribe}, {event: refund}]",
        "limits:",
        "  per_customer: {max: 3, per: 1d}",
        '  quiet_hours: {from: "22:00", to: "08:00", tz: Asia/Tokyo}',
        f"holdout: {rng.choice([5, 10, 20])}%",
        f"start: {names[0]}",
        "steps:",
    ]
    return "\n".join(header + steps) + "\n"


def generate(out: Path, files: int, seed: int = 7) -> list[Path]:
    workspace = out / "journeys"
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "shared.yaml").write_text(shared_file(), encoding="utf-8")
    rng = random.Random(seed)
    paths = []
    for index in range(files):
        path = workspace / f"j{index:04d}.yaml"
        path.write_text(journey_file(index, rng), encoding="utf-8")
        paths.append(path)
    return paths


def timed(command: list[str], runs: int, cwd: Path = REPO) -> dict[str, float]:
    """Wall time (min, median) and peak RSS of a whole process, over `runs` runs."""
    times = []
    peak_kb = 0
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, _, usage = os.wait4(process.pid, 0)  # this child's own rusage
        times.append(time.perf_counter() - start)
        process.returncode = 0
        peak_kb = max(peak_kb, usage.ru_maxrss)
    return {
        "min_s": min(times),
        "median_s": statistics.median(times),
        "peak_rss_mb": peak_kb / 1024,
    }


def hostile_corpus(out: Path) -> dict[str, bytes]:
    bomb = "".join(
        f"{n}: &{n} [" + ", ".join([f"*{p}"] * 9 if p else ['"lol"'] * 9) + "]\n"
        for p, n in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
    )
    return {
        "alias_bomb": bomb.encode(),
        "nesting_10000": ("[" * 10_000 + "]" * 10_000).encode(),
        "fifty_mb": b"# padding\n" * 5_300_000,
        "python_tag": b"kind: touchpoint\nid: t\nchannel: !!python/object/apply:os.system [x]\n",
        "binary": bytes(random.Random(1).randrange(256) for _ in range(65536)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "validate")
    args = parser.parse_args()

    cjo = str(BIN / "cjo")
    check_jsonschema = str(BIN / "check-jsonschema")
    if not Path(check_jsonschema).exists():
        print("check-jsonschema is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    paths = generate(args.out, args.files)
    sizes = [p.stat().st_size for p in paths]
    check = subprocess.run(
        [cjo, "validate", str(args.out / "journeys")], capture_output=True, text=True
    )
    if check.returncode != 0:
        print("generated workspace is not valid:\n" + check.stdout + check.stderr, file=sys.stderr)
        return 1
    try:
        import _ruamel_yaml  # noqa: F401

        clib = "yes"
    except ImportError:
        clib = "no"
    probe = (
        "import sys\nfrom cjo_cli.cli.app import main\n"
        f"sys.argv = ['cjo', 'validate', {str(args.out / 'journeys')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('duckdb' in sys.modules, file=sys.stderr)\n"
    )
    imports = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    duckdb_imported = imports.stderr.strip().splitlines()[-1]

    results: dict[str, dict[str, float]] = {
        "cjo validate": timed([cjo, "validate", str(args.out / "journeys")], args.runs),
        "check-jsonschema": timed(
            [
                check_jsonschema,
                "--schemafile",
                str(REPO / "schemas" / "journey.json"),
                *map(str, paths),
            ],
            args.runs,
        ),
        "cjo --help": timed([cjo, "--help"], args.runs),
    }
    hostile_dir = args.out / "hostile"
    hostile_dir.mkdir(parents=True, exist_ok=True)
    for name, data in hostile_corpus(args.out).items():
        path = hostile_dir / f"{name}.yaml"
        path.write_bytes(data)
        results[f"hostile: {name}"] = timed([cjo, "validate", str(path)], max(1, args.runs // 2))

    ratio = results["cjo validate"]["min_s"] / results["check-jsonschema"]["min_s"]
    print(
        f"{args.files} journey files, {min(sizes)}-{max(sizes)} bytes "
        f"(mean {statistics.mean(sizes):.0f})"
    )
    print(f"ruamel.yaml.clib installed (check-jsonschema's fast set-up): {clib}")
    print(f"`cjo validate` imports duckdb: {duckdb_imported}; cores: {os.cpu_count()}")
    print()
    print("| command | min s | median s | peak RSS MB |")
    print("|---|---|---|---|")
    for name, row in results.items():
        print(f"| {name} | {row['min_s']:.3f} | {row['median_s']:.3f} | {row['peak_rss_mb']:.0f} |")
    print(f"\ncjo validate / check-jsonschema (min): {ratio:.2f}x")
    report = {
        "files": args.files,
        "bytes": {"min": min(sizes), "max": max(sizes), "mean": statistics.mean(sizes)},
        "ruamel_yaml_clib": clib,
        "validate_imports_duckdb": duckdb_imported,
        "results": results,
        "ratio_cjo_to_check_jsonschema": ratio,
    }
    out_json = REPO / "benchmarks" / "out" / "validate_bench.json"
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
