"""`zendesk`: Zendesk Support tickets with their comments, read from the REST API's own JSON.

An INPUT holds API response bodies, one per file or one per line (JSON Lines), plain or gzip,
as a script that pages through the API saves them. Every kind below may come in any order and
any file; the tickets are written once everything is read (so every ticket is held in memory
until the inputs end).

- **A ticket with its comments**: the body of "Show Ticket" (`GET /api/v2/tickets/{id}`,
  key `ticket`) merged with the body of "List Comments" (`GET
  /api/v2/tickets/{id}/comments?include=users`, keys `comments` and `users`) — for example
  `jq -c -s '.[0] + .[1]' ticket.json comments.json`. Ticket Comments API reference:
  https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/
- **Pages of tickets** (`tickets`, from "List Tickets" or the incremental ticket export), with
  the side-loads `users`, `groups` and `metric_sets` when asked for (`include=users,groups,
  metric_sets`).
- **Incremental ticket events** with comment events (`GET /api/v2/incremental/ticket_events
  ?include=comment_events`, key `ticket_events`): each event's `ticket_id`, `created_at`,
  and its `child_events` whose `event_type` is `Comment`, which carry the comment fields
  (`author_id`, `body`, `html_body`, `public`, `attachments`). Reference:
  https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
- **Users** (`users`: `id`, `name`, `role` = `end-user`, `agent` or `admin`; Users API:
  https://developer.zendesk.com/api-reference/ticketing/users/users/) and **groups**
  (`groups`: `id`, `name`), from their list endpoints or side-loaded.
- **Satisfaction ratings** (`satisfaction_ratings`: `ticket_id`, `score`), from "List
  Satisfaction Ratings": https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/
- **Ticket metrics** (`ticket_metrics`, or the `metric_sets` side-load: `ticket_id`,
  `reply_time_in_minutes`, `full_resolution_time_in_minutes`, `replies`, `reopens`), from
  "List Ticket Metrics": https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metrics/

For example, with an API token (`curl -u user@example.com/token:$TOKEN`): save the pages of
`GET /api/v2/incremental/tickets/cursor.json?start_time=...&include=users,groups,metric_sets`
and of `GET /api/v2/incremental/ticket_events.json?start_time=...&include=comment_events`,
one response a line (`curl -s ...; echo`), following `after_url` until `end_of_stream` is
true, and add the pages of `GET /api/v2/satisfaction_ratings.json`; then
`cs-score import zendesk pages.jsonl`.

One record per ticket, in the order tickets are first met:

- `id`: the ticket `id`; `case`: the same id (so tickets can be grouped with their follow-ups)
- `channel`: `via.channel` of the ticket — `voice` → `phone`, `chat` and `native_messaging`
  → `chat`, `twitter`, `facebook`, `instagram_dm` and `whatsapp` → `social`, any other
  value as written (`email`, `web`, `api`, …)
- `agent`: the name of the ticket's `assignee_id` (from the users), else of the first agent
  who commented; `customer`: the name of `requester_id`; `team`: the name of `group_id`
  (from the groups), else the id; `tags`: `tags`; `attributes.priority`: `priority`
- `started_at`: the ticket's `created_at` (else its first comment); `ended_at`: its last
  comment
- `events`: its comments in time order (`created_at`). The author's `role` in the users gives
  `from`: `end-user` → `customer`, `agent` or `admin` → `agent`; an author missing from the
  users is the customer when it is the ticket's `requester_id`. A comment whose `via.channel`
  starts with `answer_bot` is from the `bot`. A comment with `public: false` is an internal
  note (`type: note`), never a message the customer saw. `text` is `html_body` made plain
  (quoted history and signatures the mail client marked are left out), else `plain_body`,
  else `body`. A comment with only attachments is a message without text.
- `survey.csat`: the satisfaction rating's `score` — `good` → 5, `bad` → 1 (`offered` and
  `unoffered` are no rating)
- `resolution.status`: `status` — `solved`, `closed` → `resolved`; `pending`, `hold` →
  `pending`; `new`, `open` → `unresolved`
- `attributes`: from the ticket metrics, `first_reply_minutes`
  (`reply_time_in_minutes.calendar`), `full_resolution_minutes`
  (`full_resolution_time_in_minutes.calendar`), `replies` and `reopens`

Counted and reported as not imported: attachments (their files), comments by a user missing
from the users side-load (not the requester), empty comments, satisfaction ratings and metrics
of tickets not in the input, event pages' non-comment events. A ticket is rejected (as
`FILE:LINE` of where it was read) when its `id` or `created_at` is missing or bad, a comment's
`created_at` is bad, or it has no comment at all. A line that is not JSON is rejected with its
number; a document of none of the kinds above is counted as not imported.
"""

