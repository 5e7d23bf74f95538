"""The package installs compiled where a C compiler is at hand (see setup.py): both builds
must behave the same, and the tests that watch plain-Python internals still run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import COMPILED, EXAMPLE, ROOT, run_cli

import cs_score.checks.wait_time
import cs_score.interaction
import cs_score.pipeline

PLAIN_PYTHON_ONLY = [
    "tests/test_parallel.py::test_workers_settle_held_results_as_one_process_does",
    "tests/test_phrases.py::test_texts_are_matched_once_and_the_memory_is_bounded",
    "tests/test_phrases.py::test_a_thousand_phrases_cost_what_ten_do",
]


@pytest.mark.slow
@pytest.mark.skipif(not COMPILED, reason="the package is plain Python: those tests ran directly")
def test_plain_python_only_tests_pass_on_the_sources() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the sources come first: plain Python
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-o",
            "addopts=-q",
            "-p",
            "no:cacheprovider",
            *PLAIN_PYTHON_ONLY,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{len(PLAIN_PYTHON_ONLY)} passed" in done.stdout


def test_the_models_stay_python_and_the_hot_path_is_what_setup_compiles() -> None:
    """Pydantic models and msgspec structs cannot be compiled: they live apart."""
    assert cs_score.interaction.__file__.endswith(".py")
    assert sys.modules[cs_score.checks.wait_time.Rule.__module__].__file__.endswith(".py")  # type: ignore[union-attr]
    compiled = not cs_score.pipeline.__file__.endswith(".py")
    assert compiled == COMPILED


def test_the_example_scores_the_same_whichever_build_runs() -> None:
    """The CLI runs the installed package; the sources run as plain Python."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    command = ["evaluate", str(EXAMPLE), "--format", "json", "--as-of", "2026-04-01T00:00:00Z"]
    plain = subprocess.run(
        [sys.executable, "-m", "cs_score", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    installed = run_cli(*command)
    assert installed.code == plain.returncode == 1
    assert installed.json() == json.loads(plain.stdout)


def test_an_install_with_a_compiler_is_compiled() -> None:
    """setup.py falls back to plain Python when compiling fails, with only a warning in pip's
    output: where a C compiler is at hand, a failure is a defect to see here."""
    installed = Path(cs_score.pipeline.__file__).resolve()
    if installed.is_relative_to(ROOT):
        pytest.skip("the sources run (an editable install), which stay plain Python by design")
    if os.environ.get("CS_SCORE_PURE"):
        pytest.skip("CS_SCORE_PURE asks for plain Python")
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): plain Python is expected")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        pytest.skip("no Python headers to compile against: plain Python is expected")
    assert COMPILED, f"installed as plain Python although {compiler} is at hand: see pip's output"
