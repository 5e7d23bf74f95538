"""What every rule kind shares: the common rule keys, the outcome of scoring, and facts about
an interaction that several kinds need (computed once per interaction, lazily)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any, Final

from cs_score.calendars import Calendar
from cs_score.checks.params.base import RuleBase
from cs_score.interaction import Event, Interaction
from cs_score.phrases import (
    PhraseHit,
    PhraseIndex,
)
from cs_score.pickling import by_position, mypyc_attr

OPEN: Final = "open"
"""Status of an outcome that can only be settled once the whole input has been read."""

PASS: Final = "pass"
PARTIAL: Final = "partial"
FAIL: Final = "fail"
NA: Final = "na"


@dataclass(slots=True, init=False)
class Outcome:
    """What one rule says of one interaction; the engine adds the rule's kind and weight.

    `reason` and `evidence` explain the verdict to people. When the run does not ask for
    explanations (`Facts.explain`), a check may leave them empty for a graded outcome; the
    reason of an n/a outcome is always given, since the report counts them.
    """

    status: str
    credit: float | None
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    measure: Any = None
    """Kind-specific figures for the run's statistics; not part of the output."""
    kind: str = ""
    weight: float = 0.0
    critical: bool = False

    # An __init__ of its own: compiled, where the one `dataclass` writes stays Python code.
    def __init__(
        self,
        status: str,
        credit: float | None,
        reason: str,
        evidence: dict[str, Any] | None = None,
        measure: Any = None,
        kind: str = "",
        weight: float = 0.0,
        critical: bool = False,
    ) -> None:
        self.status = status
        self.credit = credit
        self.reason = reason
        self.evidence = {} if evidence is None else evidence
        self.measure = measure
        self.kind = kind
        self.weight = weight
        self.critical = critical

    # Static, naming the class: compiled code then builds one directly.
    @staticmethod
    def graded(
        credit: float, reason: str, evidence: dict[str, Any], measure: Any = None
    ) -> Outcome:
        if credit >= 1.0:
            return Outcome(PASS, 1.0, reason, evidence, measure)
        if credit <= 0.0:
            return Outcome(FAIL, 0.0, reason, evidence, measure)
        return Outcome(PARTIAL, credit, reason, evidence, measure)

    @staticmethod
    def na(reason: str, measure: Any = None) -> Outcome:
        return Outcome(NA, None, reason, {}, measure)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "credit": None if self.credit is None else round(self.credit, 4),
            "weight": self.weight,
            "reason": self.reason,
            "evidence": self.evidence,
        }


by_position(Outcome)


