"""`abcd`: the Action-Based Conversations Dataset (ASAPP, Chen et al., NAACL 2021).

Reads `abcd_sample.json` (a JSON array of conversations) or the full corpus
`abcd_v1.1.json(.gz)` (an object `{"train": [...], "dev": [...], "test": [...]}` of the same
conversations), plain or gzip. Each file is one JSON document, so it is read into memory whole.

One record per conversation:

- `id`: `"abcd-<convo_id>"`
- `channel`: `"chat"`
- `attributes`: `flow` and `subflow` (the customer's intent, from `scenario`); `split`
  (train, dev or test) for the full corpus
- `events`: each `original` turn in order. `customer` and `agent` turns are messages; an
  `action` turn (the system line of a button the agent clicked) is
  `{"from": "agent", "type": "action", "action": <button>, "text": ...}`
- `resolution.steps`: the steps the agent's buttons stand for, in order of first use (below)
- `resolution.status`: `escalated` when the agent notified the manager; else `resolved` when
  the conversation has customer and agent messages and ends on a message rather than on a
  button; else `unresolved`

The button name comes from the `delexed` copy of the turn (`targets[2]`, e.g. `pull-up-account`),
matched by `turn_count` (1-based turn number) and speaker. When a conversation has no usable
`delexed` turn, its action events carry only their text (no `action`).

**No timestamps.** ABCD keeps the order of turns but not their times, so records have no
`started_at`, `answered_at` or `ended_at`, and events have no `at`: time-based rules
(`wait_time`, `response_time`, `promises` due dates) are n/a for these records; the text and
action rules (greeting, resolution, conduct, escalation, closing, phrase) still apply.

Buttons and the resolution steps they stand for (the buttons are the `actions` of the
dataset's `ontology.json`):

| step | buttons |
|---|---|
| `identify` | `pull-up-account`, `verify-identity`, `validate-purchase`, `enter-details`, |
| | `record-reason`, `ask-the-oracle`, `shipping-status`, `subscription-status`, `membership` |
| `explain` | `search-faq`, `search-<topic>` (e.g. `search-timing`), `select-faq`, `instructions` |
| `fix` | `update-order`, `update-account`, `make-password`, `make-purchase`, `offer-refund`, |
| | `send-link`, `try-again`, `log-out-in` |
| `offer` | `promo-code` |
| `prevent` | `notify-team` to the website team or the purchasing department |
| (status `escalated`) | `notify-team` to the `manager` |

`notify-team` is part of the normal procedure for several intents (the `kb.json` sequences for
out-of-stock items and site problems end with it), so only notifying the manager, which is how
a customer gets a supervisor in ABCD, counts as an escalation. Buttons not in the table
(future ontology versions) become action events with no step. `apologize` is never derived
from buttons: the scorer finds it, like the other steps, in the agent's messages.

A conversation is rejected, with the reason, when it is not an object, has no `convo_id` or
`original` list, has a turn that is not a `[speaker, text]` pair or has an unknown speaker, or
has no customer turn; a repeated `convo_id` is rejected too. A rejection is reported as
`FILE:N`, where N is the 1-based position of the conversation in the file (for the full
corpus, counted across its splits in file order).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from cs_score.importers._common import (
    IdRegistry,
    ImportFault,
    ImportItem,
    Rejected,
    load_json_document,
    refuse_mapping,
)

FORMAT = "abcd"
_SPLITS = ("train", "dev", "test")

STEP_OF_BUTTON: dict[str, str] = {
    "pull-up-account": "identify",
    "verify-identity": "identify",
    "validate-purchase": "identify",
    "enter-details": "identify",
    "record-reason": "identify",
    "ask-the-oracle": "identify",
    "shipping-status": "identify",
    "subscription-status": "identify",
    "membership": "identify",
    "search-faq": "explain",
    "select-faq": "explain",
    "instructions": "explain",
    "update-order": "fix",
    "update-account": "fix",
    "make-password": "fix",
    "make-purchase": "fix",
    "offer-refund": "fix",
    "send-link": "fix",
    "try-again": "fix",
    "log-out-in": "fix",
    "promo-code": "offer",
    "notify-team": "prevent",
}
"""Resolution step each ABCD button stands for (`search-<topic>` buttons are `explain` too)."""

ESCALATION_TEAMS = frozenset({"manager"})
"""`notify-team` values that hand the customer to a supervisor."""


class _Reject(Exception):
    """Why one conversation cannot be imported."""


def read(paths: Sequence[str], mapping: object | None = None) -> Iterator[ImportItem]:
    """Records from one or more ABCD files, in file order."""
    refuse_mapping(FORMAT, mapping)
    ids = IdRegistry()
    for path in paths:
        name, document = load_json_document(path)
        for position, (split, conversation) in enumerate(_conversations(name, document), start=1):
            try:
                record = convert(conversation, split)
            except _Reject as why:
                yield Rejected(name, position, str(why))
                continue
            repeated = ids.claim(record["id"], name, position)
            yield Rejected(name, position, repeated) if repeated else record


def _conversations(name: str, document: Any) -> Iterator[tuple[str | None, Any]]:
    if isinstance(document, list):
        for conversation in document:
            yield None, conversation
        return
    if isinstance(document, dict) and any(isinstance(document.get(s), list) for s in _SPLITS):
        for split in _SPLITS:
            for conversation in document.get(split) or []:
                yield split, conversation
        return
    raise ImportFault(
        f"{name}: not an ABCD file (expected a JSON array of conversations, "
        "or an object with train/dev/test arrays)"
    )


def convert(conversation: Any, split: str | None = None) -> dict[str, Any]:
    """One ABCD conversation as an interaction record; raises _Reject with the reason."""
    if not isinstance(conversation, dict):
        raise _Reject("conversation is not a JSON object")
    convo_id = conversation.get("convo_id")
    if convo_id is None or isinstance(convo_id, bool | dict | list) or str(convo_id) == "":
        raise _Reject("missing convo_id")
    turns = conversation.get("original")
    if not isinstance(turns, list):
        raise _Reject("missing 'original' list of turns")
    buttons = _buttons(conversation.get("delexed"))

    events: list[dict[str, Any]] = []
    steps: list[str] = []
    escalated = False
    for number, turn in enumerate(turns, start=1):
        if not (isinstance(turn, list) and len(turn) == 2 and isinstance(turn[1], str)):
            raise _Reject(f"turn {number} is not a [speaker, text] pair")
        speaker, text = turn
        if speaker in ("customer", "agent"):
            events.append({"from": speaker, "text": text})
        elif speaker == "action":
            event: dict[str, Any] = {"from": "agent", "type": "action"}
            button, values = buttons.get(number, (None, []))
            if button:
                event["action"] = button
                if button == "notify-team" and ESCALATION_TEAMS.intersection(values):
                    escalated = True
                else:
                    step = _step(button)
                    if step and step not in steps:
                        steps.append(step)
            event["text"] = text
            events.append(event)
        else:
            raise _Reject(
                f"turn {number}: unknown speaker {speaker!r} (known: agent, customer, action)"
            )

    said = {event["from"] for event in events if event.get("type") != "action"}
    if "customer" not in said:
        raise _Reject("no customer turn")
    if escalated:
        status = "escalated"
    elif "agent" in said and events[-1].get("type") != "action":
        status = "resolved"
    else:
        status = "unresolved"

    record: dict[str, Any] = {"id": f"abcd-{convo_id}", "channel": "chat"}
    scenario = conversation.get("scenario")
    attributes: dict[str, Any] = {}
    if isinstance(scenario, dict):
        for key in ("flow", "subflow"):
            if isinstance(scenario.get(key), str):
                attributes[key] = scenario[key]
    if split:
        attributes["split"] = split
    if attributes:
        record["attributes"] = attributes
    record["events"] = events
    resolution: dict[str, Any] = {"status": status}
    if steps:
        resolution["steps"] = steps
    record["resolution"] = resolution
    return record


def _step(button: str) -> str | None:
    if button.startswith("search-"):
        return "explain"
    return STEP_OF_BUTTON.get(button)


def _buttons(delexed: Any) -> dict[int, tuple[str, list[str]]]:
    """Button name and slot values of each action turn, by 1-based turn number."""
    found: dict[int, tuple[str, list[str]]] = {}
    if not isinstance(delexed, list):
        return found
    for turn in delexed:
        if not isinstance(turn, dict) or turn.get("speaker") != "action":
            continue
        number = turn.get("turn_count")
        targets = turn.get("targets")
        if not isinstance(number, int) or not isinstance(targets, list) or len(targets) < 3:
            continue
        button = targets[2]
        if not isinstance(button, str) or not button:
            continue
        values = targets[3] if len(targets) > 3 and isinstance(targets[3], list) else []
        found[number] = (button, [str(v).strip().lower() for v in values])
    return found
