"""How the `response_time` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.response_time`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs_score.checks.base import OPEN, Compiled, Facts, Outcome, PromiseState
from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.response_time import Rule
from cs_score.durations import format_duration, shown_duration
from cs_score.grading import round_half_even
from cs_score.pickling import mypyc_attr
from cs_score.quantiles import Quantiles

MAX_LATE_SHOWN = 5


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
        self.responders = frozenset(rule.answered_by)
        self.calendar = compiled.calendars[rule.calendar] if rule.calendar else None
        self.fail_unanswered = rule.unanswered == "fail"

    def seconds(self, asked: datetime, answered: datetime) -> float:
        if self.calendar is not None:
            return self.calendar.open_seconds(asked, answered)
        return max(0.0, (answered - asked).total_seconds())

    def score(self, facts: Facts) -> Outcome:
        record = facts.record
        target = self.rule.per_channel.get(record.channel or "", self.rule.target)
        waiting, responses = self._answers(facts)
        if waiting is None:
            return Outcome.na("no customer messages")
        if waiting and self.fail_unanswered and facts.as_of is None:
            # How long they have waited is known once the input's as-of time is.
            states = [PromiseState("", at, None, None, None, None, index) for index, at in waiting]
            opened = {"target_seconds": target, "responses": responses}
            return Outcome(OPEN, None, "waiting for the end of the input", opened, states)
        return self.judge(target, responses, waiting, facts.as_of, facts.explain)

    def may_wait(self, facts: Facts) -> bool:
        if not self.fail_unanswered or facts.as_of is not None:
            return False
        events = facts.record.events
        return any(e.speaker == "customer" and e.type == "message" for e in events)

    def settle(
        self,
        states: list[PromiseState],
        as_of: datetime | None,
        explain: bool,
        opened: Outcome,
    ) -> Outcome:
        waiting = [(state.event, state.due) for state in states]
        target = opened.evidence["target_seconds"]
        return self.judge(target, opened.evidence["responses"], waiting, as_of, explain)

    def _answers(
        self, facts: Facts
    ) -> tuple[list[tuple[int, datetime]] | None, list[tuple[int, int, float]]]:
        """(customer messages nobody answered, (message, answer, seconds) of the others);
        None for the first when the customer wrote nothing timed."""
        waiting: list[tuple[int, datetime]] = []
        responses: list[tuple[int, int, float]] = []
        asked = 0
        for index, event in enumerate(facts.record.events):
            if event.type != "message" or event.at is None:
                continue
            if event.speaker == "customer":
                waiting.append((index, event.at))
                asked += 1
            elif waiting and event.speaker in self.responders:
                for question, at in waiting:
                    responses.append((question, index, self.seconds(at, event.at)))
                waiting = []
        return (waiting if asked else None), responses

    def judge(
        self,
        target: float,
        responses: list[tuple[int, int, float]],
        waiting: list[tuple[int, datetime]],
        as_of: datetime | None,
        explain: bool,
    ) -> Outcome:
        """The outcome, once it is known how long the unanswered messages have waited (by
        `as_of`; None: the end of the input is unknown, and they are not counted)."""
        fail_unanswered = self.fail_unanswered
        overdue: list[tuple[int, float]] = []
        if fail_unanswered and as_of is not None:
            for index, at in waiting:
                waited = self.seconds(at, as_of)
                if waited > target:
                    overdue.append((index, waited))
        measure: tuple[tuple[float, ...], int, int]
        if not responses and not overdue:
            measure = ((), 0, len(waiting))
            if fail_unanswered and waiting:
                return Outcome.na("unanswered, still within the target", measure)
            return Outcome.na("no answer to any customer message", measure)
        in_time = sum(1 for _, _, seconds in responses if seconds <= target)
        counted = len(responses) + len(overdue)
        measure = (tuple(s for _, _, s in responses), in_time, len(waiting))
        credit = in_time / counted
        if not explain:
            return Outcome.graded(credit, "", {}, measure)
        late = [
            {"customer_event": q, "answer_event": a, "response_seconds": s}
            for q, a, s in responses
            if s > target
        ]
        evidence: dict[str, Any] = {
            "target_seconds": target,
            "answered": len(responses),
            "in_time": in_time,
            "late": late[:MAX_LATE_SHOWN],
        }
        if responses:
            slowest = max(responses, key=lambda r: r[2])
            evidence["slowest"] = {
                "customer_event": slowest[0],
                "answer_event": slowest[1],
                "response_seconds": slowest[2],
            }
        if waiting:
            evidence["unanswered"] = [q for q, _ in waiting]
        if overdue:
            longest = max(waited for _, waited in overdue)
            evidence["unanswered_waited_seconds"] = longest
            evidence["as_of"] = as_of.isoformat() if as_of is not None else None
        if self.calendar is not None:
            evidence["calendar"] = self.calendar.name
        noun = "customer message" if counted == 1 else "customer messages"
        reason = f"{in_time} of {counted} {noun} answered within {format_duration(target)}"
        if late:
            reason += f"; slowest {format_duration(evidence['slowest']['response_seconds'])}"
        if overdue:
            waited_for = format_duration(evidence["unanswered_waited_seconds"])
            reason += f"; {len(overdue)} unanswered, waiting {waited_for}"
            if len(overdue) < len(waiting):
                reason += f" ({len(waiting) - len(overdue)} more within the target so far)"
        elif waiting:
            reason += f"; {len(waiting)} unanswered" + (
                " (within the target so far)" if fail_unanswered else " (not counted)"
            )
        return Outcome.graded(credit, reason, evidence, measure)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.target = rule.target
        self.answered = 0
        self.in_time = 0
        self.unanswered = 0
        self.total_ms = 0
        self.times = Quantiles()

    def add(self, measure: Any) -> None:
        seconds, in_time, unanswered = measure
        self.answered += len(seconds)
        self.in_time += in_time
        self.unanswered += unanswered
        for value in seconds:
            self.total_ms += round_half_even(value * 1000)
            self.times.add(value)

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        self.answered += other.answered
        self.in_time += other.in_time
        self.unanswered += other.unanswered
        self.total_ms += other.total_ms
        self.times.merge(other.times)

    def summary(self) -> dict[str, Any]:
        answered = self.answered
        return {
            "answered": answered,
            "in_time": self.in_time,
            "in_time_rate": round(100 * self.in_time / answered, 2) if answered else None,
            "unanswered": self.unanswered,
            "mean_response_seconds": round(self.total_ms / answered / 1000, 3)
            if answered
            else None,
            "median_response_seconds": _round(self.times.quantile(0.5)),
            "p90_response_seconds": _round(self.times.quantile(0.9)),
            "target_seconds": self.target,
        }


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    if not m.get("answered"):
        return ""
    return (
        f"{m['answered']} messages answered · {m['in_time_rate']:g}% in time"
        f" · mean {shown_duration(m['mean_response_seconds'])}"
        f" · p90 {shown_duration(m['p90_response_seconds'])} · unanswered {m['unanswered']}"
    )
