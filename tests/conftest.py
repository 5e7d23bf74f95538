"""Shared helpers: run the real command line, write small logs and rule sets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import cs_score.engine

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "with-problems.jsonl"
GOLDEN = ROOT / "tests" / "golden"
UPDATE_GOLDEN = os.environ.get("CS_SCORE_UPDATE_GOLDEN") == "1"

COMPILED = not cs_score.engine.__file__.endswith(".py")
"""Whether the installed package's scoring modules are compiled (see setup.py)."""

plain_python_only = pytest.mark.skipif(
    COMPILED, reason="instruments plain-Python internals; test_compiled runs it on the sources"
)
"""For a test that replaces functions or methods of the scoring modules to watch them work,
which compiled code does not see."""


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str | Path, stdin: bytes | None = None, cwd: Path | None = None) -> Ran:
    """Run `cs-score` as a user would: a separate process, real exit code, real streams."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    done = subprocess.run(
        # -P: the installed package, not the sources of the current directory
        [sys.executable, "-P", "-m", "cs_score", *map(str, args)],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    return Ran(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def wait_for_workers(pid: int, timeout: float = 60.0) -> list[int]:
    """The worker processes of the run `pid`, once it has started them (it is then scoring)."""
    deadline = time.monotonic() + timeout
    children = Path(f"/proc/{pid}/task/{pid}/children")
    while time.monotonic() < deadline:
        found = [int(child) for child in children.read_text().split()]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"process {pid} started no worker within {timeout:.0f} s")


def assert_golden(name: str, text: str) -> None:
    """`text` must equal tests/golden/NAME; with CS_SCORE_UPDATE_GOLDEN=1 it is written there."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_bytes(text.encode("utf-8"))
    assert text == path.read_bytes().decode("utf-8")


@pytest.fixture
def cli() -> Callable[..., Ran]:
    return run_cli


@pytest.fixture
def write_log(tmp_path: Path) -> Callable[..., Path]:
    """Write records (dicts, or raw strings for broken lines) as a JSON Lines file."""

    def write(records: list[dict[str, Any] | str], name: str = "log.jsonl") -> Path:
        path = tmp_path / name
        lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_rules(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "rules.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def chat(id_: str, agent_text: str, wait: int = 30, **extra: Any) -> dict[str, Any]:
    """A small chat: the customer writes at 10:00, the agent answers `wait` seconds later."""
    return {
        "id": id_,
        "channel": "chat",
        "agent": "ana",
        "started_at": "2026-03-02T10:00:00Z",
        "events": [
            {"at": "2026-03-02T10:00:00Z", "from": "customer", "text": "My order is late."},
            {
                "at": f"2026-03-02T10:{wait // 60:02d}:{wait % 60:02d}Z",
                "from": "agent",
                "text": agent_text,
            },
        ],
        **extra,
    }
