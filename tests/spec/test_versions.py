"""Versions of one journey for `cjo diff`: from a file or from git, each checked within
the workspace in place of the workspace's own copy."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from cjo_cli.errors import UsageError, WorkspaceInvalid
from cjo_cli.spec.versions import (
    Version,
    journey_ids,
    load_versions,
    read_version,
    without_journey,
)
from cjo_cli.spec.workspace import load_workspace

PERSONA = "kind: persona\nid: lisa\n"
TOUCHPOINT = "kind: touchpoint\nid: mail\nchannel: email\n"
CART = """\
kind: journey
id: cart
persona: lisa
entry: {event: cart_abandoned}
steps:
  send: {send: mail, next: done}
  done: {exit: true}
"""
CART_V2 = CART.replace(
    "  send: {send: mail, next: done}",
    "  wait: {wait: 1h, next: send}\n  send: {send: mail, next: done}",
)
OTHER = CART.replace("id: cart", "id: other")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [
            "git",
            "-c",
            "user.email=test@example.com",
            "-c",
            "user.name=Test",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def workspace(tmp_path: Path, cart: str = CART) -> Path:
    folder = tmp_path / "journeys"
    folder.mkdir()
    (folder / "people.yaml").write_text(PERSONA + "---\n" + TOUCHPOINT, encoding="utf-8")
    (folder / "cart.yaml").write_text(cart, encoding="utf-8")
    return folder


def test_read_version_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "v1.yaml"
    path.write_text("kind: journey\nid: é\n", encoding="utf-8")
    assert read_version(str(path)) == Version(str(path), "kind: journey\nid: é\n")


def test_read_version_of_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "v1.yaml"
    path.write_bytes(b"id: \xff\n")
    with pytest.raises(UsageError, match="^" + re.escape(f"{path}: cannot read it: ")):
        read_version(str(path))


@pytest.mark.parametrize("spec", ["nope.yaml", "journeys/missing.yaml"])
def test_read_version_of_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as caught:
        read_version(spec)
    assert str(caught.value) == f"{spec}: no such file (for a git version write REV:PATH)"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with two commits of journeys/cart.yaml, as the current directory."""
    folder = workspace(tmp_path)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    (folder / "cart.yaml").write_text(CART_V2, encoding="utf-8")
    git(tmp_path, "commit", "-q", "-a", "-m", "second")
    (folder / "cart.yaml").write_text("# not committed\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("spec", "text"),
    [("HEAD:journeys/cart.yaml", CART_V2), ("HEAD~1:journeys/cart.yaml", CART)],
)
def test_read_version_from_git(repo: Path, spec: str, text: str) -> None:
    assert read_version(spec) == Version(spec, text)


def test_a_file_wins_over_a_git_revision(repo: Path) -> None:
    odd = repo / "HEAD:odd.yaml"
    odd.write_text("kind: persona\nid: x\n", encoding="utf-8")
    assert read_version("HEAD:odd.yaml").text == "kind: persona\nid: x\n"


@pytest.mark.parametrize(
    ("spec", "stderr"),
    [
        ("nope:journeys/cart.yaml", "fatal: invalid object name 'nope'."),
        ("HEAD~5:journeys/cart.yaml", "fatal: invalid object name 'HEAD~5'."),
        ("HEAD:journeys/none.yaml", "fatal: path 'journeys/none.yaml' does not exist in 'HEAD'"),
    ],
)
def test_read_version_from_a_bad_revision(repo: Path, spec: str, stderr: str) -> None:
    with pytest.raises(UsageError) as caught:
        read_version(spec)
    assert str(caught.value) == f"{spec}: git show failed: {stderr}"


def test_read_version_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(UsageError, match=r"^HEAD:cart\.yaml: git show failed: fatal: "):
        read_version("HEAD:cart.yaml")


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        (CART, ["cart"]),
        (
            CART + "---\n" + OTHER + "---\n" + PERSONA,
            ["cart", "other"],
        ),
        (PERSONA, []),
        ("kind: journey\nname: no id\n", []),
        ("- kind: journey\n  id: listed\n", []),
        ("kind: journey\nid: 12\n", ["12"]),
        # A broken document next to a journey: the journey is still found.
        (CART + "---\nkind: [\n", ["cart"]),
    ],
)
def test_journey_ids(text: str, ids: list[str]) -> None:
    assert journey_ids(Version("v.yaml", text)) == ids


