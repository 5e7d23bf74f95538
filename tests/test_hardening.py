"""What `-o` may overwrite, and how a run ends when it is stopped or the system refuses."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Ran, wait_for_workers

CS_SCORE = [sys.executable, "-P", "-m", "cs_score"]
GOOD = '{"id": "ok", "channel": "chat", "events": [{"from": "agent", "text": "Hello"}]}\n'


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.jsonl"
    path.write_text(GOOD)
    return path


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A memory character device (null 3, full 7) made in the test's folder, so that a test
    that fails cannot harm the system's own /dev."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_output_through_a_symlink_writes_its_target_and_keeps_the_link(
    cli: Callable[..., Ran], log: Path, tmp_path: Path
) -> None:
    target = tmp_path / "reports" / "latest.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    ran = cli("evaluate", log, "-f", "json", "-o", link)
    assert ran.code == 0, ran.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert '"scored":1' in target.read_text().replace(" ", "")


def test_output_to_a_character_device_writes_through(
    cli: Callable[..., Ran], log: Path, tmp_path: Path
) -> None:
    null = _device(tmp_path, "null", 3)
    before = os.stat(null)
    ran = cli("evaluate", log, "-f", "json", "-o", null)
    assert ran.code == 0, ran.stderr
    after = os.stat(null)
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev, after.st_mode) == (
        before.st_ino,
        before.st_rdev,
        before.st_mode,
    )


def test_output_to_a_named_pipe_writes_through(log: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    done = subprocess.run(
        [*CS_SCORE, "evaluate", str(log), "-f", "jsonl", "-o", str(fifo)],
        capture_output=True,
        timeout=60,
    )
    reader.join(10)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received[0].startswith(b'{"id":"ok"')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.jsonl", "pipe"]


def test_an_existing_file_keeps_its_mode(cli: Callable[..., Ran], log: Path, tmp_path: Path):
    target = tmp_path / "report.csv"
    target.write_text("old")
    target.chmod(0o644)
    assert cli("evaluate", log, "-f", "csv", "-o", target).code == 0
    assert _mode(target) == 0o644
    target.chmod(0o640)
    assert cli("evaluate", log, "-f", "csv", "-o", target).code == 0
    assert _mode(target) == 0o640


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_a_new_file_honours_the_umask(log: Path, tmp_path: Path, umask: int, mode: int) -> None:
    target = tmp_path / "report.json"
    done = subprocess.run(
        [*CS_SCORE, "evaluate", str(log), "-f", "json", "-o", str(target)],
        capture_output=True,
        timeout=60,
        preexec_fn=lambda: os.umask(umask),
    )
    assert done.returncode == 0, done.stderr
    assert _mode(target) == mode


def test_output_naming_an_input_is_refused(cli: Callable[..., Ran], log: Path) -> None:
    ran = cli("evaluate", log, "-o", log)
    assert ran.code == 2
    assert ran.stderr == f"error: -o {log}: is the input {log}; write the output to another file\n"
    assert log.read_text() == GOOD


def test_output_naming_an_input_through_a_link_is_refused(
    cli: Callable[..., Ran], log: Path, tmp_path: Path
) -> None:
    link = tmp_path / "other-name.jsonl"
    link.symlink_to(log)
    ran = cli("import", "jsonl", log, "-m", "freshdesk", "-o", link)
    assert ran.code == 2
    assert "is the input" in ran.stderr
    assert log.read_text() == GOOD


def test_output_to_a_directory_is_refused(
    cli: Callable[..., Ran], log: Path, tmp_path: Path
) -> None:
    ran = cli("evaluate", log, "-o", tmp_path)
    assert ran.code == 2
    assert ran.stderr == f"error: -o {tmp_path}: is a directory; give a file name\n"


def test_disk_full_on_the_output_file_is_one_line_and_exit_2(
    cli: Callable[..., Ran], log: Path, tmp_path: Path
) -> None:
    full = _device(tmp_path, "full", 7)
    ran = cli("evaluate", log, "-f", "json", "-o", full)
    assert ran.code == 2
    assert ran.stderr.splitlines()[-1] == (
        f"error: -o {full}: cannot write (no space left on the device; nothing was written)"
    )
    assert stat.S_ISCHR(os.stat(full).st_mode)
    assert "Traceback" not in ran.stderr


def test_disk_full_on_standard_output_is_one_line_and_exit_2(log: Path, tmp_path: Path) -> None:
    with open(_device(tmp_path, "full", 7), "w") as full:
        done = subprocess.run(
            [*CS_SCORE, "evaluate", str(log), "-f", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    assert done.stderr.decode().splitlines()[-1].startswith("error: no space left on the device")


def test_a_failed_run_leaves_no_temporary_file(
    cli: Callable[..., Ran], log: Path, tmp_path: Path
) -> None:
    target = tmp_path / "report.json"
    ran = cli("evaluate", log, "-r", tmp_path / "missing.yaml", "-o", target)
    assert ran.code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.jsonl"]


def _big_run(tmp_path: Path) -> subprocess.Popen[bytes]:
    """A --jobs 2 run into -o that cannot finish: its log comes down a pipe that stays open."""
    target = tmp_path / "report.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "cs_score", "evaluate", "-", "--jobs", "2", "-o", str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdin is not None
    process.stdin.write(GOOD.replace('"ok"', '"a"').encode() * 1)
    process.stdin.write(b"".join(GOOD.replace('"ok"', f'"n{i}"').encode() for i in range(20_000)))
    process.stdin.flush()
    return process


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except FileNotFoundError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _alive(pids)


def test_sigterm_stops_workers_and_leaves_no_file(tmp_path: Path) -> None:
    process = _big_run(tmp_path)
    workers = wait_for_workers(process.pid)
    assert len(workers) == 2
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr.decode()
    assert stderr.decode().splitlines()[-1] == "terminated; nothing was written"
    assert _gone_within(workers, 2.0) == []
    assert [p.name for p in tmp_path.iterdir()] == []


def test_workers_die_with_a_killed_main_process(tmp_path: Path) -> None:
    process = _big_run(tmp_path)
    workers = wait_for_workers(process.pid)
    process.kill()
    process.communicate(timeout=30)
    assert _gone_within(workers, 2.0) == []
    # The output had no name while it was written: a killed run leaves no file either.
    assert [p.name for p in tmp_path.iterdir()] == []
