"""Business-hours calendars: reading them, counting open time, and their errors in a rules file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_score import calendars
from cs_score.calendars import Calendar, CalendarSpec, parse_closed, parse_days, parse_span
from cs_score.errors import RuleSetError
from cs_score.ruleset import load_ruleset

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
UTC = UTC
HOUR = 3600


def calendar(hours: dict[str, Any], closed: list[str] | None = None, zone: Any = UTC) -> Calendar:
    return Calendar.from_spec("test", CalendarSpec(hours=hours, closed=closed or []), zone)


def at(text: str, zone: Any = PARIS) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=zone)


SHOP = {"mon-fri": "09:00-18:00"}


# ---------------------------------------------------------------------------------------------
# Reading days, spans and dates


@pytest.mark.parametrize(
    ("key", "days"),
    [
        ("mon", (0,)),
        ("Monday", (0,)),
        ("SUN", (6,)),
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("fri-mon", (4, 5, 6, 0)),
        ("sat,sun", (5, 6)),
        ("mon, wed-thu", (0, 2, 3)),
        ("daily", (0, 1, 2, 3, 4, 5, 6)),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("weekend", (5, 6)),
        ("tue-tue", (1,)),
    ],
)
def test_day_keys(key: str, days: tuple[int, ...]) -> None:
    assert parse_days(key) == days


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "frid",
            "unknown day 'frid' (use mon, tue, …, sun, a range mon-fri, daily); "
            "did you mean `fri`?",
        ),
        ("mon,mon", "mon is named twice in 'mon,mon'"),
        ("mon-fri,wed", "wed is named twice in 'mon-fri,wed'"),
        ("someday", "unknown day 'someday'"),
    ],
)
def test_bad_day_keys(key: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_days(key)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("09:00-18:00", (9 * HOUR, 18 * HOUR)),
        ("9:30-17:00", (9 * HOUR + 1800, 17 * HOUR)),
        (" 09:00 - 18:00 ", (9 * HOUR, 18 * HOUR)),
        ("22:00-06:00", (22 * HOUR, 30 * HOUR)),
        ("00:00-24:00", (0, 24 * HOUR)),
        ("24h", (0, 24 * HOUR)),
        ("18:00-24:00", (18 * HOUR, 24 * HOUR)),
        ("09:00-09:00", (9 * HOUR, 33 * HOUR)),
    ],
)
def test_spans(text: str, span: tuple[int, int]) -> None:
    assert parse_span(text) == span


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9-5", "expected a span like 09:00-18:00, 24h or closed, got '9-5'"),
        ("09:00", "expected a span like 09:00-18:00, 24h or closed, got '09:00'"),
        ("25:00-26:00", "not a time of day in '25:00-26:00' (00:00 to 24:00)"),
        ("09:00-24:30", "not a time of day in '09:00-24:30' (00:00 to 24:00)"),
        ("09:60-10:00", "not a time of day in '09:60-10:00' (00:00 to 24:00)"),
    ],
)
def test_bad_spans(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_span(text)
    assert str(caught.value) == message


def test_closed_dates_and_ranges() -> None:
    assert parse_closed(date(2026, 12, 25)) == (date(2026, 12, 25), date(2026, 12, 25))
    assert parse_closed("2026-12-25") == (date(2026, 12, 25), date(2026, 12, 25))
    assert parse_closed("2026-12-24..2026-12-26") == (date(2026, 12, 24), date(2026, 12, 26))
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_closed("2026-12-26..2026-12-24")
    with pytest.raises(ValueError, match="expected a date like 2026-12-25 or a range"):
        parse_closed("Christmas")
    with pytest.raises(ValueError, match="expected a date, not a time"):
        parse_closed(datetime(2026, 12, 25, 10, 0))


def test_closed_dates_merge() -> None:
    cal = calendar(SHOP, ["2026-12-24..2026-12-26", "2026-12-27", "2026-12-25", "2027-01-01"])
    assert [(date.fromordinal(a), date.fromordinal(b)) for a, b in cal.closed] == [
        (date(2026, 12, 24), date(2026, 12, 27)),
        (date(2027, 1, 1), date(2027, 1, 1)),
    ]
    assert cal.is_closed(date(2026, 12, 24))
    assert cal.is_closed(date(2026, 12, 27))
    assert not cal.is_closed(date(2026, 12, 28))
    assert not cal.is_closed(date(2026, 12, 23))
    assert cal.is_closed(date(2027, 1, 1))


def test_week_split_at_midnight() -> None:
    cal = calendar({"fri": "22:00-06:00", "sun": ["10:00-12:00", "11:00-13:00", "closed"]})
    assert cal.week[4] == ((22 * HOUR, 24 * HOUR),)
    assert cal.week[5] == ((0, 6 * HOUR),)
    assert cal.week[6] == ((10 * HOUR, 13 * HOUR),)
    assert cal.week[0] == ()


# ---------------------------------------------------------------------------------------------
# Counting open time


def test_friday_evening_to_monday_morning() -> None:
    """The example of the product brief: 17:59 Friday to 09:01 Monday is two open minutes."""
    cal = calendar(SHOP, zone=PARIS)
    assert cal.open_seconds(at("2026-03-06T17:59"), at("2026-03-09T09:01")) == 120


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        ("2026-03-04T10:00", "2026-03-04T10:30", 1800),  # inside the day
        ("2026-03-04T07:00", "2026-03-04T20:00", 9 * HOUR),  # before opening to after closing
        ("2026-03-04T17:00", "2026-03-05T10:00", 2 * HOUR),  # overnight
        ("2026-03-07T10:00", "2026-03-08T18:00", 0),  # a weekend
        ("2026-03-06T17:00", "2026-03-09T10:00", 2 * HOUR),  # over a weekend
        ("2026-03-02T09:00", "2026-03-09T09:00", 45 * HOUR),  # a whole week
        ("2026-03-04T12:00", "2026-03-04T12:00", 0),  # no time
        ("2026-03-04T12:00", "2026-03-04T11:00", 0),  # backwards
    ],
)
def test_weekday_hours(start: str, end: str, seconds: int) -> None:
    cal = calendar(SHOP, zone=PARIS)
    assert cal.open_seconds(at(start), at(end)) == seconds


def test_several_spans_a_day() -> None:
    cal = calendar({"sat": ["10:00-13:00", "14:00-17:00"]}, zone=PARIS)
    assert cal.open_seconds(at("2026-03-07T12:00"), at("2026-03-07T15:00")) == 2 * HOUR
    assert cal.open_seconds(at("2026-03-07T13:10"), at("2026-03-07T13:50")) == 0
    assert cal.open_seconds(at("2026-03-07T00:00"), at("2026-03-08T00:00")) == 6 * HOUR


def test_overnight_hours() -> None:
    cal = calendar({"fri": "22:00-06:00"}, zone=PARIS)
    assert cal.open_seconds(at("2026-03-06T23:00"), at("2026-03-07T05:00")) == 6 * HOUR
    assert cal.open_seconds(at("2026-03-06T00:00"), at("2026-03-09T00:00")) == 8 * HOUR
    # Saturday's early hours belong to Friday's span, not to a Saturday span.
    assert cal.open_seconds(at("2026-03-07T06:00"), at("2026-03-08T06:00")) == 0


def test_overnight_round_the_week() -> None:
    cal = calendar({"sun": "20:00-04:00"}, zone=UTC)
    assert cal.open_seconds(at("2026-03-08T19:00", UTC), at("2026-03-09T05:00", UTC)) == 8 * HOUR


def test_closed_dates() -> None:
    cal = calendar(SHOP, ["2026-03-09", "2026-03-11..2026-03-12"], zone=PARIS)
    # Friday 17:59 → Tuesday 09:01 with Monday closed
    assert cal.open_seconds(at("2026-03-06T17:59"), at("2026-03-10T09:01")) == 120
    # Monday to Monday: only Tuesday and Friday are open
    assert cal.open_seconds(at("2026-03-09T00:00"), at("2026-03-16T00:00")) == 18 * HOUR


def test_overnight_span_into_a_closed_date_stops_at_midnight() -> None:
    cal = calendar({"fri": "22:00-06:00"}, ["2026-03-07"], zone=PARIS)
    assert cal.open_seconds(at("2026-03-06T21:00"), at("2026-03-07T07:00")) == 2 * HOUR


def test_only_closed_days() -> None:
    cal = calendar({"sat": "closed"}, zone=PARIS)
    assert cal.open_seconds(at("2026-03-01T00:00"), at("2026-04-01T00:00")) == 0


def test_timestamps_in_other_offsets() -> None:
    cal = calendar(SHOP, zone=PARIS)
    start = datetime(2026, 3, 6, 16, 59, tzinfo=UTC)  # 17:59 in Paris
    end = datetime(2026, 3, 9, 16, 1, tzinfo=timezone(timedelta(hours=8)))  # 09:01 in Paris
    assert cal.open_seconds(start, end) == 120
    assert cal.open_seconds(start.astimezone(NEW_YORK), end.astimezone(NEW_YORK)) == 120


def test_a_calendar_in_another_zone() -> None:
    """Kuala Lumpur's 09:00-18:00 is 01:00-10:00 UTC."""
    cal = calendar(SHOP, zone=ZoneInfo("Asia/Kuala_Lumpur"))
    start = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)
    assert cal.open_seconds(start, start + timedelta(hours=2)) == HOUR


