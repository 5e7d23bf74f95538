"""How the `promises` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.promises`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cs_score.checks.base import OPEN, Compiled, Facts, Outcome, PromiseState
from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.base import RuleBase
from cs_score.checks.params.promises import Rule
from cs_score.pickling import mypyc_attr


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
        self.grace = timedelta(seconds=rule.grace)

    def score(self, facts: Facts) -> Outcome:
        record = facts.record
        if not record.promises:
            return Outcome.na("no promises")
        states = {
            p.id: PromiseState(p.id, p.due, p.kept_at, p.notified_at) for p in record.promises
        }
        for event in record.events:
            if event.fulfills in states and event.at is not None:
                states[event.fulfills].keep(event.at)
        promises = list(states.values())
        as_of = facts.as_of
        if all(
            s.kept_at is not None
            and s.kept_at <= _plus(s.due, self.grace)
            and (as_of is None or s.kept_at <= as_of)
            for s in promises
        ):
            return self.settle(promises, as_of, facts.explain)
        return Outcome(OPEN, None, "waiting for the end of the input", {}, promises)

    def may_wait(self, facts: Facts) -> bool:
        return bool(facts.record.promises)

    def settle(
        self,
        promises: list[PromiseState],
        as_of: datetime | None,
        explain: bool = True,
        opened: Outcome | None = None,
    ) -> Outcome:
        """Score promises against the as-of time (None: only promises already kept on time);
        without the reason and evidence of a graded outcome unless `explain`."""
        verdicts: dict[str, str] = {}
        credits: list[float] = []
        for state in promises:
            kept = state.kept_at
            if kept is not None and as_of is not None and kept > as_of:
                kept = None
            deadline = _plus(state.due, self.grace)
            if kept is not None and kept <= deadline:
                verdicts[state.id] = "kept"
                credits.append(1.0)
            elif as_of is not None and deadline > as_of:
                verdicts[state.id] = "pending"
            elif (
                state.notified_at is not None
                and state.notified_at < state.due
                and (as_of is None or state.notified_at <= as_of)
            ):
                verdicts[state.id] = "notified"
                credits.append(self.rule.notified_credit)
            else:
                verdicts[state.id] = "broken"
                credits.append(0.0)
        counts = {
            v: list(verdicts.values()).count(v) for v in ("kept", "notified", "broken", "pending")
        }
        if not credits:
            return Outcome.na("all promises pending", counts)
        credit = sum(credits) / len(credits)
        if not explain:
            return Outcome.graded(credit, "", {}, counts)
        evidence: dict[str, Any] = {
            "promises": [
                {
                    "id": s.id,
                    "due": s.due.isoformat(),
                    "kept_at": s.kept_at.isoformat() if s.kept_at else None,
                    "notified_at": s.notified_at.isoformat() if s.notified_at else None,
                    "verdict": verdicts[s.id],
                }
                for s in promises
            ]
        }
        if as_of is not None:
            evidence["as_of"] = as_of.isoformat()
        parts = [f"{n} {verdict}" for verdict, n in counts.items() if n]
        return Outcome.graded(credit, ", ".join(parts), evidence, counts)


def _plus(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, saturating at the end of the calendar instead of overflowing."""
    try:
        return moment + delta
    except OverflowError:
        return datetime.max.replace(tzinfo=moment.tzinfo)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: RuleBase) -> None:
        super().__init__(rule)
        self.counts = {"made": 0, "kept": 0, "notified": 0, "broken": 0, "pending": 0}

    def add(self, measure: Any) -> None:
        if not isinstance(measure, dict):
            return
        for verdict, n in measure.items():
            self.counts[verdict] += n
            self.counts["made"] += n

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        for key, n in other.counts.items():
            self.counts[key] += n

    def summary(self) -> dict[str, Any]:
        broken = self.counts["notified"] + self.counts["broken"]
        return {
            "made": self.counts["made"],
            "kept": self.counts["kept"],
            "broken": broken,
            "notified": self.counts["notified"],
            "broken_silently": self.counts["broken"],
            "pending": self.counts["pending"],
        }
