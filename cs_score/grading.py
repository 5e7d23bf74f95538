"""Grades from scores: the bands of a rule set, read for every interaction (so compiled)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

LOWEST_GRADE: Final = "F"
"""The grade below the lowest band."""


class Grading:
    """A rule set's grade bands (grade → lowest score that earns it) and its pass score."""

    def __init__(self, grades: Mapping[str, float], pass_score: float) -> None:
        self.bands: list[tuple[str, float]] = sorted(grades.items(), key=lambda kv: -kv[1])
        self.pass_score = pass_score

    def grade(self, score: float) -> str:
        """The grade whose band holds `score` (a score equal to a bound gets that grade)."""
        for grade, bound in self.bands:
            if score >= bound:
                return grade
        return LOWEST_GRADE

    def order(self) -> list[str]:
        """Grades from best to worst, ending with the lowest."""
        return [grade for grade, _ in self.bands] + [LOWEST_GRADE]

    def __reduce__(self) -> tuple[type[Grading], tuple[dict[str, float], float]]:
        return Grading, (dict(self.bands), self.pass_score)


def round_half_even(value: float) -> int:
    """`round(value)`, the nearest whole number (halves to the even one), for a finite float
    below 2**52 in size: compiled code calls the built-in `round` through its module's
    dictionary, which cost more than folding a result in does."""
    whole = math.floor(value)
    rest = value - whole  # exact: both lie within the float's 53 bits
    if rest > 0.5 or (rest == 0.5 and whole % 2 == 1):
        return whole + 1
    return whole


def round_to_cents(value: float) -> float:
    """`round(value, 2)`, the same float, for a score: scaled by 100, a positive value is
    rounded to the nearest whole number here when it is clearly not a half, and by the
    built-in `round` (which works on the exact value) when it is nearly one, too large for
    this, zero or negative (where the built-in keeps the sign of -0.0)."""
    scaled = value * 100
    if not 0.0 < scaled < _EXACT_BELOW:
        return round(value, 2)
    whole = math.floor(scaled)
    rest = scaled - whole  # off the exact value by far less than _NEAR_HALF
    if rest - 0.5 > _NEAR_HALF:
        return (whole + 1) / 100
    if 0.5 - rest > _NEAR_HALF:
        return whole / 100
    return round(value, 2)


_EXACT_BELOW: Final = 2.0**30
"""Below this, `value * 100` is off the exact product by less than 2**-23 (a float holds 53
bits), far less than `_NEAR_HALF`."""
_NEAR_HALF: Final = 1e-6
