"""How the `escalation` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.escalation`."""

from __future__ import annotations

from typing import Any

from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Compiled, Facts, Outcome
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.base import RuleBase
from cs_score.checks.params.escalation import Rule
from cs_score.pickling import mypyc_attr

ROUTES = ("status", "action", "agent_joined")


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.packs = tuple(rule.packs_used())
        self.statuses = frozenset(rule.escalated_by.status)
        self.actions = frozenset(rule.escalated_by.actions)
        self.agent_joins = rule.escalated_by.agent_joins

    def escalation(self, facts: Facts, request: int | None) -> dict[str, Any] | None:
        """How the interaction was escalated (`request`: the request's event index), or None."""
        record = facts.record
        status = record.resolution.status if record.resolution else None
        if status is not None and status in self.statuses:
            return {"by": "status", "status": status}
        if self.actions:
            for index, event in enumerate(record.events):
                if (
                    event.type == "action"
                    and event.speaker != "customer"
                    and event.action in self.actions
                ):
                    return {"by": "action", "action": event.action, **facts.quote(index)}
        if self.agent_joins and request is not None:
            events = record.events
            if all(e.speaker != "agent" for e in events[:request]):
                for index in range(request + 1, len(events)):
                    if events[index].speaker == "agent":
                        return {"by": "agent_joined", **facts.quote(index)}
        return None

    def score(self, facts: Facts) -> Outcome:
        found = facts.find(self.packs, facts.messages_from("customer"))
        if found is None:
            unrequested = self.escalation(facts, None)
            return Outcome.na(
                "no escalation request", ("unrequested", None) if unrequested else None
            )
        index, hit = found
        request = {"phrase": hit.phrase, **facts.quote(index)}
        granted = self.escalation(facts, index)
        if granted is None:
            return Outcome.graded(
                0.0,
                f"asked for escalation (“{hit.phrase}”), not escalated",
                {"request": request},
                ("refused", None),
            )
        route = granted["by"]
        how = {
            "status": f"status {granted.get('status')}",
            "action": f"action `{granted.get('action')}`",
            "agent_joined": "an agent took over",
        }[route]
        return Outcome.graded(
            1.0,
            f"asked for escalation (“{hit.phrase}”), escalated: {how}",
            {"request": request, "escalated": granted},
            ("granted", route),
        )


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: RuleBase) -> None:
        super().__init__(rule)
        self.counts = {"granted": 0, "refused": 0, "unrequested": 0}
        self.routes = dict.fromkeys(ROUTES, 0)

    def add(self, measure: Any) -> None:
        verdict, route = measure
        self.counts[verdict] += 1
        if route is not None:
            self.routes[route] += 1

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        for key, n in other.counts.items():
            self.counts[key] += n
        for key, n in other.routes.items():
            self.routes[key] += n

    def summary(self) -> dict[str, Any]:
        requests = self.counts["granted"] + self.counts["refused"]
        return {
            "requests": requests,
            "granted": self.counts["granted"],
            "refused": self.counts["refused"],
            "granted_rate": round(100 * self.counts["granted"] / requests, 2) if requests else None,
            "granted_by": {route: n for route, n in self.routes.items() if n},
            "unrequested": self.counts["unrequested"],
        }


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    text = f"requests {m['requests']} · granted {m['granted']} · refused {m['refused']}"
    if m.get("unrequested"):
        text += f" · unrequested {m['unrequested']}"
    return text
