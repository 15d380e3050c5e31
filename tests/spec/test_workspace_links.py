"""Symbolic links out of the workspace are refused unread, by the link's own name: in CI a
`journeys/creds.yaml -> ../.git-credentials` used to print the token in a finding (the
YAML read it as a scalar and the finding quoted it). Links within the workspace work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from cjo_cli.spec.workspace import validate_paths

SECRET = "https://ci:ghp_SECRET0123456789@github.com"
TOUCHPOINT = "kind: touchpoint\nid: {id}\nchannel: email\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with a workspace and links of every kind; the current directory."""
    (tmp_path / ".git-credentials").write_text(SECRET + "\n", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.yaml").write_text(f"{SECRET}\n", encoding="utf-8")
    journeys = tmp_path / "journeys"
    (journeys / ".shared").mkdir(parents=True)  # hidden: not walked, but linked to
    (journeys / "a.yaml").write_text(TOUCHPOINT.format(id="a"), encoding="utf-8")
    (journeys / ".shared" / "b.yaml").write_text(TOUCHPOINT.format(id="b"), encoding="utf-8")
    links = {
        "creds.yaml": "../.git-credentials",
        "absolute.yaml": str(tmp_path / ".git-credentials"),
        "dangling.yaml": "../nowhere.yaml",
        "ext": "../outside",
        "through_ext.yaml": "ext/o.yaml",
        "b.yaml": ".shared/b.yaml",  # within the workspace: read
    }
    for name, target in links.items():
        (journeys / name).symlink_to(target)
    (tmp_path / "top.yaml").symlink_to(".git-credentials")  # in no workspace
    monkeypatch.chdir(tmp_path)
    return tmp_path


REFUSED = {"outside-workspace"}


@dataclass(frozen=True)
class Case:
    paths: list[str]
    expected: dict[str, set[str]]
    """The rules found in each reported file (files without findings are left out)."""
    workspace: str | None = None


CASES = {
    "the_workspace": Case(
        ["journeys"],
        {
            "journeys/creds.yaml": REFUSED,
            "journeys/absolute.yaml": REFUSED,
            "journeys/dangling.yaml": REFUSED,
            "journeys/through_ext.yaml": REFUSED,
        },
    ),
    "a_link_given_alone": Case(["journeys/creds.yaml"], {"journeys/creds.yaml": REFUSED}),
    "a_directory_link_given": Case(["journeys/ext"], {"journeys/ext": REFUSED}),
    "a_file_through_a_directory_link": Case(
        ["journeys/ext/o.yaml"], {"journeys/ext/o.yaml": REFUSED}
    ),
    "a_link_within_the_workspace": Case(["journeys/b.yaml"], {}),
    "a_link_given_with_workspace_option": Case(
        ["top.yaml"], {"top.yaml": REFUSED}, workspace="journeys"
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_links_out_of_the_workspace_are_refused(name: str, tree: Path) -> None:
    case = CASES[name]
    workspace = Path(case.workspace) if case.workspace else None
    result = validate_paths([Path(p) for p in case.paths], workspace=workspace)
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        found.setdefault(finding.path, set()).add(finding.rule)
    assert found == case.expected
    assert not any(SECRET in f.message or "ghp_" in f.message for f in result.findings)
    assert all((f.line, f.col) == (1, 1) for f in result.findings)
    assert not result.unreadable


def test_the_refusal_names_the_link(tree: Path) -> None:
    [finding] = validate_paths([Path("journeys/creds.yaml")]).findings
    assert "points outside the workspace through a symbolic link" in finding.message
    assert finding.level.value == "error"


def test_a_file_alone_is_read_where_its_link_points(tree: Path) -> None:
    # No workspace: whoever names the file on the command line asks for it.
    [finding] = validate_paths([Path("top.yaml")]).findings
    assert (finding.path, finding.rule) == ("top.yaml", "bad-type")


def test_a_link_within_the_workspace_is_one_of_its_files(tree: Path) -> None:
    result = validate_paths([Path("journeys")], keep_model=True)
    assert sorted(result.workspace.touchpoints) == ["a", "b"]
    assert result.files_checked == 6  # a.yaml, b.yaml and four refused links
