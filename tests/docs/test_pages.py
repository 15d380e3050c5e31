"""The docs pages say what the code does: the rules table comes from the rule registry,
every command and every log format has its place, and the parts being rewritten
elsewhere are left to their authors.

The rules table of docs/rules.md is generated: after adding or changing a rule, run
`CJO_WRITE_DOCS=1 .venv/bin/python -m pytest tests/docs/test_pages.py` to rewrite it.
"""

from __future__ import annotations

import os
import re

from cjo_cli.cli.app import app
from cjo_cli.events.formats import FORMATS
from cjo_cli.spec.rules import rule_levels, rule_summaries
from tests.conftest import REPO

DOCS = REPO / "docs"
RULES_PAGE = DOCS / "rules.md"
TABLE_START = "<!-- rules-table: generated from the rule registry by tests/docs/test_pages.py -->"
TABLE_END = "<!-- rules-table: end -->"
HOLDOUT_HEADING = "## Holdouts, A/B tests and what a replay can measure"


def rules_table() -> str:
    """The table of every rule cjo can report, in the registry's order."""
    levels, summaries = rule_levels(), rule_summaries()
    rows = [
        f"| [`{rule_id}`](#{rule_id}) | {levels[rule_id].value} | "
        f"{summaries[rule_id].replace('|', chr(92) + '|')} |"
        for rule_id in levels
    ]
    return "\n".join(["| rule | level | what it finds |", "|---|---|---|", *rows])


def test_the_rules_table_is_the_registry() -> None:
    text = RULES_PAGE.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(TABLE_START) + r"\n(.*?)\n" + re.escape(TABLE_END), re.DOTALL)
    match = pattern.search(text)
    assert match, f"docs/rules.md has no table between {TABLE_START!r} and {TABLE_END!r}"
    expected = rules_table()
    if os.environ.get("CJO_WRITE_DOCS") and match[1] != expected:
        text = text[: match.start(1)] + expected + text[match.end(1) :]
        RULES_PAGE.write_text(text, encoding="utf-8")
        return
    assert match[1] == expected, (
        "the rules table is not the registry's; rewrite it with "
        "CJO_WRITE_DOCS=1 .venv/bin/python -m pytest tests/docs/test_pages.py"
    )


def test_every_rule_has_a_section_on_the_rules_page() -> None:
    text = RULES_PAGE.read_text(encoding="utf-8")
    sections = set(re.findall(r"^### `([a-z-]+)`", text, re.MULTILINE))
    assert sections == set(rule_levels())


def test_every_command_is_on_the_commands_page() -> None:
    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## `cjo ([a-z-]+)", text, re.MULTILINE))
    assert documented == {command.name for command in app.registered_commands}


def test_every_log_format_is_on_an_exports_page() -> None:
    pages = " ".join(p.read_text(encoding="utf-8") for p in (DOCS / "exports").glob("*.md"))
    missing = [f for f in FORMATS if f"--log-format {f}" not in pages]
    assert not missing, f"no exports page shows --log-format {missing}"


def test_the_holdout_section_claims_no_simulated_effect() -> None:
    text = (DOCS / "replay.md").read_text(encoding="utf-8")
    section = text[text.index(HOLDOUT_HEADING) :]
    for needed in ("holdout plan", "assignment:", "variant_from", "Too few to tell"):
        assert needed in section
    assert "lift" not in text.lower()


def test_no_page_cites_the_design_notes() -> None:
    cited = [p.name for p in DOCS.rglob("*.md") if "SPEC" in p.read_text(encoding="utf-8")]
    assert not cited
