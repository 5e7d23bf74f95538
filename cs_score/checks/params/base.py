"""The keys every rule has, and where a rule or override applies (pydantic models of
the rules file)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cs_score.interaction import Interaction

StrOrList = str | list[str]


class Condition(BaseModel):
    """Where a rule or override applies. Every key given must hold; a list means any of."""

    model_config = ConfigDict(extra="forbid")

    channel: StrOrList | None = Field(None, description="channel, or a list of channels")
    tags: StrOrList | None = Field(None, description="holds when the record has any of these tags")
    team: StrOrList | None = Field(None, description="team, or a list of teams")
    agent: StrOrList | None = Field(None, description="agent, or a list of agents")
    attributes: dict[str, Any] | None = Field(
        None, description="attribute values; a list value means any of"
    )

    def holds(self, record: Interaction) -> bool:
        if self.channel is not None and not _one_of(record.channel, self.channel):
            return False
        if self.team is not None and not _one_of(record.team, self.team):
            return False
        if self.agent is not None and not _one_of(record.agent, self.agent):
            return False
        if self.tags is not None:
            wanted = {self.tags} if isinstance(self.tags, str) else set(self.tags)
            if wanted.isdisjoint(record.tags):
                return False
        if self.attributes:
            for key, expected in self.attributes.items():
                actual = record.attributes.get(key)
                options = expected if isinstance(expected, list) else [expected]
                if actual not in options:
                    return False
        return True


def _one_of(value: str | None, expected: StrOrList) -> bool:
    return value == expected if isinstance(expected, str) else value in expected


def one_or_more(*allowed: str) -> BeforeValidator:
    """A validator for "one of these names, or a list of them", with one clear message."""

    def check(value: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        wrong = [item for item in items if item not in allowed]
        if wrong or not items:
            names = ", ".join(allowed)
            got = f", got {wrong[0]!r}" if wrong else ", got an empty list"
            raise ValueError(f"expected one of {names}, or a list of them{got}")
        return value

    return BeforeValidator(check)


class RuleBase(BaseModel):
    """Keys every rule has, whatever its kind."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="unique name of the rule, used in reports and overrides")
    kind: str
    weight: float = Field(1.0, ge=0, le=10_000, description="share of the score this rule carries")
    critical: bool = Field(False, description="a failure makes the interaction score 0")
    enabled: bool = Field(True, description="false switches the rule off")
    when: Condition | None = Field(None, description="apply the rule only where this holds")
    description: str | None = Field(None, description="what the rule checks, for people")

    phrase_packs: ClassVar[tuple[str, ...]] = ()
    """Names of the phrase packs this kind reads by default (for validation)."""

    def packs_used(self) -> list[str]:
        """Pack names this rule reads; each must exist in the rule set's phrase book."""
        return list(self.phrase_packs)

    def inline_phrases(self) -> dict[str, list[str]] | None:
        """Phrases written in the rule itself, by language; loading makes them a pack."""
        return None

    def calendars_used(self) -> list[str]:
        """Calendar names this rule reads; each must be defined under `calendars`."""
        return []
