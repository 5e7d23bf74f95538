"""Business hours: named calendars, so that waits count only the time a team is open.

A rule set may define calendars under the top-level key `calendars`; `wait_time` and
`response_time` rules then take `calendar: NAME`, and only open time counts towards the wait.
Without a calendar, all time counts.

```yaml
timezone: Europe/Paris
calendars:
  shop:                                  # a name for rules to use: `calendar: shop`
    hours:                               # weekly opening hours, local time
      mon-fri: 09:00-18:00
      sat: [10:00-13:00, 14:00-17:00]    # several spans a day
    closed: [2026-12-25, 2026-12-31..2027-01-01]   # closed dates (and ranges)
  night-desk:
    timezone: Asia/Kuala_Lumpur          # a calendar may have its own zone
    hours: {daily: 22:00-06:00}          # overnight: from 22:00 to 06:00 the next day
```

- **`hours`** maps days to spans. A day key is a day (`mon`, `tuesday`, …), a range (`mon-fri`;
  `fri-mon` wraps round the week), a list (`sat,sun`), or `daily`, `weekdays` (mon-fri),
  `weekend` (sat-sun). Each day may be given only once. A span is `HH:MM-HH:MM` (end `24:00`
  for midnight; an end at or before the start runs into the next day), `24h` for the whole day,
  or `closed`; a list gives several spans. Days not listed are closed.
- **`closed`** lists dates (`2026-12-25`) or inclusive ranges (`2026-12-24..2026-12-26`) on
  which no time counts, whatever the weekly hours say (an overnight span that runs into a
  closed date stops at its midnight).
- **`timezone`** (default: the rule set's `timezone`) is the zone the hours are read in.
  Timestamps in any offset are converted to it first.

How time is counted: an opening span starts at the first instant the local clock shows its
start time and ends at the first instant it shows its end time. So on a day when clocks go
forward, a shop open 00:00-24:00 is open 23 hours, and on the day they go back, 25 hours; a span
whose start falls in the skipped hour opens when the clocks jump.

Example: open 09:00-18:00 on weekdays, a chat started Friday 17:59 and answered Monday 09:01
waited 2 minutes (1 on Friday, 1 on Monday).

Spans longer than 400 days are counted exactly at both ends; in between, whole weeks are
counted from the weekly hours and closed dates, ignoring clock changes inside opening hours
(at most an hour off over such a span).
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_GROUPS = {
    "daily": tuple(range(7)),
    "weekdays": (0, 1, 2, 3, 4),
    "weekend": (5, 6),
}
DAY = 86_400
EXACT_DAYS = 400
DAYS_REMEMBERED = 4096
"""Local days whose open intervals a calendar keeps, as instants, before starting afresh."""
"""Spans of more local days than this count whole weeks in the middle arithmetically."""

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_AFTER_ALL = date.max.toordinal() + 1


# ---------------------------------------------------------------------------------------------
# Reading what people write


def _day(word: str) -> int:
    word = word.strip().lower()
    if word in DAY_NAMES:
        return DAY_NAMES.index(word)
    if word in _FULL_NAMES:
        return _FULL_NAMES.index(word)
    known = [*DAY_NAMES, *_FULL_NAMES, *_GROUPS]
    close = difflib.get_close_matches(word, known, n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    raise ValueError(f"unknown day {word!r} (use mon, tue, …, sun, a range mon-fri, daily){hint}")


def parse_days(key: str) -> tuple[int, ...]:
    """The weekdays (0 = Monday) a key of `hours` names: `mon`, `mon-fri`, `sat,sun`, `daily`."""
    days: list[int] = []
    for part in str(key).split(","):
        part = part.strip().lower()
        if part in _GROUPS:
            found: Iterable[int] = _GROUPS[part]
        elif "-" in part:
            first, _, last = part.partition("-")
            start, end = _day(first), _day(last)
            found = [(start + i) % 7 for i in range((end - start) % 7 + 1)]
        else:
            found = [_day(part)]
        for day in found:
            if day in days:
                raise ValueError(f"{DAY_NAMES[day]} is named twice in {key!r}")
            days.append(day)
    return tuple(days)


def parse_span(text: str) -> tuple[int, int]:
    """(start, end) seconds after local midnight; an end past 86,400 runs into the next day."""
    value = text.strip().lower()
    if value in ("24h", "00:00-24:00", "0:00-24:00"):
        return 0, DAY
    match = _SPAN.match(value)
    if match is None:
        raise ValueError(f"expected a span like 09:00-18:00, 24h or closed, got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"not a time of day in {text!r} (00:00 to 24:00)")
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if end <= start:
        end += DAY
    return start, end


def _spans(value: Any) -> list[str]:
    """A day's spans as a list of strings; `closed` (or an empty list) is no span."""
    items = value if isinstance(value, list) else [value]
    spans: list[str] = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            # YAML 1.1 reads an unquoted 09:00 on its own as the number 540 (base 60).
            raise ValueError("write a span as HH:MM-HH:MM, e.g. 09:00-18:00")
        if not isinstance(item, str):
            raise ValueError(f"expected a span like 09:00-18:00, got {item!r}")
        if item.strip().lower() == "closed":
            continue
        parse_span(item)
        spans.append(item.strip())
    return spans


