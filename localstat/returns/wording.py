"""Numbers and periods written as a person reads them, on the pages and in the import's messages.

A count is a whole number, so it is written without a decimal point ("3364", not "3364.0"); a period
is named for its periodicity ("March 2019", "the week of 4 March 2019"), never as the ISO date it
starts on.
"""

from __future__ import annotations

from datetime import date

import polars as pl

#: Decimal places a non-whole value is written to (trailing zeros dropped).
PLACES = 4


def number(value: float | int | None, *, grouped: bool = True) -> str:
    """A value as text: whole numbers without ".0", others to at most four places; "" for none.

    >>> number(1413.0), number(0.0), number(0.5), number(2 / 3), number(None), number(1413.0, grouped=False)
    ('1,413', '0', '0.5', '0.6667', '', '1413')
    """
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}" if grouped else str(int(value))
    text = f"{value:,.{PLACES}f}" if grouped else f"{value:.{PLACES}f}"
    return text.rstrip("0").rstrip(".")


def number_expr(column: str | pl.Expr) -> pl.Expr:
    """:func:`number` as a Polars expression (ungrouped), for messages made over whole frames.

    >>> pl.select(number_expr(pl.lit(pl.Series([2960.0, 0.5, 2 / 3, None, float("inf")])))).to_series().to_list()
    ['2960', '0.5', '0.6667', None, 'inf']
    """
    value = pl.col(column) if isinstance(column, str) else column
    whole = value.is_finite() & (value == value.round(0))
    return (
        pl.when(whole)
        .then(value.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(value.round(PLACES).cast(pl.String))
    )


def period_label(start: date, end: date | None, periodicity: str) -> str:
    """The period a return covers, named as a person would.

    >>> from datetime import date
    >>> period_label(date(2019, 3, 1), date(2019, 3, 31), "month")
    'March 2019'
    >>> period_label(date(2019, 3, 4), date(2019, 3, 10), "week")
    'week of 4 March 2019'
    >>> period_label(date(2019, 1, 1), date(2019, 3, 31), "quarter")
    'January to March 2019'
    >>> period_label(date(2018, 4, 1), date(2019, 3, 31), "financial_year")
    '2018 to 2019 (financial year)'
    >>> period_label(date(2019, 2, 25), date(2019, 4, 5), "half_term")
    'half-term 25 February to 5 April 2019'
    >>> period_label(date(2018, 12, 17), date(2019, 1, 4), "half_term")
    'half-term 17 December 2018 to 4 January 2019'
    """
    if periodicity == "day":
        return f"{start.day} {start:%B %Y}"
    if periodicity == "week":
        return f"week of {start.day} {start:%B %Y}"
    if periodicity == "month":
        return f"{start:%B %Y}"
    if periodicity == "year":
        return f"{start.year}"
    if periodicity == "financial_year":
        return f"{start.year} to {start.year + 1} (financial year)"
    if end is None:
        return f"from {start.day} {start:%B %Y}"
    if periodicity == "quarter":
        first = f"{start:%B}" if start.year == end.year else f"{start:%B %Y}"
        return f"{first} to {end:%B %Y}"
    name = "half-term " if periodicity == "half_term" else ""
    first = f"{start.day} {start:%B}" if start.year == end.year else f"{start.day} {start:%B %Y}"
    return f"{name}{first} to {end.day} {end:%B %Y}"
