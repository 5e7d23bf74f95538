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
  short_abandon (10s) an unanswered contact that ended sooner is n/a rather than abandoned
  calendar (none)    the name of a calendar under `calendars`: only its open time counts
                     (a chat started Friday 17:59 and answered Monday 09:01 waits 2 minutes
                     if the team works 09:00-18:00 on weekdays); without one, all time counts

Abandoned contacts: an interaction that started and was never answered (no `answered_at`,
no agent message or action) is *abandoned* at `ended_at`. It fails (credit 0, "abandoned
after 4m", counted in clock time), unless it lasted less than `short_abandon`: then it is n/a
("short abandon": a caller who rang off at once was hardly kept waiting).

n/a: `no started_at`; `short abandon`; `still waiting` (never answered and no `ended_at`);
`no answered_at` when an agent engaged but the log gives no time to measure the wait by (an
untimed agent message or action, or `greeted: true`).

Reports: over answered contacts, mean, median and p90 wait and the share within their
target; beside them, contacts abandoned, the abandon rate (abandoned / answered + abandoned),
the mean time to abandon, and short abandons.

Passing example (target 90s): started 10:00:00, answered 10:01:10 → wait 1m10s, credit 1.
Failing example: answered 10:05:00 → wait 5m ≥ zero_at 4m30s, credit 0.
Abandoned: started 10:00:00, never answered, ended 10:04:00 → "abandoned after 4m", credit 0;
ended 10:00:06 → n/a, short abandon.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cs_score.checks.params.base import RuleBase
from cs_score.durations import Duration


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
    short_abandon: Duration = Field(
        10.0, description="an unanswered contact shorter than this is n/a, not abandoned"
    )
    calendar: str | None = Field(
        None, description="count only the open time of this calendar (see `calendars`)"
    )

    def calendars_used(self) -> list[str]:
        return [self.calendar] if self.calendar else []
