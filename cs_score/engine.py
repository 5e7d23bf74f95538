"""Record + rule set → interaction result. Pure: no printing, no files, no global state.

`score` applies every rule to one decoded interaction. A result whose promises can only be
judged once the whole input is read (kept by a later interaction, or due relative to the as-of
time) is *open*; `settle` finishes it once the collector knows the fulfilments and the as-of.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from cs_score.checks.base import (
    FAIL,
    NA,
    OPEN,
    Facts,
    Kept,
    Outcome,
    PlannedRule,
    PromiseState,
    agent_key,
    contact_key,
    signal_id,
)
from cs_score.checks.base import Check as BaseCheck
from cs_score.grading import round_to_cents
from cs_score.interaction import Interaction
from cs_score.pickling import by_position
from cs_score.records import Decoded, Source
from cs_score.ruleset import RuleSet

COPIED_FIELDS: Final = ("agent", "team", "channel", "case")
"""Record fields copied into every interaction result (for grouping and reading)."""


RuleResult = Outcome
"""One rule's verdict on one interaction: the check's outcome, with the rule's kind, weight
and whether it is critical."""


@dataclass(slots=True, init=False)
class InteractionResult:
    """Everything the report and the outputs need to know about one scored interaction."""

    seq: int
    id: str
    source: Source
    fields: dict[str, str | None]
    attributes: dict[str, Any]
    started_at: datetime | None
    rules: dict[str, RuleResult]
    score: float | None = None
    grade: str | None = None
    passed: bool | None = None
    critical_failure: str | None = None
    open_rules: dict[str, tuple[tuple[int, ...], list[PromiseState]]] = field(default_factory=dict)
    """Rules that wait for the end of the input: rule id → (active overrides, what they wait
    on)."""
    fulfills: list[tuple[str, datetime]] = field(default_factory=list)
    """(promise id, time) of the events that keep another interaction's promise, and the
    signals this interaction sends (`signals`)."""
    latest: datetime | None = None
    events_reordered: bool = False
    explained: bool = True
    """False when rules may have left out reasons and evidence (see `score`)."""

    # An __init__ of its own: compiled, where the one `dataclass` writes stays Python code.
    def __init__(
        self,
        seq: int,
        id: str,
        source: Source,
        fields: dict[str, str | None],
        attributes: dict[str, Any],
        started_at: datetime | None,
        rules: dict[str, RuleResult],
        score: float | None = None,
        grade: str | None = None,
        passed: bool | None = None,
        critical_failure: str | None = None,
        open_rules: dict[str, tuple[tuple[int, ...], list[PromiseState]]] | None = None,
        fulfills: list[tuple[str, datetime]] | None = None,
        latest: datetime | None = None,
        events_reordered: bool = False,
        explained: bool = True,
    ) -> None:
        self.seq = seq
        self.id = id
        self.source = source
        self.fields = fields
        self.attributes = attributes
        self.started_at = started_at
        self.rules = rules
        self.score = score
        self.grade = grade
        self.passed = passed
        self.critical_failure = critical_failure
        self.open_rules = {} if open_rules is None else open_rules
        self.fulfills = [] if fulfills is None else fulfills
        self.latest = latest
        self.events_reordered = events_reordered
        self.explained = explained

    @property
    def is_open(self) -> bool:
        return bool(self.open_rules)

    def promise_ids(self) -> list[str]:
        """Ids of the promises (and watches) this result waits on."""
        return [state.id for _, states in self.open_rules.values() for state in states if state.id]

    def to_dict(self) -> dict[str, Any]:
        """The interaction result as SPEC.md's outputs describe it."""
        self._must_be_explained()
        data: dict[str, Any] = {
            "id": self.id,
            "source": {"file": self.source.file, "line": self.source.line},
            "score": self.score,
            "grade": self.grade,
            "passed": self.passed,
            "critical_failure": self.critical_failure,
        }
        for name in COPIED_FIELDS:
            if self.fields.get(name) is not None:
                data[name] = self.fields[name]
        data["rules"] = {rule_id: result.to_dict() for rule_id, result in self.rules.items()}
        return data

    def _must_be_explained(self) -> None:
        if not self.explained:
            raise ValueError(f"{self.id}: scored without explanations; score it with explain")

    def lost_points(self) -> list[str]:
        """Why this interaction lost points: the rules that did not fully pass, worst first."""
        self._must_be_explained()
        if self.critical_failure:
            rule = self.rules[self.critical_failure]
            return [f"{self.critical_failure} (critical): {rule.reason}"]
        losses = [
            (r.weight * (1 - (r.credit or 0.0)), rule_id, r)
            for rule_id, r in self.rules.items()
            if r.status not in ("pass", NA) and r.credit is not None
        ]
        losses.sort(key=lambda item: (-item[0], item[1]))
        return [f"{rule_id}: {r.reason}" for _, rule_id, r in losses if r.weight > 0]