def _day_key(value: Any) -> str:
    parse_days(str(value))
    return str(value)


def parse_closed(value: Any) -> tuple[date, date]:
    """A closed date or inclusive range (`2026-12-24..2026-12-26`) as (first, last)."""
    if isinstance(value, datetime):
        raise ValueError(f"expected a date, not a time: {value!r}")
    if isinstance(value, date):
        return value, value
    if isinstance(value, str):
        first, sep, last = value.partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if sep else start
        except ValueError:
            raise ValueError(
                f"expected a date like 2026-12-25 or a range 2026-12-24..2026-12-26, got {value!r}"
            ) from None
        if end < start:
            raise ValueError(f"range {value!r} ends before it starts")
        return start, end
    raise ValueError(f"expected a date like 2026-12-25, got {value!r}")


def _closed_text(value: Any) -> str:
    start, end = parse_closed(value)
    return start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"


DayKey = Annotated[str, BeforeValidator(_day_key)]
Spans = Annotated[str | list[str], BeforeValidator(_spans)]
"""One span or a list of them as written; validated into a list (`closed` drops out)."""
ClosedDates = Annotated[str, BeforeValidator(_closed_text)]


class CalendarSpec(BaseModel):
    """A named calendar as written in the rules file."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, description="what the calendar is, for people")
    timezone: str | None = Field(
        None, description="zone the hours are read in (default: the rule set's timezone)"
    )
    hours: dict[DayKey, Spans] = Field(
        description="day or days (mon, mon-fri, sat,sun, daily) → span(s) like 09:00-18:00"
    )
    closed: list[ClosedDates] = Field(
        default_factory=list, description="closed dates (2026-12-25) or ranges (a..b)"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            check_zone(value)
        return value

    @field_validator("hours")
    @classmethod
    def _each_day_once(cls, hours: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        seen: dict[int, str] = {}
        for key in hours:
            for day in parse_days(key):
                if day in seen:
                    raise ValueError(f"{DAY_NAMES[day]} is given twice ({seen[day]!r} and {key!r})")
                seen[day] = key
        return hours


# ---------------------------------------------------------------------------------------------
# Counting open time


def check_zone(name: str) -> ZoneInfo:
    """The zone of an IANA name; ValueError with an example when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
        ) from None


