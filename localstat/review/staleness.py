"""Whether a series' latest value is too old to present as current performance.

A unit that stopped reporting years ago still has judgements in every run (the run's period, no value,
and the series' last period in the evidence), and its old value still sits at the end of its series.
A briefing or the meeting-room display must not show such a series as this period's performance, nor
recognise it as good practice: it is missing or late data. A series is *stale* when its latest period
is more than :data:`STALE_AFTER_PERIODS` periods of its indicator's periodicity before the period the
run (or the meeting) is about.
"""

from __future__ import annotations

from datetime import date, timedelta

from localstat.framework.periods import PeriodError, period_containing

#: Older than this many periods of the indicator's periodicity before the current one: stale.
STALE_AFTER_PERIODS = 3

#: Half-terms need a school calendar to count; without one, a half-term and its holiday is at most
#: about nine weeks.
_HALF_TERM_DAYS = 63


def oldest_current_period(periodicity: str, current: date) -> date:
    """The first day of the oldest period still counted as current when ``current`` is the period the
    run is about: ``STALE_AFTER_PERIODS`` periods before it.

    >>> oldest_current_period("month", date(2019, 3, 1))
    datetime.date(2018, 12, 1)
    >>> oldest_current_period("quarter", date(2019, 1, 1))
    datetime.date(2018, 4, 1)
    """
    try:
        period = period_containing(periodicity, current)
    except PeriodError:  # half-terms: count in days
        return current - timedelta(days=_HALF_TERM_DAYS * STALE_AFTER_PERIODS)
    for _ in range(STALE_AFTER_PERIODS):
        period = period.previous()
    return period.start


def is_stale(periodicity: str, latest: date | None, current: date | None) -> bool:
    """Is a series whose latest value is for ``latest`` too old to be this period's performance?

    >>> is_stale("month", date(2016, 10, 1), date(2019, 3, 1))
    True
    >>> is_stale("month", date(2018, 12, 1), date(2019, 3, 1))
    False
    >>> is_stale("month", None, date(2019, 3, 1))
    True
    """
    if current is None:
        return False
    if latest is None:
        return True
    return latest < oldest_current_period(periodicity, current)