from __future__ import annotations

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

FORMAT = "zendesk"
UNIT = "tickets"
_ROLES = {"end-user": "customer", "agent": "agent", "admin": "agent"}
_CHANNELS = {
    "voice": "phone",
    "chat": "chat",
    "native_messaging": "chat",
    "twitter": "social",
    "facebook": "social",
    "instagram_dm": "social",
    "whatsapp": "social",
}
_STATUSES = {
    "solved": "resolved",
    "closed": "resolved",
    "pending": "pending",
    "hold": "pending",
    "new": "unresolved",
    "open": "unresolved",
}
_SCORES = {"good": 5, "bad": 1}
_PAGE_KEYS = (
    "ticket",
    "tickets",
    "comments",
    "users",
    "groups",
    "ticket_events",
    "satisfaction_ratings",
    "ticket_metrics",
    "metric_sets",
    "metric_set",
)


@dataclass
class _Ticket:
    file: str
    line: int
    body: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    problem: str | None = None


@dataclass
class _Export:
    tickets: dict[str, _Ticket] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    ratings: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)

    def ticket(self, ticket_id: str, file: str, line: int) -> _Ticket:
        found = self.tickets.get(ticket_id)
        if found is None:
            found = self.tickets[ticket_id] = _Ticket(file, line)
        return found


def read(
    paths: Sequence[str], mapping: object | None = None, tally: Tally | None = None
) -> Iterator[ImportItem]:
    """Records from Zendesk API responses, one per ticket."""
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
            _take(document, export, tally)
    for ticket_id, ticket in export.tickets.items():
        tally.read += 1
        try:
            if ticket.problem:
                raise Reject(ticket.problem)
            yield _record(ticket_id, ticket, export, tally)
        except Reject as why:
            tally.rejected += 1
            yield Rejected(ticket.file, ticket.line, f"ticket {ticket_id or '?'}: {why}")
    for ticket_id in export.ratings:
        if ticket_id not in export.tickets:
            tally.skip(
                "satisfaction rating of a ticket not in the input",
                "satisfaction ratings of tickets not in the input",
            )
    for ticket_id in export.metrics:
        if ticket_id not in export.tickets:
            tally.skip(
                "ticket metric set of a ticket not in the input",
                "ticket metric sets of tickets not in the input",
            )


def _take(document: Document, export: _Export, tally: Tally) -> None:
    body = document.body
    if not isinstance(body, dict) or not any(key in body for key in _PAGE_KEYS):
        tally.skip("document that is no Zendesk response", "documents that are no Zendesk response")
        return
    for user in items(body.get("users")):
        if ident(obj(user).get("id")):
            export.users[ident(user["id"])] = user
    for group in items(body.get("groups")):
        if ident(obj(group).get("id")):
            export.groups[ident(group["id"])] = text(group.get("name"))
    for metric in [*items(body.get("ticket_metrics")), *items(body.get("metric_sets"))]:
        if ident(obj(metric).get("ticket_id")):
            export.metrics[ident(metric["ticket_id"])] = metric
    if isinstance(body.get("metric_set"), dict) and ident(body["metric_set"].get("ticket_id")):
        export.metrics[ident(body["metric_set"]["ticket_id"])] = body["metric_set"]
    for rating in items(body.get("satisfaction_ratings")):
        if ident(obj(rating).get("ticket_id")):
            export.ratings[ident(rating["ticket_id"])] = rating
    tickets = items(body.get("tickets"))
    if isinstance(body.get("ticket"), dict):
        tickets = [body["ticket"], *tickets]
    bundled: _Ticket | None = None
    for ticket_body in tickets:
        ticket_id = ident(obj(ticket_body).get("id"))
        ticket = export.ticket(ticket_id, document.file, document.line)
        if not ticket_id:
            ticket.problem = "missing ticket id"
        ticket.body = obj(ticket_body)
        rating = ticket.body.get("satisfaction_rating")
        if isinstance(rating, dict) and ticket_id not in export.ratings:
            export.ratings[ticket_id] = rating
        bundled = ticket if ticket_body is body.get("ticket") else bundled
    comments = items(body.get("comments"))
    if comments:
        if bundled is None:
            tally.skip("comment page without its ticket", "comment pages without their ticket")
        else:
            for comment in comments:
                _add_comment(bundled, obj(comment), "")
    for event in items(body.get("ticket_events")):
        event = obj(event)
        ticket_id = ident(event.get("ticket_id"))
        for child in items(event.get("child_events")):
            child = obj(child)
            if child.get("event_type") != "Comment":
                tally.skip(
                    "ticket event that is not a comment", "ticket events that are not comments"
                )
                continue
            if not ticket_id:
                tally.skip("comment event without ticket_id", "comment events without ticket_id")
                continue
            ticket = export.ticket(ticket_id, document.file, document.line)
            _add_comment(ticket, child, text(event.get("created_at")))


