"""Periods: the time a value covers (day, week, month, quarter, half-term, financial year, year).

A period is identified by its periodicity and its first day, written as an ISO date: the month of
April 2019 is ``("month", "2019-04-01")``. This module is plain Python (no ORM), so returns, the
assessment and any script can use it; half-terms need a :class:`TermCalendar`, which
``localstat.framework.selectors.school_calendar_for(service)`` builds from the database.

>>> p = period_containing("quarter", date(2019, 5, 17))
>>> (p.start, p.end, p.label)
(datetime.date(2019, 4, 1), datetime.date(2019, 6, 30), 'Apr–Jun 2019')
>>> p.next().label, p.previous().label
('Jul–Sep 2019', 'Jan–Mar 2019')
>>> [q.key for q in periods_between("month", date(2019, 1, 15), date(2019, 3, 1))]
['2019-01-01', '2019-02-01', '2019-03-01']
>>> parse_period("week", "2019-04-02")
Traceback (most recent call last):
...
localstat.framework.periods.PeriodError: 2019-04-02 does not start a week: a week starts on a Monday (2019-04-01).

Weeks run Monday to Sunday (ISO 8601). Quarters are calendar quarters, which are also the financial
quarters (April–June is the first quarter of a financial year). A financial year runs 1 April to
31 March. Half-terms are the teaching days of one half-term on a school calendar: a day in a
holiday belongs to no half-term.
"""

from __future__ import annotations

import calendar as _calendar
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = [
    "PERIODICITIES",
    "Period",
    "PeriodError",
    "Term",
    "TermCalendar",
    "latest_complete",
    "parse_period",
    "period_containing",
    "period_end",
    "period_start",
    "period_starting",
    "periods_between",
]

#: Every periodicity this module knows, shortest first (the values of ``choices.Periodicity``).
PERIODICITIES = ("day", "week", "month", "quarter", "half_term", "financial_year", "year")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class PeriodError(ValueError):
    """A date or a text that is not a period of the periodicity asked for; the message says why."""


@dataclass(frozen=True)
class Term:
    """One half-term on a school calendar: its name ("Autumn 1"), academic year ("2018/19") and days."""

    name: str
    academic_year: str
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.name} {self.academic_year}"


@dataclass(frozen=True)
class TermCalendar:
    """A school calendar's half-terms in date order, none overlapping.

    >>> cal = TermCalendar("Demo", (Term("Autumn 1", "2018/19", date(2018, 9, 3), date(2018, 10, 19)),
    ...                             Term("Autumn 2", "2018/19", date(2018, 10, 29), date(2018, 12, 19))))
    >>> period_containing("half_term", date(2018, 11, 5), calendar=cal).label
    'Autumn 2 2018/19'
    """

    name: str
    terms: tuple[Term, ...]

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.terms, key=lambda term: term.start))
        object.__setattr__(self, "terms", ordered)
        for term in ordered:
            if term.end < term.start:
                raise PeriodError(f"{term.label} ends ({term.end}) before it starts ({term.start}).")
        for before, after in itertools.pairwise(ordered):
            if after.start <= before.end:
                raise PeriodError(
                    f"{after.label} starts ({after.start}) before {before.label} ends ({before.end})."
                )

    def index_of_start(self, start: date) -> int | None:
        for index, term in enumerate(self.terms):
            if term.start == start:
                return index
        return None

    def index_containing(self, day: date) -> int | None:
        for index, term in enumerate(self.terms):
            if term.start <= day <= term.end:
                return index
        return None


@dataclass(frozen=True, order=True)
class Period:
    """One period: ``start`` and ``end`` are both inside it. Compare and sort by (start, periodicity)."""

    start: date
    periodicity: str
    end: date = field(compare=False)
    label: str = field(compare=False)
    calendar: TermCalendar | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """The period's identifier within its periodicity: its first day as an ISO date."""
        return self.start.isoformat()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Period:
        if self.periodicity == "half_term":
            calendar = _need_calendar(self.calendar)
            index = calendar.index_of_start(self.start)
            if index is None or index + 1 >= len(calendar.terms):
                raise PeriodError(
                    f"The school calendar {calendar.name!r} has no half-term after {self.label}."
                )
            return _term_period(calendar, index + 1)
        return period_containing(self.periodicity, self.end + timedelta(days=1))

    def previous(self) -> Period:
        if self.periodicity == "half_term":
            calendar = _need_calendar(self.calendar)
            index = calendar.index_of_start(self.start)
            if not index:
                raise PeriodError(
                    f"The school calendar {calendar.name!r} has no half-term before {self.label}."
                )
            return _term_period(calendar, index - 1)
        return period_containing(self.periodicity, self.start - timedelta(days=1))

    def __str__(self) -> str:
        return self.label


def _check_periodicity(periodicity: str) -> None:
    if periodicity not in PERIODICITIES:
        raise PeriodError(f"Unknown periodicity {periodicity!r}: use one of {', '.join(PERIODICITIES)}.")


def _need_calendar(calendar: TermCalendar | None) -> TermCalendar:
    if calendar is None:
        raise PeriodError("Half-terms need a school calendar: pass calendar=school_calendar_for(service).")
    return calendar


