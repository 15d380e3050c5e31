"""Benchmark `cjo validate` against check-jsonschema on generated, hand-written-looking journeys.

    .venv/bin/python benchmarks/validate_bench.py [--files 1000] [--runs 5] [--out DIR] [--keep]

1. Generates (seeded, deterministic) a workspace `OUT/journeys/`: one `shared.yaml`
   (a `phases` document, 12 touchpoints on nine channels, three personas with
   segments) and N journey files `j0000.yaml`... of 2-3 KB each, written the way
   people write them: Japanese and English labels, comments, flow and block
   style, 8-14 steps using every step type (wait, wait_for, send, wait_until,
   split, ab, exit). Every file must pass `cjo validate --strict` and
   check-jsonschema before anything is timed; the script stops otherwise.
2. Times whole processes, each `--runs` times (min and median wall time, CPU
   time, peak RSS of the largest process, and the summed PSS of the process
   tree sampled in one extra untimed run):
   - `cjo validate OUT/journeys` (schema + semantic rules, line:col), on all
     cores and pinned to one core; and `cjo validate` given the journey files;
   - `check-jsonschema --schemafile schemas/journey.json` on the same journey
     files (schema only);
   - `cjo --help` and `python -c "import cjo_cli.cli.app"`.
   It also says whether ruamel.yaml.clib (check-jsonschema's fastest set-up) is
   importable and, from `python -X importtime`, whether `cjo validate` imports
   duckdb (it must not).
3. Prints a markdown table and writes it as JSON to benchmarks/out/validate_bench.json.

Run it with the project's venv (it runs the `cjo` and `check-jsonschema` next to
`sys.executable`); check-jsonschema comes with the bench extra:
`pip install -e '.[bench]'`. `--profile N` also prints the top N functions of a
serial `cjo validate` (by cumulative and by own time); `--hostile` adds rows for
`cjo validate` on the hostile YAML of tests/spec/test_hostile.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_OUT = REPO / "benchmarks" / "out" / "validate"
JSON_REPORT = REPO / "benchmarks" / "out" / "validate_bench.json"
SCHEMA = REPO / "schemas" / "journey.json"
TZ = "Asia/Tokyo"

# --------------------------------------------------------------------------------------
# The shared documents


PHASES = [
    ("awareness", "認知"),
    ("acquisition", "獲得"),
    ("onboarding", "オンボーディング"),
    ("engagement", "エンゲージメント"),
    ("retention", "維持"),
    ("advocacy", "推奨"),
]


@dataclass(frozen=True)
class Touchpoint:
    id: str
    name: str
    channel: str
    phase: str
    events: dict[str, str] = field(default_factory=dict)


TOUCHPOINTS = [
    Touchpoint(
        "cart_push",
        "カゴ落ち Web プッシュ",
        "web_push",
        "acquisition",
        {"delivered": "push_delivered", "clicked": "push_click"},
    ),
    Touchpoint(
        "cart_email",
        "カゴ落ちメール (cart reminder)",
        "email",
        "acquisition",
        {"delivered": "email_delivered", "opened": "email_open", "clicked": "email_click"},
    ),
    Touchpoint("retarget_ad", "リターゲティング広告", "ad", "acquisition", {"clicked": "ad_click"}),
    Touchpoint(
        "welcome_email",
        "ウェルカムメール",
        "email",
        "onboarding",
        {"opened": "email_open", "clicked": "email_click"},
    ),
    Touchpoint(
        "onboarding_in_app", "アプリ内ガイド", "in_app", "onboarding", {"opened": "in_app_open"}
    ),
    Touchpoint(
        "tips_push", "使い方ヒント (app push)", "app_push", "engagement", {"clicked": "app_open"}
    ),
    Touchpoint(
        "restock_sms", "詰め替えリマインド SMS", "sms", "retention", {"clicked": "sms_click"}
    ),
    Touchpoint(
        "winback_email",
        "休眠掘り起こしメール",
        "email",
        "retention",
        {"opened": "email_open", "clicked": "email_click"},
    ),
    Touchpoint(
        "store_coupon", "店舗クーポン", "store", "retention", {"clicked": "coupon_redeemed"}
    ),
    Touchpoint("support_call", "カスタマーサポートからの電話", "call_center", "retention"),
    Touchpoint(
        "review_request_email",
        "レビュー依頼メール",
        "email",
        "advocacy",
        {"opened": "email_open", "clicked": "email_click"},
    ),
    Touchpoint(
        "referral_social", "友達紹介 SNS 投稿", "social", "advocacy", {"clicked": "social_click"}
    ),
]
TOUCHPOINT_IDS = [tp.id for tp in TOUCHPOINTS]
PERSONAS = ["lisa", "kenji", "mika"]

SHARED = """\
# Shared definitions of the benchmark workspace: the lifecycle, every touchpoint
# a journey may send, and the personas journeys target. 共通定義 (ベンチマーク用)。
kind: phases
id: lifecycle
name: ライフサイクル (customer lifecycle)
phases:            # ordered; advocacy loops back to engagement
@PHASES@
loop_to: engagement
@TOUCHPOINTS@
---
kind: persona
id: lisa
name: リサ (28, skincare enthusiast)
description: 新作コスメを SNS で探す会社員。Office worker who finds new skincare on social media.
profile:
  age: 28
  occupation: 会社員 (marketing)
  location: 東京
  goals: [肌トラブルを減らしたい, 自分に合う定期便を見つけたい]
  pains: [情報が多すぎる, 送料が高い]
  benefits_sought: [成分の透明性, 口コミ]
  preferred_channels: [social, email, app_push]
  quote: 自分の肌に合うかどうか、買う前に知りたい。