by_position(InteractionResult)


def score(
    decoded: Decoded,
    ruleset: RuleSet,
    seq: int,
    as_of: datetime | None = None,
    explain: bool = True,
    rescorable: bool = False,
) -> InteractionResult:
    """Apply every rule of the rule set to one interaction (`as_of`: a fixed "now", if any).

    With `explain` False, the result's scores, statuses and statistics are the same, but
    rules may leave out why (reasons and evidence): for runs that only aggregate. A result
    that waits for the end of the input is always explained, since it may be shown then;
    unless `rescorable`: the caller still has the record and scores it again, explained, if
    it is to be shown.
    """
    record = decoded.interaction
    facts = Facts(record, ruleset.phrase_index, as_of, explain, seq, ruleset.zone)
    results: dict[str, RuleResult] = {}
    open_rules: dict[str, tuple[tuple[int, ...], list[PromiseState]]] = {}
    plan, active = _plan(record, ruleset)
    for planned in plan:
        check = planned.check
        if check is None:
            outcome = Outcome.na(planned.skip_reason or "not applied")
        else:
            outcome = check.score(facts)
            if outcome.status == OPEN:
                open_rules[planned.id] = (active, outcome.measure)
        outcome.kind = planned.kind
        outcome.weight = planned.weight
        outcome.critical = planned.critical
        results[planned.id] = outcome
    if open_rules and not explain and not rescorable:
        # It may be shown once settled, and then nothing can score it again: explain it now.
        return score(decoded, ruleset, seq, as_of, True)
    result = InteractionResult(  # by position, in field order: a line's hottest call
        seq,
        record.id,
        decoded.source,
        {  # COPIED_FIELDS
            "agent": record.agent,
            "team": record.team,
            "channel": record.channel,
            "case": record.case,
        },
        record.attributes,
        record.started_at,
        results,
        None,  # score
        None,  # grade
        None,  # passed
        None,  # critical_failure
        open_rules,
        fulfilments(record, ruleset),
        decoded.latest,
        decoded.events_reordered,
        explain,
    )
    if not open_rules:
        finalize(result, ruleset)
    return result


def _plan(record: Interaction, ruleset: RuleSet) -> tuple[list[PlannedRule], tuple[int, ...]]:
    """The rules as they apply to an interaction, and the overrides active for it; the rule
    set's fixed plan when no override or condition can change it."""
    plan = ruleset.fixed_plan
    if plan is not None:
        return plan, ()
    active = ruleset.active_overrides(record)
    return ruleset.plan(record, active), active


