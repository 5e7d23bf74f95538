"""`wait_time`: how long the customer waited before an agent engaged.

What it measures: `answered_at` (or, when absent, the time of the first agent event) minus
`started_at`, against a target that may differ per channel.

Credit: 1 within the target, falling linearly to 0 at `zero_at`; 0 beyond it.

Parameters (defaults):
  target (90s)       the wait a customer should not exceed
  per_channel ({})   targets by channel, e.g. {email: 4h, chat: 60s}
  zero_at (3 × target) the wait that earns no credit; for a channel with its own target,
                     zero_at is scaled by the same ratio (target 90s, zero_at 5m, email 4h
                     gives email a zero at 13h20m)
  gate_mean (false)  when true, the run's gate also fails if the *mean* wait exceeds `target`
  calendar (none)    the name of a calendar under `calendars`: only its open time counts
                     (a chat started Friday 17:59 and answered Monday 09:01 waits 2 minutes
                     if the team works 09:00-18:00 on weekdays); without one, all time counts

n/a: `no started_at`, or `no answered_at` when no agent event is timed either.

Reports: mean, median and p90 wait, and the share of interactions within their target.

Passing example (target 90s): started 10:00:00, answered 10:01:10 → wait 1m10s, credit 1.
Failing example: answered 10:05:00 → wait 5m ≥ zero_at 4m30s, credit 0.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from cs_score.checks.base import Compiled, Facts, Outcome, RuleBase
from cs_score.checks.base import Stats as BaseStats
from cs_score.durations import Duration, format_duration
from cs_score.quantiles import Quantiles


class Rule(RuleBase):
    kind: Literal["wait_time"]
    target: Duration = Field(90.0, description="target wait (90s, 1m30s, 4h, or seconds)")
    per_channel: dict[str, Duration] = Field(
        default_factory=dict, description="targets by channel, e.g. {email: 4h, chat: 60s}"
    )
    zero_at: Duration | None = Field(
        None, description="wait that earns no credit (default 3 × target)"
    )
    gate_mean: bool = Field(False, description="the gate also fails if the mean wait > target")
    calendar: str | None = Field(
        None, description="count only the open time of this calendar (see `calendars`)"
    )

    def calendars_used(self) -> list[str]:
        return [self.calendar] if self.calendar else []


class Check:
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
        self.zero_at = rule.zero_at if rule.zero_at is not None else 3 * rule.target
        if self.zero_at < rule.target:
            self.zero_at = rule.target
        self.calendar = compiled.calendars[rule.calendar] if rule.calendar else None

    def targets(self, channel: str | None) -> tuple[float, float]:
        """(target, zero_at) for a channel."""
        target = self.rule.per_channel.get(channel or "", None)
        if target is None:
            return self.rule.target, self.zero_at
        scale = target / self.rule.target if self.rule.target else 1.0
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
        self.total_ms += round(wait * 1000)
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