def test_journey_ids_of_broken_yaml() -> None:
    """The error names the place and says what is wrong, in words (not a Finding repr)."""
    with pytest.raises(UsageError, match=r"^v\.yaml:\d+:\d+: YAML syntax: ") as raised:
        journey_ids(Version("v.yaml", "kind: journey\nid: [cart\n"))
    assert "Finding(" not in str(raised.value)


def test_without_journey_keeps_the_other_documents(tmp_path: Path) -> None:
    path = tmp_path / "all.yaml"
    path.write_text(PERSONA + "---\n" + CART + "\n---\n" + TOUCHPOINT + "...\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    rest = without_journey(path, "cart", out)
    assert rest == out / "rest_all.yaml"
    assert rest.read_text(encoding="utf-8") == PERSONA + "---\n" + TOUCHPOINT


def test_without_journey_keeps_a_document_written_on_its_marker_line(tmp_path: Path) -> None:
    path = tmp_path / "all.yaml"
    path.write_text(
        CART + "--- {kind: touchpoint, id: sms, channel: sms}\n---\n" + PERSONA, encoding="utf-8"
    )
    rest = without_journey(path, "cart", tmp_path)
    assert rest is not None
    assert rest.read_text(encoding="utf-8") == (
        "{kind: touchpoint, id: sms, channel: sms}\n---\n" + PERSONA
    )


def test_without_journey_when_it_is_not_there_or_alone(tmp_path: Path) -> None:
    path = tmp_path / "cart.yaml"
    path.write_text(CART, encoding="utf-8")
    assert without_journey(path, "other", tmp_path) == path
    assert without_journey(path, "cart", tmp_path) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cart.yaml"]


def test_load_versions(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    home = load_workspace(folder)
    loaded = load_versions(folder, home, [Version("old", CART), Version("new", CART_V2)])
    assert [list(journey.steps) for _, journey in loaded] == [
        ["send", "done"],
        ["wait", "send", "done"],
    ]
    for ws, journey in loaded:
        # Each version replaces the workspace's own copy and sees its other documents.
        assert ws.journeys == {"cart": journey}
        assert (list(ws.personas), list(ws.touchpoints)) == (["lisa"], ["mail"])


def test_load_versions_of_a_new_journey(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    new = CART.replace("id: cart", "id: fresh")
    ((ws, journey),) = load_versions(folder, load_workspace(folder), [Version("new", new)])
    assert journey.id == "fresh"
    assert sorted(ws.journeys) == ["cart", "fresh"]


def test_a_broken_version_names_its_label(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    broken = CART.replace("persona: lisa", "persona: lsa")
    label = "HEAD~1:journeys/cart.yaml"
    with pytest.raises(WorkspaceInvalid) as caught:
        load_versions(folder, load_workspace(folder), [Version(label, broken)])
    error = caught.value
    assert error.what == label
    assert str(error) == f"{label} has 1 error(s); fix them first"
    assert [(f.path, f.line, f.col, f.rule) for f in error.findings] == [
        (label, 3, 10, "unknown-reference")
    ]
    assert error.findings[0].message == (
        "journey 'cart' refers to unknown persona 'lsa'; did you mean 'lisa'?"
    )


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        (
            [Version("a", CART), Version("b", OTHER)],
            "the versions are different journeys: cart, other",
        ),
        (
            [Version("two", CART + "---\n" + OTHER)],
            "two: holds 2 journeys; cjo diff compares one",
        ),
        (
            [Version("none", PERSONA.replace("lisa", "bob"))],
            "none: holds 0 journeys; cjo diff compares one",
        ),
    ],
)
def test_load_versions_of_not_one_journey(
    tmp_path: Path, versions: list[Version], message: str
) -> None:
    folder = workspace(tmp_path)
    with pytest.raises(UsageError) as caught:
        load_versions(folder, load_workspace(folder), versions)
    assert str(caught.value) == message


def test_journey_tests_do_not_stop_a_diff(tmp_path: Path) -> None:
    """A test that names the old version's steps is left out: a diff replays journeys,
    and the test failing on the new version is `cjo test`'s to say."""
    folder = workspace(tmp_path)
    renamed = CART.replace("  send: {send: mail", "  mail_it: {send: mail")
    (folder / "tests.yaml").write_text(
        "kind: test\nid: t\njourney: cart\n"
        'events: [{at: "2026-06-01T10:00:00Z", event: cart_abandoned}]\n'
        "expect: {path: [send, done]}\n",
        encoding="utf-8",
    )
    home = load_workspace(folder)
    assert list(home.tests) == ["t"]
    loaded = load_versions(folder, home, [Version("old", CART), Version("new", renamed)])
    assert [list(journey.steps) for _, journey in loaded] == [["send", "done"], ["mail_it", "done"]]
