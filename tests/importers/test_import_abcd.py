"""`abcd`: ASAPP's Action-Based Conversations Dataset, on a 2-conversation fixture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from importer_helpers import CORPORA, split

from cs_score.importers import ImportFault, import_records

SAMPLE = CORPORA / "abcd" / "abcd-sample.json"


def _import(*paths: Path) -> tuple[list[dict[str, Any]], list[str]]:
    return split(list(import_records("abcd", [str(p) for p in paths])))


def test_records_ids_attributes_and_event_counts() -> None:
    records, rejected = _import(SAMPLE)
    assert rejected == []
    assert [
        (r["id"], r["channel"], r["attributes"], len(r["events"]), r["resolution"])
        for r in records
    ] == [
        ("abcd-3592", "chat", {"flow": "product_defect", "subflow": "return_size"}, 29,
         {"status": "escalated", "steps": ["identify"]}),
        ("abcd-3695", "chat", {"flow": "storewide_query", "subflow": "timing_4"}, 22,
         {"status": "resolved", "steps": ["explain"]}),
    ]  # fmt: skip


def test_action_rows_become_action_events_named_by_their_button() -> None:
    records, _ = _import(SAMPLE)
    actions = [e for e in records[0]["events"] if e.get("type") == "action"]
    assert actions == [
        {"from": "agent", "type": "action", "action": "pull-up-account",
         "text": "Account has been pulled up for Customer One."},
        {"from": "agent", "type": "action", "action": "validate-purchase",
         "text": "Purchase validation in progress ..."},
        {"from": "agent", "type": "action", "action": "enter-details",
         "text": "Details of (555) 010-0100 have been entered."},
        {"from": "agent", "type": "action", "action": "notify-team",
         "text": "The manager has been notified."},
    ]  # fmt: skip
    assert records[0]["events"][6] == actions[0]  # the 7th turn, in its place


def test_messages_keep_their_order_and_speaker() -> None:
    records, _ = _import(SAMPLE)
    assert records[1]["events"][:2] == [
        {"from": "customer", "text": "HEY HO!"},
        {"from": "agent", "text": "good afternoon, how can I help you?"},
    ]
    assert records[1]["events"][-1] == {"from": "agent", "text": "I won't"}


def test_no_timestamps_anywhere_so_time_rules_are_na() -> None:
    records, _ = _import(SAMPLE)
    for record in records:
        assert not {"started_at", "answered_at", "ended_at"} & set(record)
        assert all("at" not in event for event in record["events"])


def _conversation(convo_id: Any, original: list[Any], delexed: Any = None) -> dict[str, Any]:
    return {
        "convo_id": convo_id,
        "scenario": {"flow": "account_access", "subflow": "recover_username"},
        "original": original,
        "delexed": delexed if delexed is not None else [],
    }


def test_steps_from_buttons_and_escalation_only_to_the_manager(tmp_path: Path) -> None:
    original = [
        ["customer", "my site search is broken"],
        ["action", "Account has been pulled up for someone."],
        ["action", "The website team has been notified."],
        ["action", "A link will be sent."],
        ["action", "A promo code has been created."],
        ["agent", "done, anything else?"],
    ]
    delexed = [
        {"speaker": "action", "turn_count": number, "targets": ["x", "take_action", button, values]}
        for number, button, values in [
            (2, "pull-up-account", []),
            (3, "notify-team", ["website team"]),
            (4, "send-link", []),
            (5, "promo-code", []),
        ]
    ]
    path = tmp_path / "abcd.json"
    path.write_text(json.dumps([_conversation(1, original, delexed)]))
    records, _ = _import(path)
    assert records[0]["resolution"] == {
        "status": "resolved",
        "steps": ["identify", "prevent", "fix", "offer"],
    }


def test_without_delexed_turns_action_events_have_no_button(tmp_path: Path) -> None:
    original = [["customer", "hi"], ["action", "Searching the FAQ pages ..."]]
    path = tmp_path / "abcd.json"
    path.write_text(json.dumps([_conversation(2, original)]))
    records, _ = _import(path)
    assert records[0]["events"][1] == {
        "from": "agent",
        "type": "action",
        "text": "Searching the FAQ pages ...",
    }
    # it ends on a button, with no agent message: not a normal end
    assert records[0]["resolution"] == {"status": "unresolved"}


def test_full_corpus_object_numbers_conversations_across_splits(tmp_path: Path) -> None:
    sample = json.loads(SAMPLE.read_text())
    path = tmp_path / "abcd_v1.1.json"
    path.write_text(json.dumps({"train": [sample[0]], "dev": ["broken"], "test": [sample[1]]}))
    records, rejected = _import(path)
    assert [(r["id"], r["attributes"]["split"]) for r in records] == [
        ("abcd-3592", "train"),
        ("abcd-3695", "test"),
    ]
    assert rejected == [f"{path}:2: conversation is not a JSON object"]


def test_bad_conversations_are_rejected_with_their_position_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            [
                _conversation(None, [["customer", "hi"]]),
                _conversation(5, [["customer", "hi"], ["robot", "beep"]]),
                _conversation(6, [["agent", "hello?"]]),
                _conversation(7, [["customer"]]),
                {"convo_id": 8},
                _conversation(9, [["customer", "hi"], ["agent", "hello"]]),
                _conversation(9, [["customer", "hi again"]]),
            ]
        )
    )
    records, rejected = _import(path)
    assert [r["id"] for r in records] == ["abcd-9"]
    assert rejected == [
        f"{path}:1: missing convo_id",
        f"{path}:2: turn 2: unknown speaker 'robot' (known: agent, customer, action)",
        f"{path}:3: no customer turn",
        f"{path}:4: turn 1 is not a [speaker, text] pair",
        f"{path}:5: missing 'original' list of turns",
        f"{path}:7: repeats id 'abcd-9' (first at {path}:6)",
    ]


def test_a_file_of_another_shape_is_a_fault(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"conversations": []}')
    with pytest.raises(ImportFault, match="not an ABCD file"):
        _import(path)
