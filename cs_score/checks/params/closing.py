"""`closing`: the agent closes politely — thanks the customer or offers further help.

What it measures: whether one of the agent's last `last_messages` messages contains a phrase
of the closing packs ("thank you for contacting", "is there anything else", "have a nice
day", "merci de votre appel", "terima kasih kerana menghubungi", "всего доброго", …).

Credit: 1 when it does; 0 when it does not. A closing phrase said only earlier in the
conversation does not count, and the reason says where it was.

Parameters (defaults):
  phrases (closing)     pack name or list of pack names
  last_messages (2)     how many of the agent's last messages may hold the closing
  speaker (agent)       whose messages close: agent, bot, or a list ([bot, agent] for a
                        support bot that hands over to people)

n/a: `no agent messages`.

Reports: interactions closed, closed too early (the phrase only before the last messages),
and not closed.

Passing example: agent's last message "Thank you for calling, have a nice day." → 1.
Failing example: agent's last messages "Your refund is on its way." and "Bye." → 0.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cs_score.checks.params.base import RuleBase, one_or_more

Closer = Literal["agent", "bot"]


class Rule(RuleBase):
    kind: Literal["closing"]
    phrases: str | list[str] = Field("closing", description="phrase pack name(s)")
    last_messages: int = Field(
        2, ge=1, description="the closing must be in the agent's last N messages"
    )
    speaker: Annotated[Closer | list[Closer], one_or_more("agent", "bot")] = Field(
        "agent", description="whose messages close: agent, bot, or a list"
    )

    def packs_used(self) -> list[str]:
        return [self.phrases] if isinstance(self.phrases, str) else list(self.phrases)
