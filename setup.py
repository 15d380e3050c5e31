"""The one build step pyproject.toml cannot say: the wheel carries the sample workspace.

`cjo demo` runs on journeys/ (the sample beauty store). In a checkout it reads it there;
an installed cjo reads the copy this step puts into the package, cjo_cli/sample/journeys/,
as real files (a link would point into a checkout the wheel does not have). The sample
log is not shipped: cjo_cli.sample_log writes the same bytes at run time (seeded).
Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SAMPLE = Path(__file__).resolve().parent / "journeys"
INTO = ("cjo_cli", "sample", "journeys")


class BuildPyWithSample(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install runs from the checkout, which has journeys/
        if not SAMPLE.is_dir():
            # An sdist without it (MANIFEST.in) would give a wheel whose `cjo demo` fails.
            raise SystemExit(f"{SAMPLE}: the sample workspace is missing; the wheel needs it")
        target = Path(self.build_lib, *INTO)
        shutil.rmtree(target, ignore_errors=True)  # a file removed from journeys/ goes too
        for source in sorted(SAMPLE.rglob("*")):
            if source.is_file() and source.suffix in (".yaml", ".yml"):
                copy = target / source.relative_to(SAMPLE)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, copy)  # the content, never a link


setup(cmdclass={"build_py": BuildPyWithSample})
