"""How the `wait_time` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.wait_time`."""

from __future__ import annotations

from typing import Any, Final

from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Compiled, Facts, Outcome
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.wait_time import Rule
from cs_score.durations import format_duration, shown_duration
from cs_score.grading import round_half_even
from cs_score.pickling import mypyc_attr
from cs_score.quantiles import Quantiles

UPPER_BOUNDS: Final = ("gate_mean",)
"""The gate condition `gate_mean` adds is an upper bound: mean wait ≤ target."""


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
        self.short_abandon = rule.short_abandon

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
            return self.unanswered(facts)
        elapsed = max(0.0, (answered - record.started_at).total_seconds())
        calendar = self.calendar
        wait = elapsed if calendar is None else calendar.open_seconds(record.started_at, answered)
        target, zero = self.targets(record.channel)
        measure = (wait, wait <= target, ANSWERED)
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

    def unanswered(self, facts: Facts) -> Outcome:
        """An interaction nobody answered: abandoned at `ended_at`, unless an agent engaged
        at a time the log does not give (an untimed message or action, or `greeted`: then
        the wait is unknown)."""
        record = facts.record
        if record.greeted or any(e.speaker == "agent" and e.type != "note" for e in record.events):
            return Outcome.na("no answered_at")
        ended = record.ended_at
        if ended is None:
            return Outcome.na("still waiting")
        started = record.started_at
        assert started is not None
        lasted = max(0.0, (ended - started).total_seconds())
        if lasted < self.short_abandon:
            return Outcome.na("short abandon", (lasted, False, SHORT))
        measure = (lasted, False, ABANDONED)
        if not facts.explain:
            return Outcome.graded(0.0, "", {}, measure)
        evidence: dict[str, Any] = {
            "started_at": started.isoformat(),
            "ended_at": ended.isoformat(),
            "abandoned_after_seconds": lasted,
        }
        return Outcome.graded(0.0, f"abandoned after {format_duration(lasted)}", evidence, measure)


ANSWERED: Final = 0
ABANDONED: Final = 1
SHORT: Final = 2
"""What a measure's third item says of the contact: answered, abandoned, or abandoned too
soon to count (`short_abandon`)."""


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.target = rule.target
        self.count = 0
        self.total_ms = 0
        self.within = 0
        self.waits = Quantiles()
        self.abandoned = 0
        self.abandoned_ms = 0
        self.short_abandons = 0

    def add(self, measure: Any) -> None:
        wait, within, contact = measure
        if contact != ANSWERED:
            if contact == ABANDONED:
                self.abandoned += 1
                self.abandoned_ms += round_half_even(wait * 1000)
            else:
                self.short_abandons += 1
            return
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
        self.abandoned += other.abandoned
        self.abandoned_ms += other.abandoned_ms
        self.short_abandons += other.short_abandons

    def mean(self) -> float | None:
        return self.total_ms / self.count / 1000 if self.count else None

    def by_day(self) -> bool:
        return True  # the trends draw each day's median and p90 wait

    def gate_conditions(self) -> list[tuple[str, Any, Any, bool]]:
        """With `gate_mean`, the mean wait must not exceed the target."""
        if not (isinstance(self.rule, Rule) and self.rule.gate_mean):
            return []
        mean_wait = self.mean()
        target = self.target
        shown = round(mean_wait, 3) if mean_wait is not None else None
        return [("gate_mean", target, shown, mean_wait is not None and mean_wait <= target)]

    def summary(self) -> dict[str, Any]:
        contacts = self.count + self.abandoned
        return {
            "waits": self.count,
            "mean_wait_seconds": _round(self.mean()),
            "median_wait_seconds": _round(self.waits.quantile(0.5)),
            "p90_wait_seconds": _round(self.waits.quantile(0.9)),
            "within_target": self.within,
            "within_target_rate": round(100 * self.within / self.count, 2) if self.count else None,
            "target_seconds": self.target,
            "abandoned": self.abandoned,
            "abandon_rate": round(100 * self.abandoned / contacts, 2) if contacts else None,
            "mean_abandon_seconds": _round(self.abandoned_ms / self.abandoned / 1000)
            if self.abandoned
            else None,
            "short_abandons": self.short_abandons,
        }


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    parts = []
    if m.get("waits"):
        mean = shown_duration(m["mean_wait_seconds"])
        median = shown_duration(m["median_wait_seconds"])
        parts.append(
            f"mean {mean} · median {median} · p90 {shown_duration(m['p90_wait_seconds'])}"
            f" · {m['within_target_rate']:g}% within target"
        )
    if m.get("abandoned"):
        parts.append(
            f"abandoned {m['abandoned']} ({m['abandon_rate']:g}%)"
            f" after {shown_duration(m['mean_abandon_seconds'])} on average"
        )
    return " · ".join(parts)
