"""`intercom`: Intercom conversations with their parts, read from the REST API's own JSON.

An INPUT holds API response bodies, one per file or one per line (JSON Lines), plain or gzip:

- **Conversations** as "Retrieve a conversation" returns them (`GET /conversations/{id}`, an
  object with `"type": "conversation"`), which include up to 500 `conversation_parts`; or a
  page holding several such objects under `conversations`. List and search pages carry no
  parts, so export each conversation by its id. Reference ("Retrieve a conversation", and the
  Conversation, Conversation Part and Conversation Statistics models of the same reference):
  https://developers.intercom.com/docs/references/2.1/rest-api/conversations/retrieve-a-conversation
- **Admins** (`GET /admins`, key `admins`: `id`, `name`) and **teams** (`GET /teams`, key
  `teams`: `id`, `name`), to name `admin_assignee_id` and `team_assignee_id`.

For example: list the conversation ids with `POST /conversations/search` (or page through
`GET /conversations`), then save `GET /conversations/{id}` for each one, one response a line
(`curl -s -H "Authorization: Bearer $TOKEN" .../conversations/$id; echo`), with the responses
of `GET /admins` and `GET /teams`; then `cs-score import intercom conversations.jsonl`.

One record per conversation, in input order:

- `id`: `id`; `channel`: `source.type` — `conversation` (the Messenger) → `chat`, `email`
  → `email`, `phone_call` and `phone_switch` → `phone`, `facebook`, `instagram`, `twitter`
  and `whatsapp` → `social`, any other as written
- `agent`: the name of `admin_assignee_id` (from the admins), else the `author.name` of the
  first admin reply; `team`: the name of `team_assignee_id`, else the id; `customer`:
  `source.author.name`, else its `email`; `tags`: `tags.tags[].name`
- `started_at`: `created_at`; `answered_at`: `statistics.first_admin_reply_at`; `ended_at`:
  the last part (or `statistics.last_close_at`, when later). All are epoch seconds, in UTC.
- `events`: the conversation's first message (`source`: `body`, `author`, at `created_at`)
  and then `conversation_parts.conversation_parts` in time order (`created_at`). The
  author's `type` gives `from`: `user`, `lead` and `contact` → `customer`; `admin` and `team`
  → `agent`; `bot` → `bot`, and so does an admin part the AI agent sent
  (`author.from_ai_agent` or `author.is_ai_answer` true). `part_type` `comment` is a message
  and `note` an internal note (`type: note`); another part type (`assignment`, `open`,
  `close`, …) is a message when the teammate wrote a `body` with it, and otherwise not an
  event (counted). `text` is the HTML `body` made plain, with quoted history and signatures
  that the mail client marked left out. A part with only attachments is a message without
  text.
- `survey.csat`: `conversation_rating.rating` (1–5)
- `resolution.status`: `state` — `closed` → `resolved`, `snoozed` → `pending`, `open` →
  `unresolved`

Counted and reported as not imported: parts without a message, by `part_type`; attachments;
redacted parts; an opening message (`source`) without an author; documents that are no
Intercom object. A conversation is rejected (with the
`FILE:LINE` where it was read) when its `id` or `created_at` is missing or bad, it has no
`conversation_parts` (a list page), a part's `created_at` or author is bad, or the rating is
not 1–5.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from cs_score.importers._common import (
    IdRegistry,
    ImportItem,
    Rejected,
    Tally,
    format_time,
    refuse_mapping,
)
from cs_score.importers._html import html_to_text
from cs_score.importers._vendor import (
    Document,
    Reject,
    epoch_seconds,
    ident,
    items,
    obj,
    read_documents,
    text,
)

FORMAT = "intercom"
UNIT = "conversations"
_ROLES = {
    "user": "customer",
    "lead": "customer",
    "contact": "customer",
    "admin": "agent",
    "team": "agent",
    "bot": "bot",
}
_CHANNELS = {
    "conversation": "chat",
    "email": "email",
    "phone_call": "phone",
    "phone_switch": "phone",
    "facebook": "social",
    "instagram": "social",
    "twitter": "social",
    "whatsapp": "social",
}
_STATUSES = {"closed": "resolved", "snoozed": "pending", "open": "unresolved"}


def read(
    paths: Sequence[str], mapping: object | None = None, tally: Tally | None = None
) -> Iterator[ImportItem]:
    """Records from Intercom API responses, one per conversation."""
    refuse_mapping(FORMAT, mapping)
    return _read(paths, tally if tally is not None else Tally())


def _read(paths: Sequence[str], tally: Tally) -> Iterator[ImportItem]:
    tally.unit = UNIT
    names: dict[str, dict[str, str]] = {"admins": {}, "teams": {}}
    conversations: list[tuple[Document, dict[str, Any]]] = []
    for path in paths:
        for document in read_documents(path):
            if isinstance(document, Rejected):
                tally.read += 1
                tally.rejected += 1
                yield document
                continue
            body = obj(document.body)
            for kind in ("admins", "teams"):
                for entry in items(body.get(kind)):
                    if ident(obj(entry).get("id")):
                        names[kind][ident(entry["id"])] = text(entry.get("name"))
            found = [body] if body.get("type") == "conversation" else []
            found += [obj(c) for c in items(body.get("conversations"))]
            if not found and not any(k in body for k in ("admins", "teams")):
                tally.skip(
                    "document that is no Intercom object", "documents that are no Intercom object"
                )
            conversations.extend((document, conversation) for conversation in found)
    # Conversations are written after the admins and teams are known, wherever they were.
    ids = IdRegistry()
    for document, conversation in conversations:
        tally.read += 1
        try:
            record = _record(conversation, names, tally)
        except Reject as why:
            tally.rejected += 1
            label = ident(conversation.get("id")) or "?"
            yield Rejected(document.file, document.line, f"conversation {label}: {why}")
            continue
        repeated = ids.claim(record["id"], document.file, document.line)
        if repeated:
            tally.rejected += 1
            yield Rejected(document.file, document.line, repeated)
        else:
            yield record


def _record(
    conversation: dict[str, Any], names: dict[str, dict[str, str]], tally: Tally
) -> dict[str, Any]:
    conversation_id = ident(conversation.get("id"))
    if not conversation_id:
        raise Reject("missing id")
    created = epoch_seconds(conversation.get("created_at"), "created_at")
    parts_list = conversation.get("conversation_parts")
    if not isinstance(parts_list, dict) or not isinstance(
        parts_list.get("conversation_parts"), list
    ):
        raise Reject(
            "no conversation_parts (a list or search page; export each conversation with "
            "GET /conversations/{id})"
        )
    source = obj(conversation.get("source"))
    events, first_admin = _events(created, source, parts_list["conversation_parts"], tally)
    record: dict[str, Any] = {"id": conversation_id}
    source_type = text(source.get("type"))
    if source_type:
        record["channel"] = _CHANNELS.get(source_type, source_type)
    admin = ident(conversation.get("admin_assignee_id"))
    agent = names["admins"].get(admin) or first_admin
    if agent:
        record["agent"] = agent
    team = ident(conversation.get("team_assignee_id"))
    if team:
        record["team"] = names["teams"].get(team) or team
    author = obj(source.get("author"))
    if _ROLES.get(text(author.get("type"))) == "customer":
        customer = text(author.get("name")) or text(author.get("email"))
        if customer:
            record["customer"] = customer
    tags = [text(obj(tag).get("name")) for tag in items(obj(conversation.get("tags")).get("tags"))]
    if any(tags):
        record["tags"] = [tag for tag in tags if tag]
    statistics = obj(conversation.get("statistics"))
    record["started_at"] = format_time(created)
    if statistics.get("first_admin_reply_at") is not None:
        answered = epoch_seconds(
            statistics["first_admin_reply_at"], "statistics.first_admin_reply_at"
        )
        record["answered_at"] = format_time(answered)
    ended = max([created, *(when for when, _, _ in events)])
    if statistics.get("last_close_at") is not None:
        ended = max(ended, epoch_seconds(statistics["last_close_at"], "statistics.last_close_at"))
    record["ended_at"] = format_time(ended)
    record["events"] = [event for _, _, event in events]
    rating = conversation.get("conversation_rating")
    if isinstance(rating, dict) and rating.get("rating") is not None:
        value = rating["rating"]
        if isinstance(value, bool) or value not in (1, 2, 3, 4, 5):
            raise Reject(f"bad conversation_rating.rating {json.dumps(value)} (expected 1..5)")
        record["survey"] = {"csat": int(value)}
    status = _STATUSES.get(text(conversation.get("state")))
    if status:
        record["resolution"] = {"status": status}
    return record


def _events(
    created: datetime, source: dict[str, Any], parts: list[Any], tally: Tally
) -> tuple[list[tuple[datetime, int, dict[str, Any]]], str]:
    timed: list[tuple[datetime, int, dict[str, Any]]] = []
    first_admin = ""
    opening = {**source, "part_type": "comment", "created_at": None}
    for order, part in enumerate([opening, *parts]):
        part = obj(part)
        when = (
            created
            if order == 0
            else epoch_seconds(part.get("created_at"), f"conversation part {order} created_at")
        )
        if part.get("redacted") is True:
            tally.skip("redacted conversation part", "redacted conversation parts")
            continue
        author = obj(part.get("author"))
        role = _ROLES.get(text(author.get("type")))
        if role is None:
            if order == 0:
                tally.skip(
                    "opening message without an author", "opening messages without an author"
                )
                continue
            raise Reject(
                f"conversation part {order}: unknown author type "
                f"{json.dumps(author.get('type'))} (known: {', '.join(_ROLES)})"
            )
        if role == "agent" and (author.get("from_ai_agent") or author.get("is_ai_answer")):
            role = "bot"
        attachments = items(part.get("attachments"))
        if attachments:
            tally.skip("attachment", "attachments", len(attachments))
        body = part.get("body")
        message = html_to_text(body) if isinstance(body, str) else ""
        part_type = text(part.get("part_type")) or "comment"
        if part_type not in ("comment", "note") and not message:
            tally.skip(f"'{part_type}' conversation part", f"'{part_type}' conversation parts")
            continue
        if not message and not attachments:
            tally.skip("empty conversation part", "empty conversation parts")
            continue
        event: dict[str, Any] = {"at": format_time(when), "from": role}
        if part_type == "note":
            event["type"] = "note"
        if message:
            event["text"] = message
        if role == "agent" and part_type != "note" and not first_admin:
            first_admin = text(author.get("name"))
        timed.append((when, order, event))
    timed.sort(key=lambda item: (item[0], item[1]))
    return timed, first_admin
