"""How the `promises` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.promises`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cs_score.checks.base import (
    OPEN,
    Compiled,
    Facts,
    Outcome,
    PromiseState,
    agent_key,
    plus,
    watch_id,
)
from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.base import RuleBase
from cs_score.checks.params.promises import Rule
from cs_score.pickling import mypyc_attr
from cs_score.promise_text import find_promise


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
        self.grace = timedelta(seconds=rule.grace)
        self.from_text = rule.from_text
        self.calendar = compiled.calendars[rule.calendar] if rule.calendar else None

    def score(self, facts: Facts) -> Outcome:
        record = facts.record
        if not record.promises:
            if self.from_text:
                return self.score_text(facts)
            return Outcome.na("no promises")
        states = {
            p.id: PromiseState(p.id, p.due, p.kept_at, p.notified_at) for p in record.promises
        }
        for event in record.events:
            if event.fulfills in states and event.at is not None:
                states[event.fulfills].keep(event.at)
        return self.settled_or_open(list(states.values()), facts)

    def score_text(self, facts: Facts) -> Outcome:
        """Promises an agent wrote (`cs_score.promise_text`), kept by a later agent message or
        action in this interaction, or in a later interaction of the same case (customer)."""
        record = facts.record
        events = record.events
        zone = facts.zone or UTC
        scope = record.case or record.customer
        promises: list[PromiseState] = []
        for index in facts.messages_from("agent"):
            event = events[index]
            made = event.at
            if made is None:
                continue
            found = find_promise(event.text or "", made, zone, self.calendar)
            if found is None:
                continue
            state = PromiseState("", found.due, None, None, made, found.sentence, index)
            follow = next(
                (
                    (later, e.at)
                    for later, e in enumerate(events)
                    if later > index
                    and e.speaker == "agent"
                    and e.type != "note"
                    and e.at is not None
                    and e.at > made
                ),
                None,
            )
            if follow is not None:
                state.keep(follow[1], f"event {follow[0]}")
            elif scope:
                n = len(promises)
                state.id = watch_id(agent_key(scope), made, facts.seq, self.rule.id, n)
            promises.append(state)
        if not promises:
            return Outcome.na("no promises")
        return self.settled_or_open(promises, facts)

    def settled_or_open(self, promises: list[PromiseState], facts: Facts) -> Outcome:
        """Settled now when every promise was kept in time already; else open."""
        as_of = facts.as_of
        if all(
            s.kept_at is not None
            and s.kept_at <= plus(s.due, self.grace)
            and (as_of is None or s.kept_at <= as_of)
            for s in promises
        ):
            return self.judge(promises, as_of, facts.explain)
        return Outcome(OPEN, None, "waiting for the end of the input", {}, promises)

    def may_wait(self, facts: Facts) -> bool:
        if facts.record.promises:
            return True
        return self.from_text and bool(facts.messages_from("agent"))

    def settle(
        self,
        states: list[PromiseState],
        as_of: datetime | None,
        explain: bool,
        opened: Outcome,
    ) -> Outcome:
        return self.judge(states, as_of, explain)

    def judge(
        self, promises: list[PromiseState], as_of: datetime | None, explain: bool = True
    ) -> Outcome:
        """Score promises against the as-of time (None: only promises already kept on time);
        without the reason and evidence of a graded outcome unless `explain`."""
        verdicts: dict[int, str] = {}
        credits: list[float] = []
        for number, state in enumerate(promises):
            kept = state.kept_at
            if kept is not None and as_of is not None and kept > as_of:
                kept = None
            deadline = plus(state.due, self.grace)
            if kept is not None and kept <= deadline:
                verdicts[number] = "kept"
                credits.append(1.0)
            elif as_of is not None and deadline > as_of:
                verdicts[number] = "pending"
            elif (
                state.notified_at is not None
                and state.notified_at < state.due
                and (as_of is None or state.notified_at <= as_of)
            ):
                verdicts[number] = "notified"
                credits.append(self.rule.notified_credit)
            else:
                verdicts[number] = "broken"
                credits.append(0.0)
        counts = {
            v: list(verdicts.values()).count(v) for v in ("kept", "notified", "broken", "pending")
        }
        from_text = any(s.text is not None for s in promises)
        if not credits:
            return Outcome.na("all promises pending", (counts, from_text))
        credit = sum(credits) / len(credits)
        if not explain:
            return Outcome.graded(credit, "", {}, (counts, from_text))
        shown: list[dict[str, Any]] = []
        for number, s in enumerate(promises):
            item: dict[str, Any] = {
                "id": s.id,
                "due": s.due.isoformat(),
                "kept_at": s.kept_at.isoformat() if s.kept_at else None,
                "notified_at": s.notified_at.isoformat() if s.notified_at else None,
                "verdict": verdicts[number],
            }
            if s.text is not None:
                del item["id"], item["notified_at"]
                item["from"] = "text"
                item["text"] = s.text
                item["event"] = s.event
                item["made_at"] = s.made_at.isoformat() if s.made_at else None
                item["kept_by"] = s.kept_by if item["kept_at"] else None
            shown.append(item)
        evidence: dict[str, Any] = {"promises": shown}
        if as_of is not None:
            evidence["as_of"] = as_of.isoformat()
        parts = [f"{n} {verdict}" for verdict, n in counts.items() if n]
        reason = ", ".join(parts) + (" (from text)" if from_text else "")
        return Outcome.graded(credit, reason, evidence, (counts, from_text))


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: RuleBase) -> None:
        super().__init__(rule)
        self.counts = {"made": 0, "kept": 0, "notified": 0, "broken": 0, "pending": 0}
        self.text = {"made": 0, "kept": 0, "broken": 0, "pending": 0}
        """The same, of the promises found in text."""

    def add(self, measure: Any) -> None:
        if not isinstance(measure, tuple):
            return
        verdicts, from_text = measure
        for verdict, n in verdicts.items():
            self.counts[verdict] += n
            self.counts["made"] += n
            if from_text:
                self.text["broken" if verdict == "notified" else verdict] += n
                self.text["made"] += n

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        for key, n in other.counts.items():
            self.counts[key] += n
        for key, n in other.text.items():
            self.text[key] += n

    def summary(self) -> dict[str, Any]:
        broken = self.counts["notified"] + self.counts["broken"]
        return {
            "made": self.counts["made"],
            "kept": self.counts["kept"],
            "broken": broken,
            "notified": self.counts["notified"],
            "broken_silently": self.counts["broken"],
            "pending": self.counts["pending"],
            "from_text": dict(self.text),
        }


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    if not m.get("made"):
        return ""
    text = (
        f"made {m['made']} · kept {m['kept']} · broken {m['broken']}"
        f" ({m['notified']} notified) · pending {m['pending']}"
    )
    found = m.get("from_text") or {}
    if found.get("made"):
        text += (
            f" · of them from text: made {found['made']} · kept {found['kept']}"
            f" · broken {found['broken']} · pending {found['pending']}"
        )
    return text
