"""`twitter-care`: the IBM Twitter customer-care corpus, on a 5-conversation fixture."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from importer_helpers import CORPORA, split

from cs_score.importers import ImportFault, import_records
from cs_score.importers._common import snowflake_time

SAMPLE = CORPORA / "twitter-care" / "dev-sample.json"


def _import(*paths: Path) -> tuple[list[dict[str, Any]], list[str]]:
    return split(list(import_records("twitter-care", [str(p) for p in paths])))


def test_first_conversation_exactly() -> None:
    records, rejected = _import(SAMPLE)
    assert rejected == []
    assert records[0] == {
        "id": "LgwAXtbbEm0mBvDrGmjk",
        "channel": "social",
        "team": "support1",
        "customer": "customer1",
        "tags": ["support1"],
        "attributes": {"company": "support1", "doc_id": "1770"},
        "started_at": "2020-04-01T17:31:32Z",
        "ended_at": "2020-04-01T18:58:27.135Z",
        "events": [
            {
                "at": "2020-04-01T17:31:32Z",
                "from": "customer",
                "text": "@support1 Hello dear youtube officers, my channel has been suspended 1 "
                "year, I sent an e-mail, no answer, please open my channel back :( channel link: "
                "https://example.com/doc\n\nmy e-mail address: user@example.com",
            },
            {
                "at": "2020-04-01T18:58:27.135Z",
                "from": "agent",
                "text": "@customer1 Thanks for the tag – if you believe the suspension was done "
                "in error, you can appeal so that our policy team can take another look. Here's "
                "how: https://example.com/doc Also, please delete this tweet with your email "
                "because it's considered a private information. Hope this helps!",
            },
        ],
    }


def test_every_conversation_ids_counts_and_times() -> None:
    records, _ = _import(SAMPLE)
    summary = [
        (
            r["id"],
            r["customer"],
            r["team"],
            len(r["events"]),
            "".join("C" if e["from"] == "customer" else "A" for e in r["events"]),
            r["started_at"],
            r["ended_at"],
        )
        for r in records
    ]
    assert summary == [
        ("LgwAXtbbEm0mBvDrGmjk", "customer1", "support1", 2, "CA",
         "2020-04-01T17:31:32Z", "2020-04-01T18:58:27.135Z"),
        ("Qt4M3sXkR71V9CT9Xr5U", "customer2", "support2", 4, "CACA",
         "2020-03-20T18:34:50Z", "2020-03-20T21:03:58.468Z"),
        ("6HRUKDArHAEehXB4g1ee", "customer3", "support2", 4, "CACA",
         "2020-02-13T00:19:15Z", "2020-02-13T15:19:12.138Z"),
        ("eGPmyP8XzT1HWlzAPv2u", "customer5", "support3", 6, "CACACA",
         "2020-03-25T17:27:45Z", "2020-03-25T20:40:18.660Z"),
        ("1eF19rnhJYE6YXeYBwky", "customer6", "support4", 6, "CCCACA",
         "2018-05-10T20:13:52Z", "2018-05-13T16:02:22.609Z"),
    ]  # fmt: skip


def test_closing_turn_time_comes_from_its_snowflake_id() -> None:
    conversation = json.loads(SAMPLE.read_text())[0]
    tweet_id = int(conversation["agentURL"]["tweet_ID"])
    assert tweet_id == 1245425308702605312
    # (1245425308702605312 >> 22) + 1288834974657 = 1585767507135 ms since the epoch
    assert (tweet_id >> 22) + 1288834974657 == 1585767507135
    assert snowflake_time(tweet_id).isoformat() == "2020-04-01T18:58:27.135000+00:00"
    records, _ = _import(SAMPLE)
    assert records[0]["events"][-1]["at"] == "2020-04-01T18:58:27.135Z"
    assert records[0]["ended_at"] == "2020-04-01T18:58:27.135Z"


def test_second_customer_in_a_thread_is_a_customer_and_the_first_one_is_the_customer() -> None:
    records, _ = _import(SAMPLE)
    thread = records[2]
    assert thread["customer"] == "customer3"
    assert thread["events"][2] == {
        "at": "2020-02-13T11:52:39Z",
        "from": "customer",
        "text": "@support2 @customer3 Play station 4",
    }


def test_no_answered_at_so_the_scorer_uses_the_first_agent_event() -> None:
    records, _ = _import(SAMPLE)
    assert all("answered_at" not in r for r in records)
    assert records[1]["events"][1]["at"] == "2020-03-20T18:43:36Z"


def test_gzip_input_gives_the_same_records(tmp_path: Path) -> None:
    packed = tmp_path / "dev-sample.json.gz"
    packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    assert _import(packed)[0] == _import(SAMPLE)[0]


def _write(tmp_path: Path, conversations: list[Any]) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(conversations))
    return path


def _good(session: str = "s1") -> dict[str, Any]:
    return {
        "agentURL": {"doc_id": "1", "tweet_ID": "1245425308704145408", "url_utterance": "see doc"},
        "dialogContent": [
            {"client": "c1", "datetime": "2020-04-01T17:31:32.000Z", "message": "help"},
        ],
        "dialogHeader": {"company": "Acme", "sessionID": session},
    }


def test_bad_conversations_are_rejected_with_their_position_and_reason(tmp_path: Path) -> None:
    no_customer = _good("s3")
    no_customer["dialogContent"] = [
        {"agent": "Acme", "datetime": "2020-04-01T17:31:32.000Z", "message": "hello?"}
    ]
    bad_time = _good("s4")
    bad_time["dialogContent"][0]["datetime"] = "yesterday"
    no_speaker = _good("s5")
    del no_speaker["dialogContent"][0]["client"]
    bad_tweet = _good("s6")
    bad_tweet["agentURL"]["tweet_ID"] = "12ab"
    no_session = _good()
    del no_session["dialogHeader"]["sessionID"]
    path = _write(
        tmp_path,
        [_good("s1"), "oops", no_customer, bad_time, no_speaker, bad_tweet, no_session,
         _good("s1"), _good("s9")],
    )  # fmt: skip
    records, rejected = _import(path)
    assert [r["id"] for r in records] == ["s1", "s9"]
    assert rejected == [
        f"{path}:2: conversation is not a JSON object",
        f"{path}:3: no customer turn",
        f"{path}:4: turn 1: bad datetime 'yesterday'",
        f"{path}:5: turn 1: expected one speaker key (client, client1 or agent)",
        f"{path}:6: agentURL: tweet_ID '12ab' is not a tweet id",
        f"{path}:7: missing dialogHeader.sessionID",
        f"{path}:8: repeats id 's1' (first at {path}:1)",
    ]


def test_a_file_that_is_not_an_array_is_a_fault(tmp_path: Path) -> None:
    path = tmp_path / "object.json"
    path.write_text('{"dialogHeader": {}}')
    with pytest.raises(ImportFault, match="not a Twitter customer-care file"):
        _import(path)


def test_a_file_that_is_not_json_is_a_fault(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"dialogHeader": ')
    with pytest.raises(ImportFault) as caught:
        _import(path)
    assert str(caught.value) == (f"{path}: not valid JSON (line 1 column 19: Expecting value)")
