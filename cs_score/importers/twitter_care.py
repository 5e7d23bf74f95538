"""`twitter-care`: the IBM Twitter customer-care conversations (Ganhotra et al., EMNLP 2020).

Reads the corpus files as published (`train.json`, `dev.json`, `test.json`, or `.gz` copies):
each is one JSON array of conversations, so a file is read into memory whole (the published
files are a few megabytes). Several files may be given.

One record per conversation:

- `id`: `dialogHeader.sessionID`
- `channel`: `"social"`
- `team`: `dialogHeader.company`, the support account (e.g. `AppleSupport`); `tags`: `[company]`
- `customer`: the handle of the first customer turn (`client`)
- `events`: each `dialogContent` turn, `client` / `client1` → `customer`, `agent` → `agent`,
  `at` = `datetime`, `text` = `message`; then the closing `agentURL` turn, from `agent`, text
  `url_utterance`. That turn has no datetime, so its time is recovered from its tweet id, a
  Twitter snowflake: ms since the Unix epoch = (`tweet_ID` >> 22) + 1288834974657.
- `started_at`: the time of the first customer turn
- `answered_at`: absent; the scorer uses the first agent event
- `ended_at`: the time of the last event
- `attributes`: `company`, and `doc_id` (the help document the closing turn links to)

Events are in time order (turns with equal times keep the corpus order). Not available, so
left out: `agent` (replies come from the company account, not a named person), `resolution`,
`survey`, `promises`.

A conversation is rejected, with the reason, when it is not an object, has no `sessionID`,
has a turn with no speaker, an unparsable `datetime` or no text, has no customer turn, or has
an `agentURL` whose `tweet_ID` is not a tweet id; a repeated `sessionID` is rejected too.
A rejection is reported as `FILE:N`, where N is the 1-based position of the conversation in
the file's array (the "line" of a rejection for this format).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from cs_score.importers._common import (
    IdRegistry,
    ImportFault,
    ImportItem,
    Rejected,
    format_time,
    load_json_document,
    parse_iso,
    refuse_mapping,
    snowflake_time,
    sort_key,
)

FORMAT = "twitter-care"
_SPEAKERS = {"client": "customer", "client1": "customer", "agent": "agent"}


class _Reject(Exception):
    """Why one conversation cannot be imported."""


def read(paths: Sequence[str], mapping: object | None = None) -> Iterator[ImportItem]:
    """Records from one or more corpus files, in file order."""
    refuse_mapping(FORMAT, mapping)
    ids = IdRegistry()
    for path in paths:
        name, document = load_json_document(path)
        if not isinstance(document, list):
            raise ImportFault(f"{name}: not a Twitter customer-care file (expected a JSON array)")
        for position, conversation in enumerate(document, start=1):
            try:
                record = convert(conversation)
            except _Reject as why:
                yield Rejected(name, position, str(why))
                continue
            repeated = ids.claim(record["id"], name, position)
            yield Rejected(name, position, repeated) if repeated else record


def convert(conversation: Any) -> dict[str, Any]:
    """One corpus conversation as an interaction record; raises _Reject with the reason."""
    if not isinstance(conversation, dict):
        raise _Reject("conversation is not a JSON object")
    header = conversation.get("dialogHeader")
    if not isinstance(header, dict):
        raise _Reject("missing dialogHeader")
    session = header.get("sessionID")
    if not isinstance(session, str) or not session.strip():
        raise _Reject("missing dialogHeader.sessionID")
    company = header.get("company")
    turns = conversation.get("dialogContent")
    if not isinstance(turns, list):
        raise _Reject("missing dialogContent list")

    timed: list[tuple[datetime, int, dict[str, Any]]] = []
    customer: str | None = None
    for number, turn in enumerate(turns, start=1):
        if not isinstance(turn, dict):
            raise _Reject(f"turn {number} is not a JSON object")
        speakers = [key for key in _SPEAKERS if key in turn]
        if len(speakers) != 1:
            raise _Reject(f"turn {number}: expected one speaker key (client, client1 or agent)")
        role = _SPEAKERS[speakers[0]]
        when = _turn_time(turn, number)
        text = turn.get("message")
        if not isinstance(text, str):
            raise _Reject(f"turn {number}: no message text")
        if role == "customer" and customer is None:
            handle = turn[speakers[0]]
            customer = str(handle) if handle is not None else None
        timed.append((when, number, {"at": format_time(when), "from": role, "text": text}))

    closing = conversation.get("agentURL")
    doc_id: str | None = None
    if closing is not None:
        if not isinstance(closing, dict):
            raise _Reject("agentURL is not a JSON object")
        when = _closing_time(closing)
        text = closing.get("url_utterance")
        if not isinstance(text, str):
            raise _Reject("agentURL: no url_utterance text")
        raw_doc = closing.get("doc_id")
        doc_id = str(raw_doc) if raw_doc is not None else None
        event = {"at": format_time(when), "from": "agent", "text": text}
        timed.append((when, len(turns) + 1, event))

    customer_times = [when for when, _, event in timed if event["from"] == "customer"]
    if not customer_times:
        raise _Reject("no customer turn")
    timed.sort(key=lambda item: (sort_key(item[0]), item[1]))

    team = company if isinstance(company, str) and company else None
    record: dict[str, Any] = {"id": session, "channel": "social"}
    if team:
        record["team"] = team
    if customer:
        record["customer"] = customer
    if team:
        record["tags"] = [team]
    attributes = {"company": team, "doc_id": doc_id}
    if any(value is not None for value in attributes.values()):
        record["attributes"] = {k: v for k, v in attributes.items() if v is not None}
    record["started_at"] = format_time(min(customer_times, key=sort_key))
    record["ended_at"] = format_time(timed[-1][0])
    record["events"] = [event for _, _, event in timed]
    return record


def _turn_time(turn: dict[str, Any], number: int) -> datetime:
    value = turn.get("datetime")
    if not isinstance(value, str):
        raise _Reject(f"turn {number}: no datetime")
    try:
        return parse_iso(value)
    except ValueError:
        raise _Reject(f"turn {number}: bad datetime '{value}'") from None


def _closing_time(closing: dict[str, Any]) -> datetime:
    value = closing.get("tweet_ID")
    text = str(value).strip() if isinstance(value, str | int) else ""
    if not text.isdigit() or int(text) >> 22 == 0:
        raise _Reject(f"agentURL: tweet_ID {value!r} is not a tweet id")
    try:
        return snowflake_time(int(text))
    except OverflowError:
        raise _Reject(f"agentURL: tweet_ID {value!r} is not a tweet id") from None