def waits_on(
    decoded: Decoded, ruleset: RuleSet, as_of: datetime | None = None, seq: int = 0
) -> tuple[str, ...] | None:
    """Ids of the promises and watches that `score` would leave this interaction's result
    waiting on; None when its result would be final. Found by applying only the rules that
    may wait (`Check.may_wait`), so a result that has to wait need not be scored twice over:
    the run holds its line and scores it once, when the whole input is known."""
    record = decoded.interaction
    facts: Facts | None = None
    waiting: list[str] | None = None
    for planned in _plan(record, ruleset)[0]:
        check = planned.check
        if check is None:
            continue
        if facts is None:
            facts = Facts(record, ruleset.phrase_index, as_of, False, seq, ruleset.zone)
        if not check.may_wait(facts):
            continue
        outcome = check.score(facts)
        if outcome.status == OPEN:
            if waiting is None:
                waiting = []
            waiting.extend(state.id for state in outcome.measure if state.id)
    return None if waiting is None else tuple(waiting)


def fulfilments(record: Interaction, ruleset: RuleSet | None = None) -> list[tuple[str, datetime]]:
    """(promise id, time) of each event that keeps a promise made by another interaction;
    then the signals the rule set asks of every interaction (see `signals`)."""
    found: list[tuple[str, datetime]] = []
    keeping = [e for e in record.events if e.fulfills and e.at is not None]
    if keeping:
        own_promises = {p.id for p in record.promises}
        found = [(e.fulfills, e.at) for e in keeping if e.fulfills not in own_promises]  # type: ignore[misc]
    if ruleset is not None and ruleset.signals:
        found.extend(signals(record, ruleset.signals))
    return found


def signals(record: Interaction, wanted: frozenset[str]) -> list[tuple[str, datetime]]:
    """(`signal_id`, time) that this interaction tells interactions before it in the input:
    its customer came back (`contact`, at its start), an agent spoke or acted in its case, or
    for its customer when it has no case (`agent`, at the first such event)."""
    sent: list[tuple[str, datetime]] = []
    if "contact" in wanted and record.customer:
        start = record.started_at
        if start is None:
            start = next((e.at for e in record.events if e.at is not None), None)
        if start is not None:
            sent.append((signal_id(contact_key(record.customer), record.id), start))
    scope = record.case or record.customer
    if "agent" in wanted and scope:
        at = next(
            (
                e.at
                for e in record.events
                if e.speaker == "agent" and e.at is not None and e.type != "note"
            ),
            None,
        )
        if at is not None:
            sent.append((signal_id(agent_key(scope), record.id), at))
    return sent


def settle(
    result: InteractionResult,
    ruleset: RuleSet,
    fulfilled: Mapping[str, Kept],
    as_of: datetime | None,
) -> None:
    """Judge an open result's promises with what the whole input showed, then finalize it."""
    for rule_id, (active, states) in result.open_rules.items():
        check: BaseCheck = ruleset.check_for(active, rule_id)
        for state in states:
            kept = fulfilled.get(state.id) if state.id else None
            if isinstance(kept, tuple):
                state.keep(kept[0], kept[1])
            elif kept is not None:
                state.keep(kept)
        rule_result = result.rules[rule_id]
        outcome = check.settle(states, as_of, result.explained, rule_result)
        rule_result.status = outcome.status
        rule_result.credit = outcome.credit
        rule_result.reason = outcome.reason
        rule_result.evidence = outcome.evidence
        rule_result.measure = outcome.measure
    result.open_rules = {}
    finalize(result, ruleset)


def finalize(result: InteractionResult, ruleset: RuleSet) -> None:
    """Score = 100 × Σ weight·credit / Σ weight over rules that are not n/a; grade; pass."""
    total = 0.0
    weights = 0.0
    critical: str | None = None
    for rule_id, rule in result.rules.items():
        if rule.credit is None:
            continue
        total += rule.weight * rule.credit
        weights += rule.weight
        if rule.critical and rule.status == FAIL and critical is None:
            critical = rule_id
    result.critical_failure = critical
    if critical is not None:
        result.score = 0.0
    elif weights > 0:
        result.score = round_to_cents(100 * total / weights)
    else:
        result.score = None
    if result.score is None:
        result.grade = None
        result.passed = None
    else:
        grading = ruleset.grading
        result.grade = grading.grade(result.score)
        result.passed = critical is None and result.score >= grading.pass_score
