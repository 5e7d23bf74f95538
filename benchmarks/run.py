"""Throughput and memory of `cs-score evaluate` on large generated logs.

Usage: python benchmarks/run.py [--sizes 100000,1000000] [--jobs 1,2] [--data benchmarks/data]

Generates (or reuses) logs of each size with `benchmarks/generate.py`, runs the real command line
on each for each `--jobs` value, and prints one table: interactions per second, MB per second,
the ratio to the parse-only floor (reading the same file and parsing every line with the
standard library's `json.loads` in this process, which no scorer can beat), and the peak RSS of
the largest process. It also checks that every `--jobs` value printed the same report.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _log(size: int, folder: Path) -> Path:
    path = folder / f"interactions-{size}.jsonl"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(size), "-o", str(path)], check=True
        )
    return path


def _parse_floor(path: Path) -> float:
    start = time.perf_counter()
    with path.open("rb") as log:
        for line in log:
            with contextlib.suppress(ValueError):  # the generator's deliberately bad lines
                json.loads(line)
    return time.perf_counter() - start


def _evaluate(path: Path, jobs: int) -> tuple[float, int, str]:
    """Wall time, peak RSS in kB of the largest process, and a digest of the printed report."""
    command = [sys.executable, "-m", "cs_score", "evaluate", str(path), "--jobs", str(jobs)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    digest = hashlib.sha256()
    assert process.stdout is not None
    for chunk in iter(lambda: process.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
        digest.update(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"cs-score failed on {path} with --jobs {jobs}")
    return elapsed, usage.ru_maxrss, digest.hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--data", default=str(HERE / "data"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs_values = [int(j) for j in args.jobs.split(",")]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    header = f"{'interactions':>12} {'jobs':>4} {'seconds':>8} {'inter./s':>9} {'MB/s':>6}"
    header += f" {'× floor':>7} {'peak RSS MB':>11}"
    print(header)
    for size in sizes:
        path = _log(size, Path(args.data))
        megabytes = path.stat().st_size / 1e6
        floor = _parse_floor(path)
        digests = set()
        for jobs in jobs_values:
            elapsed, rss_kb, digest = _evaluate(path, jobs)
            digests.add(digest)
            print(
                f"{size:>12,} {jobs:>4} {elapsed:>8.1f} {size / elapsed:>9,.0f}"
                f" {megabytes / elapsed:>6.1f} {elapsed / floor:>7.1f} {rss_kb / 1024:>11.0f}"
            )
        print(
            f"{'':>12} parse-only floor (json.loads): {floor:.1f} s;"
            f" reports {'identical' if len(digests) == 1 else 'DIFFER'} across --jobs"
        )


if __name__ == "__main__":
    main()
