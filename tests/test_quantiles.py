"""Median and p90 of large runs stay within 1 % of the exact values, and parts merge exactly."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from cs_score.quantiles import EXACT_LIMIT, Quantiles


def _exact(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _waits(kind: str, count: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    if kind == "lognormal":  # waits in seconds, a long tail
        return [rng.lognormvariate(4, 1.2) for _ in range(count)]
    if kind == "whole seconds":  # many ties, and zeros
        return [float(max(0, round(rng.gauss(60, 45)))) for _ in range(count)]
    return [rng.uniform(0, 14_400) for _ in range(count)]  # e-mail: up to four hours


@pytest.mark.parametrize("kind", ["lognormal", "whole seconds", "uniform"])
def test_median_and_p90_within_one_percent(kind: str) -> None:
    values = _waits(kind, 60_000, seed=11)
    sketch = Quantiles()
    for value in values:
        sketch.add(value)
    for q in (0.5, 0.9):
        exact = _exact(values, q)
        found = sketch.quantile(q)
        assert found is not None
        assert abs(found - exact) <= 0.01 * exact, (q, found, exact)


def test_small_runs_are_exact() -> None:
    values = _waits("lognormal", EXACT_LIMIT, seed=2)
    sketch = Quantiles()
    for value in values:
        sketch.add(value)
    assert sketch.quantile(0.5) == _exact(values, 0.5)
    assert sketch.quantile(0.9) == _exact(values, 0.9)


def test_parts_merge_to_the_same_quantiles_in_any_order() -> None:
    values = _waits("lognormal", 40_000, seed=5)
    whole = Quantiles()
    for value in values:
        whole.add(value)
    cuts = [0, 3, 9_000, 9_001, 25_000, 40_000]
    parts = []
    for start, end in itertools.pairwise(cuts):
        part = Quantiles()
        for value in values[start:end]:
            part.add(value)
        parts.append(part)
    for order in (parts, parts[::-1]):
        merged = Quantiles()
        for part in order:
            merged.merge(part)
        assert merged.count == whole.count
        assert [merged.quantile(q) for q in (0.5, 0.9)] == [whole.quantile(q) for q in (0.5, 0.9)]
