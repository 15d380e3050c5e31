"""`scaffold.linked` and `scaffold.existing`: what `cjo init` checks before it writes."""

from __future__ import annotations

from pathlib import Path

from cjo_cli import scaffold


def test_linked_names_each_link_on_the_way_once(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "maps").mkdir(parents=True)
    target = tmp_path / "target"
    target.mkdir()
    (target / "journeys").symlink_to(elsewhere)
    (target / "schemas").symlink_to(tmp_path / "missing")  # dangling: a link all the same
    planned = scaffold.plan(target)
    assert scaffold.linked(target, planned) == [target / "journeys", target / "schemas"]


def test_linked_leaves_the_target_itself_to_the_user(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "target").symlink_to("real")
    target = tmp_path / "target"
    assert scaffold.linked(target, scaffold.plan(target)) == []


def test_existing_counts_dangling_links(tmp_path: Path) -> None:
    (tmp_path / ".pre-commit-config.yaml").symlink_to(tmp_path / "missing.yaml")
    assert scaffold.existing(scaffold.plan(tmp_path)) == [tmp_path / ".pre-commit-config.yaml"]
