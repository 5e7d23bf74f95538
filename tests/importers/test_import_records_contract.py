"""Every record an importer writes is a valid interaction record for `cs-score evaluate`."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from importer_helpers import CORPORA, EXAMPLES, EXPORTS

import cs_score.records as records_module
from cs_score.importers import Rejected, import_records

RUNS = [
    ("twitter-care", [CORPORA / "twitter-care" / "dev-sample.json"], None, 5),
    ("abcd", [CORPORA / "abcd" / "abcd-sample.json"], None, 2),
    ("harper-valley", [CORPORA / "harper-valley"], None, 1),
    ("jsonl", [EXAMPLES / "gorgias-messages.jsonl"], "gorgias", 3),
    ("jsonl", [EXAMPLES / "freshdesk-conversations.jsonl"], "freshdesk", 3),
    ("csv", [EXAMPLES / "helpdesk-messages.csv"], str(EXAMPLES / "helpdesk-messages.yaml"), 3),
    ("csv", [EXPORTS / "tickets.csv"], str(EXPORTS / "tickets.yaml"), 3),
    ("zendesk", [EXAMPLES / "zendesk-tickets.jsonl"], None, 3),
    ("intercom", [EXAMPLES / "intercom-conversations.jsonl"], None, 3),
    ("freshdesk", [EXAMPLES / "freshdesk-tickets.jsonl"], None, 3),
    ("amazon-transcribe", [EXAMPLES / "transcribe-calls.jsonl"], None, 3),
    ("ccai-insights", sorted((EXAMPLES / "ccai").glob("*.json")), None, 3),
]


@pytest.mark.parametrize(("fmt", "paths", "mapping", "count"), RUNS)
def test_imported_records_decode_without_rejection(
    fmt: str, paths: list[object], mapping: str | None, count: int
) -> None:
    records = [
        item
        for item in import_records(fmt, [str(p) for p in paths], mapping)
        if not isinstance(item, Rejected)
    ]
    assert len(records) == count
    for number, record in enumerate(records, start=1):
        line = json.dumps(record, ensure_ascii=False).encode()
        decoded = records_module.decode(records_module.RawLine("out.jsonl", number, line), UTC)
        assert not isinstance(decoded, records_module.Rejection), str(decoded)
        assert not decoded.events_reordered  # importers write events in time order
