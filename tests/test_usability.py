"""What a first-time user meets: the Quickstart, odd inputs, mistakes in data and flags."""

from __future__ import annotations

from collections.abc import Callable

from conftest import EXAMPLE, ROOT, Ran, run_cli

SAMPLE = ROOT / "examples" / "interactions.jsonl"


def test_quickstart_first_command_passes_the_gate() -> None:
    ran = run_cli("evaluate", "examples/interactions.jsonl", cwd=ROOT)
    assert ran.code == 0, ran.stderr
    assert "Read 38 · scored 38 · rejected 0 · rated 38" in ran.stdout
    assert "Mean score 70.64 · grade C" in ran.stdout
    assert "Gate: PASSED" in ran.stdout


def test_the_sample_with_problems_differs_only_in_its_truncated_line() -> None:
    sample = SAMPLE.read_text("utf-8").splitlines()
    problems = EXAMPLE.read_text("utf-8").splitlines()
    assert len(sample) == len(problems) == 38
    differ = [n for n, (a, b) in enumerate(zip(sample, problems, strict=True), 1) if a != b]
    assert differ == [26]
    assert problems[25].endswith('"events": [')


def test_the_sample_with_problems_fails_the_gate(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", EXAMPLE, "-f", "json")
    assert ran.code == 1
    conditions = {c["name"]: c["passed"] for c in ran.json()["gate"]["conditions"]}
    assert conditions == {"min_score": False, "max_rejected": False}
