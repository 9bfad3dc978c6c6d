"""Date bounds and ranges as used by ``--since/--until`` and ``date:`` in queries.

Dates are days written as integers ``YYYYMMDD`` (what the index stores); ``to_day`` and
``from_day`` convert between those and ``datetime.date``, the only day arithmetic there is. A bound may be a year,
a month or a day; as a lower bound it means its first day, as an upper bound its last, so
``--until 2025-11`` includes 30 November.

    >>> parse_range("2025-09..2026-01")
    DateRange(low=20250901, high=20260131)
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from searcher.errors import DateError

_BOUND_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


@dataclass(frozen=True)
class DateRange:
    """Inclusive range of days; None on a side means unbounded."""

    low: int | None = None
    high: int | None = None

    @property
    def unbounded(self) -> bool:
        return self.low is None and self.high is None


def to_day(date: datetime.date) -> int:
    """A calendar date as the index stores it: ``YYYYMMDD``."""
    return date.year * 10000 + date.month * 100 + date.day


def from_day(day: int) -> datetime.date:
    """``YYYYMMDD`` → the calendar date."""
    return datetime.date(day // 10000, day // 100 % 100, day % 100)


def day_number(date: str) -> int:
    """``YYYY-MM-DD`` → ``YYYYMMDD``."""
    return to_day(datetime.date.fromisoformat(date))


def iso_date(day: int) -> str:
    """``YYYYMMDD`` → ``YYYY-MM-DD``."""
    return from_day(day).isoformat()


def parse_bound(text: str, upper: bool = False) -> int:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` → its first day (or last, when ``upper``)."""
    match = _BOUND_RE.fullmatch(text.strip())
    if not match:
        raise DateError(f"bad date {text!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    if month is not None and not 1 <= month <= 12:
        raise DateError(f"bad date {text!r}: month {month} does not exist")
    if year < 1:
        raise DateError(f"bad date {text!r}: year {year} does not exist")
    if month is None:
        month = 12 if upper else 1
    last_day = calendar.monthrange(year, month)[1]
    if day is not None and not 1 <= day <= last_day:
        raise DateError(f"bad date {text!r}: day {day} does not exist")
    if day is None:
        day = last_day if upper else 1
    return to_day(datetime.date(year, month, day))


_WRITTEN_DATE_RE = re.compile(
    r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?"
    r"(?:[T\s]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?")

# ISO 8601's basic form, as sites' <meta name="pubdate"> and file names give it: 20250930,
# 20250930T0800, 20250930080000+0800.
_COMPACT_DATE_RE = re.compile(
    r"(\d{4})(\d{2})(\d{2})(?:T?\d{4}(?:\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?")


def normalize_date(text: str) -> str | None:
    """A date as commentary writes it → ``YYYY-MM-DD``, or None if it is not a real date.

    Accepts 2025-09-30, 2025/9/30, 2025.9.30, 2025年9月30日, 2025 年 3 月 31 日, ISO
    timestamps (2025-09-30T08:00:00+08:00: the calendar date as written, zone ignored) and
    their basic form (20250930, 20250930T080000Z).

    >>> [normalize_date(text) for text in ("19340430", "20250930T0800+0800", "20251301")]
    ['1934-04-30', '2025-09-30', None]
    """
    text = text.strip()
    match = _WRITTEN_DATE_RE.fullmatch(text) or _COMPACT_DATE_RE.fullmatch(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_range(text: str) -> DateRange:
    """A ``date:`` value: ``2025-09``, ``2025-09..2026-01``, ``..2026``, ``>=2025-10-01``, ``<2026``."""
    text = text.strip()
    for op in (">=", "<=", ">", "<"):
        if text.startswith(op):
            value = text[len(op):]
            if op == ">=":
                return DateRange(low=parse_bound(value))
            if op == "<=":
                return DateRange(high=parse_bound(value, upper=True))
            # Days are compared as YYYYMMDD integers, so the day after D is D + 1 as far as
            # any stored day can tell (and 9999-12-31 has no calendar day after it).
            if op == ">":
                return DateRange(low=parse_bound(value, upper=True) + 1)
            return DateRange(high=parse_bound(value) - 1)
    if ".." in text:
        low, high = text.split("..", 1)
        if not low and not high:
            raise DateError(f"bad date range {text!r}: give at least one end")
        return DateRange(parse_bound(low) if low else None,
                         parse_bound(high, upper=True) if high else None)
    return DateRange(parse_bound(text), parse_bound(text, upper=True))


def period_of(day: int, by: str) -> str:
    """The period a day falls in: ``2025``, ``2025-09`` or the ISO week ``2025-W40``."""
    date = from_day(day)
    if by == "year":
        return f"{date.year:04d}"
    if by == "month":
        return f"{date.year:04d}-{date.month:02d}"
    iso = date.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def periods_between(first: str, last: str, by: str) -> list[str]:
    """Every period from ``first`` to ``last`` inclusive (labels as ``period_of`` makes them)."""
    periods = []
    current = _period_start(first, by)
    while True:
        label = period_of(to_day(current), by)
        if label > last:
            return periods
        periods.append(label)
        if label == last:  # before stepping on: the last period may end the calendar
            return periods
        if by == "year":
            current = datetime.date(current.year + 1, 1, 1)
        elif by == "month":
            current = datetime.date(current.year + current.month // 12, current.month % 12 + 1, 1)
        else:
            current += datetime.timedelta(weeks=1)


def _period_start(label: str, by: str) -> datetime.date:
    if by == "year":
        return datetime.date(int(label), 1, 1)
    if by == "month":
        return datetime.date(int(label[:4]), int(label[5:7]), 1)
    return datetime.date.fromisocalendar(int(label[:4]), int(label[6:]), 1)
