"""`phrase`: a team's own must-say or must-never-say phrases.

What it measures: whether the messages of a speaker, in a window of the conversation, contain
a phrase of a pack: a pack by name (bundled, or defined under the rule set's `phrases`), or
phrases written in the rule itself. Inline phrases go into the rule set's one phrase index
like any pack, so they cost no extra pass over the messages.

Credit: `required` — 1 when a phrase is found in the window, 0 when not. `forbidden` — 0 when
one is found (with the quote), 1 when none is.

Parameters (defaults):
  phrases (required key)   a pack name (`recording_notice`), a list of phrases
                           (`[this call may be recorded]`), or phrases by language
                           (`{en: [...], fr: [...]}`); a list holds phrases, not pack names;
                           phrases follow the phrase language (`{a|b}`, `[a]`, `…`, markers)
                           and a named pack brings its context (markers, cancel words)
  mode (required)          `required` or `forbidden`
  speaker (agent)          agent, customer, bot, system or any; or a list of them
  window (all)             which of the speaker's messages: `all`, `first:N` or `last:N`

n/a: `no agent messages` (no message from the speaker).

Reports: interactions where a phrase was found, and how often each phrase was.

Passing example (mode required, window first:1, phrases [this call may be recorded]): the
agent's first message "Hello, this call may be recorded for training." → 1.
Failing example (mode forbidden, phrases [calm down]): agent "Please calm down, sir." → 0.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from cs_score.checks.params.base import RuleBase, one_or_more
from cs_score.phrases import phrase_problem

Speaker = Literal["agent", "customer", "bot", "system", "any"]


_WINDOW = re.compile(r"^(all|first:[1-9]\d*|last:[1-9]\d*)$")


class Rule(RuleBase):
    kind: Literal["phrase"]
    phrases: str | list[str] | dict[str, list[str]] = Field(
        description="a pack name, a list of phrases, or phrases by language"
    )
    mode: Literal["required", "forbidden"] = Field(
        "required", description="the phrase must be said (required) or never (forbidden)"
    )
    speaker: Annotated[
        Speaker | list[Speaker], one_or_more("agent", "customer", "bot", "system", "any")
    ] = Field("agent", description="whose messages are read: a speaker, or a list")
    window: str = Field("all", description="all, first:N or last:N of the speaker's messages")

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        value = value.strip().replace(" ", "")
        if not _WINDOW.match(value):
            raise ValueError(f"expected all, first:N or last:N (N ≥ 1), got {value!r}")
        return value

    @field_validator("phrases")
    @classmethod
    def _some_phrases(
        cls, value: str | list[str] | dict[str, list[str]]
    ) -> str | list[str] | dict[str, list[str]]:
        if isinstance(value, str) and not value.strip():
            raise ValueError("name a phrase pack, or give a list of phrases")
        if isinstance(value, list) and not value:
            raise ValueError("the list of phrases is empty")
        if isinstance(value, dict) and not any(value.values()):
            raise ValueError("no phrases in any language")
        if isinstance(value, str):
            return value
        inline = value if isinstance(value, list) else [p for v in value.values() for p in v]
        for phrase in inline:
            problem = phrase_problem(phrase)
            if problem is not None and problem != "no words":
                raise ValueError(f"phrase {phrase!r}: {problem}")
        return value

    def packs_used(self) -> list[str]:
        return [self.phrases] if isinstance(self.phrases, str) else []

    def inline_phrases(self) -> dict[str, list[str]] | None:
        if isinstance(self.phrases, str):
            return None
        if isinstance(self.phrases, list):
            return {"any": list(self.phrases)}
        return {lang: list(items) for lang, items in self.phrases.items()}

    def speakers(self) -> list[str]:
        chosen: list[str] = [self.speaker] if isinstance(self.speaker, str) else [*self.speaker]
        return ["agent", "customer", "bot", "system"] if "any" in chosen else chosen
