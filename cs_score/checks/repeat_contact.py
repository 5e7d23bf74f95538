"""How the `repeat_contact` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.repeat_contact`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cs_score.checks.base import (
    OPEN,
    Compiled,
    Facts,
    Outcome,
    PromiseState,
    contact_key,
    plus,
    watch_id,
)
from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.repeat_contact import Rule
from cs_score.durations import format_duration, shown_duration
from cs_score.pickling import mypyc_attr
from cs_score.quantiles import Quantiles


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
        self.window = timedelta(seconds=rule.window)

    def may_wait(self, facts: Facts) -> bool:
        return facts.record.customer is not None

    def score(self, facts: Facts) -> Outcome:
        record = facts.record
        if record.customer is None:
            return Outcome.na("no customer")
        start = record.started_at
        if start is None:
            start = next((e.at for e in record.events if e.at is not None), None)
        end = record.ended_at or start
        if start is None or end is None:
            return Outcome.na("no time")
        # Only the rest of the input tells whether the customer came back: always wait.
        watch = watch_id(contact_key(record.customer), start, facts.seq, self.rule.id, 0)
        state = PromiseState(watch, plus(end, self.window), None, None, end)
        return Outcome(OPEN, None, "waiting for the end of the input", {}, [state])

    def settle(
        self,
        states: list[PromiseState],
        as_of: datetime | None,
        explain: bool,
        opened: Outcome,
    ) -> Outcome:
        state = states[0]
        ended = state.made_at
        assert ended is not None
        came = state.kept_at
        if came is not None and as_of is not None and came > as_of:
            came = None  # after the as-of time: not known yet
        window = format_duration(self.window.total_seconds())
        if came is not None and came <= state.due:
            after = max(0.0, (came - ended).total_seconds())
            measure = (True, after)
            if not explain:
                return Outcome.graded(0.0, "", {}, measure)
            evidence: dict[str, Any] = {
                "ended_at": ended.isoformat(),
                "next_contact": state.kept_by,
                "next_started_at": came.isoformat(),
                "window_seconds": self.window.total_seconds(),
            }
            reason = f"came back after {format_duration(after)} ({state.kept_by})"
            return Outcome.graded(0.0, reason, evidence, measure)
        if as_of is not None and as_of < state.due:
            return Outcome.na("window still open")
        measure = (False, 0.0)
        if not explain:
            return Outcome.graded(1.0, "", {}, measure)
        evidence = {"ended_at": ended.isoformat(), "window_seconds": self.window.total_seconds()}
        if came is not None:
            evidence["next_contact"] = state.kept_by
            evidence["next_started_at"] = came.isoformat()
        return Outcome.graded(1.0, f"no new contact within {window}", evidence, measure)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.rated = 0
        self.repeats = 0
        self.returns = Quantiles()

    def add(self, measure: Any) -> None:
        repeated, after = measure
        self.rated += 1
        if repeated:
            self.repeats += 1
            self.returns.add(after)

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        self.rated += other.rated
        self.repeats += other.repeats
        self.returns.merge(other.returns)

    def summary(self) -> dict[str, Any]:
        median = self.returns.quantile(0.5)
        return {
            "rated": self.rated,
            "repeats": self.repeats,
            "repeat_rate": round(100 * self.repeats / self.rated, 2) if self.rated else None,
            "median_return_seconds": round(median, 3) if median is not None else None,
        }


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    if not m.get("rated"):
        return ""
    text = f"repeats {m['repeats']} of {m['rated']} ({m['repeat_rate']:g}%)"
    if m.get("median_return_seconds") is not None:
        text += f" · median return after {shown_duration(m['median_return_seconds'])}"
    return text