class Facts:
    """Derived facts about one interaction, computed at most once and shared by all rules."""

    __slots__ = (
        "_first_agent_event",
        "_hits",
        "_mentions",
        "_messages",
        "as_of",
        "explain",
        "index",
        "record",
        "seq",
        "zone",
    )

    def __init__(
        self,
        record: Interaction,
        index: PhraseIndex,
        as_of: datetime | None = None,
        explain: bool = True,
        seq: int = 0,
        zone: tzinfo | None = None,
    ) -> None:
        self.record = record
        self.seq = seq
        """The interaction's position in the input (what makes its watches unique)."""
        self.zone = zone
        """The rule set's time zone (calendar days of promises written in text)."""
        self.index = index
        self.as_of = as_of
        """The as-of time when the run fixes it (`--as-of`); None: the end of the input."""
        self.explain = explain
        """Whether graded outcomes need their reason and evidence (see `Outcome`)."""
        self._messages: dict[str, list[int]] = {}
        self._hits: dict[int, Mapping[str, PhraseHit]] = {}
        """Phrases found in each message, by event index (each text is matched once)."""
        self._mentions: dict[str, int] = {}
        self._first_agent_event: Event | bool | None = False

    def messages_from(self, speaker: str) -> list[int]:
        """Indexes of the message events with text from `speaker`."""
        found = self._messages.get(speaker)
        if found is None:
            found = self._messages[speaker] = [
                i
                for i, e in enumerate(self.record.events)
                if e.speaker == speaker and e.type == "message" and e.text
            ]
        return found

    def first_agent_event(self) -> Event | None:
        """The first timed event from an agent (any type)."""
        if self._first_agent_event is False:
            self._first_agent_event = next(
                (e for e in self.record.events if e.speaker == "agent" and e.at is not None), None
            )
        return self._first_agent_event  # type: ignore[return-value]

    def answered_at(self) -> datetime | None:
        if self.record.answered_at is not None:
            return self.record.answered_at
        event = self.first_agent_event()
        return event.at if event else None

    def hits(self, index: int) -> Mapping[str, PhraseHit]:
        """Every phrase pack mentioned in event `index`, with the first phrase found."""
        found = self._hits.get(index)
        if found is None:
            found = self._hits[index] = self.index.hits_in(self.record.events[index].text or "")
        return found

    def mentions(self, speaker: str) -> int:
        """The packs (`PhraseIndex.mask`) that any message of `speaker` mentions: a rule whose
        packs none of them mention need not look at the messages one by one."""
        mask = self._mentions.get(speaker)
        if mask is None:
            mask = 0
            hits, events, phrase_index = self._hits, self.record.events, self.index
            for index in self.messages_from(speaker):
                hits[index], found_mask = phrase_index.scan(events[index].text or "")
                mask |= found_mask
            self._mentions[speaker] = mask
        return mask

    def pack_hit(self, index: int, packs: tuple[str, ...]) -> PhraseHit | None:
        """The phrase of the first of `packs` that event `index` mentions."""
        found = self.hits(index)
        if found:
            for pack in packs:
                hit = found.get(pack)
                if hit is not None:
                    return hit
        return None

    def find(self, packs: tuple[str, ...], indexes: list[int]) -> tuple[int, PhraseHit] | None:
        """The first of the given events that mentions a phrase of `packs`."""
        for index in indexes:
            hit = self.pack_hit(index, packs)
            if hit is not None:
                return index, hit
        return None

    def quote(self, index: int, limit: int = 200) -> dict[str, Any]:
        """Evidence pointing at one event: its index, time and text."""
        event = self.record.events[index]
        text = event.text or ""
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        return {"event": index, "at": _iso(event.at), "from": event.speaker, "text": text}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def inline_key(rule_id: str, phrases: Mapping[str, list[str]]) -> tuple[str, str]:
    """How a rule's inline phrases are found in the phrase book: rule id and phrases."""
    return rule_id, repr(sorted((lang, list(items)) for lang, items in phrases.items()))


@dataclass(frozen=True, slots=True)
class Compiled:
    """What a check gets when it is built: the phrase book and its index, the calendars, the
    inline packs."""

    phrases: Mapping[str, Mapping[str, list[str]]]
    index: PhraseIndex
    """The phrase book's one index, which `Facts` of this rule set match against."""
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    inline: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """`inline_key(rule id, phrases)` → the name of the pack made of a rule's inline phrases."""

    def inline_pack(self, rule: RuleBase) -> str:
        """The phrase book's name for the pack of a rule's inline phrases."""
        phrases = rule.inline_phrases()
        assert phrases is not None
        return self.inline[inline_key(rule.id, phrases)]


by_position(Compiled)


@dataclass(slots=True, init=False)
class PromiseState:
    """Something an open outcome waits on: a promise (kept by a later event), or anything
    else the whole input settles (a repeat contact, a message still unanswered).

    `id` is what the run's ledger knows it by: a promise id, a *watch* (`watch_id`) that a
    later interaction's signal resolves, or "" when only the as-of time settles it.
    """

    id: str
    due: datetime
    kept_at: datetime | None
    notified_at: datetime | None
    made_at: datetime | None
    text: str | None
    event: int
    """Index of the event that made it (-1: none, a structured promise)."""
    kept_by: str | None
    """The id of the later interaction that kept it (for a watch), when known."""

    # An __init__ of its own: compiled, where the one `dataclass` writes stays Python code.
    def __init__(
        self,
        id: str,
        due: datetime,
        kept_at: datetime | None,
        notified_at: datetime | None,
        made_at: datetime | None = None,
        text: str | None = None,
        event: int = -1,
        kept_by: str | None = None,
    ) -> None:
        self.id = id
        self.due = due
        self.kept_at = kept_at
        self.notified_at = notified_at
        self.made_at = made_at
        self.text = text
        self.event = event
        self.kept_by = kept_by

    def keep(self, at: datetime, by: str | None = None) -> None:
        if self.kept_at is None or at < self.kept_at:
            self.kept_at = at
            self.kept_by = by


by_position(PromiseState)

Kept = datetime | tuple[datetime, str]
"""What the run's ledger knows of a promise or watch kept by a later interaction: the time,
and for a watch the id of the interaction that resolved it."""

WATCH: Final = "\x00"
"""What a watch id (and a signal's key) starts with; a promise id from a log never does."""