def _term_period(calendar: TermCalendar, index: int) -> Period:
    term = calendar.terms[index]
    return Period(term.start, "half_term", term.end, term.label, calendar)


def _month_end(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


def period_containing(periodicity: str, day: date, *, calendar: TermCalendar | None = None) -> Period:
    """The period of ``periodicity`` that ``day`` falls in.

    >>> period_containing("financial_year", date(2019, 3, 31)).label
    '2018/19'
    >>> period_containing("week", date(2019, 4, 7)).start
    datetime.date(2019, 4, 1)
    """
    _check_periodicity(periodicity)
    if periodicity == "day":
        return Period(day, periodicity, day, f"{day.day} {day:%B %Y}")
    if periodicity == "week":
        start = day - timedelta(days=day.weekday())
        return Period(
            start, periodicity, start + timedelta(days=6), f"Week beginning {start.day} {start:%B %Y}"
        )
    if periodicity == "month":
        return Period(day.replace(day=1), periodicity, _month_end(day.year, day.month), f"{day:%B %Y}")
    if periodicity == "quarter":
        first = 3 * ((day.month - 1) // 3) + 1
        label = f"{_MONTHS[first - 1]}–{_MONTHS[first + 1]} {day.year}"
        return Period(date(day.year, first, 1), periodicity, _month_end(day.year, first + 2), label)
    if periodicity == "financial_year":
        year = day.year if day.month >= 4 else day.year - 1
        return Period(date(year, 4, 1), periodicity, date(year + 1, 3, 31), f"{year}/{(year + 1) % 100:02d}")
    if periodicity == "year":
        return Period(date(day.year, 1, 1), periodicity, date(day.year, 12, 31), str(day.year))
    chosen = _need_calendar(calendar)
    index = chosen.index_containing(day)
    if index is None:
        raise PeriodError(f"{day} falls in no half-term of the school calendar {chosen.name!r} (a holiday?).")
    return _term_period(chosen, index)


def period_starting(periodicity: str, start: date, *, calendar: TermCalendar | None = None) -> Period:
    """The period that begins on ``start``; a :class:`PeriodError` if no period of that kind begins then."""
    period = period_containing(periodicity, start, calendar=calendar)
    if period.start != start:
        rule = {
            "week": "a week starts on a Monday",
            "month": "a month starts on its 1st",
            "quarter": "a quarter starts on 1 January, April, July or October",
            "financial_year": "a financial year starts on 1 April",
            "year": "a year starts on 1 January",
            "half_term": "a half-term starts on its calendar's first day",
        }[periodicity]
        what = "half-term" if periodicity == "half_term" else periodicity.replace("_", " ")
        raise PeriodError(f"{start} does not start a {what}: {rule} ({period.start}).")
    return period


def parse_period(periodicity: str, text: str, *, calendar: TermCalendar | None = None) -> Period:
    """The period whose first day is the ISO date ``text`` (what CSV files and URLs carry).

    >>> parse_period("month", "2019-04-01").label
    'April 2019'
    >>> parse_period("month", "April")
    Traceback (most recent call last):
    ...
    localstat.framework.periods.PeriodError: 'April' is not a date: write the period's first day as YYYY-MM-DD.
    """
    try:
        start = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise PeriodError(f"{text!r} is not a date: write the period's first day as YYYY-MM-DD.") from None
    return period_starting(periodicity, start, calendar=calendar)


def period_start(periodicity: str, day: date, *, calendar: TermCalendar | None = None) -> date:
    """The first day of the period ``day`` falls in."""
    return period_containing(periodicity, day, calendar=calendar).start


def period_end(periodicity: str, start: date, *, calendar: TermCalendar | None = None) -> date:
    """The last day of the period that starts on ``start``."""
    return period_starting(periodicity, start, calendar=calendar).end


def periods_between(
    periodicity: str, first_day: date, last_day: date, *, calendar: TermCalendar | None = None
) -> list[Period]:
    """Every period that overlaps ``first_day``…``last_day`` (both included), in order.

    >>> [p.label for p in periods_between("financial_year", date(2017, 1, 1), date(2018, 4, 1))]
    ['2016/17', '2017/18', '2018/19']
    """
    _check_periodicity(periodicity)
    if last_day < first_day:
        raise PeriodError(f"The range ends ({last_day}) before it starts ({first_day}).")
    return list(_iter_between(periodicity, first_day, last_day, calendar))


def _iter_between(
    periodicity: str, first_day: date, last_day: date, calendar: TermCalendar | None
) -> Iterator[Period]:
    if periodicity == "half_term":
        chosen = _need_calendar(calendar)
        for index, term in enumerate(chosen.terms):
            if term.end >= first_day and term.start <= last_day:
                yield _term_period(chosen, index)
        return
    period = period_containing(periodicity, first_day)
    while period.start <= last_day:
        yield period
        period = period.next()


def latest_complete(periods: Iterable[Period], as_of: date) -> Period | None:
    """The last of ``periods`` that had ended before ``as_of``."""
    ended = [period for period in periods if period.end < as_of]
    return max(ended) if ended else None