# Clocks change in Paris on 29 March 2026 (02:00 → 03:00) and 25 October 2026 (03:00 → 02:00),
# in New York on 8 March 2026 (02:00 → 03:00) and 1 November 2026 (02:00 → 01:00).


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (PARIS, "2026-03-29", 23),
        (PARIS, "2026-10-25", 25),
        (PARIS, "2026-03-28", 24),
        (NEW_YORK, "2026-03-08", 23),
        (NEW_YORK, "2026-11-01", 25),
    ],
)
def test_round_the_clock_on_days_clocks_change(zone: ZoneInfo, day: str, hours: int) -> None:
    cal = calendar({"daily": "24h"}, zone=zone)
    start = at(f"{day}T00:00", zone)
    end = at((date.fromisoformat(day) + timedelta(days=1)).isoformat() + "T00:00", zone)
    assert cal.open_seconds(start, end) == hours * HOUR


def test_daytime_hours_do_not_notice_a_night_clock_change() -> None:
    cal = calendar({"daily": "09:00-18:00"}, zone=PARIS)
    assert cal.open_seconds(at("2026-03-28T12:00"), at("2026-03-30T12:00")) == 18 * HOUR
    assert cal.open_seconds(at("2026-10-24T12:00"), at("2026-10-26T12:00")) == 18 * HOUR


