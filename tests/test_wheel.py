"""`pip install cjo-cli`, then `cjo demo` in an empty directory: what a person does in
their first minute. The wheel is built from a copy of the files an sdist holds, installed
into a fresh venv, and run from a directory where no checkout is in sight.

The fresh venv is made without pip and sees this venv's site-packages through a .pth
line, so the dependencies need no download (a full install takes about a minute on the
2-core machine); the .pth line adds a plain directory, whose own .pth files (this
checkout's editable install among them) are not run, and the venv's own site-packages,
where the wheel goes, comes first. The wheel's declared dependencies are checked
against pyproject.toml instead. About 15 s.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.wheel

# What the build reads: the sdist's files (MANIFEST.in adds journeys/).
SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "cjo_cli", "journeys"]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def run(*args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(COLUMNS="400", NO_COLOR="1", PYTHONIOENCODING="utf-8")  # no wrapped paths
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(
                REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source, cwd=out)
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = out.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("venv") / "v"
    made = run(sys.executable, "-m", "venv", "--without-pip", home, cwd=home.parent)
    assert made.returncode == 0, made.stderr
    python = home / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=home)
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(site.stdout.strip(), "cjo-test-dependencies.pth").write_text(
        "".join(f"{path}\n" for path in sorted(ours)), encoding="utf-8"
    )
    installed = run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel,
        cwd=home,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return home


def test_the_wheel_is_named_and_carries_the_sample(wheel: Path) -> None:
    assert wheel.name.startswith(f"{PROJECT['name'].replace('-', '_')}-{PROJECT['version']}-")
    with zipfile.ZipFile(wheel) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        (metadata,) = [name for name in infos if name.endswith(".dist-info/METADATA")]
        lines = archive.read(metadata).decode("utf-8").splitlines()
        assert f"Name: {PROJECT['name']}" in lines
        required = [line.removeprefix("Requires-Dist: ") for line in lines]
        for dependency in PROJECT["dependencies"]:
            name = dependency.split(">")[0].split("<")[0].split("=")[0]
            assert any(line.startswith(name) for line in required), dependency
        (entry_points,) = [name for name in infos if name.endswith(".dist-info/entry_points.txt")]
        assert "cjo = cjo_cli.cli.app:main" in archive.read(entry_points).decode("utf-8")
        sample = sorted(p for p in (REPO / "journeys").rglob("*.yaml"))
        assert len(sample) >= 10
        for path in sample:
            name = "cjo_cli/sample/journeys/" + path.relative_to(REPO / "journeys").as_posix()
            assert name in infos, name
            assert not stat.S_ISLNK(infos[name].external_attr >> 16), f"{name} is a link"
            assert archive.read(name) == path.read_bytes(), name
        assert not any(name.startswith(("journeys/", "samples/", "tests/")) for name in infos)


def test_cjo_demo_runs_in_an_empty_directory(venv: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    where = run(venv / "bin" / "python", "-c", "import cjo_cli; print(cjo_cli.__file__)", cwd=empty)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout  # not the checkout
    demo = run(venv / "bin" / "cjo", "demo", cwd=empty, timeout=180)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = demo.stdout
    assert "is not here" not in out + demo.stderr
    assert f"1. validate  {venv}" in out  # the sample the wheel carries
    assert "no problems in" in out
    assert "the sample log (events.jsonl, generated): read 43,743 rows, rejected 6" in out
    for part in ("3. report", "4. simulate", "5. map", "Where we lose"):
        assert part in out, part
    ending = out[out.index("On your own export:") :]
    for command in ("cjo init", "cjo validate journeys/", "cjo report --log export.jsonl"):
        assert command in ending, command
    assert (empty / "cjo-demo" / "report.html").is_file()
    assert sorted(p.name for p in empty.iterdir()) == ["cjo-demo"]  # nothing else left