segment:                       # who belongs, evaluated on the log
  all:
    - {event: product_view, where: {category: skincare}, count: {min: 3}, within: 30d}
    - not: {event: purchase, within: 90d}
---
kind: persona
id: kenji
name: ケンジ (35, busy commuter)
description: 通勤中にアプリで買い物する。Shops in the app on the train, rarely opens email.
profile:
  age: 35
  occupation: エンジニア
  location: 大阪
  goals: [買い物の時間を短くしたい]
  pains: [メールが多い]
  preferred_channels: [app_push, in_app]
segment:
  any:
    - {event: app_open, count: {min: 5}, within: 14d}
    - {attribute: preferred_channel, op: eq, value: app}
---
kind: persona
id: mika
name: ミカ (42, loyal repeat buyer)
description: 定期購入の常連。A repeat buyer who cares about refills and store events.
profile:
  age: 42
  occupation: 自営業
  location: 福岡
  goals: [切らさずに詰め替えを買いたい]
  pains: [在庫切れ]
  preferred_channels: [email, store, sms]
segment:
  all:
    - {event: purchase, count: {min: 2}, within: 180d}
    - {attribute: newsletter, op: eq, value: true}
"""


def shared_yaml() -> str:
    phases = "\n".join(f"  - {{id: {pid}, name: {name}}}" for pid, name in PHASES)
    touchpoints = []
    for tp in TOUCHPOINTS:
        lines = ["---", "kind: touchpoint", f"id: {tp.id}", f"name: {tp.name}"]
        lines.append(f"channel: {tp.channel}")
        lines.append(f"phase: {tp.phase}")
        if tp.events:
            lines.append(f"events: {flow(tp.events)}   # log events that show its effect")
        touchpoints.append("\n".join(lines))
    return SHARED.replace("@PHASES@", phases).replace("@TOUCHPOINTS@", "\n".join(touchpoints))


# --------------------------------------------------------------------------------------
# YAML text


_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", ""}


def scalar(value: Any) -> str:
    """A scalar as a person would type it: plain when that reads back the same, else quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    try:
        float(text)
        numeric = True
    except ValueError:
        numeric = False
    plain = (
        not numeric
        and text.lower() not in _RESERVED
        and not re.search(r"[,\[\]{}#:&*!|>'\"%@`]", text)
        and text[0] not in "-? "
        and text[-1] != " "
    )
    return text if plain else json.dumps(text, ensure_ascii=False)


