"""Results travel between processes by position: they come back equal, promises and all."""

from __future__ import annotations

import pickle

from conftest import EXAMPLE

from cs_score import engine
from cs_score.records import Rejection, decode, read_lines
from cs_score.ruleset import load_ruleset


def test_results_come_back_equal_from_a_pickle() -> None:
    ruleset = load_ruleset(None)
    results = []
    for seq, raw in enumerate(read_lines(str(EXAMPLE))):
        decoded = decode(raw, ruleset.zone)
        if not isinstance(decoded, Rejection):
            results.append(engine.score(decoded, ruleset, seq))
    open_results = [result for result in results if result.is_open]
    assert open_results, "the example has promises kept by later interactions"
    for result in results:
        copy = pickle.loads(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
        assert copy == result
        assert copy.source == result.source and type(copy.source) is type(result.source)
    states = open_results[0].open_rules["promises"][1]
    copied = pickle.loads(pickle.dumps(open_results[0]))
    assert copied.open_rules["promises"][1] == states


def test_a_pickled_report_part_carries_every_field_but_the_rule_set() -> None:
    """`ReportPart.STATE` is kept by hand: a field left out of it would be lost in transit."""
    from cs_score.report import ReportPart

    part = ReportPart(load_ruleset(None))
    names = getattr(ReportPart, "__mypyc_attrs__", None) or vars(part)  # compiled, or not
    caches = {"_quarter", "_quarter_day"}  # the day of the last start time seen
    assert set(names) - {"ruleset", "STATE"} - caches == set(part.STATE)
