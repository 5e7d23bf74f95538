"""Build: the modules that score every line are compiled with mypyc.

Compiling costs about 100 s of processor time, a minute or two of the install on two cores (a
C compiler and Python's headers are needed), and buys about twice the speed: a million
interactions in 17.5 s instead of 39.7 s with `--jobs 1` (docs/performance.md). The compiled
modules are the same Python sources, so the package works the same without them: where there
is no C compiler, or mypyc fails, or `CS_SCORE_PURE=1` is set, the wheel holds plain Python
only and is tagged as such (`py3-none-any`). Editable installs (`pip install -e .`) stay plain
Python, so an edited source is never shadowed by a stale compiled module. `cs-score --version`
says which build runs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_ext import build_ext

COMPILED = [
    "cs_score/engine.py",
    "cs_score/grading.py",
    "cs_score/records.py",
    "cs_score/phrases.py",
    "cs_score/report.py",
    "cs_score/quantiles.py",
    "cs_score/idset.py",
    "cs_score/pipeline.py",
    "cs_score/promise_text.py",
    "cs_score/checks/base.py",
    *sorted(
        str(path)
        for path in Path("cs_score/checks").glob("*.py")
        if path.name not in ("__init__.py", "base.py")
    ),
]
"""The hot path: decoding, the checks, the engine, folding into report parts, the id set.
Modules that define pydantic models or msgspec structs stay Python (their classes need their
own metaclasses), which is why rule parameters live in `cs_score/checks/params/`."""

# mypyc needs the types of the sources, not a verdict on them: the test suite runs mypy in
# strict mode. Third-party packages may be absent from the build environment and then count
# as untyped; pydantic always does (its models type right only with its mypy plugin, and none
# of them is compiled), so the errors that makes in modules left as Python are ignored.
MYPYC_CONFIG = """\
[mypy]
ignore_missing_imports = True
ignore_errors = True
[mypy-pydantic.*]
follow_imports = skip
"""


def _warn(message: str) -> None:
    print(f"cs-score: {message}; installing plain Python (same results, slower)", file=sys.stderr)


def _compiled_extensions() -> list:  # type: ignore[type-arg]
    if os.environ.get("CS_SCORE_PURE"):
        return []
    if not {"bdist_wheel", "build_ext"} & set(sys.argv[1:]):
        return []  # metadata, sdist and editable installs need no compiling
    try:
        from mypyc.build import mypycify
    except ImportError:
        _warn("mypyc is not available")
        return []
    print(
        f"cs-score: compiling {len(COMPILED)} modules with mypyc (a minute or two; CS_SCORE_PURE=1"
        " installs plain Python instead)",
        file=sys.stderr,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="cs-score-mypyc-") as folder:
            config = Path(folder) / "mypy.ini"  # read only while mypycify writes the C
            config.write_text(MYPYC_CONFIG)
            return list(mypycify([f"--config-file={config}", *COMPILED], opt_level="3"))
    except (Exception, SystemExit) as exc:  # mypyc reports type errors by exiting
        _warn(f"mypyc could not compile the scoring modules ({exc!r})")
        return []


class OptionalBuildExt(build_ext):
    """Build the compiled modules, or none of them: a compiler error leaves plain Python."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            self._give_up(exc)

    def build_extensions(self) -> None:
        self.parallel = os.cpu_count() or 1
        try:
            super().build_extensions()
        except Exception as exc:
            self._give_up(exc)

    def _give_up(self, exc: Exception) -> None:
        _warn(f"the C compiler failed ({exc})")
        for extension in self.extensions:
            built = Path(self.get_ext_fullpath(extension.name))
            built.unlink(missing_ok=True)
        self.extensions = []
        self.distribution.ext_modules = []  # so the wheel is tagged as plain Python


class HonestWheel(bdist_wheel):
    """A wheel whose compiling gave up holds plain Python and is tagged so (`py3-none-any`),
    not as a binary wheel for this platform."""

    def run(self) -> None:
        if not self.skip_build:
            self.run_command("build")
        self.root_is_pure = not self.distribution.has_ext_modules()
        super().run()


setup(
    ext_modules=_compiled_extensions(),
    cmdclass={"build_ext": OptionalBuildExt, "bdist_wheel": HonestWheel},
)
