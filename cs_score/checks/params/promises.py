"""`promises`: customers are made only promises that are kept.

What it measures: each promise the interaction made (`promises`), once it is due by the
as-of time. A promise is kept when `kept_at`, or the time of an event anywhere in the input
with `"fulfills": "<promise id>"`, is no later than `due` + `grace`. A promise that was not kept
is *notified* when `notified_at` is before `due` (the customer was told in time), otherwise
broken silently. A promise not yet due and not yet kept at the as-of time is *pending* and
does not count.

Credit: the mean over the promises that count: kept 1, notified `notified_credit`, silent 0.
A promise is scored in the interaction that made it, whoever keeps it later.

Parameters (defaults):
  notified_credit (0.5)   credit for a broken promise the customer was told about in time
  grace (0s)              added to `due` before a promise counts as broken

n/a: `no promises`, or `all promises pending`.

Reports: promises made, kept, notified, broken (notified + silent) and pending.

Passing example: due 2026-03-05T17:00Z, kept_at 2026-03-05T11:00Z → 1.
Failing example: due 2026-03-05T17:00Z, never kept, no notice, as-of 2026-03-09 → 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cs_score.checks.params.base import RuleBase
from cs_score.durations import Duration


class Rule(RuleBase):
    kind: Literal["promises"]
    notified_credit: float = Field(
        0.5, ge=0, le=1, description="credit for a broken promise notified before it was due"
    )
    grace: Duration = Field(0.0, description="time added to `due` before a promise is broken")
