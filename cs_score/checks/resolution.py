"""How the `resolution` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.resolution`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Compiled, Facts, Outcome
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.base import RuleBase
from cs_score.checks.params.resolution import Rule
from cs_score.interaction import STEPS
from cs_score.pickling import mypyc_attr


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
        # the rule's settings a score reads, copied once
        self.in_order = rule.in_order
        self.required_steps: list[str] = list(rule.required_steps)
        self.unresolved_factor = rule.unresolved_factor
        self.step_of_pack = {
            rule.step_phrases.get(step, step): step for step in rule.required_steps
        }
        self.required = frozenset(rule.required_steps)
        self.step_masks = [
            (compiled.index.mask((pack,)), step) for pack, step in self.step_of_pack.items()
        ]

    def found_steps(self, facts: Facts) -> dict[str, dict[str, Any] | None]:
        """Each required step found, with where (None when not explaining); in order of first
        appearance when explaining or when the order counts, else in the required order."""
        record = facts.record
        explain = facts.explain
        required = self.required
        declared = record.resolution.steps if record.resolution and record.resolution.steps else []
        events = record.events
        if not explain and not self.in_order:  # only which steps counts, not where
            mentioned = facts.mentions("agent")
            steps = {step for mask, step in self.step_masks if mentioned & mask}
            steps.update(step for step in declared if step in required)
            steps.update(
                event.action
                for event in events
                if event.type == "action" and event.speaker == "agent" and event.action in required
            )
            return dict.fromkeys(step for step in self.required_steps if step in steps)
        found: dict[str, tuple[float, dict[str, Any] | None]] = {}
        for position, step in enumerate(declared):
            if step in required and step not in found:
                where = {"source": "resolution.steps"} if explain else None
                found[step] = (len(events) + position, where)
        for index, event in enumerate(events):
            if event.type == "action" and event.speaker == "agent" and event.action in required:
                step = event.action
                if step not in found or found[step][0] > index:
                    found[step] = (index, {"source": "action", "event": index} if explain else None)
        step_of_pack = self.step_of_pack
        for index in facts.messages_from("agent"):
            hits = facts.hits(index)
            if not hits:
                continue
            for pack, phrase in hits.items():
                phrase_step = step_of_pack.get(pack)
                if phrase_step is None:
                    continue
                if phrase_step not in found or found[phrase_step][0] > index:
                    found[phrase_step] = (
                        index,
                        {"source": "phrase", "phrase": phrase.phrase, "event": index}
                        if explain
                        else None,
                    )
        return {step: where for step, (_, where) in sorted(found.items(), key=lambda kv: kv[1][0])}

    def score(self, facts: Facts) -> Outcome:
        resolution = facts.record.resolution
        status = resolution.status if resolution else None
        if status == "pending":
            return Outcome.na("resolution pending")
        found = self.found_steps(facts)
        if resolution is None and not found:
            return Outcome.na("no resolution data")
        required = self.required_steps
        in_order = self.in_order
        present = _longest_in_order(required, list(found)) if in_order else len(found)
        credit = present / len(required)
        not_resolved = status in ("unresolved", "escalated")
        if not_resolved:
            credit *= self.unresolved_factor
        if not facts.explain:
            return Outcome.graded(credit, "", {}, (status, found))
        missing = [step for step in required if step not in found]
        evidence: dict[str, Any] = {"status": status, "steps": found, "missing": missing}
        reason = f"{present} of {len(required)} steps" + (" in order" if in_order else "")
        if missing:
            reason += f"; missing {', '.join(missing)}"
        if not_resolved:
            reason += f"; {status}"
        elif status is None:
            reason += "; status unknown"
        return Outcome.graded(credit, reason, evidence, (status, found))


def _longest_in_order(required: Sequence[str], seen: Sequence[str]) -> int:
    """Length of the longest common subsequence of the required and the observed order."""
    previous = [0] * (len(seen) + 1)
    for step in required:
        current = [0]
        for j, other in enumerate(seen):
            current.append(previous[j] + 1 if step == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: RuleBase) -> None:
        super().__init__(rule)
        self.statuses: dict[str, int] = {}
        self.steps: dict[str, int] = {}

    def add(self, measure: Any) -> None:
        status, found = measure
        key = status or "unknown"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        for step in found:
            self.steps[step] = self.steps.get(step, 0) + 1

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        for key, n in other.statuses.items():
            self.statuses[key] = self.statuses.get(key, 0) + n
        for key, n in other.steps.items():
            self.steps[key] = self.steps.get(key, 0) + n

    def summary(self) -> dict[str, Any]:
        return {
            "statuses": dict(sorted(self.statuses.items())),
            "steps_found": {step: self.steps.get(step, 0) for step in STEPS if step in self.steps},
        }


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    return " · ".join(f"{status} {n}" for status, n in m.get("statuses", {}).items())
