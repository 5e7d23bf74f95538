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

from cs_score.checks import promises as promises_kind
from cs_score.checks.base import FAIL, NA, Facts, Outcome, PlannedRule
from cs_score.checks.promises import OPEN
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
    open_rules: dict[str, tuple[tuple[int, ...], list[promises_kind.PromiseState]]] = field(
        default_factory=dict
    )
    """Rules that wait for the end of the input: rule id → (active overrides, promise states)."""
    fulfills: list[tuple[str, datetime]] = field(default_factory=list)
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
        open_rules: dict[str, tuple[tuple[int, ...], list[promises_kind.PromiseState]]]
        | None = None,
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
        """Ids of the promises this result waits on."""
        return [state.id for _, states in self.open_rules.values() for state in states]

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
    rules may leave out why (reasons and evidence): for runs that only aggregate. An
    interaction with promises is always explained, since its result may wait for the end of
    the input and be shown then; unless `rescorable`: the caller still has the record and
    scores it again, explained, if it is to be shown.
    """
    record = decoded.interaction
    explain = explain or (bool(record.promises) and not rescorable)
    facts = Facts(record, ruleset.phrase_index, as_of, explain)
    results: dict[str, RuleResult] = {}
    open_rules: dict[str, tuple[tuple[int, ...], list[promises_kind.PromiseState]]] = {}
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
        fulfilments(record),
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


WAITING_KINDS: Final = frozenset({"promises"})
"""Rule kinds whose outcome may wait for the end of the input (status `OPEN`)."""


def waits_on(decoded: Decoded, ruleset: RuleSet, as_of: datetime | None = None) -> tuple[str, ...]:
    """Ids of the promises that `score` would leave this interaction's result waiting on
    (empty: its result would be final), found by applying only the rules that can wait.

    So a result that has to wait need not be scored twice over: the run holds its line and
    scores it once, when the whole input is known.
    """
    record = decoded.interaction
    if not record.promises:
        return ()
    facts = Facts(record, ruleset.phrase_index, as_of, False)
    waiting: list[str] = []
    for planned in _plan(record, ruleset)[0]:
        if planned.check is not None and planned.kind in WAITING_KINDS:
            outcome = planned.check.score(facts)
            if outcome.status == OPEN:
                waiting.extend(state.id for state in outcome.measure)
    return tuple(waiting)


def fulfilments(record: Interaction) -> list[tuple[str, datetime]]:
    """(promise id, time) of each event that keeps a promise made by another interaction."""
    keeping = [e for e in record.events if e.fulfills and e.at is not None]
    if not keeping:
        return []
    own_promises = {p.id for p in record.promises}
    return [(e.fulfills, e.at) for e in keeping if e.fulfills not in own_promises]  # type: ignore[misc]


def settle(
    result: InteractionResult,
    ruleset: RuleSet,
    fulfilled: Mapping[str, datetime],
    as_of: datetime | None,
) -> None:
    """Judge an open result's promises with what the whole input showed, then finalize it."""
    for rule_id, (active, states) in result.open_rules.items():
        check: promises_kind.Check = ruleset.check_for(active, rule_id)
        for state in states:
            at = fulfilled.get(state.id)
            if at is not None:
                state.keep(at)
        outcome = check.settle(states, as_of, result.explained)
        rule_result = result.rules[rule_id]
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
