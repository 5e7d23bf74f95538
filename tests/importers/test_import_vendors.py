"""The help-desk and contact-centre importers on their sample exports in examples/exports."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from importer_helpers import EXAMPLES, split

from cs_score.importers import ImportFault, Tally, import_records
from cs_score.importers._html import clean_html, html_to_text

CCAI = sorted(str(path) for path in (EXAMPLES / "ccai").glob("*.json"))


def _run(fmt: str, paths: list[str]) -> tuple[list[dict[str, Any]], list[str], Tally]:
    tally = Tally()
    records, rejected = split(list(import_records(fmt, paths, tally=tally)))
    return records, rejected, tally


def _events(record: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    return [(e["from"], e.get("type"), e.get("text")) for e in record["events"]]


# --- Zendesk -------------------------------------------------------------------------------------


def test_zendesk_sample_becomes_one_record_per_ticket() -> None:
    sample = str(EXAMPLES / "zendesk-tickets.jsonl")
    records, rejected, tally = _run("zendesk", [sample])
    assert [r["id"] for r in records] == ["101", "102", "103"]
    assert rejected == [f'{sample}:5: ticket 104: bad created_at "2024-05-07 25:00"']
    assert tally.summary() == [
        "read 4 tickets: 3 imported, 1 rejected",
        "not imported: 1 attachment, 2 ticket events that are not comments",
    ]
    first, second, third = records
    assert {k: first[k] for k in ("channel", "agent", "team", "customer", "case", "tags")} == {
        "channel": "email",
        "agent": "Sam Carter",
        "team": "Billing",
        "customer": "Maria Lopez",
        "case": "101",
        "tags": ["billing", "refund"],
    }
    assert _events(first) == [
        ("customer", None, "Hello,\n\nI was charged twice for order 5521. Can you refund one?"),
        ("agent", "note", "Checked the payment log: duplicate capture, refund due."),
        # the signature block and the quoted reply are left out
        (
            "agent",
            None,
            "Hi Maria, thank you for reaching out and sorry about the double charge. I have "
            "refunded the duplicate payment; you will see it within 5 business days.",
        ),
        ("customer", None, "Thanks, that was quick!"),
    ]
    assert first["survey"] == {"csat": 5} and first["resolution"] == {"status": "resolved"}
    assert [e["from"] for e in second["events"]] == [
        "customer", "bot", "customer", "agent", "customer", "agent",
    ]  # fmt: skip
    assert second["events"][4] == {"at": "2024-05-06T10:07:00Z", "from": "customer"}
    assert second["survey"] == {"csat": 1}  # "bad" from the satisfaction ratings page
    assert second["resolution"] == {"status": "pending"}
    # ticket 103: comments from the incremental ticket events, metrics from the side-load
    assert third["channel"] == "web"
    assert third["attributes"] == {
        "priority": "low",
        "first_reply_minutes": 30,
        "full_resolution_minutes": 45,
        "replies": 1,
        "reopens": 0,
    }
    assert [e["at"] for e in third["events"]] == ["2024-05-07T14:00:00Z", "2024-05-07T14:30:00Z"]


def test_zendesk_comment_by_an_unknown_user_is_counted_not_guessed(tmp_path: Path) -> None:
    page = {
        "ticket": {"id": 7, "created_at": "2024-01-01T09:00:00Z", "requester_id": 1},
        "comments": [
            {"id": 1, "author_id": 1, "public": True, "created_at": "2024-01-01T09:00:00Z",
             "plain_body": "Hello"},
            {"id": 2, "author_id": 99, "public": True, "created_at": "2024-01-01T09:05:00Z",
             "plain_body": "Who am I?"},
        ],
    }  # fmt: skip
    path = tmp_path / "t.json"
    path.write_text(json.dumps(page))
    (record,), rejected, tally = _run("zendesk", [str(path)])
    assert rejected == []
    assert _events(record) == [("customer", None, "Hello")]
    assert tally.not_imported == {"comments by users missing from the users side-load": 1}


def test_zendesk_ticket_without_comments_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"tickets": [{"id": 8, "created_at": "2024-01-01T09:00:00Z"}]}))
    records, rejected, _ = _run("zendesk", [str(path)])
    assert records == []
    assert rejected == [
        f"{path}:1: ticket 8: no comments (export its comments, or the ticket events with "
        "comment_events)"
    ]


# --- Intercom ------------------------------------------------------------------------------------


def test_intercom_sample_becomes_one_record_per_conversation() -> None:
    sample = str(EXAMPLES / "intercom-conversations.jsonl")
    records, rejected, tally = _run("intercom", [sample])
    assert [r["id"] for r in records] == ["215471", "215480", "215502"]
    assert rejected == [
        f'{sample}:6: conversation 215503: bad created_at "2024-06-04T09:00:00Z" '
        "(expected seconds since 1970)"
    ]
    assert tally.summary() == [
        "read 4 conversations: 3 imported, 1 rejected",
        "not imported: 2 'assignment' conversation parts, 1 'snoozed' conversation part, "
        "1 attachment",
    ]
    chat, email, open_one = records
    assert (chat["agent"], chat["team"], chat["customer"]) == (
        "Lena Hoffmann",
        "Tier 1",
        "Jonas Berg",
    )
    assert (chat["started_at"], chat["answered_at"], chat["ended_at"]) == (
        "2024-06-03T09:00:00Z",
        "2024-06-03T09:04:00Z",
        "2024-06-03T09:20:00Z",
    )
    assert [(who, kind) for who, kind, _ in _events(chat)] == [
        ("customer", None), ("bot", None), ("agent", None), ("agent", "note"),
        ("customer", None), ("agent", None),
    ]  # fmt: skip
    assert chat["events"][1]["text"] == (
        "Thanks! A teammate will be with you shortly. Meanwhile: How to reset your password"
    )
    assert chat["survey"] == {"csat": 4} and chat["resolution"] == {"status": "resolved"}
    # an e-mail from a lead: quoted history dropped, the AI agent is the bot, a part with only
    # an attachment is a message without text, the signature is left out
    assert email["channel"] == "email" and email["customer"] == "r.okafor@example.com"
    assert _events(email) == [
        ("customer", None, "Could you send me a copy of invoice INV-2291?"),
        ("bot", None, "You can download invoices from Billing, Invoices in your account."),
        ("customer", None, None),
        (
            "agent",
            None,
            "Hello, I have attached a copy of INV-2291. Sorry for the trouble finding it.",
        ),
    ]
    assert "survey" not in email and email["resolution"] == {"status": "pending"}
    assert open_one["resolution"] == {"status": "unresolved"}


def test_intercom_list_page_without_parts_is_rejected_with_how_to_export(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    page = {"type": "conversation.list", "conversations": [{"type": "conversation", "id": "1",
            "created_at": 1717405200, "source": {"type": "conversation"}}]}  # fmt: skip
    path.write_text(json.dumps(page))
    assert _run("intercom", [str(path)])[1] == [
        f"{path}:1: conversation 1: no conversation_parts (a list or search page; export each "
        "conversation with GET /conversations/{id})"
    ]


# --- Freshdesk -----------------------------------------------------------------------------------


def test_freshdesk_sample_becomes_one_record_per_ticket() -> None:
    sample = str(EXAMPLES / "freshdesk-tickets.jsonl")
    records, rejected, tally = _run("freshdesk", [sample])
    assert [r["id"] for r in records] == ["20", "21", "22"]
    assert rejected == [
        f'{sample}:5: ticket 23: bad conversation created_at "2024-07-02 10:30" '
        "(no time zone offset)"
    ]
    assert tally.summary() == [
        "read 4 tickets: 3 imported, 1 rejected",
        "not imported: 1 attachment",
    ]
    email, chat, portal = records
    assert (email["agent"], email["team"], email["customer"]) == (
        "Chloe Martin",
        "Returns",
        "Lucy Grant",
    )
    assert _events(email) == [
        (
            "customer",
            None,
            "Hi, the jacket I ordered (order 7731) is too small. How do I return it?",
        ),
        ("agent", "note", "Order is within the 30 day window."),
        (
            "agent",
            None,
            "Hello Lucy, thank you for contacting us. I have emailed you a prepaid return label; "
            "once the jacket reaches us we refund you within 3 days.",
        ),
    ]  # the freshdesk_quote block is left out
    assert email["survey"] == {"csat": 5} and email["answered_at"] == "2024-07-01T08:35:00Z"
    assert email["ended_at"] == "2024-07-01T11:00:00Z"  # stats.resolved_at
    assert chat["channel"] == "chat" and chat["customer"] == "Paul Young"  # from the contacts
    assert [(who, text is None) for who, _, text in _events(chat)] == [
        ("customer", False), ("bot", False), ("customer", True), ("agent", False),
    ]  # fmt: skip
    assert portal["channel"] == "web" and portal["agent"] == "Diego Ruiz"
    assert portal["survey"] == {"csat": 3} and portal["resolution"] == {"status": "resolved"}


# --- contact-centre transcripts ------------------------------------------------------------------


def test_transcribe_manifest_turns_offsets_into_times() -> None:
    manifest = str(EXAMPLES / "transcribe-calls.jsonl")
    records, rejected, tally = _run("amazon-transcribe", [manifest])
    missing = EXAMPLES / "transcribe" / "call-0004.json"
    assert rejected == [f"{manifest}:4: {missing}: no such file"]
    assert tally.summary() == [
        "read 4 calls: 3 imported, 1 rejected",
        "not imported: 1 transcript turn without words",
    ]
    first = records[0]
    assert {k: first[k] for k in ("id", "channel", "agent", "started_at", "ended_at", "tags")} == {
        "id": "call-0001",
        "channel": "phone",
        "agent": "Ravi Patel",
        "started_at": "2024-08-05T08:59:10Z",  # queued_at: the wait before the agent speaks
        "ended_at": "2024-08-05T09:00:29.500Z",  # TotalConversationDurationMillis
        "tags": ["claim-status"],
    }
    assert [(e["at"], e["from"]) for e in first["events"][:2]] == [
        ("2024-08-05T09:00:00.400Z", "agent"),
        ("2024-08-05T09:00:05.600Z", "customer"),
    ]
    assert first["events"][1]["text"].endswith("the number is [PII].")
    assert records[1]["attributes"] == {
        "agent_sentiment": 0.4, "customer_sentiment": -2.6, "interruptions": 1, "non_talk_ms": 2400,
    }  # fmt: skip
    assert records[2]["started_at"] == "2024-08-05T11:02:00+01:00"


def test_transcribe_manifest_may_hold_the_output_inline(tmp_path: Path) -> None:
    output = {"JobName": "j1", "Transcript": [
        {"ParticipantRole": "CUSTOMER", "BeginOffsetMillis": 0, "EndOffsetMillis": 900,
         "Content": "Hello?"},
        {"ParticipantRole": "SUPERVISOR", "BeginOffsetMillis": 1000, "Content": "Hi"}]}  # fmt: skip
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"transcript": output, "started_at": "2024-01-01T10:00:00Z"}))
    assert _run("amazon-transcribe", [str(manifest)])[1] == [
        f'{manifest}:1: turn 2: unknown ParticipantRole "SUPERVISOR" (known: AGENT, CUSTOMER)'
    ]


def test_ccai_conversations_are_chats_with_a_virtual_agent_as_bot() -> None:
    records, rejected, tally = _run("ccai-insights", CCAI)
    assert [r["id"] for r in records] == ["chat-4411", "chat-4412", "chat-4414"]
    assert rejected == [
        f'{CCAI[2]}:1: chat-4413: entry 2: unknown role "SUPERVISOR" '
        "(known: AGENT, AUTOMATED_AGENT, CUSTOMER, END_USER)"
    ]
    assert tally.summary() == [
        "read 4 conversations: 3 imported, 1 rejected",
        "not imported: 1 conversation entry without text",
    ]
    first = records[0]
    assert (first["channel"], first["agent"], first["tags"]) == ("chat", "2", ["Billing"])
    assert [(e["at"], e["from"]) for e in first["events"][:3]] == [
        ("2024-09-10T14:00:00Z", "customer"),
        ("2024-09-10T14:00:04Z", "bot"),
        ("2024-09-10T14:02:30Z", "agent"),
    ]


def test_ccai_json_lines_ids_carry_the_line(tmp_path: Path) -> None:
    one = {"entries": [{"start_timestamp_usec": 1_700_000_000_000_000, "text": "Hi",
                        "role": "END_USER", "user_id": 1}]}  # fmt: skip
    path = tmp_path / "chats.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps(one) + "\n" + json.dumps(one) + "\n").encode()))
    records, rejected, _ = _run("ccai-insights", [str(path)])
    assert [r["id"] for r in records] == ["chats:1", "chats:2"] and rejected == []
    assert records[0]["started_at"] == "2023-11-14T22:13:20Z"


# --- shared ----------------------------------------------------------------------------------


def test_a_line_that_is_not_json_is_rejected_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl"
    path.write_text('{"users": []}\n{"tickets": [\n')
    records, rejected, tally = _run("zendesk", [str(path)])
    assert records == []
    assert rejected == [f"{path}:2: not valid JSON (Expecting value at column 14)"]
    assert (tally.read, tally.rejected) == (1, 1)


@pytest.mark.parametrize("fmt", ["zendesk", "intercom", "freshdesk", "amazon-transcribe"])
def test_a_missing_input_is_a_fault(fmt: str, tmp_path: Path) -> None:
    with pytest.raises(ImportFault, match="no such file"):
        list(import_records(fmt, [str(tmp_path / "none.json")]))


@pytest.mark.parametrize(
    ("html", "text", "trimmed"),
    [
        ("<p>Hello&nbsp;there</p><p>Second&amp;last</p>", "Hello there\n\nSecond&last", False),
        ("Line one<br>Line two<br/>", "Line one\nLine two", False),
        ('<div>Yes</div><div class="gmail_quote">On Mon <blockquote>old</blockquote></div>',
         "Yes", True),
        ('<p>Done</p><blockquote type="cite">earlier mail</blockquote>', "Done", True),
        ("<p>Per our policy:</p><blockquote>30 days</blockquote>", "Per our policy:\n\n30 days",
         False),
        ('<p>Thanks</p><div class="signature">Sam<br>Acme</div><p>PS</p>', "Thanks\n\nPS", True),
        ("<style>p{color:red}</style><ul><li>one</li><li>two</li></ul>", "one\ntwo", False),
        ('<div class="freshdesk_quote"><div>unclosed', "", True),
    ],
)  # fmt: skip
def test_html_bodies_become_clean_text(html: str, text: str, trimmed: bool) -> None:
    assert clean_html(html) == (text, trimmed)
    assert html_to_text(html) == text
