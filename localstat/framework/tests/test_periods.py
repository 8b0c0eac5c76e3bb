from __future__ import annotations

import itertools
from datetime import date

import pytest

from localstat.framework.periods import (
    PeriodError,
    Term,
    TermCalendar,
    parse_period,
    period_containing,
    period_end,
    period_start,
    period_starting,
    periods_between,
)

CALENDAR = TermCalendar(
    "Demo schools",
    (
        Term("Autumn 2", "2018/19", date(2018, 10, 29), date(2018, 12, 19)),
        Term("Autumn 1", "2018/19", date(2018, 9, 3), date(2018, 10, 19)),
        Term("Spring 1", "2018/19", date(2019, 1, 7), date(2019, 2, 15)),
    ),
)


@pytest.mark.parametrize(
    ("periodicity", "day", "start", "end", "label"),
    [
        ("day", date(2019, 4, 30), date(2019, 4, 30), date(2019, 4, 30), "30 April 2019"),
        ("week", date(2019, 4, 7), date(2019, 4, 1), date(2019, 4, 7), "Week beginning 1 April 2019"),
        ("week", date(2019, 1, 1), date(2018, 12, 31), date(2019, 1, 6), "Week beginning 31 December 2018"),
        ("month", date(2020, 2, 10), date(2020, 2, 1), date(2020, 2, 29), "February 2020"),
        ("quarter", date(2019, 12, 31), date(2019, 10, 1), date(2019, 12, 31), "Oct–Dec 2019"),
        ("financial_year", date(2019, 4, 1), date(2019, 4, 1), date(2020, 3, 31), "2019/20"),
        ("financial_year", date(2000, 1, 1), date(1999, 4, 1), date(2000, 3, 31), "1999/00"),
        ("year", date(2019, 7, 4), date(2019, 1, 1), date(2019, 12, 31), "2019"),
    ],
)
def test_each_day_falls_in_exactly_one_period_of_each_periodicity(
    periodicity, day, start, end, label
) -> None:
    period = period_containing(periodicity, day)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert period_start(periodicity, day) == start
    assert period_end(periodicity, start) == end


@pytest.mark.parametrize("periodicity", ["day", "week", "month", "quarter", "financial_year", "year"])
def test_next_and_previous_periods_tile_time_without_gaps(periodicity) -> None:
    # given a run of consecutive periods over two years
    periods = periods_between(periodicity, date(2018, 1, 1), date(2019, 12, 31))
    # then each starts the day after the one before ends, and next/previous walk the same run
    for before, after in itertools.pairwise(periods):
        assert (after.start - before.end).days == 1
        assert before.next() == after
        assert after.previous() == before


def test_periods_between_includes_periods_that_only_partly_overlap() -> None:
    assert [p.key for p in periods_between("quarter", date(2019, 2, 15), date(2019, 4, 1))] == [
        "2019-01-01",
        "2019-04-01",
    ]


def test_half_terms_follow_the_school_calendar_and_skip_holidays() -> None:
    autumn2 = period_containing("half_term", date(2018, 11, 5), calendar=CALENDAR)
    assert (autumn2.label, autumn2.start, autumn2.end) == (
        "Autumn 2 2018/19",
        date(2018, 10, 29),
        date(2018, 12, 19),
    )
    assert autumn2.next().label == "Spring 1 2018/19"
    assert autumn2.previous().label == "Autumn 1 2018/19"
    assert [
        p.label for p in periods_between("half_term", date(2018, 10, 1), date(2019, 1, 1), calendar=CALENDAR)
    ] == [
        "Autumn 1 2018/19",
        "Autumn 2 2018/19",
    ]
    with pytest.raises(PeriodError, match="falls in no half-term"):
        period_containing("half_term", date(2018, 10, 24), calendar=CALENDAR)
    with pytest.raises(PeriodError, match="no half-term after Spring 1"):
        autumn2.next().next()


def test_a_half_term_without_a_calendar_is_a_clear_error() -> None:
    with pytest.raises(PeriodError, match="need a school calendar"):
        period_containing("half_term", date(2018, 11, 5))


def test_a_calendar_with_overlapping_half_terms_is_refused() -> None:
    with pytest.raises(PeriodError, match=r"starts .* before Autumn 1 2018/19 ends"):
        TermCalendar(
            "Bad",
            (
                Term("Autumn 1", "2018/19", date(2018, 9, 3), date(2018, 10, 19)),
                Term("Autumn 2", "2018/19", date(2018, 10, 19), date(2018, 12, 19)),
            ),
        )


@pytest.mark.parametrize(
    ("periodicity", "text", "message"),
    [
        ("month", "2019-04-02", "does not start a month: a month starts on its 1st (2019-04-01)"),
        ("quarter", "2019-05-01", "does not start a quarter"),
        ("financial_year", "2019-01-01", "a financial year starts on 1 April (2018-04-01)"),
        ("month", "2019-13-01", "is not a date"),
        ("fortnight", "2019-04-01", "Unknown periodicity 'fortnight'"),
    ],
)
def test_parsing_a_period_names_what_is_wrong(periodicity, text, message) -> None:
    with pytest.raises(PeriodError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_period(periodicity, text)


def test_a_period_is_identified_by_its_first_day() -> None:
    period = period_starting("half_term", date(2019, 1, 7), calendar=CALENDAR)
    assert period.key == "2019-01-07"
    assert parse_period("half_term", period.key, calendar=CALENDAR) == period
    assert period.contains(date(2019, 2, 15))
    assert not period.contains(date(2019, 2, 18))
