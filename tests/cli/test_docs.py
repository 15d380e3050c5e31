"""The README documents every command and every rule, with the level the code gives it."""

from __future__ import annotations

import re

from cjo_cli.cli.app import app
from cjo_cli.spec.rules import rule_levels
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_rule_is_in_the_readme_with_its_level() -> None:
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning) \|", README, re.MULTILINE))
    levels = {rule_id: level.value for rule_id, level in rule_levels().items()}
    assert rows == levels


def test_every_command_is_in_the_readme() -> None:
    names = {command.name for command in app.registered_commands}
    documented = set(re.findall(r"^\| `cjo ([a-z][a-z-]*)", README, re.MULTILINE))
    assert names == documented


def test_rules_that_share_an_id_share_a_level() -> None:
    from cjo_cli.spec.rules import RULES

    levels: dict[str, set[str]] = {}
    for rule in RULES:
        levels.setdefault(rule.id, set()).add(rule.level.value)
    assert all(len(found) == 1 for found in levels.values())
