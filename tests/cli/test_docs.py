"""The README documents every command and every rule, with the level the code gives it."""

from __future__ import annotations

import re

from cjo_cli.cli.app import app
from cjo_cli.spec.rules import LOADER_RULES, RULES
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_rule_is_in_the_readme_with_its_level() -> None:
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning) \|", README, re.MULTILINE))
    levels = {rule_id: level.value for rule_id, (level, _) in LOADER_RULES.items()}
    levels.update({rule.id: rule.level.value for rule in RULES.values()})
    assert rows == levels


def test_every_command_is_in_the_readme() -> None:
    names = {command.name for command in app.registered_commands}
    documented = set(re.findall(r"^\| `cjo ([a-z-]+)", README, re.MULTILINE))
    assert names == documented
