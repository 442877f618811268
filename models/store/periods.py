"""When something happened, as people write it (#27 item 11c).

The report form stores the reporter's "when" as a plain ISO date or interval (``2026-12-07``,
``2026-12-01/2026-12-08``, ``../2026-11-30`` for "earlier"), so it reads in any language; this
turns it into words with Babel's month names: "2026年12月1日至12月8日" or "1–8 December 2026".
Free text (the bot, the API, a clerk's "2026年10月") is shown as it was written.
"""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date, format_skeleton

from models.store.i18n import N_, translate

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# The reporter's "earlier": up to the end of last month.
UP_TO = N_("on or before %(date)s")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _chinese(start: date | None, end: date) -> str:
    whole = format_date(end, "long", locale="zh")
    if start is None:
        return translate("zh", UP_TO, date=whole)
    if start == end:
        return whole
    tail = format_skeleton("MMMMd", end, locale="zh") if start.year == end.year else whole
    return f"{format_date(start, 'long', locale='zh')}至{tail}"


def _english(start: date | None, end: date) -> str:
    whole = format_date(end, "d MMMM y", locale="en")
    if start is None:
        return translate("en", UP_TO, date=whole)
    if start == end:
        return whole
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{whole}"
    head = format_date(start, "d MMMM" if start.year == end.year else "d MMMM y", locale="en")
    return f"{head} – {whole}"


def readable_period(value: str, locale: str) -> str:
    """A stored date, month or interval in words of ``locale`` ("zh" or "en"); other text as it is."""
    text = (value or "").strip()
    words = _chinese if locale.startswith("zh") else _english
    first, sep, last = text.partition("/")
    end = _day(last if sep else text)
    if end is not None:
        if not sep:
            return words(end, end)
        start = None if first == ".." else _day(first)
        if start is not None or first == "..":
            return words(start, end) if start is None or start <= end else text
    month = _MONTH.match(text)
    if month and 1 <= int(month.group(2)) <= 12:
        return format_skeleton("yMMMM", date(int(month.group(1)), int(month.group(2)), 1), locale=locale)
    return text


__all__ = ["readable_period"]