def test_a_span_starting_in_the_skipped_hour_opens_at_the_jump() -> None:
    cal = calendar({"daily": "02:30-04:00"}, zone=PARIS)
    assert cal.open_seconds(at("2026-03-29T00:00"), at("2026-03-30T00:00")) == HOUR
    # The jump is 01:00 UTC; the span opens then.
    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert cal.open_seconds(jump - timedelta(minutes=30), jump + timedelta(minutes=30)) == 1800


def test_a_span_ending_in_the_repeated_hour_ends_at_its_first_occurrence() -> None:
    cal = calendar({"daily": "00:00-02:30"}, zone=PARIS)
    assert cal.open_seconds(at("2026-10-25T00:00"), at("2026-10-26T00:00")) == 2.5 * HOUR
    cal = calendar({"daily": "02:30-04:00"}, zone=PARIS)
    assert cal.open_seconds(at("2026-10-25T00:00"), at("2026-10-26T00:00")) == 2.5 * HOUR


def test_overnight_hours_across_a_clock_change() -> None:
    cal = calendar({"sat": "22:00-06:00"}, zone=PARIS)
    # Saturday 28 March 22:00 to Sunday 06:00 is 7 real hours (02:00-03:00 never happens).
    assert cal.open_seconds(at("2026-03-28T00:00"), at("2026-03-30T00:00")) == 7 * HOUR
    # Saturday 24 October 22:00 to Sunday 06:00 is 9 real hours.
    assert cal.open_seconds(at("2026-10-24T00:00"), at("2026-10-26T00:00")) == 9 * HOUR


def test_four_hundred_years_of_weekdays() -> None:
    """A long span takes whole weeks at once: 400 Gregorian years are exactly 20,871 weeks."""
    cal = calendar(SHOP, zone=UTC)
    start = datetime(2001, 1, 1, tzinfo=UTC)  # a Monday
    end = datetime(2401, 1, 1, tzinfo=UTC)
    assert cal.open_seconds(start, end) == 20_871 * 5 * 9 * HOUR


