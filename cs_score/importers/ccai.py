"""`ccai-insights`: conversations in Google Contact Center AI Insights' conversation data format.

The format Conversational Insights ingests transcripts in (one conversation per JSON file):
`entries`, the chronologically ordered turns, each with `text`, `role` (`AGENT`,
`AUTOMATED_AGENT`, `CUSTOMER` or `END_USER`), `user_id` (a number for the participant) and
`start_timestamp_usec` (microseconds since the Unix epoch, UTC); and optionally
`conversation_info.categories[].display_name`. Reference:
https://cloud.google.com/contact-center/insights/docs/conversation-data-format

An INPUT is one conversation file, or a JSON Lines file with one conversation a line; plain
or gzip. One record per conversation, in input order:

- `id`: the file's name without its extension (`chat-17.json` → `chat-17`); for a JSON Lines
  file, the name and the line (`chats:3`)
- `channel`: `chat` — the format is how Insights takes text conversations (calls are
  uploaded as audio and transcribed by Insights itself)
- `agent`: the `user_id` of the first `AGENT` turn (the format has ids, not names); `tags`:
  the category display names
- `started_at`: the first turn; `ended_at`: the last turn
- `events`: the turns in time order: `AGENT` → `agent`, `AUTOMATED_AGENT` (a virtual agent)
  → `bot`, `CUSTOMER` and `END_USER` → `customer`; `at` = `start_timestamp_usec`, `text` =
  `text`

The format carries no names, notes or attachments. Counted and reported as not imported: turns
with no text. A conversation is rejected (with its file and line) when it is not a JSON object
with an `entries` list, a turn's `role` is another or its `start_timestamp_usec` is not a
whole number, or its id repeats another's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from cs_score.importers._common import (
    IdRegistry,
    ImportItem,
    Rejected,
    Tally,
    format_time,
    refuse_mapping,
)
from cs_score.importers._vendor import Document, Reject, ident, items, obj, read_documents, text

FORMAT = "ccai-insights"
UNIT = "conversations"
_ROLES = {
    "AGENT": "agent",
    "HUMAN_AGENT": "agent",
    "AUTOMATED_AGENT": "bot",
    "CUSTOMER": "customer",
    "END_USER": "customer",
}
_UTC_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def read(
    paths: Sequence[str], mapping: object | None = None, tally: Tally | None = None
) -> Iterator[ImportItem]:
    """Records from conversation data files, one per conversation."""
    refuse_mapping(FORMAT, mapping)
    return _read(paths, tally if tally is not None else Tally())


def _read(paths: Sequence[str], tally: Tally) -> Iterator[ImportItem]:
    tally.unit = UNIT
    ids = IdRegistry()
    for path in paths:
        for document in read_documents(path):
            tally.read += 1
            if isinstance(document, Rejected):
                tally.rejected += 1
                yield document
                continue
            conversation_id = _id(document)
            try:
                record = _record(conversation_id, document.body, tally)
                repeated = ids.claim(conversation_id, document.file, document.line)
                if repeated:
                    raise Reject(repeated)
            except Reject as why:
                tally.rejected += 1
                yield Rejected(document.file, document.line, f"{conversation_id}: {why}")
                continue
            yield record


def _id(document: Document) -> str:
    stem = os.path.basename(document.file)
    for suffix in (".gz", ".jsonl", ".json", ".ndjson"):
        stem = stem.removesuffix(suffix)
    return stem if document.whole else f"{stem}:{document.line}"


def _record(conversation_id: str, body: Any, tally: Tally) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("entries"), list):
        raise Reject("not a conversation (expected a JSON object with an entries list)")
    timed: list[tuple[int, int, dict[str, Any]]] = []
    agent = ""
    for number, entry in enumerate(body["entries"], start=1):
        entry = obj(entry)
        role = _ROLES.get(text(entry.get("role")))
        if role is None:
            raise Reject(
                f"entry {number}: unknown role {json.dumps(entry.get('role'))} "
                "(known: AGENT, AUTOMATED_AGENT, CUSTOMER, END_USER)"
            )
        usec = entry.get("start_timestamp_usec")
        if isinstance(usec, bool) or not isinstance(usec, int) or usec < 0:
            raise Reject(f"entry {number}: bad start_timestamp_usec {json.dumps(usec)}")
        words = text(entry.get("text"))
        if not words:
            tally.skip("conversation entry without text", "conversation entries without text")
            continue
        if role == "agent" and not agent:
            agent = ident(entry.get("user_id"))
        timed.append((usec, number, {"from": role, "text": words}))
    if not timed:
        raise Reject("no entries with text")
    timed.sort(key=lambda item: (item[0], item[1]))
    record: dict[str, Any] = {"id": conversation_id, "channel": "chat"}
    if agent:
        record["agent"] = agent
    categories = items(obj(body.get("conversation_info")).get("categories"))
    tags = [
        text(obj(c).get("display_name")) for c in categories if text(obj(c).get("display_name"))
    ]
    if tags:
        record["tags"] = tags
    events = []
    for usec, _, event in timed:
        events.append({"at": _time(usec), **event})
    record["started_at"] = events[0]["at"]
    record["ended_at"] = events[-1]["at"]
    record["events"] = events
    return record


def _time(usec: int) -> str:
    try:
        return format_time(_UTC_EPOCH + timedelta(microseconds=usec))
    except OverflowError:
        raise Reject(f"bad start_timestamp_usec {usec}") from None
