"""Seeded, bounded fuzzing of what reads user input: the record decoder, the rule-set loader and
the CSV and JSON Lines importers. Whatever the input, each ends in a result or in its own error
type (a rejected line, a RuleSetError, an ImportFault): never another exception.

They are slow tests (`pytest -m slow`, run by .ci/run): a few hundred examples of each, the
same ones every time. For a release, run many more, with fresh random inputs:

    CS_SCORE_FUZZ_EXAMPLES=20000 CS_SCORE_FUZZ_RANDOM=1 pytest -m slow tests/test_fuzz.py
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs_score.errors import RuleSetError
from cs_score.importers import ImportFault, Rejected, import_records
from cs_score.records import Decoded, RawLine, Rejection, decode
from cs_score.ruleset import load_ruleset

pytestmark = pytest.mark.slow  # hundreds of examples each: .ci/run runs them

EXAMPLES = int(os.environ.get("CS_SCORE_FUZZ_EXAMPLES", "150"))
fuzz = settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("CS_SCORE_FUZZ_RANDOM"),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

_KEYS = ["id", "channel", "started_at", "answered_at", "ended_at", "events", "promises", "at"]
_KEYS += ["from", "text", "due", "made_at", "resolution", "product", "survey", "tags"]
_TIMES = ["2026-03-01T09:00:00Z", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]
_TIMES += ["2026-06-30T23:59:60Z", "2026-02-30T10:00:00", "2026-03-01T25:00:00+01:00", ""]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False)
    | st.sampled_from(_TIMES)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_KEYS), inner),
    max_leaves=20,
)
records = st.dictionaries(st.sampled_from(_KEYS), json_values).map(
    lambda record: json.dumps(record).encode()
)
lines = records | st.binary(max_size=200)


@fuzz
@given(lines)
def test_the_decoder_scores_or_rejects_every_line(data: bytes) -> None:
    decoded = decode(RawLine("log.jsonl", 1, data), UTC)
    assert isinstance(decoded, Decoded | Rejection)


_RULE_KEYS = ["cs_score", "name", "extends", "timezone", "grades", "pass_score", "gate"]
_RULE_KEYS += ["phrases", "rules", "overrides", "id", "kind", "weight", "target", "when"]
_RULE_KEYS += ["critical", "enabled", "min_score", "en", "greeting", "zero_at", "per_channel"]
_SCALARS = ["wait_time", "greeting", "conduct", "90s", "1m30s", "4h", ".inf", "-1", "1e400"]
_SCALARS += ["&a x", "*a", "!!python/object:os.system", "default", "~", "'", "- x", "{", "\x07"]
yaml_tokens = st.lists(
    st.sampled_from(_RULE_KEYS).map(lambda key: key + ": ")
    | st.sampled_from(_SCALARS)
    | st.sampled_from(["\n", "\n  ", "\n    ", "\n  - ", "[", "]", ", ", ": "])
    | st.text(max_size=8),
    max_size=40,
).map("".join)


@fuzz
@given(yaml_tokens)
def test_the_rule_set_loader_loads_or_says_what_is_wrong(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rules.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_ruleset(str(path))
        except RuleSetError as exc:
            assert exc.problems
            assert all(str(problem) for problem in exc.problems)


_CELLS = ["conversation", "time", "who", "body", "A", "2024-03-01T09:00:00Z", "agent", '"']
_CELLS += ["customer", "", '"x"y', "=1+1", "\t", "\r", ",", ";", "2024-13-01", "\ufeff"]
csv_texts = st.lists(
    st.lists(st.sampled_from(_CELLS) | st.text(max_size=6), max_size=5).map(",".join),
    max_size=12,
).map(lambda rows: "conversation,time,who,body\n" + "\n".join(rows))

_MAPPING = """format: {fmt}
level: message
grouped: any
fields:
  id: conversation
  at: time
  sender: who
  text: body
"""


@fuzz
@given(st.sampled_from(["csv", "jsonl"]), csv_texts | lines.map(lambda b: b.decode("latin-1")))
def test_the_importers_import_or_reject_every_row(fmt: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / f"export.{fmt}"
        export.write_text(text, encoding="utf-8", errors="surrogateescape")
        mapping = Path(folder) / "mapping.yaml"
        mapping.write_text(_MAPPING.format(fmt=fmt))
        try:
            items = list(import_records(fmt, [str(export)], str(mapping)))
        except ImportFault as exc:
            assert str(exc).startswith(str(export))
            return
        for item in items:
            assert isinstance(item, Rejected | dict)