def test_the_ends_of_the_calendar() -> None:
    cal = calendar(SHOP, ["2000-01-01..2000-12-31"], zone=NEW_YORK)
    first = datetime(1, 1, 1, tzinfo=UTC)
    last = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    total = cal.open_seconds(first, last)
    assert 0 < total < (last - first).total_seconds()
    assert cal.open_seconds(first, first + timedelta(days=1)) == 0


@pytest.mark.parametrize(
    ("zone", "hours", "closed", "tolerance"),
    [
        (UTC, {"mon-fri": "09:00-18:00", "sat": "22:00-03:00"}, ["2024-05-01..2024-05-09"], 0),
        (PARIS, {"mon-fri": "09:00-18:00"}, ["2023-12-25", "2024-05-01..2024-05-09"], 0),
        (PARIS, {"daily": "24h"}, [], HOUR),
    ],
)
def test_long_spans_match_the_day_by_day_count(
    monkeypatch: pytest.MonkeyPatch,
    zone: Any,
    hours: dict[str, str],
    closed: list[str],
    tolerance: int,
) -> None:
    cal = calendar(hours, closed, zone=zone)
    start = datetime(2022, 3, 3, 13, 17, tzinfo=zone)
    end = datetime(2025, 11, 19, 10, 41, tzinfo=zone)
    quick = cal.open_seconds(start, end)
    monkeypatch.setattr(calendars, "EXACT_DAYS", 10**6)
    exact = cal.open_seconds(start, end)
    assert abs(quick - exact) <= tolerance


# A reference count, minute by minute, straight from the spans as written (no clock change falls
# on a span boundary, so "open while the local clock shows a time inside a span" is exact).

_MINUTES = [m for m in range(0, 24 * 60, 15) if not 120 <= m < 180]


def _reference(
    spans: dict[int, list[tuple[int, int]]], closed: set[date], zone: Any, a: datetime, b: datetime
) -> int:
    total = 0
    moment = a
    while moment < b:
        local = moment.astimezone(zone)
        seconds = local.hour * HOUR + local.minute * 60
        today, yesterday = local.date(), local.date() - timedelta(days=1)
        open_now = any(
            start <= seconds < min(end, 86_400) for start, end in spans.get(today.weekday(), [])
        ) or any(
            end > 86_400 and seconds < end - 86_400
            for start, end in spans.get(yesterday.weekday(), [])
        )
        if open_now and today not in closed:
            total += 60
        moment += timedelta(minutes=1)
    return total


_span = st.tuples(st.sampled_from(_MINUTES), st.sampled_from(_MINUTES)).filter(
    lambda s: s[0] != s[1]
)


@settings(max_examples=40, deadline=None)
@given(
    week=st.dictionaries(st.integers(0, 6), st.lists(_span, min_size=1, max_size=2), max_size=7),
    closed_days=st.lists(st.integers(0, 5), max_size=2),
    base=st.sampled_from(["2026-03-27T00:00", "2026-10-23T00:00", "2026-06-10T00:00"]),
    start_minute=st.integers(0, 2 * 24 * 60),
    length=st.integers(0, 3 * 24 * 60),
)
def test_open_time_matches_a_minute_by_minute_count(
    week: dict[int, list[tuple[int, int]]],
    closed_days: list[int],
    base: str,
    start_minute: int,
    length: int,
) -> None:
    hours = {
        calendars.DAY_NAMES[day]: [
            f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in spans
        ]
        for day, spans in week.items()
    }
    first = date.fromisoformat(base[:10])
    closed = {first + timedelta(days=n) for n in closed_days}
    cal = calendar(hours, [d.isoformat() for d in closed], zone=PARIS)
    spans = {day: [parse_span(text) for text in texts] for day, texts in hours.items()}
    spans = {calendars.DAY_NAMES.index(day): value for day, value in spans.items()}
    a = at(base).astimezone(UTC) + timedelta(minutes=start_minute)
    b = a + timedelta(minutes=length)
    assert cal.open_seconds(a, b) == _reference(spans, closed, PARIS, a, b)


# ---------------------------------------------------------------------------------------------
# Calendars in a rules file


