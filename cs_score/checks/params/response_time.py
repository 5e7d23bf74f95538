"""`response_time`: every customer message is answered in time.

What it measures: each timed customer message against the next message from an agent (or
another speaker in `answered_by`). Its response time runs from the customer's message to that
answer, so when a customer writes three times before the agent answers, each of the three is
measured from its own time. Customer messages after the last answer are *unanswered*: by
default (`unanswered: fail`) each one counts as answered too late once its target has passed
by the as-of time (`--as-of`, by default the latest time in the input), and the reason says
how long it has waited; before that it is not counted yet. An e-mail nobody ever answered
fails its 4h target. With `unanswered: ignore` they are never counted (for logs where the
customer's last word is usually "thanks, bye"); the evidence and report show how many there
were either way.

Credit: the share of customer messages answered within the target (per channel, if set),
over the messages answered and the unanswered ones counted late.

Parameters (defaults):
  target (60s)          the longest a customer message should wait for an answer
  per_channel ({})      targets by channel, e.g. {email: 4h, social: 1h}
  calendar (none)       the name of a calendar under `calendars`: only its open time counts
  answered_by ([agent]) who may answer: agent, bot, system (a support bot: [bot, agent])
  unanswered (fail)     `fail` counts messages nobody answered as late once their target has
                        passed by the as-of time; `ignore` leaves them out

n/a: `no customer messages` (none with a time), `unanswered, still within the target` (no
answer yet, but the target has not passed by the as-of time), `no answer to any customer
message` (with `unanswered: ignore`).

Reports: customer messages answered and in time, the share in time, mean, median and p90
response time, and messages left unanswered.

Passing example (target 60s): customer 10:00:00 "Where is my parcel?", agent 10:00:40 "Let me
check" → 1 of 1 answered within 1m, credit 1.
Failing example: customer 10:00:00, agent 10:00:40, customer 10:01:00, agent 10:03:00 → the
second message waited 2m: 1 of 2 in time, credit 0.5.
Unanswered example (per_channel {email: 4h}): an e-mail at 09:00, never answered, as-of 15:00
→ "0 of 1 customer message answered within 4h; 1 unanswered, waiting 6h", credit 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from cs_score.checks.params.base import RuleBase
from cs_score.durations import Duration

Responder = Literal["agent", "bot", "system"]


def _agents() -> list[Responder]:
    return ["agent"]


class Rule(RuleBase):
    kind: Literal["response_time"]
    target: Duration = Field(60.0, description="longest wait for an answer to a customer message")
    per_channel: dict[str, Duration] = Field(
        default_factory=dict, description="targets by channel, e.g. {email: 4h}"
    )
    calendar: str | None = Field(
        None, description="count only the open time of this calendar (see `calendars`)"
    )
    answered_by: list[Responder] = Field(
        default_factory=_agents, description="who may answer a customer message"
    )
    unanswered: Literal["ignore", "fail"] = Field(
        "fail",
        description="`fail`: a customer message nobody answered counts as late once its "
        "target has passed; `ignore`: it is left out",
    )

    @field_validator("answered_by")
    @classmethod
    def _someone(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one speaker who answers (agent, bot, system)")
        return value

    def calendars_used(self) -> list[str]:
        return [self.calendar] if self.calendar else []
