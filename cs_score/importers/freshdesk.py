"""`freshdesk`: Freshdesk tickets with their conversations, read from the API v2's own JSON.

An INPUT holds API v2 response bodies, one per file or one per line (JSON Lines), plain or
gzip, in any order: no per-ticket script is needed, only an export that saves what these
endpoints return (each list endpoint pages with `?page=N&per_page=100`; keep asking for the
next page until one comes back empty). Reference: https://developers.freshdesk.com/api/
(sections "Tickets", "Conversations", "Agents", "Contacts", "Groups" and "Satisfaction
Ratings").

- **Tickets**: "View a ticket" (`GET /api/v2/tickets/{id}?include=conversations,requester,
  stats`, one object, with up to ten `conversations`) or pages of "List all tickets" (`GET
  /api/v2/tickets?include=requester,stats`, an array). Fields used: `id`, `created_at`,
  `description` (HTML) / `description_text`, `requester_id` and `requester.name`,
  `responder_id`, `group_id`, `source`, `status`, `priority`, `tags`,
  `stats.first_responded_at`, `stats.resolved_at`.
- **Conversations**: "List all conversations of a ticket" (`GET
  /api/v2/tickets/{id}/conversations`, an array): `ticket_id`, `created_at`, `incoming`,
  `private`, `user_id`, `body` (HTML) / `body_text`, `attachments`.
- **Agents**: "List all agents" (`GET /api/v2/agents`, an array): `id` and `contact.name`,
  to name `responder_id` and each reply's `user_id`.
- **Contacts** (`GET /api/v2/contacts`: `id`, `name`) and **groups** (`GET /api/v2/groups`:
  `id`, `name`), to name requesters and groups when the tickets do not embed them.
- **Satisfaction ratings**: "List all satisfaction ratings" (`GET
  /api/v2/surveys/satisfaction_ratings`, an array): `ticket_id`, `ratings.default_question`.

A simple export with `curl` (an API key as the user name, `X` as the password) writes each
response on its own line; the importer reads them in any order:

```sh
api=https://acme.freshdesk.com/api/v2
get() { curl -su "$KEY:X" "$api/$1"; echo; }
for p in 1 2 3; do get "tickets?include=requester,stats&per_page=100&page=$p"; done > fd.jsonl
for id in $(jq -r '.[].id' fd.jsonl); do get "tickets/$id/conversations"; done >> fd.jsonl
for w in agents groups surveys/satisfaction_ratings; do get "$w?per_page=100"; done >> fd.jsonl
cs-score import freshdesk fd.jsonl > records.jsonl
```

Each object is recognised by its fields (a conversation has `ticket_id` and `incoming`, a
rating `ratings`, an agent `contact`, a group `agent_ids`, a ticket `requester_id`, a contact
`name` and `email`). Tickets are written once all inputs are read (every ticket is held in
memory until then), in the order they are first met. One record per ticket:

- `id` and `case`: the ticket `id`; `channel`: `source` — 1 (email) and 10 (outbound email) →
  `email`, 2 (portal) and 9 (feedback widget) → `web`, 3 → `phone`, 7 → `chat`, 5 (Twitter)
  and 6 (Facebook) → `social`
- `agent`: the agent name of `responder_id`, else of the first agent reply; `team`: the
  group's name, else `group_id`; `customer`: `requester.name`, else the contact's name;
  `tags`: `tags`; `attributes.priority`: `priority` (1 low, 2 medium, 3 high, 4 urgent)
- `started_at`: `created_at`; `answered_at`: `stats.first_responded_at`; `ended_at`: the last
  event, or `stats.resolved_at` when later
- `events`: the ticket's description (at `created_at`, from the requester — from the agent
  for an outbound email), then its conversations in time order: `incoming: true` is the
  customer; an outgoing one is the agent when `user_id` is in the agents list, and the `bot`
  otherwise (Freshdesk's automations and bots reply as users that are not agents); `private:
  true` is an internal note (`type: note`). `text` is `body` made plain (quoted history in a
  `freshdesk_quote` block and marked signatures left out), else `body_text`. A reply with
  only attachments is a message without text.
- `survey.csat`: `ratings.default_question` on Freshdesk's scale — 103 → 5, 102 and 101 → 4,
  100 → 3, -101 and -102 → 2, -103 → 1
- `resolution.status`: `status` — 2 (open) → `unresolved`, 3 (pending) → `pending`,
  4 (resolved) and 5 (closed) → `resolved`

Counted and reported as not imported: attachments, empty conversations, conversations and
ratings of tickets not in the input, objects of none of the kinds above. A ticket is rejected
(as `FILE:LINE` of where it was first read) when its `created_at` or a conversation's is
missing or bad, its rating is off the scale, or it has neither description nor conversation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cs_score.importers._common import (
    ImportItem,
    Rejected,
    Tally,
    format_time,
    refuse_mapping,
    sort_key,
)
from cs_score.importers._html import html_to_text
from cs_score.importers._vendor import (
    Document,
    Reject,
    ident,
    iso_time,
    items,
    obj,
    read_documents,
    text,
)

FORMAT = "freshdesk"
UNIT = "tickets"
_CHANNELS = {1: "email", 2: "web", 3: "phone", 5: "social", 6: "social", 7: "chat", 9: "web",
             10: "email"}  # fmt: skip
_STATUSES = {2: "unresolved", 3: "pending", 4: "resolved", 5: "resolved"}
_PRIORITIES = {1: "low", 2: "medium", 3: "high", 4: "urgent"}
_RATINGS = {103: 5, 102: 4, 101: 4, 100: 3, -101: 2, -102: 2, -103: 1}
_OUTBOUND_EMAIL = 10


@dataclass
class _Ticket:
    file: str
    line: int
    body: dict[str, Any] = field(default_factory=dict)
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Export:
    tickets: dict[str, _Ticket] = field(default_factory=dict)
    agents: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    ratings: dict[str, Any] = field(default_factory=dict)

    def ticket(self, ticket_id: str, file: str, line: int) -> _Ticket:
        found = self.tickets.get(ticket_id)
        if found is None:
            found = self.tickets[ticket_id] = _Ticket(file, line)
        return found


def read(
    paths: Sequence[str], mapping: object | None = None, tally: Tally | None = None
) -> Iterator[ImportItem]:
    """Records from Freshdesk API v2 responses, one per ticket."""
    refuse_mapping(FORMAT, mapping)
    return _read(paths, tally if tally is not None else Tally())


def _read(paths: Sequence[str], tally: Tally) -> Iterator[ImportItem]:
    tally.unit = UNIT
    export = _Export()
    for path in paths:
        for document in read_documents(path):
            if isinstance(document, Rejected):
                tally.read += 1
                tally.rejected += 1
                yield document
                continue
            body = document.body
            for entry in body if isinstance(body, list) else [body]:
                _take(obj(entry), document, export, tally)
    for ticket_id, ticket in export.tickets.items():
        if not ticket.body:
            tally.skip(
                "conversation of a ticket not in the input",
                "conversations of tickets not in the input",
                len(ticket.conversations),
            )
            continue
        tally.read += 1
        try:
            yield _record(ticket_id, ticket, export, tally)
        except Reject as why:
            tally.rejected += 1
            yield Rejected(ticket.file, ticket.line, f"ticket {ticket_id}: {why}")
    for ticket_id in export.ratings:
        if not export.tickets.get(ticket_id, _Ticket("", 0)).body:
            tally.skip(
                "satisfaction rating of a ticket not in the input",
                "satisfaction ratings of tickets not in the input",
            )


def _take(entry: dict[str, Any], document: Document, export: _Export, tally: Tally) -> None:
    entry_id = ident(entry.get("id"))
    if "ratings" in entry and ident(entry.get("ticket_id")):
        export.ratings[ident(entry["ticket_id"])] = entry
    elif "incoming" in entry and ident(entry.get("ticket_id")):
        ticket = export.ticket(ident(entry["ticket_id"]), document.file, document.line)
        ticket.conversations.setdefault(entry_id or f"#{len(ticket.conversations)}", entry)
    elif isinstance(entry.get("contact"), dict) and entry_id:
        export.agents[entry_id] = text(entry["contact"].get("name"))
    elif "agent_ids" in entry and entry_id:
        export.groups[entry_id] = text(entry.get("name"))
    elif "requester_id" in entry and entry_id:
        ticket = export.ticket(entry_id, document.file, document.line)
        if not ticket.body:
            ticket.file, ticket.line = document.file, document.line
        ticket.body = {**ticket.body, **entry}
        for conversation in items(entry.get("conversations")):
            conversation = obj(conversation)
            key = ident(conversation.get("id")) or f"#{len(ticket.conversations)}"
            ticket.conversations.setdefault(key, conversation)
    elif "name" in entry and "email" in entry and entry_id:
        export.contacts[entry_id] = text(entry.get("name"))
    else:
        tally.skip(
            "object that is no Freshdesk ticket, conversation, agent, contact, group or rating",
            "objects that are no Freshdesk ticket, conversation, agent, contact, group or rating",
        )


def _record(ticket_id: str, ticket: _Ticket, export: _Export, tally: Tally) -> dict[str, Any]:
    body = ticket.body
    created = iso_time(body.get("created_at"), "created_at")
    requester = ident(body.get("requester_id"))
    events, first_agent = _events(ticket, created, export, tally)
    if not events:
        raise Reject("no description and no conversations")
    record: dict[str, Any] = {"id": ticket_id}
    source = body.get("source")
    if source in _CHANNELS:
        record["channel"] = _CHANNELS[source]
    agent = export.agents.get(ident(body.get("responder_id"))) or first_agent
    if agent:
        record["agent"] = agent
    group = ident(body.get("group_id"))
    if group:
        record["team"] = export.groups.get(group) or group
    customer = text(obj(body.get("requester")).get("name")) or export.contacts.get(requester, "")
    if customer:
        record["customer"] = customer
    record["case"] = ticket_id
    tags = [tag for tag in items(body.get("tags")) if isinstance(tag, str) and tag]
    if tags:
        record["tags"] = tags
    if body.get("priority") in _PRIORITIES:
        record["attributes"] = {"priority": _PRIORITIES[body["priority"]]}
    stats = obj(body.get("stats"))
    record["started_at"] = format_time(created)
    if stats.get("first_responded_at"):
        answered = iso_time(stats["first_responded_at"], "stats.first_responded_at")
        record["answered_at"] = format_time(answered)
    ended = max([created, *(when for when, _, _ in events)], key=sort_key)
    if stats.get("resolved_at"):
        ended = max(ended, iso_time(stats["resolved_at"], "stats.resolved_at"), key=sort_key)
    record["ended_at"] = format_time(ended)
    record["events"] = [event for _, _, event in events]
    rating = export.ratings.get(ticket_id)
    if rating is not None:
        value = obj(rating.get("ratings")).get("default_question")
        if isinstance(value, bool) or value not in _RATINGS:
            raise Reject(
                f"bad satisfaction rating {json.dumps(value)} "
                "(expected 103, 102, 101, 100, -101, -102 or -103)"
            )
        record["survey"] = {"csat": _RATINGS[value]}
    if body.get("status") in _STATUSES:
        record["resolution"] = {"status": _STATUSES[body["status"]]}
    return record


def _body(html: Any, plain: Any) -> str:
    if isinstance(html, str) and html.strip():
        return html_to_text(html)
    return text(plain)


def _events(
    ticket: _Ticket, created: datetime, export: _Export, tally: Tally
) -> tuple[list[tuple[datetime, int, dict[str, Any]]], str]:
    body = ticket.body
    timed: list[tuple[datetime, int, dict[str, Any]]] = []
    first_agent = ""
    description = _body(body.get("description"), body.get("description_text"))
    if description:
        role = "agent" if body.get("source") == _OUTBOUND_EMAIL else "customer"
        timed.append((created, 0, {"at": format_time(created), "from": role, "text": description}))
    for order, conversation in enumerate(ticket.conversations.values(), start=1):
        when = iso_time(conversation.get("created_at"), "conversation created_at")
        user = ident(conversation.get("user_id"))
        if conversation.get("incoming") is True:
            role = "customer"
        elif user in export.agents:
            role = "agent"
        else:
            role = "bot"
        attachments = items(conversation.get("attachments"))
        if attachments:
            tally.skip("attachment", "attachments", len(attachments))
        message = _body(conversation.get("body"), conversation.get("body_text"))
        if not message and not attachments:
            tally.skip("empty conversation", "empty conversations")
            continue
        event: dict[str, Any] = {"at": format_time(when), "from": role}
        if conversation.get("private") is True:
            event["type"] = "note"
        if message:
            event["text"] = message
        if role == "agent" and "type" not in event and not first_agent:
            first_agent = export.agents[user]
        timed.append((when, order, event))
    timed.sort(key=lambda item: (sort_key(item[0]), item[1]))
    return timed, first_agent
