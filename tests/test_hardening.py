"""What `-o` may overwrite, and how a run ends when it is stopped or the system refuses."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_workers_die_with_a_killed_main_process(tmp_path: Path) -> None:
    process = _big_run(tmp_path)
    workers = wait_for_workers(process.pid)
    process.kill()
    process.communicate(timeout=30)
    assert _gone_within(workers, 2.0) == []
    # The output had no name while it was written: a killed run leaves no file either.
    assert [p.name for p in tmp_path.iterdir()] == []


# ---------------------------------------------------------------------------------------------
# What a rule set may read


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    def write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    return write


def test_extends_cannot_leave_the_rule_sets_folder(cli: Callable[..., Ran], write) -> None:
    rules = write("ci/rules.yaml", "extends: ../../../../../../../../etc/passwd\n")
    ran = cli("rules", "check", rules)
    assert ran.code == 2
    assert ran.stderr.startswith(
        f"error: {rules}:1:1: extends: ../../../../../../../../etc/passwd: outside the folders "
        f"`extends` may reach ({os.path.realpath(rules.parent)}); name a bundled rule set, a "
        "file under the rule set's folder, or add a folder to CS_SCORE_EXTENDS_PATH\n"
    )
    assert ":0:0:" not in ran.stdout + ran.stderr  # root's line of /etc/passwd


def test_extends_of_an_absolute_path_is_refused(cli: Callable[..., Ran], write, log) -> None:
    rules = write("rules.yaml", "extends: /proc/self/environ\n")
    ran = cli("evaluate", log, "-r", rules)
    assert ran.code == 2
    assert "outside the folders `extends` may reach" in ran.stderr


def test_a_file_that_is_not_a_rule_set_is_not_quoted(write, log: Path) -> None:
    secret = "hunter2-" + "x" * 8
    fake = write("etc/passwd", f"root: {secret}\nadmin: {secret}\n")
    rules = write("rules.yaml", f"extends: {fake}\n")
    done = subprocess.run(
        [*CS_SCORE, "rules", "check", str(rules)],
        capture_output=True,
        timeout=60,
        env={**os.environ, "CS_SCORE_EXTENDS_PATH": str(fake.parent), "SECRET": secret},
    )
    assert done.returncode == 2
    assert done.stderr.decode().splitlines()[0] == (
        f"error: {fake}:1:1: not a rules file: none of its top-level keys is a rules-file key "
        "(cs_score, name, description, extends, timezone, grades, pass_score, gate, phrases, "
        "calendars, rules, overrides)"
    )
    assert secret not in (done.stdout + done.stderr).decode()
    assert "root:" not in done.stderr.decode()


def test_extends_under_the_folder_and_through_the_setting(cli: Callable[..., Ran], write) -> None:
    write("shared/base.yaml", "name: shared base\n")
    write("team/base.yaml", "extends: ../shared/base.yaml\nname: team base\n")
    rules = write("team/rules.yaml", "extends: base.yaml\n")
    ran = cli("rules", "check", rules)
    assert ran.code == 2
    assert "../shared/base.yaml: outside the folders" in ran.stderr
    done = subprocess.run(
        [*CS_SCORE, "rules", "check", str(rules)],
        capture_output=True,
        timeout=60,
        env={**os.environ, "CS_SCORE_EXTENDS_PATH": str(rules.parent.parent / "shared")},
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_device_or_fifo_as_a_rule_set_fails_within_a_second(tmp_path: Path, kind: str) -> None:
    from cs_score.errors import RuleSetError
    from cs_score.ruleset import load_ruleset

    if kind == "fifo":
        path = tmp_path / "rules.yaml"
        os.mkfifo(path)
        expected = "is a named pipe, not a file"
    else:
        path = Path("/dev/zero")
        expected = "is a device, not a file"
    started = time.monotonic()
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(str(path))
    assert time.monotonic() - started < 1.0
    assert str(caught.value) == f"{path}: {expected}"


def test_a_device_reached_through_extends_is_refused(tmp_path: Path, write) -> None:
    from cs_score.errors import RuleSetError
    from cs_score.ruleset import load_ruleset

    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    rules = write("rules.yaml", "extends: zero.yaml\n")
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(str(rules))
    assert str(caught.value).endswith("outside the folders `extends` may reach "
                                      f"({os.path.realpath(tmp_path)}); name a bundled rule set, "
                                      "a file under the rule set's folder, or add a folder to "
                                      "CS_SCORE_EXTENDS_PATH")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "rules:\n" + "".join(f"  - {{id: r{i}, kind: greeting}}\n" for i in range(201)),
            "{file}:1:1: rules: 201 rules; at most 200 are read",
        ),
        (
            "phrases:\n  greeting:\n    en:\n"
            + "".join(f"      - hello {i}\n" for i in range(20_001)),
            "{file}:2:3: phrases: 20,001 phrases; at most 20,000 are read",
        ),
        (
            "phrases:\n  greeting:\n    en: [" + "a" * 301 + "]\n",
            "{file}:3:10: phrases.greeting.en[0]: a phrase of 301 characters; at most 300 are read",
        ),
        (
            "rules:\n  - {id: w, kind: wait_time, target: .inf}\n",
            "{file}:2:38: not a finite number (.inf and .nan mean nothing in a rule set)",
        ),
        (
            "rules:\n  - {id: w, kind: greeting, weight: .inf}\n",
            "{file}:2:37: not a finite number (.inf and .nan mean nothing in a rule set)",
        ),
        (
            "rules:\n  - {id: w, kind: wait_time, target: " + "9" * 400 + "}\n",
            "{file}:2:38: a number of 400 characters; at most 30 are read",
        ),
        (
            "rules:\n  - {id: w, kind: wait_time, target: " + "9" * 5000 + "s}\n",
            "{file}:2:30: rules[w].target: a duration can be at most 3650d (ten years)",
        ),
        (
            "rules:\n  - {id: w, kind: greeting, weight: 1000000}\n",
            "{file}:2:29: rules[w].weight: Input should be less than or equal to 10000 "
            "(got 1000000)",
        ),
        (
            "name: bell \x07 here\n",
            "{file}:1:12: not valid YAML: the control character 0x0007 "
            "is not allowed (write it as an escape in a quoted string)",
        ),
        ("x" * (2 << 20) + "\n", "{file}: is larger than 2 MiB, the most a rules file may be"),
    ],
    ids=[
        "rules",
        "phrases",
        "long phrase",
        "inf target",
        "inf weight",
        "400 digits",
        "5000 digits",
        "weight",
        "control character",
        "size",
    ],
)
def test_limits_of_a_rule_set(write, text: str, problem: str) -> None:
    from cs_score.errors import RuleSetError
    from cs_score.ruleset import load_ruleset

    rules = write("rules.yaml", text)
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(str(rules))
    assert [str(p) for p in caught.value.problems] == [problem.format(file=rules)]


def test_a_control_character_in_a_cases_file_is_a_problem(cli: Callable[..., Ran], write) -> None:
    cases = write("cases.yaml", "cases:\n  - id: a\x1b[2J\n")
    ran = cli("test", "default", cases)
    assert ran.code == 2
    assert ran.stderr.splitlines()[0] == (
        f"error: {cases}:2:10: not valid YAML: the control character 0x001b is not allowed "
        "(write it as an escape in a quoted string)"
    )


# ---------------------------------------------------------------------------------------------
# Records, outputs and imports


def test_extreme_dates_are_rejected_and_the_rest_scored(cli: Callable[..., Ran], write) -> None:
    log = write(
        "dates.jsonl",
        '{"id": "late", "started_at": "9999-12-31T23:59:59-12:00"}\n'
        '{"id": "early", "events": [{"at": "0001-01-01T00:00:00+14:00", "from": "agent"}]}\n'
        '{"id": "leap", "started_at": "2016-12-31T23:59:60Z", '
        '"answered_at": "2017-01-01T00:00:30Z"}\n',
    )
    ran = cli("evaluate", log, "--group-by", "day", "-f", "json")
    assert ran.code == 1, ran.stderr
    report = ran.json()
    assert report["summary"]["scored"] == 1
    reason = "timestamp out of range (years 1900 to 8999 are read)"
    assert report["errors"] == [{"file": str(log), "line": n, "reason": reason} for n in (1, 2)]
    (leap,) = report["interactions"]
    assert (
        leap["rules"]["wait-time"]["evidence"]["started_at"] == "2016-12-31T23:59:59.999999+00:00"
    )
    assert report["groups"]["day"][0]["value"] == "2016-12-31"


def test_csv_text_cells_cannot_run_as_formulas(cli: Callable[..., Ran], write) -> None:
    log = write(
        "f.jsonl",
        '{"id": "=HYPERLINK(\\"x\\")", "agent": "@SUM(1+1)", "team": "+1", "channel": "-2", '
        '"case": "\\t=1+1", "events": [{"from": "agent", "text": "Hello"}]}\n',
    )
    ran = cli("evaluate", log, "-f", "csv")
    row = ran.stdout.splitlines()[1]
    assert row.startswith(
        f'"\'=HYPERLINK(""x"")",{log},1,100.0,A,true,,\'@SUM(1+1),\'+1,\'-2,\'\t=1+1,'
    )
    raw = cli("evaluate", log, "-f", "csv", "--raw-csv").stdout.splitlines()[1]
    assert raw.startswith(f'"=HYPERLINK(""x"")",{log},1,100.0,A,true,,@SUM(1+1),+1,-2,\t=1+1,')


def test_jsonl_lines_survive_splitlines(cli: Callable[..., Ran], write) -> None:
    log = write(
        "u.jsonl",
        '{"id": "a\\u2028b", "agent": "x\\u0085y", '
        '"events": [{"from": "agent", "text": "Hello\\u2029there"}]}\n',
    )
    for jobs in ("1", "2"):
        ran = cli("evaluate", log, "-f", "jsonl", "--jobs", jobs)
        assert len(ran.stdout.splitlines()) == 1
        assert ran.stdout.startswith('{"id":"a\\u2028b"')
        assert '"agent":"x\\u0085y"' in ran.stdout


def test_a_file_name_with_escape_codes_is_shown_escaped(cli: Callable[..., Ran], tmp_path: Path):
    log = tmp_path / "log\x1b[31m.jsonl"
    log.write_text("not json\n")
    ran = cli("evaluate", log, "-f", "json")
    assert "\x1b" not in ran.stderr
    assert f"rejected: {tmp_path}/log\\x1b[31m.jsonl:1: not valid JSON" in ran.stderr


def _csv_mapping(write) -> Path:
    return write("map.yaml", "format: csv\nlevel: interaction\nfields:\n  id: id\n")


def test_import_caps_rejections_on_stderr_and_keeps_them_all(
    cli: Callable[..., Ran], write, tmp_path: Path
) -> None:
    export = write("e.csv", "id\n" + "".join(f"r{i},extra\n" for i in range(120)))
    errors = tmp_path / "rejected.jsonl"
    ran = cli("import", "csv", export, "-m", _csv_mapping(write), "--errors", errors)
    assert ran.code == 1
    lines = ran.stderr.splitlines()
    assert len(lines) == 53
    assert lines[50] == f"… and 70 more rejected rows (all in {errors})"
    assert lines[51] == "imported 0 records (120 rejected)"
    assert lines[52] == "read 120 rows: 0 imported, 120 rejected"
    kept = [json.loads(line) for line in errors.read_text().splitlines()]
    assert len(kept) == 120
    assert kept[-1] == {
        "file": str(export),
        "line": 121,
        "reason": "row has 2 fields, the header has 1",
    }


def test_an_unclosed_quote_loses_only_its_row(cli: Callable[..., Ran], write) -> None:
    export = write("e.csv", 'id\n"r1\n' + "".join(f"r{i}\n" for i in range(2, 3002)))
    ran = cli("import", "csv", export, "-m", _csv_mapping(write))
    assert ran.code == 1
    assert ran.stderr.splitlines() == [
        f"rejected: {export}:2: not a valid CSV row (a row longer than 1,000 lines): a quoted "
        "field opened here does not close by line 1,002; reading went on from the next line",
        "imported 3,000 records (1 rejected)",
        "read 3,001 rows: 3,000 imported, 1 rejected",
    ]


def test_import_into_a_closed_pipe_exits_quietly(write) -> None:
    export = write("e.csv", "id\n" + "".join(f"r{i}\n" for i in range(200_000)))
    importer = subprocess.Popen(
        [*CS_SCORE, "import", "csv", str(export), "-m", str(_csv_mapping(write))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert importer.stdout is not None
    importer.stdout.readline()
    importer.stdout.close()
    _, stderr = importer.communicate(timeout=60)
    assert (importer.returncode, stderr) == (141, b"")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB file system, to fill up (mounting needs root, which CI has)."""
    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(small)]).returncode:
        pytest.skip("mounting a small file system needs root")
    try:
        yield small
    finally:
        subprocess.run(["umount", str(small)], check=True)