def _load(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return load_ruleset(str(path))


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        _load(tmp_path, text)
    path = tmp_path / "rules.yaml"
    return [str(p).replace(str(path), "rules.yaml") for p in caught.value.problems]


def test_calendars_load_in_the_rule_set_zone(tmp_path: Path) -> None:
    ruleset = _load(
        tmp_path,
        """\
cs_score: 1
timezone: Europe/Paris
calendars:
  shop: {hours: {mon-fri: 09:00-18:00}, closed: [2026-12-25]}
  night: {timezone: Asia/Kuala_Lumpur, hours: {daily: 22:00-06:00}}
rules:
  - {id: wait, kind: wait_time, calendar: shop}
  - {id: replies, kind: response_time, calendar: night}
""",
    )
    shop, night = ruleset.calendars["shop"], ruleset.calendars["night"]
    assert shop.zone == PARIS and night.zone == ZoneInfo("Asia/Kuala_Lumpur")
    assert shop.is_closed(date(2026, 12, 25))
    assert shop.open_seconds(at("2026-03-06T17:59"), at("2026-03-09T09:01")) == 120


def test_calendars_extend_by_name(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        """\
cs_score: 1
calendars:
  shop: {hours: {mon-fri: 09:00-18:00}}
  office: {hours: {mon-fri: 08:00-20:00}}
""",
        encoding="utf-8",
    )
    ruleset = _load(
        tmp_path,
        """\
cs_score: 1
extends: base.yaml
calendars:
  shop: {hours: {daily: 24h}}
rules:
  - {id: wait, kind: wait_time, calendar: office}
""",
    )
    assert sorted(ruleset.calendars) == ["office", "shop"]
    assert ruleset.calendars["shop"].week[6] == ((0, 86_400),)


def test_unknown_calendar(tmp_path: Path) -> None:
    assert _problems(
        tmp_path,
        """\
cs_score: 1
calendars:
  shop: {hours: {mon-fri: 09:00-18:00}}
rules:
  - id: wait
    kind: wait_time
    calendar: shp
  - {id: replies, kind: response_time, calendar: warehouse}
""",
    ) == [
        "rules.yaml:7:5: rules[wait].calendar: unknown calendar `shp`; did you mean `shop`?",
        "rules.yaml:8:40: rules[replies].calendar: unknown calendar `warehouse` (calendars: shop)",
    ]


def test_calendar_without_calendars(tmp_path: Path) -> None:
    assert _problems(
        tmp_path,
        """\
cs_score: 1
rules:
  - {id: wait, kind: wait_time, calendar: shop}
""",
    ) == [
        "rules.yaml:3:33: rules[wait].calendar: unknown calendar `shop` "
        "(define it under the top-level key `calendars`)"
    ]


def test_unknown_calendar_in_an_override(tmp_path: Path) -> None:
    assert _problems(
        tmp_path,
        """\
cs_score: 1
calendars:
  shop: {hours: {mon-fri: 09:00-18:00}}
rules:
  - {id: wait, kind: wait_time}
overrides:
  - when: {channel: email}
    rules:
      wait: {calendar: shops}
""",
    ) == [
        "rules.yaml:9:14: overrides[0].rules.wait.calendar: unknown calendar `shops`; "
        "did you mean `shop`?"
    ]


def test_calendar_mistakes_name_their_place(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """\
cs_score: 1
calendars:
  shop:
    timezone: Europe/Pariss
    hours:
      mon-frid: 09:00-18:00
      sat: 9-5
      sun: 10:00
    closed: [2026-12-26..2026-12-24]
    opening: 09:00
  office:
    hours: {mon-fri: 09:00-18:00, wed: 10:00-12:00}
""",
    )
    assert problems == [
        "rules.yaml:4:5: calendars.shop.timezone: unknown time zone 'Europe/Pariss' "
        "(use an IANA name like Europe/Paris)",
        "rules.yaml:6:7: calendars.shop.hours.mon-frid: unknown day 'frid' (use mon, tue, …, "
        "sun, a range mon-fri, daily); did you mean `fri`?",
        "rules.yaml:7:7: calendars.shop.hours.sat: expected a span like 09:00-18:00, 24h or "
        "closed, got '9-5'",
        "rules.yaml:8:7: calendars.shop.hours.sun: write a span as HH:MM-HH:MM, e.g. 09:00-18:00",
        "rules.yaml:9:14: calendars.shop.closed[0]: range '2026-12-26..2026-12-24' ends before it "
        "starts",
        "rules.yaml:10:5: calendars.shop.opening: unknown key `opening` "
        "(valid keys: closed, description, hours, timezone)",
        "rules.yaml:12:5: calendars.office.hours: wed is given twice ('mon-fri' and 'wed')",
    ]
