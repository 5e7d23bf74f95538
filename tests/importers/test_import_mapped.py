"""`csv` and `jsonl`: help-desk exports read through a mapping file."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from importer_helpers import EXAMPLES, EXPORTS, split

from cs_score.importers import (
    ImportFault,
    Mapping,
    MappingError,
    Rejected,
    bundled_mappings,
    import_records,
    load_mapping,
    mapping_schema,
    parse_mapping,
)
from cs_score.importers.mapped import _messages, _Row

MESSAGE_MAPPING = """
format: {fmt}
level: message
grouped: {grouped}
fields:
  id: conversation
  at: time
  sender: who
  text: body
roles:
  customer: [customer]
  agent: [agent]
"""


def _mapping(fmt: str = "csv", grouped: str = "any", extra: str = "") -> Mapping:
    return parse_mapping(MESSAGE_MAPPING.format(fmt=fmt, grouped=grouped) + extra, "m.yaml")


def _run(
    fmt: str, paths: list[Path], mapping: Mapping | str
) -> tuple[list[dict[str, Any]], list[str]]:
    return split(list(import_records(fmt, [str(p) for p in paths], mapping)))


def _csv(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- the shipped mappings on their sample files ----------------------------------------------


def test_bundled_mappings() -> None:
    assert bundled_mappings() == ["freshdesk", "gorgias"]


def test_gorgias_mapping_on_its_sample() -> None:
    sample = EXAMPLES / "gorgias-messages.jsonl"
    records, rejected = _run("jsonl", [sample], "gorgias")
    assert rejected == [f"{sample}:8: missing conversation id in column ticket_id"]
    assert [
        (r["id"], r["channel"], r["agent"], r["customer"], len(r["events"]), r["started_at"],
         r["ended_at"])
        for r in records
    ] == [
        ("41001", "email", "Sam Rivera", "ana.customer@example.com", 4,
         "2024-03-04T08:02:11Z", "2024-03-04T09:01:00Z"),
        ("41002", "chat", "Lee Park", "ben.customer@example.com", 4,
         "2024-03-04T09:15:40Z", "2024-03-04T09:18:10Z"),
        ("41003", "email", "Sam Rivera", "cleo.customer@example.com", 2,
         "2024-03-04T11:30:00Z", "2024-03-04T13:05:12Z"),
    ]  # fmt: skip
    # rows of ticket 41001 are out of order in the file; the internal note is a note
    assert [(e["at"], e["from"], e.get("type")) for e in records[0]["events"]] == [
        ("2024-03-04T08:02:11Z", "customer", None),
        ("2024-03-04T08:40:00Z", "agent", "note"),
        ("2024-03-04T08:47:30Z", "agent", None),
        ("2024-03-04T09:01:00Z", "customer", None),
    ]
    assert records[1]["attributes"] == {"via": "chat"}


def test_freshdesk_mapping_on_its_sample() -> None:
    sample = EXAMPLES / "freshdesk-conversations.jsonl"
    records, rejected = _run("jsonl", [sample], "freshdesk")
    assert rejected == [f"{sample}:7: bad timestamp '2024-03-05 25:10:00' in column created_at"]
    assert [
        (r["id"], r["channel"], r.get("agent"), r["customer"], len(r["events"]),
         r["started_at"], r["ended_at"])
        for r in records
    ] == [
        ("3101", "email", "77001", "dee.customer@example.com", 4,
         "2024-03-05T07:58:00Z", "2024-03-05T09:02:00Z"),
        ("3102", "email", "77002", "eli.customer@example.com", 2,
         "2024-03-05T10:15:00Z", "2024-03-05T13:40:00Z"),
        ("3103", "email", "77001", "fay.customer@example.com", 4,
         "2024-03-05T16:45:00Z", "2024-03-05T17:52:00Z"),
    ]  # fmt: skip
    assert records[0]["events"][1] == {
        "at": "2024-03-05T08:20:00Z",
        "from": "agent",
        "type": "note",
        "text": "Checked billing: duplicate charge confirmed, refund requested from finance.",
    }
    assert records[0]["attributes"] == {"support_email": "support@acme.example.com"}


def test_generic_csv_example_with_its_mapping() -> None:
    sample = EXAMPLES / "helpdesk-messages.csv"
    records, rejected = _run("csv", [sample], str(EXAMPLES / "helpdesk-messages.yaml"))
    # the third row spans lines 4-6, so the 'robot' row is on physical line 9
    assert rejected == [
        f"{sample}:9: unknown sender role 'robot' "
        "(known: end-user, customer, agent, admin, bot, system)"
    ]
    assert [r["id"] for r in records] == ["T-1001", "T-1002", "T-1003"]
    first = records[0]
    assert {k: v for k, v in first.items() if k != "events"} == {
        "id": "T-1001",
        "channel": "email",
        "agent": "Ivy Agent",
        "team": "Billing",
        "customer": "Gil Customer",
        "attributes": {"priority": "high", "brand": "Acme"},
        "started_at": "2024-03-04T09:00:00+01:00",
        "ended_at": "2024-03-04T09:31:00+01:00",
    }
    assert first["events"][1]["text"] == (
        "Good morning Gil, I am sorry about that. I see the double charge and have refunded it."
        "\n\nYou will see it on your statement within 5 days. Anything else I can help with?"
    )
    chat = records[1]
    assert chat["agent"] == "Jo Admin"  # an admin is an agent; the bot row is not
    assert [e["from"] for e in chat["events"]] == [
        "customer", "bot", "customer", "agent", "customer"
    ]  # fmt: skip


# --- interaction level ------------------------------------------------------------------------


def test_interaction_level_rows_with_rejections() -> None:
    sample = EXPORTS / "tickets.csv"
    records, rejected = _run("csv", [sample], str(EXPORTS / "tickets.yaml"))
    assert records == [
        {
            "id": "A-1",
            "channel": "email",
            "agent": "Ivy Agent",
            "team": "Billing",
            "tags": ["billing", "refund"],
            "attributes": {"vip": "yes"},
            "started_at": "2024-03-01T09:00:00+01:00",
            "answered_at": "2024-03-01T09:02:00+01:00",
            "ended_at": "2024-03-01T09:30:00+01:00",
            "survey": {"csat": 5},
            "resolution": {"status": "resolved"},
        },
        {
            "id": "A-2",
            "channel": "email",
            "team": "Sales",
            "attributes": {"vip": "no"},
            "started_at": "2024-03-01T10:00:00+01:00",
            "ended_at": "2024-03-01T11:00:00+01:00",
            "resolution": {"status": "pending"},
        },
        {
            "id": "A-6",
            "channel": "email",
            "agent": "Jo Agent",
            "team": "Billing",
            "tags": ["vip"],
            "attributes": {"vip": "yes"},
            "started_at": "2024-03-31T01:30:00+01:00",
            "answered_at": "2024-03-31T03:30:00+02:00",  # after the change to summer time
            "ended_at": "2024-03-31T04:00:00+02:00",
            "resolution": {"status": "pending"},
        },
    ]
    assert rejected == [
        f"{sample}:4: bad timestamp '2024-03-01 25:00' in column opened",
        f"{sample}:5: repeats id 'A-1' (first at {sample}:2)",
        f"{sample}:6: bad csat '9' in column rating (expected a whole number 1..5)",
        f"{sample}:7: unknown status 'archived' (known: solved, closed, open, pending)",
        f"{sample}:8: missing conversation id in column ticket",
    ]


# --- message level: grouping, times, rejections -----------------------------------------------


def test_rows_are_grouped_by_conversation_and_sorted_by_time_across_files(tmp_path: Path) -> None:
    first = _csv(tmp_path, "conversation,time,who,body\n"
                 "B,2024-03-01T10:05:00Z,agent,hello B\n"
                 "A,2024-03-01T09:00:00Z,customer,hi\n"
                 "B,2024-03-01T10:00:00Z,customer,help\n", "one.csv")  # fmt: skip
    second = _csv(tmp_path, "conversation,time,who,body\nA,2024-03-01T09:01:00Z,agent,hi A\n",
                  "two.csv")  # fmt: skip
    records, rejected = _run("csv", [first, second], _mapping())
    assert rejected == []
    assert records == [
        {
            "id": "B",
            "started_at": "2024-03-01T10:00:00Z",
            "ended_at": "2024-03-01T10:05:00Z",
            "events": [
                {"at": "2024-03-01T10:00:00Z", "from": "customer", "text": "help"},
                {"at": "2024-03-01T10:05:00Z", "from": "agent", "text": "hello B"},
            ],
        },
        {
            "id": "A",
            "started_at": "2024-03-01T09:00:00Z",
            "ended_at": "2024-03-01T09:01:00Z",
            "events": [
                {"at": "2024-03-01T09:00:00Z", "from": "customer", "text": "hi"},
                {"at": "2024-03-01T09:01:00Z", "from": "agent", "text": "hi A"},
            ],
        },
    ]


def test_bad_rows_are_rejected_and_the_rest_imported(tmp_path: Path) -> None:
    path = _csv(tmp_path, "conversation,time,who,body\n"
                ",2024-03-01T09:00:00Z,customer,no id\n"
                "A,31/02/2024,customer,bad time\n"
                "A,2024-03-01T09:00:00Z,robot,beep\n"
                "A,2024-03-01T09:00:00Z,,no sender\n"
                "A,,customer,no time\n"
                "A,2024-03-01T09:00:00Z,customer\n"
                "A,2024-03-01T09:00:00Z,customer,fine\n")  # fmt: skip
    records, rejected = _run("csv", [path], _mapping())
    assert rejected == [
        f"{path}:2: missing conversation id in column conversation",
        f"{path}:3: bad timestamp '31/02/2024' in column time",
        f"{path}:4: unknown sender role 'robot' (known: customer, agent)",
        f"{path}:5: missing sender in column who",
        f"{path}:6: missing timestamp in column time",
        f"{path}:7: row has 3 fields, the header has 4",
    ]
    assert [len(r["events"]) for r in records] == [1]


def test_a_conversation_with_no_customer_message_has_no_started_at(tmp_path: Path) -> None:
    path = _csv(tmp_path, "conversation,time,who,body\nA,2024-03-01T09:00:00Z,agent,hi\n")
    (record,), _ = _run("csv", [path], _mapping())
    assert "started_at" not in record
    assert record["ended_at"] == "2024-03-01T09:00:00Z"


def test_contiguous_grouping_flushes_and_rejects_a_conversation_that_comes_back(
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, "conversation,time,who,body\n"
                "A,2024-03-01T09:00:00Z,customer,a1\n"
                "A,2024-03-01T09:01:00Z,agent,a2\n"
                "B,2024-03-01T09:02:00Z,customer,b1\n"
                "A,2024-03-01T09:03:00Z,customer,late\n"
                "B,2024-03-01T09:04:00Z,agent,b2\n")  # fmt: skip
    records, rejected = _run("csv", [path], _mapping(grouped="contiguous"))
    assert [(r["id"], len(r["events"])) for r in records] == [("A", 2), ("B", 2)]
    assert rejected == [
        f"{path}:5: conversation 'A' already ended (it started at {path}:2); "
        "its rows are not together (use grouped: any)"
    ]


def test_contiguous_grouping_writes_a_conversation_as_soon_as_the_id_changes() -> None:
    consumed: list[int] = []

    def rows() -> Iterator[_Row]:
        for line, conversation in enumerate(["A", "A", "B", "B", "C"], start=2):
            consumed.append(line)
            cells = {
                "conversation": conversation,
                "time": f"2024-03-01T09:0{line}",
                "who": "customer",
            }
            yield _Row("f.csv", line, cells)

    items = _messages(rows(), _mapping(grouped="contiguous"))
    first = next(items)
    assert not isinstance(first, Rejected) and first["id"] == "A"
    assert consumed == [2, 3, 4]  # read up to the first row of B, no further


def test_times_without_offset_and_without_timezone_stay_without_offset(tmp_path: Path) -> None:
    path = _csv(tmp_path, "conversation,time,who,body\nA,2024-03-01 09:00:00,customer,hi\n")
    (record,), _ = _run("csv", [path], _mapping())
    assert record["started_at"] == "2024-03-01T09:00:00"


@pytest.mark.parametrize(
    ("time_format", "value", "expected"),
    [
        ("epoch", "1709283600", "2024-03-01T09:00:00Z"),
        ("epoch", "1709283600.25", "2024-03-01T09:00:00.250Z"),
        ("epoch_ms", "1709283600123", "2024-03-01T09:00:00.123Z"),
        ("'%d/%m/%Y %H:%M'", "01/03/2024 10:00", "2024-03-01T10:00:00+01:00"),
        ("iso8601", "2024-03-01T09:00:00-05:00", "2024-03-01T09:00:00-05:00"),
    ],
)
def test_time_formats(tmp_path: Path, time_format: str, value: str, expected: str) -> None:
    text = MESSAGE_MAPPING.format(fmt="csv", grouped="any").replace(
        "  text: body\n", f"  text: body\n  time_format: {time_format}\n  timezone: Europe/Paris\n"
    )
    mapping = parse_mapping(text, "m.yaml")
    path = _csv(tmp_path, f"conversation,time,who,body\nA,{value},customer,hi\n")
    (record,), rejected = _run("csv", [path], mapping)
    assert rejected == []
    assert record["events"][0]["at"] == expected


def test_csv_details_bom_semicolons_and_bad_utf8(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(
        b"\xef\xbb\xbfconversation;time;who;body\n"
        b"A;2024-03-01T09:00:00Z;customer;caf\xe9\n"
        b'A;2024-03-01T09:01:00Z;agent;"hello; welcome"\n'
    )
    mapping = parse_mapping(
        MESSAGE_MAPPING.format(fmt="csv", grouped="any") + 'delimiter: ";"\n', "m.yaml"
    )
    records, rejected = _run("csv", [path], mapping)
    assert rejected == [f"{path}:2: not valid UTF-8"]
    assert records[0]["events"] == [
        {"at": "2024-03-01T09:01:00Z", "from": "agent", "text": "hello; welcome"}
    ]


def test_malformed_quoting_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "conversation,time,who,body\n"
                'A,2024-03-01T09:00:00Z,customer,"ab"cd\n'
                "A,2024-03-01T09:01:00Z,customer,fine\n"
                'A,2024-03-01T09:02:00Z,customer,"never closed\n'
                "A,2024-03-01T09:03:00Z,customer,kept\n")  # fmt: skip
    records, rejected = _run("csv", [path], _mapping())
    assert rejected == [
        f"{path}:2: not a valid CSV row (',' expected after '\"')",
        f"{path}:4: not a valid CSV row (unexpected end of data): a quoted field opened here "
        "does not close by line 5; reading went on from the next line",
    ]
    # The row after the unclosed quote is read again on its own, not swallowed.
    assert [e["text"] for e in records[0]["events"]] == ["fine", "kept"]


def test_a_long_message_body_is_kept(tmp_path: Path) -> None:
    body = "word " * 60_000
    path = _csv(tmp_path, f'conversation,time,who,body\nA,2024-03-01T09:00:00Z,customer,"{body}"\n')
    (record,), rejected = _run("csv", [path], _mapping())
    assert rejected == []
    assert record["events"][0]["text"] == body


def test_a_csv_header_without_a_mapped_column_is_a_fault(tmp_path: Path) -> None:
    path = _csv(tmp_path, "conversation,time,sender,body\nA,2024-03-01T09:00:00Z,agent,hi\n")
    with pytest.raises(ImportFault) as caught:
        _run("csv", [path], _mapping())
    assert str(caught.value) == (
        f"{path}: no column who (fields.sender in m.yaml); the header has: "
        "conversation, time, sender, body"
    )


def test_a_misspelt_column_gets_a_suggestion(tmp_path: Path) -> None:
    path = _csv(tmp_path, "conversation,time,whom,body\n")
    with pytest.raises(ImportFault, match=r"no column who .*\(did you mean 'whom'\?\)"):
        _run("csv", [path], _mapping())


def test_an_empty_csv_is_a_fault(tmp_path: Path) -> None:
    path = _csv(tmp_path, "")
    with pytest.raises(ImportFault, match="empty file"):
        _run("csv", [path], _mapping())


# --- JSON Lines ---------------------------------------------------------------------------------


def test_jsonl_nested_paths_fallback_columns_and_typed_attributes(tmp_path: Path) -> None:
    mapping = parse_mapping(
        """
        format: jsonl
        fields:
          id: conversation.id
          at: created
          time_format: epoch
          sender: author.type
          text: [parts.0.text, body]
          agent: author.name
          attributes: {priority: conversation.priority, vip: conversation.vip}
        roles: {customer: [user, lead], agent: [admin], bot: [bot]}
        """,
        "intercom-like.yaml",
    )
    rows = [
        {"conversation": {"id": 7, "priority": 2, "vip": True}, "created": 1709283600,
         "author": {"type": "user"}, "parts": [{"text": "hello"}]},
        {"conversation": {"id": 7}, "created": 1709283660, "author": {"type": "bot"},
         "body": "I am a bot"},
        {"conversation": {"id": 7}, "created": 1709283720,
         "author": {"type": "admin", "name": "Ann"}, "parts": [], "body": "Hi, Ann here"},
    ]  # fmt: skip
    path = tmp_path / "parts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (record,), rejected = _run("jsonl", [path], mapping)
    assert rejected == []
    assert record == {
        "id": "7",
        "agent": "Ann",
        "attributes": {"priority": 2, "vip": True},
        "started_at": "2024-03-01T09:00:00Z",
        "ended_at": "2024-03-01T09:02:00Z",
        "events": [
            {"at": "2024-03-01T09:00:00Z", "from": "customer", "text": "hello"},
            {"at": "2024-03-01T09:01:00Z", "from": "bot", "text": "I am a bot"},
            {"at": "2024-03-01T09:02:00Z", "from": "agent", "text": "Hi, Ann here"},
        ],
    }


def test_jsonl_bad_lines_are_rejected_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(
        b'{"conversation": "A", "time": "2024-03-01T09:00:00Z", "who": "customer", "body": "hi"}\n'
        b"\n"
        b"{not json\n"
        b"[1, 2]\n"
        b'{"conversation": "A", "body": "caf\xe9"}\n'
        b'{"conversation": "A", "time": "2024-03-01T09:01:00Z", "who": "agent", "body": "yo"}'
    )
    records, rejected = _run("jsonl", [path], _mapping("jsonl"))
    assert rejected == [
        f"{path}:3: not valid JSON (Expecting property name enclosed in double quotes)",
        f"{path}:4: not a JSON object",
        f"{path}:5: not valid UTF-8",
    ]
    assert [len(r["events"]) for r in records] == [2]


def test_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b'{"conversation": "A", "time": "2024-03-01T09:00:00Z", "who": "customer"}\n{"x": 1}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    items = list(import_records("jsonl", ["-"], _mapping("jsonl")))
    assert items == [
        Rejected("<stdin>", 2, "missing conversation id in column conversation"),
        {
            "id": "A",
            "started_at": "2024-03-01T09:00:00Z",
            "ended_at": "2024-03-01T09:00:00Z",
            "events": [{"at": "2024-03-01T09:00:00Z", "from": "customer"}],
        },
    ]


def test_a_mapping_for_the_other_format_is_a_fault() -> None:
    with pytest.raises(ImportFault) as caught:
        import_records("csv", ["x.csv"], _mapping("jsonl"))
    assert str(caught.value) == "m.yaml: the mapping is for format 'jsonl', not 'csv'"


# --- validating the mapping file ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("format: csv\nfeilds:\n  id: a\n",
         "m.yaml:2:1: feilds: unknown key `feilds`; did you mean `fields`?"),
        ("fields:\n  id: a\n  at: b\n  sendr: c\n",
         "m.yaml:4:3: fields.sendr: unknown key `sendr`; did you mean `sender`?"),
        ("fields:\n  id: a\n  at: b\n  sender: c\n  colour: d\n",
         "m.yaml:5:3: fields.colour: unknown key `colour` (valid keys: agent, answered_at, at, "
         "attributes, case, channel, csat, customer, ended_at, id, nps, sender, started_at, "
         "status, tag_separator, tags, team, text, time_format, timezone, type)"),
        ("fields: {id: a, at: b, sender: c}\nroles:\n  agnet: [x]\n",
         "m.yaml:3:3: roles.agnet: unknown key `agnet`; did you mean `agent`?"),
        ("level: mesage\nfields: {id: a}\n",
         "m.yaml:1:1: level: Input should be 'message' or 'interaction' (got 'mesage'); "
         "did you mean `message`?"),
        ("fields: {id: a, at: b, sender: c, time_format: dd/mm/yyyy}\n",
         "m.yaml:1:35: fields.time_format: expected iso8601, epoch, epoch_ms or a strptime "
         "format such as '%d/%m/%Y %H:%M', got 'dd/mm/yyyy'"),
        ("fields: {id: a, at: b, sender: c, time_format: epoc}\n",
         "m.yaml:1:35: fields.time_format: expected iso8601, epoch, epoch_ms or a strptime "
         "format such as '%d/%m/%Y %H:%M', got 'epoc'; did you mean `epoch`?"),
        ("fields: {id: a, at: b, sender: c, timezone: Europe/Pariss}\n",
         "m.yaml:1:35: fields.timezone: unknown time zone 'Europe/Pariss' "
         "(expected a name such as Europe/Paris or UTC)"),
        ("fields: {id: a, at: b, sender: c, started_at: d}\n",
         "m.yaml:1:35: fields.started_at: not used at level 'message'"),
        ("fields:\n  id: a\n  at: b\n",
         "m.yaml:2:3: fields: missing `sender` (required at level 'message')"),
        ("fields: {id: a, at: b, sender: c}\nroles: {agent: [x], customer: [X]}\n",
         "m.yaml:2:32: roles.customer: value 'x' is already given for 'agent'"),
        ("fields: {id: a, at: b, sender: c}\ndelimiter: ';;'\n",
         "m.yaml:2:1: delimiter: expected one character, such as ',' or ';'"),
        ("fields: {id: [], at: b, sender: c}\n",
         "m.yaml:1:10: fields.id: expected a column name, or a list of column names"),
        ("- 1\n", "m.yaml:1:1: a mapping file is a YAML mapping with a 'fields' key"),
        ("", "m.yaml:1:1: a mapping file is a YAML mapping with a 'fields' key"),
    ],
)  # fmt: skip
def test_mapping_mistakes_are_named_with_file_line_column(text: str, message: str) -> None:
    with pytest.raises(ImportFault) as caught:
        parse_mapping(text, "m.yaml")
    assert str(caught.value) == message


def test_a_mapping_that_is_not_yaml_is_a_fault() -> None:
    with pytest.raises(ImportFault, match=r"^m\.yaml:2:1: not valid YAML"):
        parse_mapping("fields: [\n", "m.yaml")


def test_an_unknown_bundled_mapping_suggests_the_nearest() -> None:
    with pytest.raises(ImportFault) as caught:
        load_mapping("gorgia")
    assert str(caught.value) == (
        "gorgia: no such mapping file, nor a bundled mapping (bundled: freshdesk, gorgias) "
        "(did you mean 'gorgias'?)"
    )


def test_a_missing_mapping_file_is_a_fault(tmp_path: Path) -> None:
    missing = tmp_path / "map.yaml"
    with pytest.raises(ImportFault) as caught:
        load_mapping(str(missing))
    assert str(caught.value) == f"{missing}: no such mapping file"


def test_a_mapping_with_three_mistakes_reports_all_three_in_file_order() -> None:
    text = (
        "grouped: contiguos\n"
        "fields:\n"
        "  id: ticket\n"
        "  at: created\n"
        "  sender: who\n"
        "  timezone: Europe/Pariss\n"
        "roles:\n"
        "  agnet: [admin]\n"
    )
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    assert str(caught.value).splitlines() == [
        "m.yaml:1:1: grouped: Input should be 'any' or 'contiguous' (got 'contiguos'); "
        "did you mean `contiguous`?",
        "m.yaml:6:3: fields.timezone: unknown time zone 'Europe/Pariss' "
        "(expected a name such as Europe/Paris or UTC)",
        "m.yaml:8:3: roles.agnet: unknown key `agnet`; did you mean `agent`?",
    ]
    assert len(caught.value.problems) == 3
    assert isinstance(caught.value, ImportFault)  # the CLI prints it and exits 2


def test_the_mapping_schema_describes_every_key_and_forbids_others() -> None:
    schema = mapping_schema()
    assert schema["title"] == "cs-score mapping file"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["fields"]
    assert set(schema["properties"]) == {
        "name", "description", "format", "level", "grouped", "delimiter", "fields", "roles",
        "types", "statuses", "defaults",
    }  # fmt: skip
    fields = schema["$defs"]["MappingFields"]
    assert fields["additionalProperties"] is False
    assert "sender" in fields["properties"] and "time_format" in fields["properties"]


def test_every_shipped_mapping_is_valid() -> None:
    for name in ("gorgias", "freshdesk"):
        assert load_mapping(name).level == "message"
    parse_mapping((EXAMPLES / "helpdesk-messages.yaml").read_text(), "helpdesk-messages.yaml")
