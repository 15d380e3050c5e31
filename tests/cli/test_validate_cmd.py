"""`cjo validate` as CI and pre-commit run it: exit codes, formats, workspace resolution."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ruamel.yaml import YAML

from tests.conftest import REPO, RunCjo

TEXT_LINE = re.compile(r"^[^:]+:\d+:\d+: (error|warning): .+ \[[a-z-]+\]$")
GITHUB_LINE = re.compile(r"^::(error|warning) file=[^,]*,line=\d+,col=\d+,title=[^,]*::.*$")

PERSONA = "kind: persona\nid: lisa\nname: リサ\n"
JOURNEY = """\
kind: journey
id: cart
persona: lisa
entry: {event: cart_abandoned}
steps:
  wait: {wait: 1h, next: done}
  done: {exit: true}
"""
WARNING_ONLY = """\
kind: journey
id: warn
entry: {event: e}
steps:
  start: {wait: 1h, next: done}
  orphan: {wait: 1h, next: done}
  done: {exit: true}
"""


def make_workspace(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_help_lists_the_commands(run_cjo: RunCjo) -> None:
    result = run_cjo("--help")
    assert result.returncode == 0
    for command in ("validate", "schema"):
        assert command in result.stdout


def test_version(run_cjo: RunCjo) -> None:
    result = run_cjo("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("cjo ")


def test_the_sample_workspace_is_valid(run_cjo: RunCjo) -> None:
    result = run_cjo("validate", "journeys/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "no problems" in result.stderr


def test_default_path_is_journeys_in_the_current_directory(run_cjo: RunCjo) -> None:
    result = run_cjo("validate")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_paths_and_no_journeys_directory_is_a_usage_error(
    run_cjo: RunCjo, tmp_path: Path
) -> None:
    result = run_cjo("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert "journeys" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_directory_without_yaml_is_a_usage_error(run_cjo: RunCjo, tmp_path: Path) -> None:
    (tmp_path / "journeys").mkdir()
    result = run_cjo("validate", "journeys", cwd=tmp_path)
    assert result.returncode == 2
    assert "no *.yaml or *.yml files in journeys" in result.stderr


def test_findings_exit_1_in_text_format(run_cjo: RunCjo, tmp_path: Path) -> None:
    make_workspace(tmp_path, {"journeys/j.yaml": JOURNEY})  # persona lisa is missing
    result = run_cjo("validate", "journeys", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines == [
        "journeys/j.yaml:3:10: error: journey 'cart' refers to unknown persona 'lisa' "
        "[unknown-reference]"
    ]
    assert all(TEXT_LINE.match(line) for line in lines)
    assert "1 error in 1 file" in result.stderr


def test_warnings_pass_unless_strict(run_cjo: RunCjo, tmp_path: Path) -> None:
    make_workspace(tmp_path, {"journeys/w.yaml": WARNING_ONLY})
    relaxed = run_cjo("validate", "journeys", cwd=tmp_path)
    assert relaxed.returncode == 0
    assert ": warning: " in relaxed.stdout
    strict = run_cjo("validate", "--strict", "journeys", cwd=tmp_path)
    assert strict.returncode == 1
    assert ": error: " in strict.stdout


def test_missing_path_exits_2(run_cjo: RunCjo, tmp_path: Path) -> None:
    result = run_cjo("validate", "nope.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.yaml:1:1: error: no such file or directory [unreadable]" in result.stdout


def test_binary_file_exits_2_with_a_finding(run_cjo: RunCjo, tmp_path: Path) -> None:
    (tmp_path / "garbage.yaml").write_bytes(b"kind: \xff\xfe\x00 binary")
    result = run_cjo("validate", "garbage.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "[encoding]" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_single_file_resolves_references_in_its_workspace(
    run_cjo: RunCjo, tmp_path: Path
) -> None:
    # What pre-commit does: pass only the changed file.
    make_workspace(
        tmp_path,
        {
            "journeys/personas.yaml": PERSONA + "bogus: 1\n",  # broken, but not the file given
            "journeys/flows/cart.yaml": JOURNEY,
        },
    )
    result = run_cjo("validate", "journeys/flows/cart.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "1 file" in result.stderr
    whole = run_cjo("validate", "journeys", cwd=tmp_path)
    assert whole.returncode == 1
    assert "journeys/personas.yaml:4:1: error: unknown key 'bogus'" in whole.stdout


def test_marker_file_makes_a_workspace(run_cjo: RunCjo, tmp_path: Path) -> None:
    make_workspace(
        tmp_path,
        {"cx/.cjo-workspace": "", "cx/people.yaml": PERSONA, "cx/flows/cart.yaml": JOURNEY},
    )
    result = run_cjo("validate", "cx/flows/cart.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


def test_workspace_option(run_cjo: RunCjo, tmp_path: Path) -> None:
    make_workspace(tmp_path, {"cx/people.yaml": PERSONA, "cx/flows/cart.yaml": JOURNEY})
    alone = run_cjo("validate", "cx/flows/cart.yaml", cwd=tmp_path)
    assert alone.returncode == 1  # no workspace found: the file stands alone
    given = run_cjo("validate", "--workspace", "cx", "cx/flows/cart.yaml", cwd=tmp_path)
    assert given.returncode == 0, given.stdout


def test_json_format(run_cjo: RunCjo, tmp_path: Path) -> None:
    make_workspace(tmp_path, {"journeys/j.yaml": JOURNEY})
    result = run_cjo("validate", "--format", "json", "journeys", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["files_checked"] == 1
    assert report["summary"] == {"errors": 1, "warnings": 0}
    assert report["findings"][0]["rule"] == "unknown-reference"
    assert (report["findings"][0]["line"], report["findings"][0]["col"]) == (3, 10)


def test_github_format_is_chosen_on_github_actions(run_cjo: RunCjo, tmp_path: Path) -> None:
    make_workspace(tmp_path, {"journeys/j.yaml": JOURNEY})
    result = run_cjo("validate", "journeys", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines and all(GITHUB_LINE.match(line) for line in lines)
    assert lines[0].startswith(
        "::error file=journeys/j.yaml,line=3,col=10,title=unknown-reference::"
    )
    explicit = run_cjo(
        "validate", "-f", "text", "journeys", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"}
    )
    assert TEXT_LINE.match(explicit.stdout.splitlines()[0])


def test_sarif_format(run_cjo: RunCjo, tmp_path: Path) -> None:
    make_workspace(tmp_path, {"journeys/j.yaml": JOURNEY})
    result = run_cjo("validate", "--format", "sarif", "journeys", cwd=tmp_path)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "cjo"
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {"unknown-reference", "no-exit", "yaml-syntax"} <= rule_ids
    (finding,) = run["results"]
    region = finding["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (3, 10)


def test_limits_are_options(run_cjo: RunCjo, tmp_path: Path) -> None:
    make_workspace(tmp_path, {"journeys/j.yaml": JOURNEY, "journeys/p.yaml": PERSONA})
    result = run_cjo("validate", "--max-bytes", "10", "journeys", cwd=tmp_path)
    assert result.returncode == 1
    assert "[file-too-large]" in result.stdout


def test_validate_never_imports_duckdb(tmp_path: Path) -> None:
    import subprocess

    make_workspace(tmp_path, {"journeys/j.yaml": JOURNEY, "journeys/p.yaml": PERSONA})
    probe = (
        "import sys\n"
        "from cjo_cli.cli.app import main\n"
        "sys.argv = ['cjo', 'validate', 'journeys']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('duckdb' in sys.modules, 'jsonschema' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    # A valid workspace needs neither duckdb nor (thanks to the compiled check) jsonschema.
    assert result.stderr.strip().splitlines()[-1] == "False False"


def test_pre_commit_hook_definition() -> None:
    hooks = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook, test_hook = hooks
    assert hook["id"] == "cjo-validate"
    assert hook["entry"] == "cjo validate"
    assert hook["language"] == "python"
    # cjo test runs the whole workspace's tests: a changed file names no test
    assert (test_hook["id"], test_hook["entry"]) == ("cjo-test", "cjo test")
    assert test_hook["pass_filenames"] is False


def test_log_warns_about_funnel_events_it_never_contains(run_cjo: RunCjo, tmp_path: Path) -> None:
    make_workspace(
        tmp_path,
        {
            "journeys/f.yaml": (
                "kind: funnel\nid: f\nsteps:\n  - {event: product_view}\n  - {event: purchase}\n"
            ),
        },
    )
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"customer_id": "c1", "event": "product_view", "ts": "2026-01-01T00:00:00Z"}\n'
        '{"customer_id": "c1", "event": "Purchase", "ts": "2026-01-01T00:01:00Z"}\n'
        "not json\n",
        encoding="utf-8",
    )
    garbage = run_cjo("validate", "journeys", "--log", str(log), cwd=tmp_path)
    assert garbage.returncode == 2  # one row in three unreadable: over the default 1%
    assert "max-rejects" in garbage.stderr
    result = run_cjo(
        "validate", "journeys", "--log", str(log), "--max-rejects", "50%", cwd=tmp_path
    )
    assert result.returncode == 0  # a warning: the log may simply be partial
    assert result.stdout.splitlines() == [
        "journeys/f.yaml:5:5: warning: funnel 'f' step 2: event 'purchase' never occurs in the "
        "log; did you mean 'Purchase'? [event-not-in-log]"
    ]
    assert "log: read 2, rejected 1" in result.stderr
    strict = run_cjo(
        "validate", "--strict", "journeys", "--log", str(log), "--max-rejects", "1", cwd=tmp_path
    )
    assert strict.returncode == 1


def test_log_that_cannot_be_read_exits_2(run_cjo: RunCjo, tmp_path: Path) -> None:
    make_workspace(tmp_path, {"journeys/p.yaml": PERSONA})
    result = run_cjo("validate", "journeys", "--log", "missing.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert "missing.jsonl: no such file" in result.stderr
    assert "Traceback" not in result.stderr