def flow(value: Any) -> str:
    """YAML flow style: `{a: 1, b: [x, y]}`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


# --------------------------------------------------------------------------------------
# Journeys


@dataclass(frozen=True)
class Theme:
    key: str
    ja: str
    en: str
    phase: str
    entry: str
    goal: str
    touchpoints: tuple[str, ...]
    responses: tuple[str, ...]
    about_ja: str
    about_en: str


THEMES = [
    Theme(
        "cart",
        "カゴ落ちリマインド",
        "Cart abandonment reminder",
        "acquisition",
        "cart_abandoned",
        "purchase",
        ("cart_push", "cart_email", "retarget_ad"),
        ("push_click", "email_click", "checkout_start"),
        "カートに商品を残したまま離脱したお客様に、プッシュ、メール、広告の順で思い出してもらう。",
        "Reminds customers who left items in the cart: push first, then email, then an ad.",
    ),
    Theme(
        "welcome",
        "ウェルカムシリーズ",
        "Welcome series",
        "onboarding",
        "account_signup",
        "first_purchase",
        ("welcome_email", "onboarding_in_app", "tips_push"),
        ("email_open", "app_open", "in_app_open"),
        "会員登録したばかりのお客様に、ブランドの使い方と初回購入の特典を伝える。",
        "Introduces new members to the brand and the first-purchase offer.",
    ),
    Theme(
        "browse",
        "閲覧フォローアップ",
        "Browse abandonment follow-up",
        "awareness",
        "product_view",
        "add_to_cart",
        ("retarget_ad", "cart_push", "cart_email"),
        ("ad_click", "push_click", "product_view"),
        "商品ページを何度も見ているのにカートに入れていないお客様を後押しする。",
        "Nudges customers who keep viewing a product without adding it to the cart.",
    ),
    Theme(
        "refill",
        "詰め替えリマインド",
        "Refill reminder",
        "retention",
        "refill_due",
        "purchase",
        ("restock_sms", "cart_email", "store_coupon"),
        ("sms_click", "email_open", "coupon_redeemed"),
        "前回購入から使い切る頃に、詰め替えの購入を SMS とメールで案内する。",
        "Reminds customers to buy a refill when the last one should be running out.",
    ),
    Theme(
        "winback",
        "休眠掘り起こし",
        "Win-back",
        "retention",
        "inactive_60d",
        "session_start",
        ("winback_email", "store_coupon", "support_call", "retarget_ad"),
        ("email_open", "coupon_redeemed", "ad_click"),
        "60 日以上来訪のないお客様に、クーポンと電話で戻ってきてもらう。",
        "Brings back customers who have not visited for 60 days with a coupon or a call.",
    ),
    Theme(
        "review",
        "レビュー依頼",
        "Review request",
        "advocacy",
        "order_delivered",
        "review_posted",
        ("review_request_email", "tips_push"),
        ("email_open", "email_click", "app_open"),
        "商品が届いてから数日後にレビューを依頼する。",
        "Asks for a review a few days after the order is delivered.",
    ),
    Theme(
        "referral",
        "友達紹介キャンペーン",
        "Referral campaign",
        "advocacy",
        "review_posted",
        "referral_sent",
        ("referral_social", "review_request_email", "tips_push"),
        ("social_click", "email_click"),
        "高評価のレビューを書いたお客様に、友達紹介のコードを届ける。",
        "Sends a referral code to customers who just wrote a good review.",
    ),
    Theme(
        "app",
        "アプリ誘導",
        "App install nudge",
        "engagement",
        "web_login",
        "app_install",
        ("onboarding_in_app", "tips_push", "welcome_email"),
        ("app_open", "email_click"),
        "Web でよくログインするお客様にアプリを勧める。",
        "Suggests the app to customers who log in on the web often.",
    ),
]

ENTRY_WHERE = [
    {"category": "skincare"},
    {"category": {"in": ["skincare", "makeup"]}},
    {"cart_value": {"gte": 3000}},
    {"source": {"ne": "internal"}},
    {"device": "app"},
    {"country": "JP"},
]
SPLITS: list[tuple[str, str, dict[str, Any]]] = [
    ("value", "カート金額が大きい", {"property": "cart_value", "op": "gte", "value": 10000}),
    (
        "category",
        "スキンケアかメイク",
        {"property": "category", "op": "in", "value": ["skincare", "makeup"]},
    ),
    ("device", "アプリ利用者", {"property": "device", "op": "eq", "value": "app"}),
    ("engaged", "最近メールを開いた", {"event": "email_open", "within": "7d"}),
    ("repeat", "リピーター", {"event": "purchase", "count": {"min": 2}, "within": "90d"}),
    ("newsletter", "メルマガ購読者", {"attribute": "newsletter", "op": "eq", "value": True}),
    ("coupon", "クーポン未使用", {"not": {"event": "coupon_redeemed", "within": "30d"}}),
    (
        "vip",
        "高額かつ未購入",
        {
            "all": [
                {"property": "cart_value", "op": "gte", "value": 5000},
                {"not": {"event": "purchase", "within": "30d"}},
            ]
        },
    ),
    (
        "app_user",
        "アプリを使っている",
        {
            "any": [
                {"event": "app_open", "within": "3d"},
                {"property": "device", "op": "eq", "value": "app"},
            ]
        },
    ),
]
AB_TESTS = [
    ("subject", "件名テスト (subject line)"),
    ("channel", "チャネル比較"),
    ("timing", "送信タイミング"),
    ("offer", "特典の有無 (offer vs none)"),
    ("creative", "クリエイティブ比較"),
]
AB_WEIGHTS = [[50, 50], [50, 50], [70, 30], [80, 20], [34, 33, 33], [40, 30, 30], [25, 25, 50]]
AB_NAMES = [["a", "b"], ["control", "offer"], ["a", "b", "c"], ["control", "short", "long"]]
WAITS = ["30m", "1h", "2h", "4h", "6h", "12h", "1d", "2d", "3d"]
WINDOWS = {"3d": 3, "5d": 5, "7d": 7, "10d": 10, "14d": 14, "1w": 7, "2w": 14}
TIMEOUTS = {"2h": 2 / 24, "6h": 6 / 24, "12h": 0.5, "1d": 1, "2d": 2, "3d": 3, "5d": 5, "7d": 7}
CLOCKS = ["19:00", "19:00", "19:00", "12:00", "09:30"]  # mostly the evening send
CLOCK_NAMES = {"19:00": "evening", "12:00": "noon", "09:30": "morning"}
STEP_COMMENTS = {
    "wait": ["少し間をあける (give them time)", "すぐ送ると逆効果なので待つ"],
    "wait_for": ["反応したお客様は先へ進む", "反応がなければ次のチャネルへ"],
    "send": [
        "まずは軽く思い出してもらう",
        "TODO: 件名を季節ごとに見直す",
        "送りすぎ注意: per_customer の上限あり",
    ],
    "wait_until": ["夜に送ると開封率が高い (2024 年の検証より)", "quiet hours と重ならないように"],
    "split": ["高額カートだけ広告で追いかける", "CRM チームと合意済み (agreed with the CRM team)"],
    "ab": ["ここは A/B テスト中。結果はダッシュボード参照", "勝ちパターンが出たら片方に寄せる"],
    "exit": ["反応したお客様はここで終了", "ここで終了 (end of the journey)"],
}
HISTORY = [
    "# 2024-03: 初版 (first version)",
    "# 2024-05: 件名テストを追加 (added a subject-line test)",
    "# 2024-07: quiet hours を 22 時からに変更",
    "# 2024-09: holdout を見直し (reviewed the holdout share)",
    "# 2024-11: 広告の配信先を調整",
]
SEND_NAMES = ["{tp} を送る", "{tp} の配信", "send {tp}", "{tp} (2 通目)"]
REQUIRED_KINDS = ["wait", "wait_for", "send", "wait_until", "split", "ab"]
EXTRA_KINDS = ["send"] * 3 + ["wait"] * 2 + ["wait_for"] * 2 + ["wait_until", "split", "ab"]
FIRST_EXIT = ["done", "end", "finish"]
SECOND_EXIT = ["stop", "no_response", "give_up", "handoff"]


@dataclass
class Step:
    kind: str
    id: str
    fields: dict[str, Any] = field(default_factory=dict)
    alt: list[tuple[Any, Any]] = field(default_factory=list)  # (container, key) of branch targets
    comment: str = ""
    block: bool = False
    conditions: list[dict[str, Any]] = field(default_factory=list)  # a split's, in order


class JourneyWriter:
    """One journey, decided by a seeded random generator: structure first, then the text."""

    def __init__(self, index: int, seed: int) -> None:
        self.index = index
        self.rng = random.Random(f"{seed}:{index}")
        self.theme = self.rng.choice(THEMES)
        self.id = f"{self.theme.key}_{index:04d}"
        self.window = self.rng.choice(list(WINDOWS))
        self.used: set[str] = set()

    def unique(self, base: str) -> str:
        name, number = base, 2
        while name in self.used:
            name, number = f"{base}_{number}", number + 1
        self.used.add(name)
        return name

    def touchpoint(self) -> str:
        rng = self.rng
        return rng.choice(self.theme.touchpoints if rng.random() < 0.8 else TOUCHPOINT_IDS)

    def steps(self) -> list[Step]:
        rng = self.rng
        total = rng.randint(8, 14)
        exits = 2 if total >= 9 and rng.random() < 0.45 else 1
        kinds = REQUIRED_KINDS + [rng.choice(EXTRA_KINDS) for _ in range(total - exits - 6)]
        rng.shuffle(kinds)
        if kinds[0] not in ("wait", "send", "wait_until"):  # people start with a wait or a send
            first = next(i for i, k in enumerate(kinds) if k in ("wait", "send"))
            kinds[0], kinds[first] = kinds[first], kinds[0]
        steps = [self.new_step(kind) for kind in kinds]
        steps.append(Step("exit", self.unique(rng.choice(FIRST_EXIT)), {"exit": True}))
        if exits == 2:
            steps.append(Step("exit", self.unique(rng.choice(SECOND_EXIT)), {"exit": True}))
        for position, step in enumerate(steps[: len(kinds)]):
            self.link(step, [s.id for s in steps[position + 1 :]])
        if exits == 2:  # the second exit must be the target of some branch
            last = steps[-1].id
            slots = [slot for step in steps for slot in step.alt]
            if all(container[key] != last for container, key in slots):
                container, key = rng.choice(slots)
                container[key] = last
        for step in steps:
            step.block = step.kind in ("split", "ab") or rng.random() < 0.2
            if rng.random() < 0.3:
                step.comment = rng.choice(STEP_COMMENTS[step.kind])
        return steps

    def new_step(self, kind: str) -> Step:
        rng = self.rng
        if kind == "wait":
            duration = rng.choice(WAITS)
            return Step(kind, self.unique(f"wait_{duration}"), {"wait": duration})
        if kind == "wait_until":
            clock = rng.choice(CLOCKS)
            fields = {"wait_until": clock, "tz": TZ}
            return Step(kind, self.unique(f"wait_{CLOCK_NAMES[clock]}"), fields)
        if kind == "wait_for":
            event = rng.choice(self.theme.responses)
            timeouts = [t for t, days in TIMEOUTS.items() if days <= WINDOWS[self.window]]
            fields: dict[str, Any] = {"wait_for": {"event": event}, "timeout": rng.choice(timeouts)}
            if rng.random() < 0.25:
                fields["wait_for"]["where"] = {"campaign": self.id}
            return Step(kind, self.unique(f"wait_{event}"), fields)
        if kind == "send":
            tp = self.touchpoint()
            fields = {"send": tp}
            if rng.random() < 0.5:
                fields["name"] = rng.choice(SEND_NAMES).format(tp=tp)
            return Step(kind, self.unique(tp), fields)
        if kind == "split":
            picks = rng.sample(SPLITS, rng.randint(1, 3))
            key, label, _ = picks[0]
            step = Step(kind, self.unique(f"split_{key}"), {"name": label})
            step.conditions = [condition for _, _, condition in picks]
            return step
        key, label = rng.choice(AB_TESTS)
        return Step(kind, self.unique(f"ab_{key}"), {"name": label})

    def link(self, step: Step, later: list[str]) -> None:
        """Point the step at the next one (the backbone) and its branches further on."""
        rng = self.rng
        following = later[0]
        far = later[1:] or later

        def jump() -> str:
            return rng.choice(far)

        if step.kind == "wait_for":
            if rng.random() < 0.8:  # the event came: skip ahead; no reaction: carry on
                step.fields.update(next=jump(), on_timeout=following)
                step.alt.append((step.fields, "next"))
            else:
                step.fields.update(next=following, on_timeout=jump())
                step.alt.append((step.fields, "on_timeout"))
        elif step.kind == "split":
            branches: list[dict[str, Any]] = [
                {"if": condition, "next": jump()} for condition in step.conditions
            ]
            branches.append({"else": jump()})
            backbone = rng.randrange(len(branches))
            for number, branch in enumerate(branches):
                key = "else" if "else" in branch else "next"
                if number == backbone:
                    branch[key] = following
                else:
                    step.alt.append((branch, key))
            step.fields["split"] = branches
        elif step.kind == "ab":
            weights = rng.choice(AB_WEIGHTS)
            names = rng.choice([n for n in AB_NAMES if len(n) == len(weights)])
            variants = {
                name: {"weight": weight, "next": following if number == 0 else jump()}
                for number, (name, weight) in enumerate(zip(names, weights, strict=True))
            }
            for name in names[1:]:
                step.alt.append((variants[name], "next"))
            ab: dict[str, Any] = {}
            if rng.random() < 0.4:
                ab["seed"] = f"{self.id}_v{rng.randint(1, 4)}"
            ab["variants"] = variants
            step.fields["ab"] = ab
        else:
            step.fields["next"] = following

    def text(self) -> str:
        rng, theme = self.rng, self.theme
        steps = self.steps()
        version = rng.randint(1, 9)
        persona = rng.choice(PERSONAS)
        holdout = rng.choice(["10%", "10%", "10%", "5%", "20%"])
        where = rng.choice(ENTRY_WHERE)
        out = [
            f"# {theme.ja} ({theme.en}), v{version}.",
            f"# Owner: CRM チーム. Generated for the benchmark (journey {self.index}).",
            "kind: journey",
            f"id: {self.id}",
            f"name: {theme.ja} {version}版 / {theme.en} v{version}",
            "description: |",
            f"  {theme.about_ja}",
            f"  {theme.about_en}",
            f"  対象: {persona}。 Measured against a {holdout} holdout on the same log.",
            f"persona: {persona}                  # optional audience filter: persona segment",
            f"phase: {theme.phase}",
        ]
        entry: dict[str, Any] = {"event": theme.entry, "where": where}
        if rng.random() < 0.2:
            entry["if"] = {"attribute": "newsletter", "op": "eq", "value": True}
        if rng.random() < 0.5:
            out.append(f"entry: {flow(entry)}")
        else:
            out += ["entry:", f"  event: {theme.entry}", f"  where: {flow(where)}"]
            if "if" in entry:
                out.append(f"  if: {flow(entry['if'])}   # メルマガ購読者のみ")
        re_entry = rng.choice(["never", "always", {"after": "7d"}, {"after": "30d"}])
        out.append(f"re_entry: {flow(re_entry)}   # never | always | {{after: duration}}")
        out.append(f"goal: {{event: {theme.goal}, within: {self.window}}}   # converted")
        exit_on: list[dict[str, Any]] = [{"event": "unsubscribe"}]
        if rng.random() < 0.5:
            exit_on.append({"event": "complaint"})
        if rng.random() < 0.3:
            exit_on.append({"event": "refund", "where": {"reason": "defect"}})
        out.append(f"exit_on: {flow(exit_on)}")
        per_customer = {"max": rng.randint(1, 4), "per": rng.choice(["12h", "1d", "1w"])}
        quiet = {"from": rng.choice(["21:00", "22:00", "23:00"]), "to": "08:00", "tz": TZ}
        if rng.random() < 0.5:
            out.append(f"limits: {flow({'per_customer': per_customer, 'quiet_hours': quiet})}")
        else:
            out += [
                "limits:",
                f"  per_customer: {flow(per_customer)}   # 送りすぎ防止",
                f"  quiet_hours: {flow(quiet)}",
            ]
        quoted = rng.random() < 0.5
        out.append(
            f"holdout: {json.dumps(holdout) if quoted else holdout}"
            "   # control group: enters, gets nothing, is measured"
        )
        if rng.random() < 0.7:
            out.append(f"start: {steps[0].id}")
        out.append("steps:")
        for step in steps:
            out += self.step_lines(step)
        history = rng.randint(0, 2)
        while history < len(HISTORY) and len("\n".join(out).encode()) + 60 * history < 2150:
            history += 1  # short journeys carry a longer change log, as real ones do
        out[2:2] = HISTORY[:history]
        return "\n".join(out) + "\n"

    def step_lines(self, step: Step) -> list[str]:
        rng = self.rng
        lines = []
        comment = step.comment
        if comment and rng.random() < 0.5:
            lines.append(f"  # {comment}")
            comment = ""
        tail = f"   # {comment}" if comment else ""
        if not step.block:
            return [*lines, f"  {step.id}: {flow(step.fields)}{tail}"]
        lines.append(f"  {step.id}:{tail}")
        for key, value in step.fields.items():
            if key == "split":
                lines.append("    split:")
                for branch in value:
                    lines.append(f"      - {flow(branch)}")
            elif key == "ab":
                lines.append("    ab:")
                for ab_key, ab_value in value.items():
                    if ab_key == "variants":
                        lines.append("      variants:")
                        for name, variant in ab_value.items():
                            lines.append(f"        {name}: {flow(variant)}")
                    else:
                        lines.append(f"      {ab_key}: {flow(ab_value)}")
            else:
                lines.append(f"    {key}: {flow(value)}")
        return lines


def generate(workspace: Path, files: int, seed: int) -> list[Path]:
    """Write shared.yaml and the journey files (removing journey files of an earlier run)."""
    workspace.mkdir(parents=True, exist_ok=True)
    for old in workspace.glob("j*.yaml"):
        if re.fullmatch(r"j\d+\.yaml", old.name):
            old.unlink()
    (workspace / "shared.yaml").write_text(shared_yaml(), encoding="utf-8")
    width = max(4, len(str(files - 1)))
    paths = []
    for index in range(files):
        path = workspace / f"j{index:0{width}d}.yaml"
        path.write_text(JourneyWriter(index, seed).text(), encoding="utf-8")
        paths.append(path)
    return paths


def count_steps(text: str) -> int:
    """Step keys (two-space indented ids) under `steps:` of a generated journey."""
    return len(re.findall(r"^  [a-z][a-z0-9_]*:", text.split("\nsteps:\n", 1)[-1], re.MULTILINE))


def journey_files(workspace: Path) -> list[Path]:
    return sorted(p for p in workspace.glob("j*.yaml") if re.fullmatch(r"j\d+\.yaml", p.name))


# --------------------------------------------------------------------------------------
# Measuring processes


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    max_rss_kb: int
    returncode: int
    stdout: str
    stderr: str


def _gnu_time() -> str | None:
    """GNU time, whose `%M` is the peak RSS of the command alone (see run_once)."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    probe = subprocess.run([path, "-f", "%M", "true"], capture_output=True, text=True)
    return path if probe.returncode == 0 and probe.stderr.strip().isdigit() else None


