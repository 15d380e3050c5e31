"""The build steps pyproject.toml cannot say: the wheel carries the sample workspace, and
the ordered funnel's inner loop is compiled where a C compiler is at hand.

`cjo demo` runs on journeys/ (the sample beauty store). In a checkout it reads it there;
an installed cjo reads the copy this step puts into the package, cjo_cli/sample/journeys/,
as real files (a link would point into a checkout the wheel does not have). The sample
log is not shipped: cjo_cli.sample_log writes the same bytes at run time (seeded).

`cjo_cli/engine/_funnel_kernels.c` is optional: without a compiler (or Python's headers)
the build says so and goes on, and `engine/funnel_ordered.py` runs the same computation
on numpy arrays (README, Performance).

Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import Extension, setup
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


FUNNEL_KERNELS = Extension(
    "cjo_cli.engine._funnel_kernels",
    ["cjo_cli/engine/_funnel_kernels.c"],
    extra_compile_args=["-O2", "-pthread"],
    extra_link_args=["-pthread"],
    optional=True,
)

setup(cmdclass={"build_py": BuildPyWithSample}, ext_modules=[FUNNEL_KERNELS])
