"""`cs-score init`, help examples and shell completion: the way in for a new user."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Ran

from cs_score.authoring import rules_schema

STARTER = ["cases.yaml", "interactions.jsonl", "rules.schema.json", "rules.yaml"]


def test_init_then_test_passes(cli: Callable[..., Ran], tmp_path: Path) -> None:
    ran = cli("init", "standard", cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    folder = tmp_path / "standard"
    assert sorted(p.name for p in folder.iterdir()) == STARTER
    assert ran.stderr.splitlines()[0] == "Wrote a starter standard in standard/:"
    assert "  cd standard" in ran.stderr.splitlines()
    assert ran.stdout == ""

    tested = cli("test", "rules.yaml", "cases.yaml", cwd=folder)
    assert tested.code == 0, tested.stdout + tested.stderr
    assert tested.stdout.endswith("\n9 passed, 0 failed\n")

    checked = cli("rules", "check", "rules.yaml", cwd=folder)
    assert checked.code == 0
    assert (
        checked.stderr == "rules.yaml is valid: 7 rules, read from <preset default> → rules.yaml\n"
    )
    assert "  - id: vip-welcome" in checked.stdout

    evaluated = cli("evaluate", "interactions.jsonl", "-r", "rules.yaml", "-f", "json", cwd=folder)
    assert evaluated.code == 1  # the sample misses the gate, and the report says why
    summary = evaluated.json()["summary"]
    assert (summary["read"], summary["scored"], summary["mean_score"]) == (6, 6, 66.54)

    schema = json.loads((folder / "rules.schema.json").read_text())
    assert schema == rules_schema()
    first_line = (folder / "rules.yaml").read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=rules.schema.json"


def test_init_into_the_current_folder(cli: Callable[..., Ran], tmp_path: Path) -> None:
    ran = cli("init", cwd=tmp_path)
    assert ran.code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == STARTER
    assert "  cd " not in ran.stderr


def test_init_never_overwrites(cli: Callable[..., Ran], tmp_path: Path) -> None:
    (tmp_path / "cases.yaml").write_text("mine\n")
    ran = cli("init", ".", cwd=tmp_path)
    assert ran.code == 2
    assert ran.stderr == (
        "error: cases.yaml: already exists; nothing was written "
        "(move it away, or choose another folder)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.yaml"]
    assert (tmp_path / "cases.yaml").read_text() == "mine\n"


def test_init_into_a_file(cli: Callable[..., Ran], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    ran = cli("init", "notes.txt", cwd=tmp_path)
    assert ran.code == 2
    assert ran.stderr == "error: notes.txt: exists and is not a folder\n"


@pytest.mark.parametrize(
    "command, example",
    [
        (["evaluate"], "Example: cs-score evaluate samples/*.jsonl -r rules.yaml --min-score 85"),
        (["rules", "check"], "Example: cs-score rules check rules.yaml"),
        (["rules", "schema"], "Example: cs-score rules schema > rules.schema.json"),
        (["test"], "Example: cs-score test rules.yaml cases.yaml --format junit -o"),
        (["init"], "Example: cs-score init my-standard"),
    ],
)
def test_help_shows_an_example(cli: Callable[..., Ran], command: list[str], example: str) -> None:
    ran = cli(*command, "--help")
    assert ran.code == 0
    assert example.replace("Example: ", "Example:\n    ") in ran.stdout


def _installed_command() -> Path:
    script = Path(sys.executable).parent / "cs-score"
    if not script.exists():
        pytest.skip("the cs-score script is not installed next to this Python")
    return script


@pytest.mark.slow
def test_shell_completion(tmp_path: Path) -> None:
    script = _installed_command()
    # What `--show-completion` prints in bash; asked for by name, since that option finds the
    # shell among the command's parent processes, and a run may have none (a detached job).
    shown = subprocess.run(
        [script],
        capture_output=True,
        text=True,
        env={**os.environ, "_CS_SCORE_COMPLETE": "source_bash"},
        timeout=60,
    )
    assert shown.returncode == 0
    assert "complete -o default -F _cs_score_completion cs-score" in shown.stdout

    def complete(words: str, index: int) -> list[str]:
        env = {
            **os.environ,
            "_CS_SCORE_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(index),
        }
        done = subprocess.run([script], capture_output=True, text=True, env=env, timeout=60)
        return done.stdout.split()

    assert {"evaluate", "test", "init", "rules"} <= set(complete("cs-score ", 1))
    assert complete("cs-score rules ", 2) == ["check", "schema"]
    assert complete("cs-score test rules.yaml cases.yaml --format ", 5) == ["text", "junit"]
