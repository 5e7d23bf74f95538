"""Results → aggregates → the report and its gate verdict.

A `ReportPart` folds interaction results and rejected lines into counts and sums that merge
exactly: scores are summed in hundredths and credits in millionths as integers, and quantiles
use a mergeable sketch, so parts built in any number of processes, in any grouping, combine to
the same report byte for byte. `build_report` turns a merged part into the report the formats
render; it never changes a score.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Final

from cs_score import __version__, checks
from cs_score.checks.base import NA, Stats
from cs_score.engine import InteractionResult
from cs_score.grading import round_half_even
from cs_score.pickling import by_position, mypyc_attr
from cs_score.records import Rejection, shown_name
from cs_score.ruleset import RuleSet

SCHEMA_VERSION = 1
MICRO: Final = 1_000_000
WORST_COUNT: Final = 10
FIRST_PLACES: Final = 3
"""Places a warning lists (the first in the input); its count covers them all."""
STATUSES: Final = ("pass", "partial", "fail", "na")
GROUP_FIELDS = ("agent", "team", "channel", "case", "day")


def group_value(result: InteractionResult, spec: str, zone: tzinfo) -> str:
    """The value of a `--group-by` spec for one result; "(none)" when the record lacks it."""
    value: Any
    if spec == "day":
        value = result.started_at.astimezone(zone).date().isoformat() if result.started_at else None
    elif spec.startswith("attributes."):
        value = result.attributes.get(spec.removeprefix("attributes."))
    else:
        value = result.fields.get(spec)
    return "(none)" if value is None else str(value)


def group_specs(group_by: Iterable[str]) -> tuple[str, ...]:
    """The `--group-by` values, each once, in the order given; ValueError names a bad one."""
    specs = tuple(dict.fromkeys(group_by))
    for spec in specs:
        if spec not in GROUP_FIELDS and not (
            spec.startswith("attributes.") and len(spec) > len("attributes.")
        ):
            raise ValueError(
                f"cannot group by {spec!r} (use {', '.join(GROUP_FIELDS)} or attributes.NAME)"
            )
    return specs


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
@dataclass
class RulePart:
    """Aggregates of one rule over many interactions (`ReportPart.add` folds results in)."""

    statuses: dict[str, int]
    credit_micro: int
    na_reasons: dict[str, int]
    stats: Stats

    @classmethod
    def new(cls, rule: Any) -> RulePart:
        stats = checks.KINDS[rule.kind].Stats(rule)
        return cls(dict.fromkeys(STATUSES, 0), 0, {}, stats)

    def merge(self, other: RulePart) -> None:
        for status, n in other.statuses.items():
            self.statuses[status] += n
        self.credit_micro += other.credit_micro
        for reason, n in other.na_reasons.items():
            self.na_reasons[reason] = self.na_reasons.get(reason, 0) + n
        self.stats.merge(other.stats)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
@dataclass
class GroupPart:
    """Aggregates of the interactions that share one group value."""

    count: int = 0
    rated: int = 0
    score_cents: int = 0
    passed: int = 0
    grade_counts: dict[str, int] = field(default_factory=dict)
    rule_credit: dict[str, list[int]] = field(default_factory=dict)
    """rule id → [interactions it applied to, credit sum in millionths]"""

    def add(self, result: InteractionResult) -> None:
        self.count += 1
        if result.score is not None and result.grade is not None:
            self.rated += 1
            self.score_cents += round_half_even(result.score * 100)
            self.passed += bool(result.passed)
            self.grade_counts[result.grade] = self.grade_counts.get(result.grade, 0) + 1
        for rule_id, rule in result.rules.items():
            if rule.credit is not None:
                entry = self.rule_credit.setdefault(rule_id, [0, 0])
                entry[0] += 1
                entry[1] += round_half_even(rule.credit * MICRO)

    def merge(self, other: GroupPart) -> None:
        self.count += other.count
        self.rated += other.rated
        self.score_cents += other.score_cents
        self.passed += other.passed
        for grade, n in other.grade_counts.items():
            self.grade_counts[grade] = self.grade_counts.get(grade, 0) + n
        for rule_id, (n, micro) in other.rule_credit.items():
            entry = self.rule_credit.setdefault(rule_id, [0, 0])
            entry[0] += n
            entry[1] += micro


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
@dataclass
class DayPart:
    """Aggregates of the interactions that started on one day (in the rule set's time zone):
    what the report's trends are made of. Each rule keeps how many it applied to and passed and
    its credit; a kind whose figures are drawn over time (`Stats.by_day`: the wait's median and
    p90) keeps its statistics too."""

    rules: dict[str, list[int]]
    """rule id → [interactions it applied to, passed, credit sum in millionths]"""
    stats: dict[str, Stats]
    count: int = 0
    rated: int = 0
    score_cents: int = 0
    passed: int = 0

    @classmethod
    def new(cls, ruleset: RuleSet) -> DayPart:
        stats = {}
        for rule in ruleset.rules:
            rule_stats = checks.KINDS[rule.kind].Stats(rule)
            if rule_stats.by_day():
                stats[rule.id] = rule_stats
        return cls({rule.id: [0, 0, 0] for rule in ruleset.rules}, stats)

    def add(self, result: InteractionResult) -> None:
        self.count += 1
        rules, stats = self.rules, self.stats
        for rule_id, rule_result in result.rules.items():
            credit = rule_result.credit
            if credit is not None:
                entry = rules[rule_id]
                entry[0] += 1
                entry[1] += rule_result.status == "pass"
                entry[2] += round_half_even(credit * MICRO)
            if rule_result.measure is not None and rule_id in stats:
                stats[rule_id].add(rule_result.measure)
        if result.score is not None and result.grade is not None:
            self.rated += 1
            self.score_cents += round_half_even(result.score * 100)
            self.passed += bool(result.passed)

    def merge(self, other: DayPart) -> None:
        self.count += other.count
        self.rated += other.rated
        self.score_cents += other.score_cents
        self.passed += other.passed
        for rule_id, (applied, passed, micro) in other.rules.items():
            entry = self.rules[rule_id]
            entry[0] += applied
            entry[1] += passed
            entry[2] += micro
        for rule_id, rule_stats in other.stats.items():
            self.stats[rule_id].merge(rule_stats)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
@dataclass
class WorstEntry:
    """A low-scoring interaction kept for the report, with why it lost points."""

    score: float
    seq: int
    id: str
    file: str
    line: int
    grade: str
    critical_failure: str | None
    reasons: list[str]
    fields: dict[str, str | None]

    def key(self) -> tuple[float, int]:
        return (self.score, self.seq)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class LowestSeen:
    """The lowest scores seen, by (score, position): the ten a report lists, each with what
    it keeps of the result (or nothing, when only the positions matter).

    One process keeps one over all the parts it builds: a result that is not among its
    lowest is not among the lowest of the whole run either, so a part need not keep it (nor
    explain it) even when it is among the part's own lowest.
    """

    def __init__(self) -> None:
        self._items: list[tuple[float, int, Any]] = []  # max-heap by (-score, -seq)

    def admits(self, score: float, seq: int) -> bool:
        """Whether a result this low would be among the lowest."""
        return len(self._items) < WORST_COUNT or (-score, -seq) > self._items[0][:2]

    def offer(self, score: float, seq: int, kept: Any = None) -> bool:
        """Note a result's score, keeping `kept` with it; whether it is among the lowest."""
        if not self.admits(score, seq):
            return False
        item = (-score, -seq, kept)
        if len(self._items) < WORST_COUNT:
            heapq.heappush(self._items, item)
        else:
            heapq.heapreplace(self._items, item)
        return True

    def kept(self) -> list[Any]:
        """What was kept with each of the lowest, in no particular order."""
        return [item[2] for item in self._items]


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class ReportPart:
    """Mergeable aggregates of part of a run (one process, one file, one Dask partition)."""

    def __init__(self, ruleset: RuleSet, group_by: tuple[str, ...] = ()) -> None:
        self.ruleset: RuleSet | None = ruleset
        """None in a part that was pickled (see `STATE`)."""
        self.zone = ruleset.zone
        self.group_by = group_by
        self.scored = 0
        self._rejections: list[tuple[int, Rejection]] = []
        self.rated = 0
        self.score_cents = 0
        self.passed = 0
        self.critical_failures = 0
        self.grade_counts: dict[str, int] = {}
        self.rules = {rule.id: RulePart.new(rule) for rule in ruleset.rules}
        self.groups: dict[str, dict[str, GroupPart]] = {spec: {} for spec in group_by}
        self._worst = LowestSeen()
        self.days: dict[str, DayPart] = {}
        """Aggregates by the day each interaction started (ISO date in the rule set's zone)."""
        self._quarter = -(2**62)
        self._quarter_day = ""
        """The quarter hour (since the epoch) of the last start time seen, and its day."""
        self.events_reordered = 0
        self.latest: datetime | None = None
        self.warnings: dict[str, list[Any]] = {}
        """message → [count, the first places: (position, file, line), at most FIRST_PLACES]"""

    @property
    def read(self) -> int:
        return self.scored + len(self._rejections)

    @property
    def rejections(self) -> list[Rejection]:
        """Rejected lines, in input order."""
        return [rejection for _, rejection in sorted(self._rejections, key=lambda r: r[0])]

    def reject(self, rejection: Rejection, seq: int) -> None:
        """Count a rejected line; `seq` is its position in the whole input."""
        self._rejections.append((seq, rejection))

    def warn(self, message: str, seq: int, file: str, line: int) -> None:
        """Count one occurrence of a warning (line 0: the whole file), keeping the first
        places it occurs by position in the whole input, as merging does."""
        entry = self.warnings.get(message)
        if entry is None:
            self.warnings[message] = [1, [(seq, file, line)]]
            return
        entry[0] += 1
        places: list[tuple[int, str, int]] = entry[1]
        if len(places) < FIRST_PLACES or seq < places[-1][0]:
            places.append((seq, file, line))
            places.sort()
            del places[FIRST_PLACES:]

    STATE = (
        "zone",
        "group_by",
        "scored",
        "_rejections",
        "rated",
        "score_cents",
        "passed",
        "critical_failures",
        "grade_counts",
        "rules",
        "groups",
        "_worst",
        "days",
        "events_reordered",
        "latest",
        "warnings",
    )
    """What a pickled part carries: everything but the rule set, which the receiving side has
    (merging needs only data)."""

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.STATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.ruleset = None
        self._quarter, self._quarter_day = -(2**62), ""  # a cache (see `add`), not state
        for name, value in state.items():
            setattr(self, name, value)

    def add(self, result: InteractionResult, keep_lowest: bool | None = None) -> None:
        """Fold one finished interaction result in.

        `keep_lowest` says whether the result goes to the list of lowest scores, as
        `wants_explained` (and a `LowestSeen`) decided; None: decide here.
        """
        self.scored += 1
        self.events_reordered += result.events_reordered
        rules = self.rules
        for rule_id, rule_result in result.rules.items():  # one rule part's share, inline
            part = rules[rule_id]
            part.statuses[rule_result.status] += 1
            credit = rule_result.credit
            if credit is None:
                reasons = part.na_reasons
                reasons[rule_result.reason] = reasons.get(rule_result.reason, 0) + 1
            else:
                part.credit_micro += round_half_even(credit * MICRO)
            if rule_result.measure is not None:
                part.stats.add(rule_result.measure)
        zone = self.zone
        for spec, groups in self.groups.items():
            value = group_value(result, spec, zone)
            group = groups.get(value)
            if group is None:
                group = groups[value] = GroupPart()
            group.add(result)
        started_at = result.started_at
        if started_at is not None:
            # Local midnights fall on a quarter hour (every offset and change of offset in use
            # is a multiple of 15 minutes): the interactions of one quarter share a day.
            quarter = int(started_at.timestamp() // 900)
            if quarter != self._quarter:
                self._quarter = quarter
                self._quarter_day = started_at.astimezone(zone).date().isoformat()
            day_key = self._quarter_day
            day = self.days.get(day_key)
            if day is None:
                assert self.ruleset is not None, "a pickled part is merged into, never added to"
                day = self.days[day_key] = DayPart.new(self.ruleset)
            day.add(result)
        if result.score is None or result.grade is None:
            return
        self.rated += 1
        self.score_cents += round_half_even(result.score * 100)
        self.passed += bool(result.passed)
        self.critical_failures += result.critical_failure is not None
        self.grade_counts[result.grade] = self.grade_counts.get(result.grade, 0) + 1
        if keep_lowest is None:
            keep_lowest = self.wants_explained(result)
        if keep_lowest:
            self._keep_worst(
                WorstEntry(
                    result.score,
                    result.seq,
                    result.id,
                    result.source.file,
                    result.source.line,
                    result.grade,
                    result.critical_failure,
                    result.lost_points(),
                    dict(result.fields),
                )
            )

    def wants_explained(self, result: InteractionResult) -> bool:
        """Whether `add` would keep this result among the lowest scores, with its reasons."""
        score = result.score
        return score is not None and score < 100 and self._worst.admits(score, result.seq)

    def note_latest(self, latest: datetime | None) -> None:
        if latest is not None and (self.latest is None or latest > self.latest):
            self.latest = latest

    def _keep_worst(self, entry: WorstEntry) -> None:
        self._worst.offer(entry.score, entry.seq, entry)

    def worst(self) -> list[WorstEntry]:
        return sorted(self._worst.kept(), key=WorstEntry.key)

    def merge(self, other: ReportPart) -> None:
        """Fold another part in; the result does not depend on how parts were split or ordered."""
        self.scored += other.scored
        self._rejections.extend(other._rejections)
        self.rated += other.rated
        self.score_cents += other.score_cents
        self.passed += other.passed
        self.critical_failures += other.critical_failures
        for grade, n in other.grade_counts.items():
            self.grade_counts[grade] = self.grade_counts.get(grade, 0) + n
        for rule_id, rule_part in other.rules.items():
            self.rules[rule_id].merge(rule_part)
        for spec, groups in other.groups.items():
            mine = self.groups.setdefault(spec, {})
            for value, group in groups.items():
                if value in mine:
                    mine[value].merge(group)
                else:
                    mine[value] = group
        for entry in other._worst.kept():
            self._keep_worst(entry)
        for day_key, day in other.days.items():
            if day_key in self.days:
                self.days[day_key].merge(day)
            else:
                self.days[day_key] = day
        self.events_reordered += other.events_reordered
        self.note_latest(other.latest)
        for message, (count, places) in other.warnings.items():
            entry = self.warnings.get(message)
            if entry is None:
                self.warnings[message] = [count, list(places)]
                continue
            entry[0] += count
            entry[1] = sorted([*entry[1], *places])[:FIRST_PLACES]


# ---------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class GateSettings:
    """The gate's thresholds: the rule set's `gate`, with the command-line flags over it."""

    min_score: float | None = None
    min_grade: str | None = None
    min_pass_rate: float | None = None
    max_rejected: int = 0

    @classmethod
    def resolve(
        cls,
        ruleset: RuleSet,
        min_score: float | None = None,
        min_grade: str | None = None,
        min_pass_rate: float | None = None,
        max_rejected: int | None = None,
    ) -> GateSettings:
        gate = ruleset.model.gate
        return cls(
            min_score=min_score if min_score is not None else gate.min_score,
            min_grade=min_grade if min_grade is not None else gate.min_grade,
            min_pass_rate=min_pass_rate if min_pass_rate is not None else gate.min_pass_rate,
            max_rejected=max_rejected if max_rejected is not None else gate.max_rejected,
        )


by_position(GateSettings)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
@dataclass
class Report:
    """Everything a format renders, apart from the interaction results themselves."""

    tool: dict[str, Any]
    rules: dict[str, Any]
    inputs: list[str]
    summary: dict[str, Any]
    rules_summary: list[dict[str, Any]]
    groups: dict[str, list[dict[str, Any]]]
    worst: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    gate: dict[str, Any]
    notes: list[str]
    trends: dict[str, Any] = field(default_factory=dict)
    """Mean score, pass rate and each rule's figures by day (by week over a long log), as
    `trends_of` makes them; the `html` page draws them (the JSON document leaves them out)."""
    warnings: list[dict[str, Any]] = field(default_factory=list)
    """Data that is probably a mistake: message, count, and the first places it occurs."""

    @property
    def passed(self) -> bool:
        return bool(self.gate["passed"])

    def header(self) -> dict[str, Any]:
        """The top-level keys of the JSON document that come before `interactions`."""
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": self.tool,
            "rules": self.rules,
            "inputs": self.inputs,
            "summary": self.summary,
            "rules_summary": self.rules_summary,
            "groups": self.groups,
            "worst": self.worst,
        }

    def trailer(self) -> dict[str, Any]:
        """The top-level keys of the JSON document that come after `interactions`."""
        return {
            "errors": self.errors,
            "warnings": self.warnings,
            "gate": self.gate,
            "notes": self.notes,
        }


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _mean_cents(cents: int, count: int) -> float | None:
    return round(cents / count / 100, 2) if count else None


def _grade_counts(counts: dict[str, int], order: list[str]) -> dict[str, int]:
    return {grade: counts.get(grade, 0) for grade in order}


def build_report(
    part: ReportPart,
    gate: GateSettings | None = None,
    inputs: Sequence[str] = (),
    as_of: datetime | None = None,
    notes: Sequence[str] | None = None,
) -> Report:
    """The report of a finished (merged) part, with the gate's verdict.

    `gate` defaults to the rule set's own; `as_of` (the "now" promises were judged against)
    defaults to the latest timestamp the part saw, as a run's does when none is fixed.
    """
    if part.ruleset is None:
        raise ValueError("this report part has no rule set (it was pickled): merge it into one")
    ruleset = part.ruleset
    if gate is None:
        gate = GateSettings.resolve(ruleset)
    if as_of is None:
        as_of = part.latest
    order = ruleset.grade_order()
    mean = _mean_cents(part.score_cents, part.rated)
    summary = {
        "read": part.read,
        "scored": part.scored,
        "rejected": part.read - part.scored,
        "rated": part.rated,
        "unrated": part.scored - part.rated,
        "mean_score": mean,
        "grade": ruleset.grade(mean) if mean is not None else None,
        "passed": part.passed,
        "failed": part.rated - part.passed,
        "pass_rate": _rate(part.passed, part.rated),
        "critical_failures": part.critical_failures,
        "grade_counts": _grade_counts(part.grade_counts, order),
        "as_of": as_of.isoformat() if as_of else None,
        "events_reordered": part.events_reordered,
    }
    rules_summary = []
    for rule in ruleset.rules:
        rule_part = part.rules[rule.id]
        applicable = sum(n for status, n in rule_part.statuses.items() if status != NA)
        rules_summary.append(
            {
                "id": rule.id,
                "kind": rule.kind,
                "weight": rule.weight,
                "critical": rule.critical,
                "applicable": applicable,
                "passed": rule_part.statuses["pass"],
                "partial": rule_part.statuses["partial"],
                "failed": rule_part.statuses["fail"],
                "na": rule_part.statuses[NA],
                "mean_credit": round(rule_part.credit_micro / applicable / MICRO, 4)
                if applicable
                else None,
                "na_reasons": dict(
                    sorted(rule_part.na_reasons.items(), key=lambda kv: (-kv[1], kv[0]))
                ),
                "metrics": rule_part.stats.summary(),
            }
        )
    groups: dict[str, list[dict[str, Any]]] = {}
    for spec, values in part.groups.items():
        rows = []
        for value in sorted(values):
            group = values[value]
            group_mean = _mean_cents(group.score_cents, group.rated)
            rows.append(
                {
                    "value": value,
                    "count": group.count,
                    "rated": group.rated,
                    "mean_score": group_mean,
                    "grade": ruleset.grade(group_mean) if group_mean is not None else None,
                    "pass_rate": _rate(group.passed, group.rated),
                    "grade_counts": _grade_counts(group.grade_counts, order),
                    "rules": {
                        rule.id: round(
                            group.rule_credit[rule.id][1] / group.rule_credit[rule.id][0] / MICRO, 4
                        )
                        if rule.id in group.rule_credit
                        else None
                        for rule in ruleset.rules
                    },
                }
            )
        groups[spec] = rows
    worst = [
        {
            "id": entry.id,
            "source": {"file": entry.file, "line": entry.line},
            "score": entry.score,
            "grade": entry.grade,
            "critical_failure": entry.critical_failure,
            "reasons": entry.reasons,
            **{k: v for k, v in entry.fields.items() if v is not None},
        }
        for entry in part.worst()
    ]
    errors = [{"file": r.file, "line": r.line, "reason": r.reason} for r in part.rejections]
    warnings = [
        {
            "message": message,
            "count": count,
            "first": [
                {"file": file, "line": line} if line else {"file": file} for _, file, line in places
            ],
        }
        for message, (count, places) in sorted(
            part.warnings.items(), key=lambda item: (item[1][1][0][0], item[0])
        )
    ]
    verdict = _gate(part, ruleset, gate, summary, order)
    trends = trends_of(part, ruleset)
    return Report(
        tool={"name": "cs-score", "version": __version__},
        rules={
            "name": ruleset.name,
            "sources": ruleset.sources,
            "timezone": ruleset.model.timezone,
            "pass_score": ruleset.model.pass_score,
            "grades": ruleset.model.grades,
        },
        inputs=[shown_name(path) for path in inputs],
        summary=summary,
        rules_summary=rules_summary,
        groups=groups,
        worst=worst,
        errors=errors,
        gate=verdict,
        notes=list(notes or []),
        trends=trends,
        warnings=warnings,
    )


WEEKLY_AFTER_DAYS: Final = 62
"""A log that spans more days than this is trended by week (Monday to Sunday), not by day."""


def trends_of(part: ReportPart, ruleset: RuleSet) -> dict[str, Any]:
    """Mean score, pass rate and each rule's mean credit (with the figures of the kinds kept by
    day) by day, or by week when the log spans more than `WEEKLY_AFTER_DAYS` days;
    interactions without a start time are counted in `undated`."""
    days = sorted(part.days)
    period = "day"
    periods: list[tuple[str, DayPart]] = [(day, part.days[day]) for day in days]
    if days and (date.fromisoformat(days[-1]) - date.fromisoformat(days[0])).days > (
        WEEKLY_AFTER_DAYS
    ):
        period = "week"
        weeks: dict[str, DayPart] = {}
        for day in days:
            on = date.fromisoformat(day)
            monday = (on - timedelta(days=on.weekday())).isoformat()
            week = weeks.get(monday)
            if week is None:
                week = weeks[monday] = DayPart.new(ruleset)
            week.merge(part.days[day])
        periods = sorted(weeks.items())
    rows = []
    for start, bucket in periods:
        mean = _mean_cents(bucket.score_cents, bucket.rated)
        rules = {}
        for rule in ruleset.rules:
            applicable, passed, micro = bucket.rules[rule.id]
            rule_stats = bucket.stats.get(rule.id)
            rules[rule.id] = {
                "applicable": applicable,
                "passed": passed,
                "mean_credit": round(micro / applicable / MICRO, 4) if applicable else None,
                "metrics": rule_stats.summary() if rule_stats is not None else {},
            }
        rows.append(
            {
                "start": start,
                "count": bucket.count,
                "rated": bucket.rated,
                "mean_score": mean,
                "pass_rate": _rate(bucket.passed, bucket.rated),
                "rules": rules,
            }
        )
    dated = sum(bucket.count for bucket in part.days.values())
    return {"period": period, "undated": part.scored - dated, "rows": rows}


def _gate(
    part: ReportPart,
    ruleset: RuleSet,
    gate: GateSettings,
    summary: dict[str, Any],
    order: list[str],
) -> dict[str, Any]:
    conditions: list[dict[str, Any]] = []

    def condition(name: str, threshold: Any, value: Any, passed: bool) -> None:
        conditions.append({"name": name, "threshold": threshold, "value": value, "passed": passed})

    mean = summary["mean_score"]
    if gate.min_score is not None:
        condition("min_score", gate.min_score, mean, mean is not None and mean >= gate.min_score)
    if gate.min_grade is not None:
        grade = summary["grade"]
        ok = (
            grade is not None
            and gate.min_grade in order
            and order.index(grade) <= order.index(gate.min_grade)
        )
        condition("min_grade", gate.min_grade, grade, ok)
    if gate.min_pass_rate is not None:
        rate = summary["pass_rate"]
        condition(
            "min_pass_rate",
            gate.min_pass_rate,
            rate,
            rate is not None and rate >= gate.min_pass_rate,
        )
    rejected = summary["rejected"]
    condition("max_rejected", gate.max_rejected, rejected, rejected <= gate.max_rejected)
    for rule in ruleset.rules:  # conditions of the rules' own (a wait_time rule's gate_mean)
        for name, threshold, value, passed in part.rules[rule.id].stats.gate_conditions():
            condition(f"{rule.id}.{name}", threshold, value, passed)
    return {"passed": all(c["passed"] for c in conditions), "conditions": conditions}
