"""`harper-valley`: the Gridspace-Stanford Harper Valley Bank calls (simulated phone calls).

Each call is two JSON files with the same session id (sid) in the dataset's layout:
`metadata/<sid>.json` (times, people, task, survey) and `transcript/<sid>.json` (the speech
segments). An INPUT is either the dataset folder (the one holding `metadata/` and
`transcript/`: every sid in `metadata/` is imported, in sorted order), or one metadata or
transcript file (its partner is found in the sibling folder). A call named twice is imported
once. Files may be gzip-compressed.

One record per call:

- `id`: `sid`
- `channel`: `"phone"`
- `started_at`: `caller.arrival_time_ms`, when the caller joined the line and began waiting
- `answered_at`: `start_time_ms`, when the conversation started, or `agent.arrival_time_ms`
  if the agent arrived later (a call cannot be answered before the agent is there)
- `ended_at`: `end_time_ms`
- `agent`: `agent.metadata.agent_name`; `customer`: `caller.metadata["first and last name"]`
- `events`: the transcript segments ordered by `start_timestamp_ms` (then `index`);
  `speaker_role` `agent` → `agent`, `caller` → `customer`; `text` = `human_transcript` (the
  corrected transcript, not the ASR one); `at` = `start_timestamp_ms`
- `survey.csat`: the caller's rating of the agent, `caller.survey_response.data.partner_rating`
  (1–10), mapped to 1–5 as `(rating + 1) // 2`: 1–2 → 1, 3–4 → 2, 5–6 → 3, 7–8 → 4,
  9–10 → 5; absent when there is no rating
- `resolution`: `resolved` with step `fix` when, for every task the caller was given
  (`tasks[]`), the agent submitted (`agent.responses[].data`) the same `task_type` and the
  same value for each other key of the task (case and spacing ignored); else `unresolved`
- `attributes`: `task_type` (of the caller's tasks, joined with `, ` when several)

A segment whose text is only bracketed annotations, such as `[noise]`, is left out, and counted
in the report of what was not imported: it is not a message. All times are epoch milliseconds,
written as UTC.

A call is rejected, with the reason, when a file is not JSON or not of the expected shape, its
transcript file is missing, `start_time_ms`, `end_time_ms`, `caller.arrival_time_ms` or a
segment's `start_timestamp_ms` is not a number, the caller never speaks, or its sid repeats
one already imported. Each call is one pair of files, so a rejection is reported as
`FILE:1` with the call's metadata file (or its transcript file, when the fault is there).
A missing INPUT, or a folder without `metadata/`, is a fault.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from typing import Any, TypeGuard

from cs_score.importers._common import (
    IdRegistry,
    ImportFault,
    ImportItem,
    Rejected,
    Tally,
    format_time,
    from_epoch_ms,
    load_json_document,
    refuse_mapping,
)

FORMAT = "harper-valley"
_ROLES = {"agent": "agent", "caller": "customer"}
_ANNOTATION = re.compile(r"\[[^\]]*\]")


class _Reject(Exception):
    """Why one call cannot be imported, and which of its files is at fault."""

    def __init__(self, reason: str, file: str | None = None) -> None:
        super().__init__(reason)
        self.file = file


def read(
    paths: Sequence[str], mapping: object | None = None, tally: Tally | None = None
) -> Iterator[ImportItem]:
    """Records from dataset folders and call files, in the order given."""
    refuse_mapping(FORMAT, mapping)
    seen_calls: set[str] = set()
    ids = IdRegistry()
    for path in paths:
        for metadata_path, transcript_path in _calls(path):
            key = os.path.normpath(os.path.abspath(metadata_path))
            if key in seen_calls:
                continue
            seen_calls.add(key)
            try:
                call = Tally()
                record = convert_files(metadata_path, transcript_path, call)
            except _Reject as why:
                yield Rejected(why.file or metadata_path, 1, str(why))
                continue
            repeated = ids.claim(record["id"], metadata_path, 1)
            if repeated:
                yield Rejected(metadata_path, 1, repeated)
                continue
            if tally is not None:
                tally.add(call)
            yield record


def _calls(path: str) -> Iterator[tuple[str, str]]:
    """(metadata file, transcript file) of each call an INPUT names."""
    if os.path.isdir(path):
        metadata_dir = os.path.join(path, "metadata")
        if not os.path.isdir(metadata_dir):
            raise ImportFault(f"{path}: not a Harper Valley folder (it has no metadata/ folder)")
        try:
            names = sorted(os.listdir(metadata_dir))
        except OSError as exc:
            raise ImportFault(f"{metadata_dir}: cannot list ({exc.strerror})") from None
        for name in names:
            if name.endswith((".json", ".json.gz")):
                yield os.path.join(metadata_dir, name), os.path.join(path, "transcript", name)
        return
    if not os.path.exists(path):
        raise ImportFault(f"{path}: no such file or folder")
    folder, name = os.path.split(path)
    root, kind = os.path.split(folder)
    if kind == "metadata":
        yield path, os.path.join(root, "transcript", name)
    elif kind == "transcript":
        yield os.path.join(root, "metadata", name), path
    else:
        raise ImportFault(
            f"{path}: not in a metadata/ or transcript/ folder; give the dataset folder, "
            "or a file inside its metadata/ or transcript/ folder"
        )


def convert_files(
    metadata_path: str, transcript_path: str, tally: Tally | None = None
) -> dict[str, Any]:
    """One call as an interaction record; raises _Reject with the reason and the file."""
    metadata = _load(metadata_path)
    if not os.path.exists(transcript_path):
        raise _Reject(f"no transcript file {transcript_path}")
    transcript = _load(transcript_path)
    try:
        return convert(metadata, transcript, os.path.basename(metadata_path).split(".")[0], tally)
    except _Reject as why:
        if why.file == "transcript":
            raise _Reject(str(why), transcript_path) from None
        raise


def _load(path: str) -> Any:
    try:
        return load_json_document(path)[1]
    except ImportFault as fault:
        # One bad call file should not stop the rest of the dataset.
        raise _Reject(str(fault).removeprefix(f"{path}: "), path) from None


def convert(
    metadata: Any, transcript: Any, fallback_sid: str = "", tally: Tally | None = None
) -> dict[str, Any]:
    """A call's metadata and transcript as an interaction record; raises _Reject. The
    segments left out (only annotations) are counted in `tally` once the call is imported."""
    if not isinstance(metadata, dict):
        raise _Reject("metadata is not a JSON object")
    if not isinstance(transcript, list):
        raise _Reject("transcript is not a JSON array of segments", "transcript")
    sid = metadata.get("sid") or fallback_sid
    if not isinstance(sid, str) or not sid:
        raise _Reject("missing sid")
    caller = _object(metadata, "caller")
    agent = _object(metadata, "agent")

    started = _ms(caller.get("arrival_time_ms"), "caller.arrival_time_ms")
    start = _ms(metadata.get("start_time_ms"), "start_time_ms")
    end = _ms(metadata.get("end_time_ms"), "end_time_ms")
    agent_arrival = agent.get("arrival_time_ms")
    answered = start
    if _is_number(agent_arrival) and agent_arrival > start:
        answered = _ms(agent_arrival, "agent.arrival_time_ms")

    record: dict[str, Any] = {"id": sid, "channel": "phone"}
    agent_name = _object(agent, "metadata").get("agent_name")
    if isinstance(agent_name, str) and agent_name:
        record["agent"] = agent_name
    caller_name = _object(caller, "metadata").get("first and last name")
    if isinstance(caller_name, str) and caller_name:
        record["customer"] = caller_name
    tasks = [task for task in metadata.get("tasks") or [] if isinstance(task, dict)]
    task_types = [str(t["task_type"]) for t in tasks if t.get("task_type")]
    if task_types:
        record["attributes"] = {"task_type": ", ".join(task_types)}
    record["started_at"] = format_time(from_epoch_ms(started))
    record["answered_at"] = format_time(from_epoch_ms(answered))
    record["ended_at"] = format_time(from_epoch_ms(end))
    annotations: list[int] = []
    record["events"] = _events(transcript, annotations)
    if not any(event["from"] == "customer" for event in record["events"]):
        raise _Reject("the caller never speaks in the transcript", "transcript")
    if annotations and tally is not None:
        tally.skip(
            "transcript segment of annotations only (such as [noise])",
            "transcript segments of annotations only (such as [noise])",
            len(annotations),
        )
    csat = _csat(caller)
    if csat is not None:
        record["survey"] = {"csat": csat}
    if tasks:
        record["resolution"] = (
            {"status": "resolved", "steps": ["fix"]}
            if _submitted(tasks, agent)
            else {"status": "unresolved"}
        )
    return record


def _events(transcript: list[Any], annotations: list[int]) -> list[dict[str, Any]]:
    timed: list[tuple[int | float, int | float, int, dict[str, Any]]] = []
    for number, segment in enumerate(transcript, start=1):
        if not isinstance(segment, dict):
            raise _Reject(f"segment {number} is not a JSON object", "transcript")
        role = _ROLES.get(str(segment.get("speaker_role")))
        if role is None:
            raise _Reject(
                f"segment {number}: unknown speaker_role {segment.get('speaker_role')!r} "
                "(known: agent, caller)",
                "transcript",
            )
        when = _ms(
            segment.get("start_timestamp_ms"), f"segment {number} start_timestamp_ms", "transcript"
        )
        text = segment.get("human_transcript")
        if not isinstance(text, str) or not _ANNOTATION.sub("", text).strip():
            annotations.append(number)
            continue
        index = segment.get("index")
        order: int | float = index if _is_number(index) else number
        event = {"at": format_time(from_epoch_ms(when)), "from": role, "text": text}
        timed.append((when, order, number, event))
    timed.sort(key=lambda item: item[:3])
    return [event for *_, event in timed]


def _csat(caller: dict[str, Any]) -> int | None:
    data = _object(_object(caller, "survey_response"), "data")
    try:
        rating = int(str(data.get("partner_rating")).strip())
    except ValueError:
        return None
    return (rating + 1) // 2 if 1 <= rating <= 10 else None


def _submitted(tasks: list[dict[str, Any]], agent: dict[str, Any]) -> bool:
    """Whether the agent submitted every task the caller came with."""
    submitted = [
        _normalized(response["data"])
        for response in agent.get("responses") or []
        if isinstance(response, dict) and isinstance(response.get("data"), dict)
    ]
    for task in tasks:
        wanted = _normalized(task)
        if not any(all(done.get(k) == v for k, v in wanted.items()) for done in submitted):
            return False
    return True


def _normalized(data: dict[str, Any]) -> dict[str, str]:
    return {
        " ".join(str(k).lower().split()): " ".join(str(v).lower().split()) for k, v in data.items()
    }


def _object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ms(value: Any, what: str, file: str | None = None) -> int | float:
    if not _is_number(value):
        raise _Reject(f"bad {what}: {json.dumps(value)}", file)
    try:
        from_epoch_ms(value)
    except (OverflowError, ValueError):
        raise _Reject(f"bad {what}: {json.dumps(value)}", file) from None
    return value