GNU_TIME = _gnu_time()


def run_once(command: Sequence[str], *, one_core: bool = False) -> Run:
    """Run a whole process: wall time, CPU time (workers included) and peak RSS.

    Linux carries a process's peak RSS across fork and exec, so a child of this
    script reports at least this script's own RSS. The peak therefore comes from
    GNU time (a small process that forks the command) when there is one, else from
    wait4. Either way it is the largest single process among the command and the
    workers it reaped, not a sum (the tree PSS column is the sum).
    """
    cpu = min(os.sched_getaffinity(0))
    pin: Callable[[], None] | None = (lambda: os.sched_setaffinity(0, {cpu})) if one_core else None
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as rss,
    ):
        wrapped = [GNU_TIME, "-f", "%M", "-o", rss.name, *command] if GNU_TIME else command
        start = time.perf_counter()
        process = subprocess.Popen(
            wrapped, cwd=REPO, stdin=subprocess.DEVNULL, stdout=out, stderr=err, preexec_fn=pin
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        peak_kb = usage.ru_maxrss
        if GNU_TIME:
            lines = rss.read().split()
            peak_kb = int(lines[-1]) if lines and lines[-1].isdigit() else peak_kb
        out.seek(0)
        err.seek(0)
        return Run(
            wall,
            usage.ru_utime + usage.ru_stime,
            peak_kb,
            process.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def _tree(root: int) -> list[int]:
    """The process and its descendants, from /proc (no psutil)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_mb(command: Sequence[str]) -> float | None:
    """Peak of the summed PSS of the process tree, sampled every 5 ms (an untimed run)."""
    if not Path("/proc/self/smaps_rollup").exists():
        return None
    peak = 0
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while process.poll() is None:
        peak = max(peak, sum(_pss_kb(pid) for pid in _tree(process.pid)))
        time.sleep(0.005)
    return peak / 1024


@dataclass
class Row:
    tool: str
    command: list[str]
    files: int
    runs: int
    min_s: float
    median_s: float
    cpu_median_s: float
    peak_rss_mb: float
    tree_pss_mb: float | None
    ratio: float | None = None


def measure(
    tool: str,
    command: list[str],
    files: int,
    runs: int,
    *,
    one_core: bool = False,
    ok: tuple[int, ...] = (0,),
) -> Row:
    results = []
    for _ in range(runs):
        run = run_once(command, one_core=one_core)
        if run.returncode not in ok:
            fail(f"{tool} exited {run.returncode} (expected {ok})", run.stdout + run.stderr)
        results.append(run)
    walls = [r.wall_s for r in results]
    return Row(
        tool,
        command,
        files,
        runs,
        min(walls),
        statistics.median(walls),
        statistics.median(r.cpu_s for r in results),
        max(r.max_rss_kb for r in results) / 1024,
        None if one_core else tree_pss_mb(command),
    )


def fail(message: str, output: str = "") -> None:
    lines = output.strip().splitlines()
    shown = "\n".join(lines[:40]) + (
        f"\n... ({len(lines) - 40} more lines)" if len(lines) > 40 else ""
    )
    sys.stderr.write(f"\nvalidate_bench: ABORT: {message}\n{shown}\n")
    sys.exit(1)


# --------------------------------------------------------------------------------------
# Checks before timing


def hostile_corpus() -> dict[str, bytes]:
    """The hostile inputs of tests/spec/test_hostile.py, for timing (`--hostile`)."""
    bomb = "".join(
        f"{n}: &{n} [" + ", ".join([f"*{p}"] * 9 if p else ['"lol"'] * 9) + "]\n"
        for p, n in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
    )
    return {
        "billion laughs": bomb.encode(),
        "10,000-deep nesting": ("[" * 10_000 + "]" * 10_000).encode(),
        "50 MB file": b"# padding\n" * 5_300_000,
        "!!python/object tag": (
            b"kind: touchpoint\nid: t\nchannel: !!python/object/apply:os.system [x]\n"
        ),
        "64 KB of binary": bytes(random.Random(1).randrange(256) for _ in range(65536)),
    }


def check_generated(cjo: str, workspace: Path, paths: list[Path], check_jsonschema: str) -> None:
    """Every generated file must be clean for cjo (warnings too) and for check-jsonschema."""
    run = run_once([cjo, "validate", "--strict", "--format", "json", str(workspace)])
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        fail(
            f"`cjo validate` exited {run.returncode} without a JSON report", run.stdout + run.stderr
        )
    if run.returncode != 0 or report.get("findings"):
        findings = "\n".join(
            f"{f['path']}:{f['line']}:{f['col']}: {f['level']}: {f['message']} [{f['rule']}]"
            for f in report.get("findings", [])
        )
        fail(f"the generated workspace is not clean for cjo (exit {run.returncode})", findings)
    if report.get("files_checked") != len(paths) + 1:
        fail(f"cjo checked {report.get('files_checked')} files, expected {len(paths) + 1}")
    run = run_once([check_jsonschema, "--schemafile", str(SCHEMA), *map(str, paths)])
    if run.returncode != 0:
        fail("the generated journeys do not pass check-jsonschema", run.stdout + run.stderr)


def imported_modules(command: list[str]) -> set[str]:
    """Top-level packages a Python command imports (`-X importtime`, forked workers included)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *command], cwd=REPO, capture_output=True, text=True
    )
    if run.returncode not in (0, 1):
        fail(f"`python -X importtime {' '.join(command)}` exited {run.returncode}", run.stderr)
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.add(name.split(".")[0])
    return names


