"""`harper-valley`: the Harper Valley Bank calls, on the one-call fixture."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from importer_helpers import CORPORA, split

from cs_score.importers import ImportFault, import_records
from cs_score.importers.harper_valley import convert

DATASET = CORPORA / "harper-valley"
SID = "0002f70f7386445b"
METADATA = DATASET / "metadata" / f"{SID}.json"
TRANSCRIPT = DATASET / "transcript" / f"{SID}.json"


def _import(*paths: Path) -> tuple[list[dict[str, Any]], list[str]]:
    return split(list(import_records("harper-valley", [str(p) for p in paths])))


def test_the_call_from_the_dataset_folder() -> None:
    records, rejected = _import(DATASET)
    assert rejected == []
    (call,) = records
    assert {k: v for k, v in call.items() if k != "events"} == {
        "id": SID,
        "channel": "phone",
        "agent": "Agent One",
        "customer": "Customer One",
        "attributes": {"task_type": "replace card"},
        "started_at": "2020-06-02T00:12:55.485Z",
        "answered_at": "2020-06-02T00:13:03.191Z",
        "ended_at": "2020-06-02T00:13:54.394Z",
        "survey": {"csat": 5},
        "resolution": {"status": "resolved", "steps": ["fix"]},
    }


def test_wait_from_caller_arrival_to_call_start() -> None:
    (call,), _ = _import(DATASET)
    waited = datetime.fromisoformat(call["answered_at"]) - datetime.fromisoformat(
        call["started_at"]
    )
    assert waited.total_seconds() == 7.706  # 1591056783191 - 1591056775485 ms


def test_events_are_the_segments_in_time_order_without_noise() -> None:
    (call,), _ = _import(DATASET)
    events = call["events"]
    assert len(events) == 17  # 18 segments; the last one is only "[noise]"
    assert events[0] == {
        "at": "2020-06-02T00:13:07.005Z",
        "from": "agent",
        "text": "hello this is harper valley national bank",
    }
    assert events[4] == {
        "at": "2020-06-02T00:13:17.005Z",
        "from": "customer",
        "text": "my name is customer one",
    }
    assert events[-1] == {"at": "2020-06-02T00:13:52.105Z", "from": "customer", "text": "bye"}
    assert "".join("A" if e["from"] == "agent" else "C" for e in events) == "AAACCCCACCACCACAC"


def test_a_metadata_or_transcript_file_imports_its_call_once() -> None:
    by_folder, _ = _import(DATASET)
    assert _import(METADATA)[0] == by_folder
    assert _import(TRANSCRIPT)[0] == by_folder
    assert _import(METADATA, TRANSCRIPT, DATASET)[0] == by_folder


def _copy(tmp_path: Path) -> tuple[Path, dict[str, Any], list[Any]]:
    root = tmp_path / "hvb"
    shutil.copytree(DATASET, root)
    metadata = json.loads(METADATA.read_text())
    transcript = json.loads(TRANSCRIPT.read_text())
    return root, metadata, transcript


def _save(root: Path, metadata: dict[str, Any], transcript: list[Any] | None = None) -> None:
    (root / "metadata" / f"{SID}.json").write_text(json.dumps(metadata))
    if transcript is not None:
        (root / "transcript" / f"{SID}.json").write_text(json.dumps(transcript))


def test_answered_when_the_agent_arrives_if_that_is_after_the_call_start(tmp_path: Path) -> None:
    root, metadata, _ = _copy(tmp_path)
    metadata["agent"]["arrival_time_ms"] = metadata["start_time_ms"] + 2500
    _save(root, metadata)
    (call,), _ = _import(root)
    assert call["answered_at"] == "2020-06-02T00:13:05.691Z"


def test_unresolved_when_the_agent_submitted_another_task(tmp_path: Path) -> None:
    root, metadata, _ = _copy(tmp_path)
    metadata["agent"]["responses"][0]["data"]["replacement card type"] = "credit"
    _save(root, metadata)
    (call,), _ = _import(root)
    assert call["resolution"] == {"status": "unresolved"}


@pytest.mark.parametrize(
    ("rating", "csat"),
    [("1", 1), ("2", 1), ("3", 2), ("4", 2), ("5", 3), ("6", 3), ("7", 4), ("8", 4),
     ("9", 5), ("10", 5), ("0", None), ("11", None), ("n/a", None)],
)  # fmt: skip
def test_partner_rating_1_to_10_maps_to_csat_1_to_5(rating: str, csat: int | None) -> None:
    metadata = json.loads(METADATA.read_text())
    metadata["caller"]["survey_response"]["data"]["partner_rating"] = rating
    call = convert(metadata, json.loads(TRANSCRIPT.read_text()))
    assert call.get("survey") == ({"csat": csat} if csat else None)


def test_bad_calls_are_rejected_with_the_file_at_fault(tmp_path: Path) -> None:
    root, metadata, transcript = _copy(tmp_path)
    metadata["start_time_ms"] = "soon"
    _save(root, metadata)
    second = dict(metadata, sid="second", start_time_ms=1591056783191)
    (root / "metadata" / "second.json").write_text(json.dumps(second))  # no transcript
    third = dict(second, sid="third")
    (root / "metadata" / "third.json").write_text(json.dumps(third))
    broken = [dict(transcript[0], start_timestamp_ms=None)]
    (root / "transcript" / "third.json").write_text(json.dumps(broken))
    records, rejected = _import(root)
    assert records == []
    assert rejected == [
        f'{root}/metadata/{SID}.json:1: bad start_time_ms: "soon"',
        f"{root}/metadata/second.json:1: no transcript file {root}/transcript/second.json",
        f"{root}/transcript/third.json:1: bad segment 1 start_timestamp_ms: null",
    ]


def test_a_call_where_the_caller_never_speaks_is_rejected(tmp_path: Path) -> None:
    root, metadata, transcript = _copy(tmp_path)
    _save(root, metadata, [s for s in transcript if s["speaker_role"] == "agent"])
    _, rejected = _import(root)
    assert rejected == [
        f"{root}/transcript/{SID}.json:1: the caller never speaks in the transcript"
    ]


def test_a_folder_that_is_not_the_dataset_is_a_fault(tmp_path: Path) -> None:
    with pytest.raises(ImportFault, match="not a Harper Valley folder"):
        _import(tmp_path)


def test_a_file_outside_metadata_or_transcript_is_a_fault(tmp_path: Path) -> None:
    stray = tmp_path / f"{SID}.json"
    stray.write_text("{}")
    with pytest.raises(ImportFault, match="not in a metadata/ or transcript/ folder"):
        _import(stray)


def test_a_missing_input_is_a_fault(tmp_path: Path) -> None:
    with pytest.raises(ImportFault, match="no such file or folder"):
        _import(tmp_path / "missing.json")
