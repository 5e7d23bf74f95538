"""Promises written in agent messages: the commitment and when it is due.

A promise is a sentence where the agent commits to doing something ("I'll call you back",
"nous vous enverrons", "saya akan", "я перезвоню") and says by when ("tomorrow", "within 24
hours", "by Friday", "in 3-5 business days", "by the end of the day", "next week"). A
commitment without a time is not scored (nothing says when it would be broken), nor a time
without a commitment ("the parcel arrives tomorrow").

Due is the end of the stated period in the rule set's time zone: `tomorrow` → the end of the
next day; `within 24 hours` → 24 hours after the message; `within 2 days` → the end of the
second day after; `by Friday` → the end of the next Friday (a week on, when said on a
Friday); `next week` → the end of next week's Sunday; `in 3-5 business days` → the end of the
fifth business day after, by a calendar's open days when one is given (else Monday to
Friday). A range counts by its upper bound.

Hand-written for the bounded set of formulas agents use in English, French, Malay and
Russian, the bundled languages: deterministic, and fast enough for every line
(`benchmarks/promises.py` measures its precision and recall on labelled real messages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Final

from cs_score.calendars import Calendar

_COMMIT: Final = re.compile(
    r"\b(?:i|we)\s*(?:'|’)?\s*(?:ll|will|shall|am going to|are going to|'m going to|'re going to)\b"
    r"|\b(?:i'm|we're|i am|we are) going to\b"
    r"|\byou(?:'ll| will| should) (?:receive|get|hear|have)\b"
    r"|\b(?:je|j')\s*(?:vous |te |le |la |les |lui |leur )?(?:rappelle|rappellerai|recontacte"
    r"|recontacterai|envoie|enverrai|reviens|reviendrai|vais|transmets|transmettrai|ferai|fais)\b"
    r"|\bnous (?:vous |le |la |les |lui )?(?:rappelons|rappellerons|recontactons|recontacterons"
    r"|enverrons|envoyons|reviendrons|revenons|allons|ferons|répondrons|traiterons)\b"
    r"|\bvous (?:recevrez|aurez|serez (?:rappelée?|recontactée?))\b"
    r"|\b(?:saya|kami|pihak kami) akan\b|\banda akan (?:menerima|mendapat|dihubungi)\b"
    r"|\b(?:я|мы)\s+(?:вам\s+|вас\s+|тебе\s+)?(?:перезвоню|перезвоним|свяжусь|свяжемся|отправлю"
    r"|отправим|пришлю|пришлём|пришлем|вышлю|вышлем|вернусь|вернёмся|вернемся|сообщу|сообщим"
    r"|уточню|уточним|решим|решу|позвоню|позвоним|ответим|отвечу|напишу|напишем)"
    r"|\bвы получите\b",
    re.IGNORECASE,
)
"""A first-person commitment (or "you will receive/hear"), in each bundled language."""

_NUMBERS: Final = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "ten": 10, "twenty-four": 24, "forty-eight": 48, "un": 1, "une": 1, "deux": 2,
    "trois": 3, "quatre": 4, "cinq": 5, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5,
    "один": 1, "одного": 1, "одной": 1, "два": 2, "двух": 2, "три": 3, "трёх": 3, "трех": 3,
    "пять": 5, "пяти": 5,
}  # fmt: skip
_NUMBER: Final = r"(\d+|" + "|".join(sorted(map(re.escape, _NUMBERS), key=len, reverse=True)) + ")"

_UNITS: Final = {
    "minute": "m", "minutes": "m", "mins": "m", "min": "m", "minit": "m", "минут": "m",
    "минуты": "m", "минуту": "m", "hour": "h", "hours": "h", "hrs": "h", "hr": "h",
    "heure": "h", "heures": "h", "jam": "h", "час": "h", "часа": "h", "часов": "h", "day": "d",
    "days": "d", "jour": "d", "jours": "d", "hari": "d", "день": "d", "дня": "d", "дней": "d",
    "week": "w", "weeks": "w", "semaine": "w", "semaines": "w", "minggu": "w", "неделю": "w",
    "недели": "w", "недель": "w",
}  # fmt: skip
_UNIT: Final = r"(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + r")"
_BUSINESS: Final = (
    r"(\s+(?:business|working)|\s+(?:ouvrés|ouvrables)|\s+bekerja|\s+рабочих|\s+рабочий)?"
)

_SPAN: Final = re.compile(
    r"\b(?:within|in|in the next|under|sous|dans(?: les)?|d'ici|en|dalam(?: masa)?|в течение|"
    r"через|за)\s+(?:" + _NUMBER + r"\s*(?:-|–|to|à|hingga|до)\s*)?" + _NUMBER
    + r"(?:\s+(?:business|working))?\s*(?:рабочих\s+|рабочий\s+)?" + _UNIT + _BUSINESS
    + r"(?!\w)",
    re.IGNORECASE,
)  # fmt: skip

_WEEKDAYS: Final = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4,
    "samedi": 5, "dimanche": 6, "isnin": 0, "selasa": 1, "rabu": 2, "khamis": 3, "jumaat": 4,
    "sabtu": 5, "ahad": 6, "понедельника": 0, "понедельник": 0, "вторника": 1, "вторник": 1,
    "среды": 2, "среду": 2, "четверга": 3, "четверг": 3, "пятницы": 4, "пятницу": 4,
    "субботы": 5, "субботу": 5, "воскресенья": 6, "воскресенье": 6,
}  # fmt: skip
_WEEKDAY: Final = re.compile(
    r"\b(?:by|on|before|until|this|next|d'ici|avant|pour|menjelang|sebelum|pada|до|в|во|к)\s+"
    r"(?:the\s+|hari\s+)?(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_TOMORROW: Final = re.compile(r"\b(?:tomorrow|demain|esok|besok)\b|завтра", re.IGNORECASE)
_TODAY: Final = re.compile(
    r"\b(?:by|before) (?:the )?end of (?:the |to)?day\b|\bby eod\b|\blater today\b"
    r"|\b(?:today|tonight|this (?:afternoon|evening))\b|\bd'ici (?:la )?fin de (?:la )?journée\b"
    r"|\baujourd'hui\b|\bce soir\b|\bcet après-midi\b|\bhari ini\b|\bpetang ini\b"
    r"|до конца (?:рабочего )?дня|сегодня",
    re.IGNORECASE,
)
_NEXT_WEEK: Final = re.compile(
    r"\bnext week\b|\bla semaine prochaine\b|\bminggu (?:depan|hadapan)\b"
    r"|на следующей неделе",
    re.IGNORECASE,
)
_SENTENCE: Final = re.compile(r"[^.!?\n。]+[.!?。]*")


@dataclass(frozen=True, slots=True)
class TextPromise:
    """A promise found in a message: the sentence, the words that set its due time, the due."""

    sentence: str
    when: str
    due: datetime


def find_promise(
    text: str, at: datetime, zone: tzinfo, calendar: Calendar | None = None
) -> TextPromise | None:
    """The first promise with a due time in a message written at `at`, or None."""
    if not _COMMIT.search(text):
        return None
    for match in _SENTENCE.finditer(text):
        sentence = match.group().strip()
        if not _COMMIT.search(sentence):
            continue
        found = _due(sentence, at.astimezone(zone), calendar)
        if found is not None:
            when, due = found
            return TextPromise(sentence[:300], when, due)
    return None


def _due(sentence: str, local: datetime, calendar: Calendar | None) -> tuple[str, datetime] | None:
    span = _SPAN.search(sentence)
    if span is not None:
        count = _count(span.group(2))
        unit = _UNITS[span.group(3).lower()]
        business = bool(span.group(4)) or bool(
            re.search(r"business|working|рабоч", span.group(), re.IGNORECASE)
        )
        if count is not None and count > 0:
            return span.group(), _after(local, count, unit, business, calendar)
    match = _TODAY.search(sentence)
    if match is not None:
        return match.group(), _end_of(local.date(), local.tzinfo)
    match = _TOMORROW.search(sentence)
    if match is not None:
        return match.group(), _end_of(local.date() + timedelta(days=1), local.tzinfo)
    match = _WEEKDAY.search(sentence)
    if match is not None:
        wanted = _WEEKDAYS[match.group(1).lower()]
        ahead = (wanted - local.weekday()) % 7 or 7
        return match.group(), _end_of(local.date() + timedelta(days=ahead), local.tzinfo)
    match = _NEXT_WEEK.search(sentence)
    if match is not None:
        sunday = local.date() + timedelta(days=13 - local.weekday())
        return match.group(), _end_of(sunday, local.tzinfo)
    return None


def _count(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _NUMBERS.get(word.lower())


def _after(
    local: datetime, count: int, unit: str, business: bool, calendar: Calendar | None
) -> datetime:
    if unit == "m":
        return local + timedelta(minutes=count)
    if unit == "h":
        return local + timedelta(hours=count)
    if unit == "w":
        return _end_of(local.date() + timedelta(days=7 * count), local.tzinfo)
    if not business:
        return _end_of(local.date() + timedelta(days=count), local.tzinfo)
    day = local.date()
    left = count
    while left > 0:
        day += timedelta(days=1)
        if _business_day(day, calendar):
            left -= 1
    return _end_of(day, local.tzinfo)


def _business_day(day: date, calendar: Calendar | None) -> bool:
    if calendar is None:
        return day.weekday() < 5
    return bool(calendar.week[day.weekday()]) and not calendar.is_closed(day)


def _end_of(day: date, zone: tzinfo | None) -> datetime:
    """The last second of a local day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)
