"""How the `wait_time` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.wait_time`."""

from __future__ import annotations

from typing import Any

from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Compiled, Facts, Outcome
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.wait_time import Rule
from cs_score.durations import format_duration
from cs_score.grading import round_half_even
from cs_score.pickling import mypyc_attr
from cs_score.quantiles import Quantiles


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
        self.target = rule.target  # the rule's settings a score reads, copied once
        self.per_channel = rule.per_channel
        self.zero_at = rule.zero_at if rule.zero_at is not None else 3 * rule.target
        if self.zero_at < rule.target:
            self.zero_at = rule.target
        self.calendar = compiled.calendars[rule.calendar] if rule.calendar else None

    def targets(self, channel: str | None) -> tuple[float, float]:
        """(target, zero_at) for a channel."""
        target = self.per_channel.get(channel or "", None)
        if target is None:
            return self.target, self.zero_at
        scale = target / self.target if self.target else 1.0
        return target, max(target, self.zero_at * scale)

    def score(self, facts: Facts) -> Outcome:
        record = facts.record
        if record.started_at is None:
            return Outcome.na("no started_at")
        answered = facts.answered_at()
        if answered is None:
            return Outcome.na("no answered_at")
        elapsed = max(0.0, (answered - record.started_at).total_seconds())
        calendar = self.calendar
        wait = elapsed if calendar is None else calendar.open_seconds(record.started_at, answered)
        target, zero = self.targets(record.channel)
        measure = (wait, wait <= target)
        if wait <= target:
            credit = 1.0
        elif wait >= zero:
            credit = 0.0
        else:
            credit = (zero - wait) / (zero - target)
        if not facts.explain:
            return Outcome.graded(credit, "", {}, measure)
        evidence: dict[str, Any] = {
            "started_at": record.started_at.isoformat(),
            "answered_at": answered.isoformat(),
            "wait_seconds": wait,
            "target_seconds": target,
        }
        if calendar is not None:
            evidence["calendar"] = calendar.name
            evidence["elapsed_seconds"] = elapsed
        if record.answered_at is None:
            evidence["answered_by"] = "first agent event"
        shown = format_duration(wait) + (" of open time" if calendar is not None else "")
        if wait <= target:
            reason = f"waited {shown}, within {format_duration(target)}"
        elif wait >= zero:
            reason = f"waited {shown}, at or beyond {format_duration(zero)}"
        else:
            reason = f"waited {shown}, over the {format_duration(target)} target"
        return Outcome.graded(credit, reason, evidence, measure)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.target = rule.target
        self.count = 0
        self.total_ms = 0
        self.within = 0
        self.waits = Quantiles()

    def add(self, measure: Any) -> None:
        wait, within = measure
        self.count += 1
        self.total_ms += round_half_even(wait * 1000)
        self.within += within
        self.waits.add(wait)

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        self.count += other.count
        self.total_ms += other.total_ms
        self.within += other.within
        self.waits.merge(other.waits)

    def mean(self) -> float | None:
        return self.total_ms / self.count / 1000 if self.count else None

    def by_day(self) -> bool:
        return True  # the trends draw each day's median and p90 wait

    def summary(self) -> dict[str, Any]:
        return {
            "waits": self.count,
            "mean_wait_seconds": _round(self.mean()),
            "median_wait_seconds": _round(self.waits.quantile(0.5)),
            "p90_wait_seconds": _round(self.waits.quantile(0.9)),
            "within_target": self.within,
            "within_target_rate": round(100 * self.within / self.count, 2) if self.count else None,
            "target_seconds": self.target,
        }


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None
