"""Throughput and memory of `cs-score evaluate` on large generated logs.

Usage: python benchmarks/run.py [--sizes 100000,1000000] [--jobs 1,2] [--engines local,dask]
                                [--parts 8] [--data benchmarks/data] [--unique-texts]

Generates (or reuses) logs of each size with `benchmarks/generate.py`, runs the real command line
on each for each `--jobs` value, and prints one table: interactions per second, MB per second,
the ratio to the parse-only floor (reading the same file and parsing every line with the
standard library's `json.loads` in this process, which no scorer can beat), and the peak RSS of
the largest process. It also checks that every `--jobs` value printed the same report.

The generated texts come from a catalogue, as agents' canned replies do, so most repeat and
cs-score matches each distinct text once. `--unique-texts` starts every text with its own
reference number instead: the worst case, where every message is matched afresh.

With `--engines` including `dask` (the default when Dask is installed), each log is also split
into `--parts` files (the Dask engine scores one partition per file, so a single file would use
one worker), scored with `--engine dask` on a local cluster of one worker process per core, and
with the local engine at the largest `--jobs` on the same files for comparison; the two reports
must be identical. The Dask cluster's fixed cost (start, connect, shut down) is measured on its
own, on a 38-line log.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _log(size: int, folder: Path, unique_texts: bool = False) -> Path:
    suffix = "-unique" if unique_texts else ""
    path = folder / f"interactions-{size}{suffix}.jsonl"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        flags = ["--unique-texts"] if unique_texts else []
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(size), "-o", str(path), *flags],
            check=True,
        )
    return path


def _parse_floor(path: Path) -> float:
    start = time.perf_counter()
    with path.open("rb") as log:
        for line in log:
            with contextlib.suppress(ValueError):  # the generator's deliberately bad lines
                json.loads(line)
    return time.perf_counter() - start


def _parts(path: Path, count: int) -> list[Path]:
    """The log split into `count` files of consecutive lines (written once, then reused)."""
    stem = path.name.removesuffix(".jsonl")
    parts = [path.parent / f"{stem}-part{index + 1}of{count}.jsonl" for index in range(count)]
    if all(part.exists() for part in parts):
        return parts
    with path.open("rb") as log:
        total = sum(1 for _ in log)
    share = -(-total // count)
    with path.open("rb") as log:  # streamed, so this process stays small (its children's
        for part in parts:  # peak RSS counts what it held when they were started)
            with part.open("wb") as out:
                for _, line in zip(range(share), log, strict=False):
                    out.write(line)
    return parts


_INSTALLED = ("-P", "-m", "cs_score")
"""The installed package (-P: not the sources of the current directory)."""


def _build() -> str:
    """Which build of cs-score the benchmark runs: compiled (setup.py) or plain Python."""
    where = subprocess.run(
        [sys.executable, "-P", "-c", "import cs_score.engine as e; print(e.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return "plain Python" if where.endswith(".py") else "compiled"


def _evaluate(paths: list[Path], *flags: str) -> tuple[float, int, str]:
    """Wall time, peak RSS in kB of the largest process, and a digest of the printed report."""
    command = [sys.executable, *_INSTALLED, "evaluate", *map(str, paths), *flags]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    digest = hashlib.sha256()
    assert process.stdout is not None
    for chunk in iter(lambda: process.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
        digest.update(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"cs-score failed on {paths[0]} with {' '.join(flags)}")
    return elapsed, usage.ru_maxrss, digest.hexdigest()


def _row(size: int, label: str, elapsed: float, megabytes: float, floor: float, rss: int) -> str:
    return (
        f"{size:>12,} {label:>13} {elapsed:>8.1f} {size / elapsed:>9,.0f}"
        f" {megabytes / elapsed:>6.1f} {elapsed / floor:>7.1f} {rss / 1024:>11.0f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--jobs", default="1,2")
    has_dask = importlib.util.find_spec("distributed") is not None
    parser.add_argument("--engines", default="local,dask" if has_dask else "local")
    parser.add_argument("--parts", type=int, default=8, help="files a log is split into for Dask")
    parser.add_argument("--data", default=str(HERE / "data"))
    parser.add_argument(
        "--unique-texts",
        action="store_true",
        help="logs in which no message text repeats (generate.py --unique-texts)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs_values = [int(j) for j in args.jobs.split(",")]
    engines = args.engines.split(",")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f", cs-score {_build()}; load average before: {os.getloadavg()[0]:.2f}"
        " (other work on the machine skews times)"
    )
    if "dask" in engines:
        tiny = [HERE.parent / "examples" / "interactions.jsonl"]
        local_tiny, _, _ = _evaluate(tiny, "--jobs", "1")
        dask_tiny, _, _ = _evaluate(tiny, "--engine", "dask")
        print(
            f"Dask fixed cost: {dask_tiny:.1f} s for a 38-line log with --engine dask"
            f" (local cluster start, connect, shut down) against {local_tiny:.1f} s with --jobs 1"
        )
    header = f"{'interactions':>12} {'engine':>13} {'seconds':>8} {'inter./s':>9} {'MB/s':>6}"
    header += f" {'× floor':>7} {'peak RSS MB':>11}"
    print(header)
    for size in sizes:
        path = _log(size, Path(args.data), args.unique_texts)
        megabytes = path.stat().st_size / 1e6
        floor = _parse_floor(path)
        digests = set()
        for jobs in jobs_values:
            elapsed, rss_kb, digest = _evaluate([path], "--jobs", str(jobs))
            digests.add(digest)
            print(_row(size, f"jobs {jobs}", elapsed, megabytes, floor, rss_kb))
        print(
            f"{'':>12} parse-only floor (json.loads): {floor:.1f} s;"
            f" reports {'identical' if len(digests) == 1 else 'DIFFER'} across --jobs"
        )
        if "dask" not in engines:
            continue
        parts = _parts(path, args.parts)
        jobs = max(jobs_values)
        elapsed, rss_kb, local_digest = _evaluate(parts, "--jobs", str(jobs))
        print(_row(size, f"{args.parts} files j{jobs}", elapsed, megabytes, floor, rss_kb))
        elapsed, rss_kb, dask_digest = _evaluate(parts, "--engine", "dask")
        print(_row(size, f"dask {args.parts} files", elapsed, megabytes, floor, rss_kb))
        print(
            f"{'':>12} Dask report {'identical' if dask_digest == local_digest else 'DIFFERS'}"
            f" to --jobs {jobs} on the same {args.parts} files"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