_NOT_CLI = r"^(?!.*(typer|click|cli/app\.py|cli/validate_cmd\.py|<built-in method builtins))"


def profile(workspace: Path, top: int) -> str:
    """cProfile of one serial `cjo validate` (os.cpu_count patched to 1: no worker processes)."""
    code = (
        "import cProfile, os, pstats, sys\n"
        "os.cpu_count = lambda: 1\n"
        "from cjo_cli.cli.app import main\n"
        f"sys.argv = ['cjo', 'validate', {str(workspace)!r}]\n"
        "profiler = cProfile.Profile()\n"
        "profiler.enable()\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "profiler.disable()\n"
        "stats = pstats.Stats(profiler, stream=sys.stdout)\n"
        "print('by cumulative time, without the typer/click wrappers:')\n"
        f"stats.sort_stats('cumulative').print_stats({_NOT_CLI!r}, {top})\n"
        "print('by own time:')\n"
        f"stats.sort_stats('tottime').print_stats({top})\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    return run.stdout


def version_of(command: list[str]) -> str:
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    return (run.stdout or run.stderr).strip().splitlines()[0] if run.returncode == 0 else "?"


# --------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = [
        "| tool | files | min s | median s | CPU s (median) | peak RSS MB | tree PSS MB "
        "| ratio cjo/check-jsonschema (min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        pss = "—" if row.tree_pss_mb is None else f"{row.tree_pss_mb:.0f}"
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(
            f"| {row.tool} | {row.files} | {row.min_s:.3f} | {row.median_s:.3f} "
            f"| {row.cpu_median_s:.3f} | {row.peak_rss_mb:.0f} | {pss} | {ratio} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="journey files (default 1000)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where journeys/ goes")
    parser.add_argument("--keep", action="store_true", help="reuse OUT/journeys if present")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--json", type=Path, default=JSON_REPORT, help="JSON report path")
    parser.add_argument(
        "--hostile", action="store_true", help="also time cjo validate on hostile YAML files"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also print the top N of a cProfile"
    )
    args = parser.parse_args()
    if args.files < 1 or args.runs < 1:
        parser.error("--files and --runs must be at least 1")

    cjo = str(BIN / "cjo")
    check_jsonschema = str(BIN / "check-jsonschema")
    for tool in (cjo, check_jsonschema):
        if not Path(tool).exists():
            fail(f"{tool} is missing: run me with the venv's python; pip install -e '.[bench]'")
    workspace = args.out.resolve() / "journeys"

    if args.keep and (workspace / "shared.yaml").exists() and journey_files(workspace):
        paths = journey_files(workspace)
        print(f"reusing {len(paths)} journey files in {workspace} (--keep)")
        if len(paths) != args.files:
            print(f"note: --files {args.files} ignored; {len(paths)} files are there")
    else:
        started = time.perf_counter()
        paths = generate(workspace, args.files, args.seed)
        took = time.perf_counter() - started
        print(f"generated {len(paths)} journey files in {workspace} ({took:.1f} s)")
    sizes = [p.stat().st_size for p in paths]
    step_counts = [count_steps(p.read_text(encoding="utf-8")) for p in paths]

    check_generated(cjo, workspace, paths, check_jsonschema)
    print("pre-check: `cjo validate --strict` finds nothing and check-jsonschema passes every file")

    clib = importlib.util.find_spec("_ruamel_yaml") is not None
    validate_imports = imported_modules(["-m", "cjo_cli", "validate", str(workspace)])
    help_imports = imported_modules(["-m", "cjo_cli", "--help"])
    heavy = ["duckdb", "pyarrow", "jsonschema", "rich", "pydantic"]

    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        print(
            f"warning: load average {load_before:.2f} before timing; other work skews the numbers"
        )
    n = len(paths)
    files = [str(p) for p in paths]
    rows = [
        measure("`cjo validate journeys/`", [cjo, "validate", str(workspace)], n + 1, args.runs),
        measure(
            "`cjo validate journeys/`, pinned to 1 core",
            [cjo, "validate", str(workspace)],
            n + 1,
            args.runs,
            one_core=True,
        ),
        measure("`cjo validate FILES`", [cjo, "validate", *files], n, args.runs),
        measure(
            "`check-jsonschema --schemafile schemas/journey.json FILES`",
            [check_jsonschema, "--schemafile", str(SCHEMA), *files],
            n,
            args.runs,
        ),
        measure("`cjo --help`", [cjo, "--help"], 0, args.runs),
        measure(
            '`python -c "import cjo_cli.cli.app"`',
            [sys.executable, "-c", "import cjo_cli.cli.app"],
            0,
            args.runs,
        ),
    ]
    if args.hostile:
        hostile = args.out.resolve() / "hostile"
        hostile.mkdir(parents=True, exist_ok=True)
        cases = []
        for number, (name, data) in enumerate(hostile_corpus().items()):
            path = hostile / f"hostile_{number}.yaml"
            path.write_bytes(data)
            cases.append((name, path))
        for name, path in cases:  # a finding (1) or unreadable input (2) is right; a crash is not
            command = [cjo, "validate", str(path)]
            rows.append(measure(f"`cjo validate` {name}", command, 1, args.runs, ok=(1, 2)))
    load_after = os.getloadavg()[0]
    baseline = next(r for r in rows if r.tool.startswith("`check-jsonschema"))
    for row in rows:
        row.ratio = row.min_s / baseline.min_s

    print()
    print(
        f"{n} journey files + shared.yaml; {min(sizes)}-{max(sizes)} bytes "
        f"(mean {statistics.mean(sizes):.0f}); {min(step_counts)}-{max(step_counts)} steps; "
        f"seed {args.seed}"
    )
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs "
        f"({len(os.sched_getaffinity(0))} usable), {platform.platform()}"
    )
    clib_text = "yes" if clib else "no"
    print(f"ruamel.yaml.clib importable (check-jsonschema's fastest set-up): {clib_text}")
    print(f"`cjo validate` imports duckdb: {'yes' if 'duckdb' in validate_imports else 'no'}")
    print(
        "heavy packages imported by `cjo validate` / `cjo --help`: "
        f"{', '.join(m for m in heavy if m in validate_imports) or 'none'} / "
        f"{', '.join(m for m in heavy if m in help_imports) or 'none'}"
    )
    print()
    print(table(rows))
    print()
    rss_from = "GNU time" if GNU_TIME else "wait4, floored at this script's RSS"
    print(
        f"min/median: wall time of the whole process over {args.runs} runs; CPU: user+sys "
        f"including worker processes; peak RSS: the largest single process ({rss_from}); "
        "tree PSS: peak summed PSS of the process and its workers, sampled in one extra run. "
        f"Load average (1 min) before/after timing: {load_before:.2f}/{load_after:.2f}."
    )

    report = {
        "files": n,
        "seed": args.seed,
        "workspace": str(workspace),
        "bytes": {"min": min(sizes), "max": max(sizes), "mean": statistics.mean(sizes)},
        "steps": {"min": min(step_counts), "max": max(step_counts)},
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "usable_cpus": len(os.sched_getaffinity(0)),
            "cjo": version_of([cjo, "--version"]),
            "check_jsonschema": version_of([check_jsonschema, "--version"]),
            "peak_rss_from": rss_from,
            "load_average_before": load_before,
            "load_average_after": load_after,
        },
        "ruamel_yaml_clib": clib,
        "validate_imports_duckdb": "duckdb" in validate_imports,
        "validate_imports": sorted(m for m in heavy if m in validate_imports),
        "help_imports": sorted(m for m in heavy if m in help_imports),
        "results": [asdict(row) | {"command": row.command[:4]} for row in rows],
        "markdown": table(rows),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")

    if args.profile:
        print(f"\ncProfile of a serial `cjo validate journeys/` (top {args.profile}, cumulative):")
        print(profile(workspace, args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
