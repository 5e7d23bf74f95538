"""`escalation`: a customer who asks for a supervisor or manager gets one.

What it measures: whether a customer message contains a phrase of the request packs
(`escalation_request`: "I want to speak to a manager", "passez-moi un responsable",
"позовите руководителя", …) and, if so, whether the interaction was escalated: its
`resolution.status` is one of `escalated_by.status`, or an agent (or bot or system) action
event names one of `escalated_by.actions`, or, with `escalated_by.agent_joins`, a human agent
takes over after the request from a conversation that only a bot had answered until then.

Credit: 1 when the request was granted, 0 when it was not (refusing to fetch a supervisor is
bad service).

Parameters (defaults):
  request_phrases (escalation_request)   pack name(s) of customer requests
  escalated_by (any of the three below)  what shows the request was granted:
    status ([escalated])                 `resolution.status` values that mean escalated
    actions ([escalate])                 action names that mean escalated
    agent_joins (false)                  a human agent answering after the request counts
                                         (for conversations a bot handles first: use it
                                         with the `human_request` pack)

n/a: `no escalation request` (no customer message asks for one).

Reports: requests, granted, refused, how each was granted, and escalations nobody asked for.

Passing example: customer "I want to speak to a manager", then an agent action
`{"type": "action", "action": "escalate"}` → 1.
Failing example: customer "Get me your supervisor", agent "There's no one else, sorry" and
status `unresolved` → 0.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cs_score.checks.base import Compiled, Facts, Outcome, RuleBase
from cs_score.checks.base import Stats as BaseStats

Status = Literal["resolved", "unresolved", "escalated", "pending"]
ROUTES = ("status", "action", "agent_joined")


def _escalated() -> list[Status]:
    return ["escalated"]


class EscalatedBy(BaseModel):
    """What shows that an interaction was escalated; any one of them is enough."""

    model_config = ConfigDict(extra="forbid")

    status: list[Status] = Field(default_factory=_escalated, description="resolution.status values")
    actions: list[str] = Field(
        default_factory=lambda: ["escalate"], description="action names (event `action`)"
    )
    agent_joins: bool = Field(
        False, description="a human agent taking over from a bot after the request counts"
    )


class Rule(RuleBase):
    kind: Literal["escalation"]
    request_phrases: str | list[str] = Field(
        "escalation_request", description="phrase pack name(s) of customer requests"
    )
    escalated_by: EscalatedBy = Field(
        default_factory=EscalatedBy, description="what shows the request was granted"
    )

    def packs_used(self) -> list[str]:
        packs = self.request_phrases
        return [packs] if isinstance(packs, str) else list(packs)


class Check:
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
