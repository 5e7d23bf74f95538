"""Facts that cross interactions: repeat contacts and promises kept by a later interaction,
scored in the earlier one, the same in memory, across files and with `--jobs`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from checks.helpers import write_rules

import cs_score
from cs_score.pipeline import RunOptions, evaluate
from cs_score.ruleset import load_ruleset


def _contact(id: str, customer: str | None, start: str, end: str, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"id": id, "started_at": start, "ended_at": end, **extra}
    if customer is not None:
        record["customer"] = customer
    return record


def _verdicts(records: list[dict[str, Any]], rules: Path, as_of: str) -> dict[str, tuple[Any, ...]]:
    ruleset = load_ruleset(str(rules))
    moment = datetime.fromisoformat(as_of)
    found = {}
    for result in cs_score.score_records(records, ruleset, as_of=moment):
        assert isinstance(result, cs_score.InteractionResult)
        rule = result.rules["repeat"]
        found[result.id] = (rule.status, rule.credit, rule.reason)
    return found


def test_a_customer_back_within_7_days_fails_the_earlier_interaction(tmp_path: Path) -> None:
    rules = write_rules(tmp_path, [{"id": "repeat", "kind": "repeat_contact"}])
    records = [
        _contact("A-1", "C-1", "2026-03-02T09:50:00Z", "2026-03-02T10:00:00Z"),
        _contact("B-1", "C-2", "2026-03-02T11:00:00Z", "2026-03-02T11:10:00Z"),
        _contact("A-2", "C-1", "2026-03-04T09:00:00Z", "2026-03-04T09:20:00Z"),  # 1d23h later
        _contact("B-2", "C-2", "2026-03-20T11:10:00Z", "2026-03-20T11:30:00Z"),  # 18 days later
        _contact("N-1", None, "2026-03-02T09:00:00Z", "2026-03-02T09:05:00Z"),
    ]
    assert _verdicts(records, rules, "2026-03-31T00:00:00+00:00") == {
        "A-1": ("fail", 0.0, "came back after 1d23h (A-2)"),
        "B-1": ("pass", 1.0, "no new contact within 7d"),
        "A-2": ("pass", 1.0, "no new contact within 7d"),
        "B-2": ("pass", 1.0, "no new contact within 7d"),
        "N-1": ("na", None, "no customer"),
    }
    # As of 2026-03-22 the windows of A-2 (to 03-11) has closed, B-2's (to 03-27) has not.
    early = _verdicts(records, rules, "2026-03-22T00:00:00+00:00")
    assert early["B-2"] == ("na", None, "window still open")
    assert early["A-1"][0] == "fail"


def test_only_a_later_contact_counts_and_each_interaction_its_own(tmp_path: Path) -> None:
    """Three contacts of one customer: each is resolved by the next one, never by itself
    nor by an earlier one; a contact that starts before this one started does not count."""
    rules = write_rules(tmp_path, [{"id": "repeat", "kind": "repeat_contact", "window": "2d"}])
    records = [
        _contact("X-1", "C-9", "2026-03-02T10:00:00Z", "2026-03-02T10:10:00Z"),
        _contact("X-2", "C-9", "2026-03-03T10:00:00Z", "2026-03-03T10:10:00Z"),  # 1d later
        _contact("X-0", "C-9", "2026-03-01T10:00:00Z", "2026-03-01T10:10:00Z"),  # out of order
        _contact("X-3", "C-9", "2026-03-08T10:00:00Z", "2026-03-08T10:10:00Z"),  # 5d after X-2
    ]
    found = _verdicts(records, rules, "2026-03-31T00:00:00+00:00")
    assert found == {
        "X-1": ("fail", 0.0, "came back after 23h50m (X-2)"),
        "X-2": ("pass", 1.0, "no new contact within 2d"),
        # X-0 is resolved by X-3, the next in the input that started after it: 7 days later.
        "X-0": ("pass", 1.0, "no new contact within 2d"),
        "X-3": ("pass", 1.0, "no new contact within 2d"),
    }


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_repeat_contacts_across_files_and_jobs(tmp_path: Path) -> None:
    rules = write_rules(tmp_path, [{"id": "repeat", "kind": "repeat_contact"}])
    first: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []
    for n in range(300):
        day = 1 + n % 9
        record = _contact(
            f"I-{n}",
            f"C-{n % 70}",
            f"2026-03-{day:02d}T10:{n % 60:02d}:00Z",
            f"2026-03-{day:02d}T11:{n % 60:02d}:00Z",
        )
        (first if n < 150 else second).append(record)
    _write(tmp_path / "a.jsonl", first)
    _write(tmp_path / "b.jsonl", second)
    ruleset = load_ruleset(str(rules))
    paths = [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    texts = []
    for jobs, batch in ((1, 2000), (2, 7)):
        run = evaluate(paths, ruleset, RunOptions(jobs=jobs, keep_results=True, batch_lines=batch))
        assert run.results is not None
        texts.append(list(run.results.json_texts()))
        summary = run.report().rules_summary[0]
        run.close()
    assert texts[0] == texts[1]
    statuses = [json.loads(t)["rules"]["repeat"]["status"] for t in texts[0]]
    assert statuses.count("fail") > 100 and statuses.count("pass") > 10
    assert summary["metrics"]["repeats"] == statuses.count("fail")


def _chat(id: str, case: str, *events: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "id": id,
        "case": case,
        "customer": "C-" + case,
        "started_at": events[0][0],
        "events": [{"at": at, "from": who, "text": text} for at, who, text in events],
    }


def _promise_verdicts(
    records: list[dict[str, Any]], tmp_path: Path, as_of: str
) -> dict[str, tuple[Any, ...]]:
    rules = write_rules(tmp_path, [{"id": "promises", "kind": "promises", "from_text": True}])
    ruleset = load_ruleset(str(rules))
    found = {}
    results = cs_score.score_records(records, ruleset, as_of=datetime.fromisoformat(as_of))
    for result in results:
        assert isinstance(result, cs_score.InteractionResult)
        rule = result.rules["promises"]
        found[result.id] = (rule.status, rule.credit, rule.reason, rule.evidence)
    return found


def test_promises_written_in_text(tmp_path: Path) -> None:
    # 2026-03-04 is a Wednesday.
    records = [
        _chat(
            "CALL-1",
            "K-1",
            ("2026-03-04T10:00:00Z", "customer", "My kettle leaks."),
            ("2026-03-04T10:01:00Z", "agent", "Sorry! I will call you back tomorrow."),
        ),
        _chat(
            "MAIL-2",
            "K-2",
            ("2026-03-04T11:00:00Z", "customer", "Where is my refund?"),
            ("2026-03-04T11:05:00Z", "agent", "We'll get back to you within 24 hours."),
        ),
        _chat(
            "TEL-3",
            "K-3",
            ("2026-03-04T09:00:00+01:00", "customer", "Ma bouilloire fuit."),
            ("2026-03-04T09:02:00+01:00", "agent", "Je vous rappelle demain."),
        ),
        _chat(
            "CHAT-4",
            "K-4",
            ("2026-03-04T15:00:00Z", "customer", "I need to return this."),
            ("2026-03-04T15:01:00Z", "agent", "I'll send you the return label by Friday."),
        ),
        _chat(
            "CHAT-5",
            "K-5",
            ("2026-03-04T16:00:00Z", "customer", "Thanks!"),
            ("2026-03-04T16:01:00Z", "agent", "You're welcome, have a nice day."),
        ),
        _chat(
            "CALL-1b",
            "K-1",  # the next day, same case: the agent calls back
            ("2026-03-05T14:00:00Z", "agent", "Hello, calling you back about the kettle."),
        ),
        _chat(
            "TEL-3b",
            "K-3",  # two days later: too late for "demain"
            ("2026-03-06T10:00:00+01:00", "agent", "Bonjour, je vous rappelle."),
        ),
        _chat(
            "CHAT-4b",
            "K-4",  # Thursday: the label is sent
            ("2026-03-05T09:00:00Z", "agent", "Here is your return label."),
        ),
    ]
    found = _promise_verdicts(records, tmp_path, "2026-03-31T00:00:00+00:00")
    status = {id: (v[0], v[1], v[2]) for id, v in found.items()}
    assert status == {
        "CALL-1": ("pass", 1.0, "1 kept (from text)"),
        "MAIL-2": ("fail", 0.0, "1 broken (from text)"),
        "TEL-3": ("fail", 0.0, "1 broken (from text)"),
        "CHAT-4": ("pass", 1.0, "1 kept (from text)"),
        "CHAT-5": ("na", None, "no promises"),
        "CALL-1b": ("na", None, "no promises"),
        "TEL-3b": ("na", None, "no promises"),
        "CHAT-4b": ("na", None, "no promises"),
    }
    assert found["CALL-1"][3]["promises"] == [
        {
            "due": "2026-03-05T23:59:59+00:00",
            "kept_at": "2026-03-05T14:00:00+00:00",
            "verdict": "kept",
            "from": "text",
            "text": "I will call you back tomorrow.",
            "event": 1,
            "made_at": "2026-03-04T10:01:00+00:00",
            "kept_by": "CALL-1b",
        }
    ]
    tel = found["TEL-3"][3]["promises"][0]
    assert (tel["due"], tel["kept_by"]) == ("2026-03-05T23:59:59+00:00", "TEL-3b")
    assert found["MAIL-2"][3]["promises"][0]["due"] == "2026-03-05T11:05:00+00:00"
    # Before due, the promise is pending: n/a.
    early = _promise_verdicts(records[:2], tmp_path, "2026-03-04T20:00:00+00:00")
    assert early["MAIL-2"][:3] == ("na", None, "all promises pending")


def test_a_text_promise_kept_in_the_same_interaction(tmp_path: Path) -> None:
    record = _chat(
        "CHAT-9",
        "K-9",
        ("2026-03-04T10:00:00Z", "customer", "Can you check my order?"),
        ("2026-03-04T10:01:00Z", "agent", "I'll check and reply within 10 minutes."),
        ("2026-03-04T10:20:00Z", "agent", "Sorry for the wait: it ships today."),
    )
    late = _promise_verdicts([record], tmp_path, "2026-03-31T00:00:00+00:00")["CHAT-9"]
    assert late[:3] == ("fail", 0.0, "1 broken (from text)")
    assert late[3]["promises"][0]["kept_by"] == "event 2"
    record["events"][2]["at"] = "2026-03-04T10:09:00Z"
    kept = _promise_verdicts([record], tmp_path, "2026-03-31T00:00:00+00:00")["CHAT-9"]
    assert kept[:3] == ("pass", 1.0, "1 kept (from text)")


PROMISES = [
    "I'll call you back tomorrow.",
    "We'll get back to you within 24 hours.",
    "I'll send you the return label by Friday.",
    "Je vous rappelle demain.",
    "Saya akan hubungi anda esok.",
    "Я перезвоню вам завтра.",
    "We will refund you in 3-5 business days.",
    "Thanks for your patience.",
]

CONTACT_RULES = [
    {"id": "wait", "kind": "wait_time"},
    {"id": "reply", "kind": "response_time", "per_channel": {"email": "4h"}},
    {"id": "promises", "kind": "promises", "from_text": True},
    {"id": "repeat", "kind": "repeat_contact"},
]


def contact_log(count: int, seed: int) -> list[str]:
    """Lines of a log where customers come back, agents write promises that later
    interactions of the same case keep (or not), calls are abandoned, e-mails unanswered."""
    import random

    rng = random.Random(seed)
    lines = []
    for n in range(count):
        day = 1 + n * 27 // count
        minute = rng.randrange(0, 600)
        start = datetime(2026, 3, day, 8, 0).timestamp() + minute * 60
        at = [datetime.fromtimestamp(start + 60 * k).isoformat() + "Z" for k in range(6)]
        customer = f"C-{rng.randrange(count // 4)}"
        record: dict[str, Any] = {
            "id": f"I-{n}",
            "customer": customer,
            "channel": rng.choice(["phone", "chat", "email"]),
            "started_at": at[0],
        }
        if rng.random() < 0.5:
            record["case"] = f"K-{customer}"
        kind = rng.random()
        if kind < 0.1:  # abandoned
            record["ended_at"] = at[rng.choice([0, 4])]
            record["events"] = []
        elif kind < 0.2:  # nobody answered yet
            record["events"] = [{"at": at[1], "from": "customer", "text": "Hello?"}]
        else:
            record["answered_at"] = at[1]
            record["ended_at"] = at[5]
            record["events"] = [
                {"at": at[1], "from": "customer", "text": "My order is late."},
                {"at": at[2], "from": "agent", "text": rng.choice(PROMISES)},
            ]
            if rng.random() < 0.3:
                record["events"].append({"at": at[4], "from": "agent", "text": "Done."})
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines


def test_contacts_across_files_are_byte_identical_with_jobs(tmp_path: Path) -> None:
    from conftest import run_cli

    rules = write_rules(tmp_path, CONTACT_RULES)
    lines = contact_log(1500, seed=3)
    paths = []
    for number, chunk in enumerate((lines[:500], lines[500:1000], lines[1000:])):
        path = tmp_path / f"day{number}.jsonl"
        path.write_text("\n".join(chunk) + "\n", encoding="utf-8")
        paths.append(path)
    one = run_cli("evaluate", *paths, "-r", rules, "--jobs", "1", "-f", "json")
    two = run_cli("evaluate", *paths, "-r", rules, "--jobs", "2", "-f", "json")
    assert one.code == two.code
    assert one.stdout == two.stdout
    report = json.loads(one.stdout)
    figures = {rule["id"]: rule["metrics"] for rule in report["rules_summary"]}
    assert figures["wait"]["abandoned"] > 50
    assert figures["repeat"]["repeats"] > 100
    assert figures["promises"]["from_text"]["kept"] > 50
    assert figures["promises"]["from_text"]["broken"] > 50


def test_the_report_counts_promises_from_text_apart(tmp_path: Path) -> None:
    from cs_score.formats.base import rule_figures

    records = [
        _chat(
            "A",
            "K-1",
            ("2026-03-04T10:00:00Z", "customer", "Hello"),
            ("2026-03-04T10:01:00Z", "agent", "I'll call you back tomorrow."),
        ),
        {
            "id": "B",
            "promises": [
                {"id": "p1", "due": "2026-03-05T10:00:00Z", "kept_at": "2026-03-05T09:00:00Z"}
            ],
        },
    ]
    rules = write_rules(tmp_path, [{"id": "promises", "kind": "promises", "from_text": True}])
    ruleset = load_ruleset(str(rules))
    as_of = datetime.fromisoformat("2026-03-31T00:00:00+00:00")
    scored = list(cs_score.score_records(records, ruleset, as_of=as_of))
    report = cs_score.build_report(cs_score.fold(scored, ruleset))
    rule = report.rules_summary[0]
    assert rule["metrics"]["from_text"] == {"made": 1, "kept": 0, "broken": 1, "pending": 0}
    assert rule_figures(rule) == (
        "made 2 · kept 1 · broken 1 (0 notified) · pending 0"
        " · of them from text: made 1 · kept 0 · broken 1 · pending 0"
    )
