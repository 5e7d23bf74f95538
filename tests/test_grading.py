"""Grade bands, and the rounding that folds scores and credits into exact whole numbers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cs_score.grading import Grading, round_half_even, round_to_cents


@given(st.floats(min_value=-(2.0**51), max_value=2.0**51))
def test_round_half_even_is_the_built_in_round(value: float) -> None:
    assert round_half_even(value) == round(value)


def test_halves_go_to_the_even_neighbour() -> None:
    assert [round_half_even(x) for x in (0.5, 1.5, 2.5, -0.5, -1.5, 2.4999999999999996)] == [
        0,
        2,
        2,
        0,
        -2,
        2,
    ]
    # scores and credits as the report part folds them
    assert round_half_even(0.8333333333333334 * 1_000_000) == 833_333
    assert round_half_even(72.5 * 100) == 7_250


def test_a_score_on_a_bound_gets_that_grade() -> None:
    grading = Grading({"A": 90, "B": 80, "C": 70}, pass_score=70)
    assert [grading.grade(s) for s in (100, 90, 89.99, 80, 70, 69.99)] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "F",
    ]
    assert grading.order() == ["A", "B", "C", "F"]


@given(st.floats(min_value=-1e9, max_value=1e9) | st.integers(0, 10_000).map(lambda n: n / 8))
def test_round_to_cents_is_round_to_two_places(value: float) -> None:
    assert repr(round_to_cents(value)) == repr(round(value, 2))  # -0.0 included


def test_round_to_cents_leaves_near_halves_to_the_exact_rounding() -> None:
    # 0.285 is stored a little below, 72.125 exactly: the built-in rounds them 0.28 and 72.12
    for value in (0.285, 72.125, 2.675, 1.005, 100.0, 66.66666666666667, 1e15, -0.125):
        assert round_to_cents(value) == round(value, 2)
    for value in (-0.0, -0.001, 0.0, 0.001):  # the sign of a zero is the built-in's
        assert repr(round_to_cents(value)) == repr(round(value, 2))
    assert round_to_cents(83.33333333333334) == 83.33
