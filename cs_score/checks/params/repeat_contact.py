"""`repeat_contact`: the customer does not have to come back.

What it measures: whether the same `customer` starts another interaction within `window`
after this one ended (after it started, without `ended_at`). A customer who has to contact
the team again two days after a "resolved" contact is the plainest failure of first-contact
resolution, and it is scored in the earlier interaction, whoever handles the later one.

The later interaction is the first one of the same customer that comes after this one in
the input (across all files, in the order given) and starts after this one started. A
contact that starts while this one is still open counts too: the customer tried again.

Credit: 0 when the customer came back within the window (the evidence names the later
interaction and when it started); 1 when the window closed, by the as-of time, with no new
contact.

Parameters (defaults):
  window (7d)   how soon a new contact of the same customer counts as a repeat

n/a: `no customer`; `no time` (neither `ended_at`, `started_at` nor a timed event);
`window still open` (it has not closed by the as-of time and nobody came back yet).

Reports: contacts rated, repeats, the repeat rate, and the median time to come back.

Passing example: a customer's contact ends 2026-03-02T10:00Z, their next starts on
2026-03-20 (18 days later), as-of 2026-03-31 → no repeat within 7d, credit 1.
Failing example: the next starts 2026-03-04T09:00Z → "came back after 1d23h (INT-2)", credit 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cs_score.checks.params.base import RuleBase
from cs_score.durations import Duration


class Rule(RuleBase):
    kind: Literal["repeat_contact"]
    window: Duration = Field(
        604800.0, description="a new contact of the same customer this soon is a repeat"
    )