def _add_comment(ticket: _Ticket, comment: dict[str, Any], fallback_time: str) -> None:
    comment_id = ident(comment.get("id")) or f"#{len(ticket.comments)}"
    ticket.comments.setdefault(comment_id, (comment, fallback_time))


def _record(ticket_id: str, ticket: _Ticket, export: _Export, tally: Tally) -> dict[str, Any]:
    body = ticket.body
    requester = ident(body.get("requester_id"))
    events, first_agent = _events(ticket, requester, export, tally)
    if not events:
        raise Reject("no comments (export its comments, or the ticket events with comment_events)")
    record: dict[str, Any] = {"id": ticket_id}
    via = text(obj(body.get("via")).get("channel"))
    if via:
        record["channel"] = _CHANNELS.get(via, via)
    agent = _name(export, ident(body.get("assignee_id"))) or first_agent
    if agent:
        record["agent"] = agent
    group = ident(body.get("group_id"))
    if group:
        record["team"] = export.groups.get(group) or group
    customer = _name(export, requester)
    if customer:
        record["customer"] = customer
    record["case"] = ticket_id
    tags = [tag for tag in items(body.get("tags")) if isinstance(tag, str) and tag]
    if tags:
        record["tags"] = tags
    attributes = _attributes(body, export.metrics.get(ticket_id))
    if attributes:
        record["attributes"] = attributes
    # A ticket known only from its comment events starts at its first comment.
    started = iso_time(body.get("created_at"), "created_at") if body else events[0][0]
    record["started_at"] = format_time(started)
    record["ended_at"] = format_time(max(events[-1][0], started, key=sort_key))
    record["events"] = [event for _, _, event in events]
    score = _SCORES.get(text(obj(export.ratings.get(ticket_id)).get("score")))
    if score is not None:
        record["survey"] = {"csat": score}
    status = _STATUSES.get(text(body.get("status")))
    if status:
        record["resolution"] = {"status": status}
    return record


def _events(
    ticket: _Ticket, requester: str, export: _Export, tally: Tally
) -> tuple[list[tuple[datetime, int, dict[str, Any]]], str]:
    timed: list[tuple[datetime, int, dict[str, Any]]] = []
    first_agent = ""
    for order, (comment, fallback_time) in enumerate(ticket.comments.values()):
        when = iso_time(comment.get("created_at") or fallback_time, "comment created_at")
        author = ident(comment.get("author_id"))
        user = export.users.get(author)
        if str(obj(comment.get("via")).get("channel", "")).startswith("answer_bot"):
            role = "bot"
        elif user is not None and text(user.get("role")) in _ROLES:
            role = _ROLES[text(user["role"])]
        elif author and author == requester:
            role = "customer"
        else:
            tally.skip(
                "comment by a user missing from the users side-load",
                "comments by users missing from the users side-load",
            )
            continue
        attachments = items(comment.get("attachments"))
        if attachments:
            tally.skip("attachment", "attachments", len(attachments))
        html = comment.get("html_body")
        body = (
            html_to_text(html)
            if isinstance(html, str) and html.strip()
            else text(comment.get("plain_body")) or text(comment.get("body"))
        )
        if not body and not attachments:
            tally.skip("empty comment", "empty comments")
            continue
        event: dict[str, Any] = {"at": format_time(when), "from": role}
        if comment.get("public") is False:
            event["type"] = "note"
        if body:
            event["text"] = body
        if role == "agent" and user is not None and not first_agent and "type" not in event:
            first_agent = text(user.get("name"))
        timed.append((when, order, event))
    timed.sort(key=lambda item: (sort_key(item[0]), item[1]))
    return timed, first_agent


def _name(export: _Export, user_id: str) -> str:
    return text(export.users.get(user_id, {}).get("name")) if user_id else ""


def _attributes(body: dict[str, Any], metric: dict[str, Any] | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if text(body.get("priority")):
        attributes["priority"] = text(body["priority"])
    if metric:
        for name, key in (
            ("first_reply_minutes", "reply_time_in_minutes"),
            ("full_resolution_minutes", "full_resolution_time_in_minutes"),
        ):
            value = obj(metric.get(key)).get("calendar")
            if isinstance(value, int | float) and not isinstance(value, bool):
                attributes[name] = value
        for key in ("replies", "reopens"):
            value = metric.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                attributes[key] = value
    return attributes