def _merge(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class Calendar:
    """Weekly opening hours in a zone, with closed dates; counts open seconds between instants.

    `week[d]` holds, for weekday d (0 = Monday), the open intervals that lie on a local day of
    that weekday, in seconds after its midnight (overnight spans already split at midnight).
    """

    name: str
    zone: tzinfo
    week: tuple[tuple[tuple[int, int], ...], ...]
    closed: tuple[tuple[int, int], ...]
    """Closed date ranges as inclusive (first, last) proleptic ordinals, sorted and merged."""
    _days: dict[int, tuple[tuple[float, float], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def from_spec(cls, name: str, spec: CalendarSpec, zone: tzinfo) -> Calendar:
        days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for key, spans in spec.hours.items():
            for day in parse_days(key):
                for text in [spans] if isinstance(spans, str) else spans:
                    start, end = parse_span(text)
                    days[day].append((start, min(end, DAY)))
                    if end > DAY:
                        days[(day + 1) % 7].append((0, end - DAY))
        ranges = sorted(
            (first.toordinal(), last.toordinal()) for first, last in map(parse_closed, spec.closed)
        )
        closed: list[tuple[int, int]] = []
        for first, last in ranges:
            if closed and first <= closed[-1][1] + 1:
                closed[-1] = (closed[-1][0], max(closed[-1][1], last))
            else:
                closed.append((first, last))
        return cls(name, zone, tuple(_merge(d) for d in days), tuple(closed))

    def is_closed(self, day: date) -> bool:
        """Whether `day` is one of the closed dates."""
        ordinal = day.toordinal()
        index = bisect.bisect_right(self.closed, (ordinal, _AFTER_ALL)) - 1
        return index >= 0 and self.closed[index][0] <= ordinal <= self.closed[index][1]

    def open_seconds(self, start: datetime, end: datetime) -> float:
        """Open time between two instants (any offsets), in seconds; 0 if `end` ≤ `start`."""
        if end <= start:
            return 0.0
        if not (start.year > 1 and end.year < 9999):
            start, end = _within_range(start), _within_range(end)
        a, b = start.timestamp(), end.timestamp()
        first = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        span_days = last.toordinal() - first.toordinal()
        if span_days <= EXACT_DAYS:
            return self._exact(first, last, a, b)
        # Whole weeks from the Monday after `first` to the Monday on or before `last`.
        middle_start = first + timedelta(days=7 - first.weekday())
        middle_end = last - timedelta(days=last.weekday())
        total = self._exact(first, middle_start - timedelta(days=1), a, b)
        total += self._weeks(middle_start, middle_end)
        total += self._exact(middle_end, last, a, b)
        return total

    def _exact(self, first: date, last: date, a: float, b: float) -> float:
        """Open seconds within [a, b] on the local days `first`..`last`, clock changes included."""
        total = 0.0
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            for start, end in self._open_on(ordinal):
                s = start if start > a else a
                e = end if end < b else b
                if e > s:
                    total += e - s
        return total

    def _open_on(self, ordinal: int) -> tuple[tuple[float, float], ...]:
        """The open intervals of one local day, as instants; remembered, as logs revisit days."""
        found = self._days.get(ordinal)
        if found is None:
            day = date.fromordinal(ordinal)
            intervals = self.week[day.weekday()]
            if not intervals or self.is_closed(day):
                found = ()
            else:
                found = tuple(
                    (self._instant(day, start), self._instant(day, end)) for start, end in intervals
                )
            if len(self._days) >= DAYS_REMEMBERED:
                self._days.clear()
            self._days[ordinal] = found
        return found

    def _weeks(self, first: date, stop: date) -> float:
        """Open wall-clock seconds of the whole weeks from `first` (a Monday) up to `stop`."""
        weeks = (stop.toordinal() - first.toordinal()) // 7
        daily = [sum(e - s for s, e in intervals) for intervals in self.week]
        total = float(weeks * sum(daily))
        lo, hi = first.toordinal(), stop.toordinal() - 1
        for c_first, c_last in self.closed:
            c_first, c_last = max(c_first, lo), min(c_last, hi)
            if c_first > c_last:
                continue
            count = c_last - c_first + 1
            full, extra = divmod(count, 7)
            weekday = date.fromordinal(c_first).weekday()
            for i in range(7):
                n = full + (1 if (i - weekday) % 7 < extra else 0)
                total -= n * daily[i]
        return total

    def _instant(self, day: date, seconds: int) -> float:
        """The first instant at which the local clock shows `seconds` after midnight of `day`.

        An ambiguous time (clocks going back) is its first occurrence; a time skipped when
        clocks go forward is the instant of the jump.
        """
        ordinal = day.toordinal()
        if seconds >= DAY:
            if ordinal >= date.max.toordinal():
                return self._instant(day, DAY - 1) + 1
            ordinal += seconds // DAY
            seconds %= DAY
            day = date.fromordinal(ordinal)
        wall = (ordinal - _EPOCH_ORDINAL) * DAY + seconds
        local = datetime.combine(day, time()) + timedelta(seconds=seconds)
        before = _offset(self.zone, local, 0)
        instant = wall - before
        after = _offset(self.zone, local, 1)
        if after <= before:
            return instant  # an ordinary or ambiguous time: fold 0 is its first occurrence
        # A skipped time: the jump lies between wall - after and wall - before.
        low, high = wall - after, instant
        while high - low > 1:
            mid = (low + high) // 2
            if self._offset_at(mid) == before:
                low = mid
            else:
                high = mid
        return float(high)

    def _offset_at(self, instant: int) -> int:
        moment = datetime.fromtimestamp(instant, self.zone)
        offset = moment.utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0


_EARLIEST = datetime(1, 1, 3, tzinfo=UTC)
_LATEST = datetime(9999, 12, 29, tzinfo=UTC)


def _within_range(moment: datetime) -> datetime:
    """`moment`, moved off the first and last two days of the calendar so zones can convert it."""
    return min(max(moment, _EARLIEST), _LATEST)


def _offset(zone: tzinfo, local: datetime, fold: int) -> int:
    offset = zone.utcoffset(local.replace(fold=fold))
    return int(offset.total_seconds()) if offset is not None else 0


def build_calendars(specs: dict[str, CalendarSpec], default_zone: tzinfo) -> dict[str, Calendar]:
    """Every calendar of a rule set, ready to count; a calendar without a zone uses the set's."""
    return {
        name: Calendar.from_spec(
            name, spec, ZoneInfo(spec.timezone) if spec.timezone else default_zone
        )
        for name, spec in specs.items()
    }
