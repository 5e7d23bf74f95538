"""`amazon-transcribe`: phone calls transcribed by Amazon Transcribe Call Analytics.

A Call Analytics job writes one JSON file per call (post-call analytics output). Its
`Transcript` is a list of turns, each with `ParticipantRole` (`AGENT` or `CUSTOMER`),
`BeginOffsetMillis` and `EndOffsetMillis` (from the start of the recording) and `Content`
(the words). Reference ("Post-call analytics output"):
https://docs.aws.amazon.com/transcribe/latest/dg/tca-output-batch.html

The output holds offsets only, not when the call happened, so the INPUT is a manifest: a JSON
Lines file with one line per call, naming its output file and when its recording started (from
the telephony system's contact record):

```json
{"transcript": "transcribe/call-0001.json", "started_at": "2024-08-05T09:00:00Z",
 "queued_at": "2024-08-05T08:58:30Z", "id": "call-0001", "agent": "Ravi Patel",
 "customer": "Emma Stone", "team": "Claims"}
```

- `transcript` (required): the output file, relative to the manifest's folder (plain or gzip),
  or the output object itself
- `started_at` (required): when the recording started (offset 0), RFC 3339 with an offset
- `queued_at`: when the caller began waiting (dialled, entered the queue); the record's
  `started_at`, so the wait before the agent spoke is scored
- `id` (default: the output's `JobName`), `agent`, `customer`, `team`: copied to the record

One record per call, in manifest order:

- `channel`: `phone`; `started_at`: `queued_at`, else `started_at`; `ended_at`: `started_at`
  plus the largest `EndOffsetMillis` (or `ConversationCharacteristics`'
  `TotalConversationDurationMillis`, when longer)
- `events`: the turns in order of `BeginOffsetMillis`: `AGENT` → `agent`, `CUSTOMER` →
  `customer`, `at` = `started_at` + `BeginOffsetMillis`, `text` = `Content` (redacted
  words stay as Transcribe wrote them, e.g. `[PII]`)
- `tags`: `Categories.MatchedCategories`
- `attributes`: `agent_sentiment` and `customer_sentiment`
  (`ConversationCharacteristics.Sentiment.OverallSentiment`, -5 to 5), `interruptions`
  (`Interruptions.TotalCount`), `non_talk_ms` (`NonTalkTime.TotalTimeMillis`)

Call Analytics knows only the agent and customer channels: an IVR prompt played on the agent's
channel is the agent's, and a call has no internal notes or attachments. Counted and reported as
not imported: turns with no words. A call is rejected (with its manifest line) when the line is
not a JSON object, `started_at` or `transcript` is missing or bad, the output file cannot be read
or has no `Transcript` list, a turn has another `ParticipantRole` or no `BeginOffsetMillis`, or
its id repeats another call's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from cs_score.importers._common import (
    IdRegistry,
    ImportFault,
    ImportItem,
    Rejected,
    Tally,
    format_time,
    load_json_document,
    refuse_mapping,
)
from cs_score.importers._vendor import Reject, ident, iso_time, items, obj, read_documents, text

FORMAT = "amazon-transcribe"
UNIT = "calls"
_ROLES = {"AGENT": "agent", "CUSTOMER": "customer"}


def read(
    paths: Sequence[str], mapping: object | None = None, tally: Tally | None = None
) -> Iterator[ImportItem]:
    """Records from a manifest of Call Analytics outputs, one per call."""
    refuse_mapping(FORMAT, mapping)
    return _read(paths, tally if tally is not None else Tally())


def _read(paths: Sequence[str], tally: Tally) -> Iterator[ImportItem]:
    tally.unit = UNIT
    ids = IdRegistry()
    for path in paths:
        folder = os.path.dirname(path) if path != "-" else ""
        for document in read_documents(path):
            tally.read += 1
            if isinstance(document, Rejected):
                tally.rejected += 1
                yield document
                continue
            try:
                record = _call(obj(document.body), document.body, folder, tally)
                repeated = ids.claim(record["id"], document.file, document.line)
                if repeated:
                    raise Reject(repeated)
            except Reject as why:
                tally.rejected += 1
                yield Rejected(document.file, document.line, str(why))
                continue
            yield record


def _call(line: dict[str, Any], raw: Any, folder: str, tally: Tally) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise Reject("a manifest line is a JSON object naming a transcript and its started_at")
    start = iso_time(line.get("started_at"), "started_at")
    output = _output(line.get("transcript"), folder)
    turns = output.get("Transcript")
    if not isinstance(turns, list):
        raise Reject("the Call Analytics output has no Transcript list")
    call_id = ident(line.get("id")) or text(output.get("JobName"))
    if not call_id:
        raise Reject("no id, and the output has no JobName")
    record: dict[str, Any] = {"id": call_id, "channel": "phone"}
    for key in ("agent", "customer", "team"):
        if text(line.get(key)):
            record[key] = text(line[key])
    categories = obj(output.get("Categories")).get("MatchedCategories")
    tags = [tag for tag in items(categories) if isinstance(tag, str) and tag]
    if tags:
        record["tags"] = tags
    characteristics = obj(output.get("ConversationCharacteristics"))
    attributes = _attributes(characteristics)
    if attributes:
        record["attributes"] = attributes
    queued = line.get("queued_at")
    record["started_at"] = format_time(iso_time(queued, "queued_at") if queued else start)
    events, last_ms = _events(turns, start, tally)
    total = characteristics.get("TotalConversationDurationMillis")
    if isinstance(total, int | float) and not isinstance(total, bool):
        last_ms = max(last_ms, total)
    record["ended_at"] = format_time(start + timedelta(milliseconds=last_ms))
    record["events"] = events
    return record


def _output(value: Any, folder: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.strip():
        raise Reject("missing transcript (the Call Analytics output file)")
    path = value if os.path.isabs(value) else os.path.join(folder, value)
    try:
        _, output = load_json_document(path)
    except ImportFault as fault:
        raise Reject(str(fault)) from None
    if not isinstance(output, dict):
        raise Reject(f"{path}: not a Call Analytics output (expected a JSON object)")
    return output


def _events(
    turns: list[Any], start: datetime, tally: Tally
) -> tuple[list[dict[str, Any]], int | float]:
    timed: list[tuple[int | float, int, dict[str, Any]]] = []
    last_ms: int | float = 0
    for number, turn in enumerate(turns, start=1):
        turn = obj(turn)
        role = _ROLES.get(text(turn.get("ParticipantRole")))
        if role is None:
            raise Reject(
                f"turn {number}: unknown ParticipantRole "
                f"{json.dumps(turn.get('ParticipantRole'))} (known: AGENT, CUSTOMER)"
            )
        begin = turn.get("BeginOffsetMillis")
        if isinstance(begin, bool) or not isinstance(begin, int | float) or begin < 0:
            raise Reject(f"turn {number}: bad BeginOffsetMillis {json.dumps(begin)}")
        end = turn.get("EndOffsetMillis")
        if isinstance(end, int | float) and not isinstance(end, bool):
            last_ms = max(last_ms, end)
        last_ms = max(last_ms, begin)
        words = text(turn.get("Content"))
        if not words:
            tally.skip("transcript turn without words", "transcript turns without words")
            continue
        at = format_time(start + timedelta(milliseconds=begin))
        timed.append((begin, number, {"at": at, "from": role, "text": words}))
    timed.sort(key=lambda item: (item[0], item[1]))
    return [event for *_, event in timed], last_ms


def _attributes(characteristics: dict[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    overall = obj(obj(characteristics.get("Sentiment")).get("OverallSentiment"))
    for role, name in (("AGENT", "agent_sentiment"), ("CUSTOMER", "customer_sentiment")):
        value = overall.get(role)
        if isinstance(value, int | float) and not isinstance(value, bool):
            attributes[name] = value
    count = obj(characteristics.get("Interruptions")).get("TotalCount")
    if isinstance(count, int) and not isinstance(count, bool):
        attributes["interruptions"] = count
    quiet = obj(characteristics.get("NonTalkTime")).get("TotalTimeMillis")
    if isinstance(quiet, int) and not isinstance(quiet, bool):
        attributes["non_talk_ms"] = quiet
    return attributes