def watch_id(key: str, after: datetime | None, seq: int, rule_id: str, n: int) -> str:
    """The id of a watch: resolved by the first signal on `key` (see `signal_key`) that comes
    later in the input, at a time after `after` (any time when None). Unique in the run: the
    position of the interaction, the rule and the watch's number in it."""
    moment = "" if after is None else after.isoformat()
    return f"{WATCH}{seq}.{n}.{rule_id}{WATCH}{moment}{WATCH}{key}"


def parse_watch(watch: str) -> tuple[str, datetime | None]:
    """(key, after) of a watch id."""
    _, _, rest = watch[1:].partition(WATCH)
    moment, _, key = rest.partition(WATCH)
    return key, (datetime.fromisoformat(moment) if moment else None)


def signal_id(key: str, sender: str) -> str:
    """What a signal on `key` from the interaction `sender` is known by in the run's ledger
    (in the place of a promise id)."""
    return f"{WATCH}{len(sender)}:{sender}{key}"


def parse_signal(signal: str) -> tuple[str, str]:
    """(key, sender) of a `signal_id`."""
    length, _, rest = signal[1:].partition(":")
    size = int(length)
    return rest[size:], rest[:size]


def contact_key(customer: str) -> str:
    """The key of the signal every interaction of a customer sends (repeat contacts)."""
    return "contact:" + customer


def agent_key(scope: str) -> str:
    """The key of the signal an interaction where an agent spoke or acted sends, by its case
    (or customer): it keeps promises made in an earlier interaction of the same scope."""
    return "agent:" + scope


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check:
    """What each rule kind's `Check` is: built once per rule set from the rule's parameters,
    it scores one interaction at a time. (One base class, so compiled code calls `score`
    directly rather than looking it up on each check.)

    A check whose outcome may wait for the whole input returns status `OPEN`, with the
    `PromiseState`s it waits on as its measure, and says how to finish it in `settle`.
    """

    def score(self, facts: Facts) -> Outcome:
        raise NotImplementedError

    def may_wait(self, facts: Facts) -> bool:
        """False when `score` surely gives a final outcome (a cheap test, run on every line
        before the run decides whether to hold it)."""
        return False

    def settle(
        self,
        states: list[PromiseState],
        as_of: datetime | None,
        explain: bool,
        opened: Outcome,
    ) -> Outcome:
        """The final outcome of an `OPEN` one (`opened`, as `score` gave it) once the input has
        been read: `states` know when they were kept, `as_of` is the run's."""
        raise NotImplementedError


class PlannedRule:
    """A rule as it applies to one interaction: its settings and check, or why it is n/a.

    Defined here, in a compiled module, because the engine reads it for every rule of every
    interaction.
    """

    def __init__(self, rule: RuleBase, check: Check | None, skip_reason: str | None) -> None:
        self.rule = rule
        self.check = check
        self.skip_reason = skip_reason
        # The rule's keys the engine reads for every interaction, copied once.
        self.id: str = rule.id
        self.kind: str = rule.kind
        self.weight: float = rule.weight
        self.critical: bool = rule.critical

    def __reduce__(self) -> tuple[type[PlannedRule], tuple[RuleBase, Check | None, str | None]]:
        return PlannedRule, (self.rule, self.check, self.skip_reason)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats:
    """Per-rule statistics that merge exactly (so parallel parts combine); kinds may extend."""

    def __init__(self, rule: RuleBase) -> None:
        self.rule = rule

    def add(self, measure: Any) -> None:
        """Fold in one interaction's `Outcome.measure` (never called when it is None)."""

    def merge(self, other: Stats) -> None:
        """Fold another part's statistics in."""

    def summary(self) -> dict[str, Any]:
        """Kind-specific figures for the report."""
        return {}

    def by_day(self) -> bool:
        """Whether the report keeps these figures for each day as well, for its trends (each
        day's copy costs time on every interaction, so only kinds whose figures are drawn
        over time say yes)."""
        return False

    def gate_conditions(self) -> list[tuple[str, Any, Any, bool]]:
        """Conditions the rule adds to the run's gate, as (name, threshold, value, passed);
        the report names each `<rule id>.<name>`. A kind whose module lists a name in
        `UPPER_BOUNDS` is shown as `value ≤ threshold`, any other as `≥`. None by default."""
        return []


def plus(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, saturating at the end of the calendar instead of overflowing."""
    try:
        return moment + delta
    except OverflowError:
        return datetime.max.replace(tzinfo=moment.tzinfo)
