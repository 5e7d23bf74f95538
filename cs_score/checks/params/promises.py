"""`promises`: customers are made only promises that are kept.

What it measures: each promise the interaction made (`promises`), once it is due by the
as-of time. A promise is kept when `kept_at`, or the time of an event anywhere in the input
with `"fulfills": "<promise id>"`, is no later than `due` + `grace`. A promise that was not kept
is *notified* when `notified_at` is before `due` (the customer was told in time), otherwise
broken silently. A promise not yet due and not yet kept at the as-of time is *pending* and
does not count.

Credit: the mean over the promises that count: kept 1, notified `notified_credit`, silent 0.
A promise is scored in the interaction that made it, whoever keeps it later.

Promises written in text (`from_text: true`): when a record has no structured `promises`, the
rule finds the commitments agents write, with their due time, in English, French, Malay and
Russian: "I'll call you back tomorrow", "we'll get back to you within 24 hours", "by Friday",
"in 3-5 business days", "by the end of the day", "next week", "je vous rappelle demain",
"saya akan hubungi anda esok", "я перезвоню завтра". A commitment with no time is not
scored. Due is the end of the stated period in the rule set's time zone: `tomorrow` → the end
of the next day, `within 24 hours` → 24 hours after the message, `by Friday` → the end of the
next Friday, `next week` → the end of next week's Sunday, `in 3-5 business days` → the end
of the fifth business day after (the open days of `calendar` when given, else Monday to
Friday). Such a promise is *kept* by the first later agent message or action in the same
interaction, or else by the first agent message or action of a later interaction (later in
the input) of the same `case` (of the same `customer` when there is no case), if it comes
by `due` + `grace`; otherwise it is broken once due has passed by the as-of time, pending
before. Evidence: the sentence, its due time, and what kept it (`event N`, or the id of the
later interaction). The result and report mark these promises `from: text`.

Parameters (defaults):
  notified_credit (0.5)   credit for a broken promise the customer was told about in time
  grace (0s)              added to `due` before a promise counts as broken
  from_text (false)       find the promises agents write when a record has no `promises`
  calendar (none)         a calendar under `calendars`: its open days are the business days

n/a: `no promises`, or `all promises pending`.

Reports: promises made, kept, notified, broken (notified + silent) and pending; and under
`from_text`, the same of the promises found in text.

Passing example: due 2026-03-05T17:00Z, kept_at 2026-03-05T11:00Z → 1.
Failing example: due 2026-03-05T17:00Z, never kept, no notice, as-of 2026-03-09 → 0.
From text: an agent writes "I'll send you the return label by Friday" on Wednesday
2026-03-04 and sends it in a later interaction of the same case on Thursday → kept, 1.
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
    from_text: bool = Field(
        False, description="find the promises agents write when a record has no `promises`"
    )
    calendar: str | None = Field(
        None, description="the calendar whose open days count as business days (see `calendars`)"
    )

    def calendars_used(self) -> list[str]:
        return [self.calendar] if self.calendar else []
