"""Shared helpers: run the command line (in this process or as a real one), write small logs
and rule sets."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import cs_score.cli
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


CLI_ENV = {"NO_COLOR": "1", "COLUMNS": "120"}
"""The environment of every command run by the tests: no colours, a fixed width."""


def run_cli_process(*args: str | Path, stdin: bytes | None = None, cwd: Path | None = None) -> Ran:
    """Run `cs-score` as a user would: a separate process, real exit code, real streams.

    For what only a process shows (signals, closed pipes, file descriptors, the interpreter's
    start); everything else runs in this process with `run_cli`, with no interpreter to start.
    """
    env = {**os.environ, **CLI_ENV}
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


def run_cli(*args: str | Path, stdin: bytes | None = None, cwd: Path | None = None) -> Ran:
    """Run `cs-score` in this process through its console-script entry point, `main()`.

    The standard streams are byte buffers behind UTF-8 text streams, as in a process whose
    output is a pipe; the exit code is the one `main()` exits with. An exception that `main()`
    lets through is a bug and fails the test with its traceback.
    """
    stdin_bytes = io.BytesIO(stdin if stdin is not None else b"")
    stdout_bytes, stderr_bytes = io.BytesIO(), io.BytesIO()
    streams = (
        io.TextIOWrapper(stdin_bytes, encoding="utf-8"),
        io.TextIOWrapper(stdout_bytes, encoding="utf-8", newline="\n"),
        io.TextIOWrapper(stderr_bytes, encoding="utf-8", errors="backslashreplace", newline="\n"),
    )
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_argv, saved_env, saved_cwd = sys.argv, os.environ.copy(), os.getcwd()
    saved_sigterm = signal.getsignal(signal.SIGTERM)  # main() sets its own
    code: int
    try:
        sys.stdin, sys.stdout, sys.stderr = streams
        sys.argv = ["cs-score", *map(str, args)]
        os.environ.update(CLI_ENV)
        if cwd is not None:
            os.chdir(cwd)
        try:
            cs_score.cli.main()
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:  # as the interpreter does with `sys.exit("message")`
                sys.stderr.write(f"{exc.code}\n")
                code = 1
        streams[1].flush()
        streams[2].flush()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        signal.signal(signal.SIGTERM, saved_sigterm)
    return Ran(
        code, stdout_bytes.getvalue().decode("utf-8"), stderr_bytes.getvalue().decode("utf-8")
    )


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
    """`cs-score` run in this process (see `run_cli`)."""
    return run_cli


@pytest.fixture
def cli_process() -> Callable[..., Ran]:
    """`cs-score` run as a separate process (see `run_cli_process`)."""
    return run_cli_process


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