def test_init_on_a_full_disk_leaves_nothing_and_can_run_again(small_disk: Path) -> None:
    (small_disk / "filler").write_bytes(b"x" * ((1 << 20) - (16 << 10)))
    done = subprocess.run(
        [*CS_SCORE, "init", str(small_disk / "standard")], capture_output=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.decode() == (
        f"error: {small_disk}/standard/rules.schema.json: cannot write (No space left on device)\n"
    )
    assert list((small_disk / "standard").iterdir()) == []
    (small_disk / "filler").unlink()
    done = subprocess.run([*CS_SCORE, "init", str(small_disk / "standard")], capture_output=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_temporary_folder_is_one_line_and_exit_2(
    small_disk: Path, tmp_path: Path, jobs: str
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("".join(GOOD.replace('"ok"', f'"i{i}"') for i in range(4000)))
    target = tmp_path / "report.json"
    done = subprocess.run(
        [*CS_SCORE, "evaluate", str(log), "-f", "json", "-o", str(target), "--jobs", jobs],
        capture_output=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(small_disk)},
    )
    assert done.returncode == 2
    assert done.stderr.decode().splitlines()[-1] == (
        "error: no space left on the device; the run was stopped (set TMPDIR to a folder with "
        "more room if the temporary files filled it)"
    )
    assert not target.exists()


def test_a_failing_dask_cluster_is_one_line_and_exit_2(monkeypatch, log: Path) -> None:
    pytest.importorskip("distributed")
    from typer.testing import CliRunner

    import cs_score.dask
    from cs_score.cli import app

    class KilledWorker(Exception):
        pass

    def evaluate(*args: object, **kwargs: object) -> None:
        raise KilledWorker("('score-1', <WorkerState 'tcp://127.0.0.1:1'>)")

    monkeypatch.setattr(cs_score.dask, "evaluate", evaluate)
    ran = CliRunner().invoke(app, ["evaluate", str(log), "--engine", "dask", "--jobs", "1"])
    assert ran.exit_code == 2
    assert ran.output.endswith(
        "error: the Dask cluster failed: KilledWorker: ('score-1', "
        "<WorkerState 'tcp://127.0.0.1:1'>)\n"
    )
