"""Mistakes in the new rule kinds' keys: every one reported at once, with its place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import EXAMPLE, Ran

from cs_score import checks

BAD_RULES = """\
cs_score: 1
rules:
  - id: p1
    kind: phrase
    phrases: apologise
  - id: p2
    kind: phrase
    phrases: [hello]
    window: middle:3
    mode: banned
    speaker: robot
  - id: e1
    kind: escalation
    request_phrases: [escalation_requests]
  - id: e2
    kind: escalation
    escalated_by: {action: [escalate]}
  - id: c1
    kind: closing
    last_messages: 0
  - id: r1
    kind: response_time
    answered_by: []
    unanswered: maybe
  - id: p3
    kind: phrase
  - id: r2
    kind: respons_time
overrides:
  - when: {channel: chat}
    rules:
      p1: {phrases: greetings}
      e2: {request_phrases: human_request}
"""


def test_every_mistake_is_reported_with_its_place(
    cli: Callable[..., Ran], write_rules: Callable[..., Path]
) -> None:
    rules = write_rules(BAD_RULES)
    ran = cli("evaluate", EXAMPLE, "-r", rules)
    assert ran.code == 2
    assert ran.stdout == ""
    assert ran.stderr.splitlines() == [
        f"error: {rules}:5:5: rules[p1]: unknown phrase pack `apologise`; did you mean "
        "`apologize`?",
        f"error: {rules}:9:5: rules[p2].window: expected all, first:N or last:N (N ≥ 1), got "
        "'middle:3'",
        f"error: {rules}:10:5: rules[p2].mode: Input should be 'required' or 'forbidden' (got "
        "'banned')",
        f"error: {rules}:11:5: rules[p2].speaker: expected one of agent, customer, bot, system, "
        "any, or a list of them, got 'robot'",
        f"error: {rules}:14:5: rules[e1]: unknown phrase pack `escalation_requests`; did you mean "
        "`escalation_request`?",
        f"error: {rules}:17:20: rules[e2].escalated_by.action: unknown key `action`; did you mean "
        "`actions`?",
        f"error: {rules}:20:5: rules[c1].last_messages: Input should be greater than or equal to 1"
        " (got 0)",
        f"error: {rules}:23:5: rules[r1].answered_by: name at least one speaker who answers "
        "(agent, bot, system)",
        f"error: {rules}:24:5: rules[r1].unanswered: Input should be 'ignore' or 'fail' (got "
        "'maybe')",
        f"error: {rules}:25:5: rules[p3]: missing required key `phrases`",
        f"error: {rules}:28:5: rules[r2].kind: unknown rule kind 'respons_time' (known: "
        f"{', '.join(checks.KINDS)}); did you mean `response_time`?",
        f"error: {rules}:32:12: overrides[0].rules.p1: unknown phrase pack `greetings`; did you "
        "mean `greeting`?",
        "12 problems in the rule set; nothing was scored",
    ]
