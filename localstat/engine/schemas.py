"""Column schemas of the engine's frames, and the checks that read them.

Each verb of ``localstat engine`` reads one documented frame and writes another; :data:`SCHEMAS`
describes them (the command line's ``--help`` is built from it, so the documentation cannot drift
from the code). The helpers below turn a frame's columns into numpy arrays and refuse bad input
with :class:`DataError`, a ``ValueError`` whose message names the 1-based data row (the first row
after the header is row 1, as a person counts rows in a spreadsheet) and the column.

>>> frame = pl.DataFrame({"numerator": ["3", "x"]})
>>> float_column(frame, "numerator")
Traceback (most recent call last):
...
localstat.engine.schemas.DataError: row 2, column 'numerator': is not a number (got 'x')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = [
    "SCHEMAS",
    "Column",
    "DataError",
    "Schema",
    "check_rows",
    "float_column",
    "require_columns",
    "text_column",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class DataError(ValueError):
    """Bad input, located: ``row`` is 1-based (None for the whole column), ``column`` its name.

    >>> str(DataError("must be greater than zero", row=4, column="denominator"))
    "row 4, column 'denominator': must be greater than zero"
    >>> str(DataError("is missing", column="unit"))
    "column 'unit': is missing"
    """

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.row = row
        self.column = column
        self.detail = message
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


@dataclass(frozen=True)
class Column:
    """One documented column: its name and what it holds."""

    name: str
    meaning: str


@dataclass(frozen=True)
class Schema:
    """What a verb reads and writes. ``inputs`` are required unless listed in ``optional``."""

    verb: str
    summary: str
    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]
    optional: tuple[Column, ...] = ()
    per_row: bool = True

    def describe(self) -> str:
        """Plain-text description for ``--help``.

        >>> print(SCHEMAS["peers"].describe().splitlines()[0])
        input columns:
        """
        lines = ["input columns:"]
        lines += [f"  {c.name:<14} {c.meaning}" for c in self.inputs]
        lines += [f"  {c.name:<14} (optional) {c.meaning}" for c in self.optional]
        if self.per_row:
            lines.append("output: every input row, in input order, with every input column, plus:")
        else:
            lines.append("output columns:")
        lines += [f"  {c.name:<14} {c.meaning}" for c in self.outputs]
        return "\n".join(lines)


_INTERVALS = (
    Column("value", "numerator / denominator x multiplier"),
    Column("lower_95", "lower limit of the 95% confidence interval"),
    Column("upper_95", "upper limit of the 95% confidence interval"),
    Column("lower_998", "lower limit of the 99.8% confidence interval"),
    Column("upper_998", "upper limit of the 99.8% confidence interval"),
)

#: The frames each verb reads and writes.
SCHEMAS: dict[str, Schema] = {
    "intervals": Schema(
        verb="intervals",
        summary="values with 95% and 99.8% confidence intervals",
        inputs=(
            Column("numerator", "events, cases or observed count (zero or more)"),
            Column("denominator", "population, sample size or expected count (greater than zero)"),
        ),
        outputs=(
            *_INTERVALS,
            Column("method", "wilson (proportion), exact (fewer than 10 events) or byars (10 or more)"),
        ),
    ),
    "compare": Schema(
        verb="compare",
        summary="each value against a benchmark or a target, read through polarity",
        inputs=(
            Column("value", "the unit's value"),
            Column("lower_95", "lower limit of its 95% confidence interval"),
            Column("upper_95", "upper limit of its 95% confidence interval"),
            Column("benchmark", "the comparator (national, parent or peer value, or the target)"),
        ),
        optional=(
            Column("lower_998", "lower limit of the 99.8% interval (enables 'significantly' judgements)"),
            Column("upper_998", "upper limit of the 99.8% interval"),
        ),
        outputs=(
            Column(
                "comparison",
                "significantly_better, better, similar, worse, significantly_worse or not_compared",
            ),
        ),
    ),
    "spc": Schema(
        verb="spc",
        summary="statistical process control per series (XmR, p' and u' charts)",
        inputs=(
            Column("series", "series identifier (e.g. unit and indicator)"),
            Column("period", "ISO date (YYYY-MM-DD) or integer; orders each series"),
            Column("value", "the measurement (xmr chart)"),
        ),
        optional=(
            Column("numerator", "events (p_prime and u_prime charts, instead of value)"),
            Column("denominator", "population or sample size (p_prime and u_prime charts)"),
            Column("target", "target for the assurance icon"),
        ),
        outputs=(
            Column("mean", "process mean"),
            Column("lpl", "lower process limit"),
            Column("upl", "upper process limit"),
            Column(
                "point_type",
                "common_cause, special_cause_improvement, special_cause_concern, "
                "special_cause_neutral_high or special_cause_neutral_low",
            ),
            Column("rule", "the special-cause rule that fired, empty for common cause"),
        ),
    ),
    "funnel": Schema(
        verb="funnel",
        summary="funnel-plot limits around the pooled value (proportion) or 1 (ratio)",
        inputs=(
            Column("unit", "unit identifier"),
            Column("numerator", "events (proportion) or observed count (ratio)"),
            Column("denominator", "sample size (proportion) or expected count (ratio)"),
        ),
        outputs=(
            Column("value", "numerator / denominator"),
            Column("lower_95", "lower 95% funnel limit at the unit's denominator"),
            Column("upper_95", "upper 95% funnel limit"),
            Column("lower_998", "lower 99.8% funnel limit"),
            Column("upper_998", "upper 99.8% funnel limit"),
            Column("significance", "low_998, low_95, none, high_95 or high_998"),
            Column("phi", "overdispersion ratio (with --overdispersion spiegelhalter)"),
            Column("tau2", "between-unit variance on the transformed scale (spiegelhalter)"),
        ),
    ),
    "trend": Schema(
        verb="trend",
        summary="recent trend of each series' last five points (Fingertips method)",
        inputs=(
            Column("series", "series identifier"),
            Column("period", "ISO date (YYYY-MM-DD) or integer; orders each series"),
            Column("value", "the value"),
            Column("lower_95", "lower limit of its 95% confidence interval"),
            Column("upper_95", "upper limit of its 95% confidence interval"),
        ),
        outputs=(
            Column("series", "series identifier (one row per series, sorted)"),
            Column("trend", "increasing, decreasing, no_change or cannot_be_calculated"),
            Column("chi2", "chi-squared statistic of the weighted slope (empty if not calculated)"),
            Column("slope", "weighted least-squares slope per period (empty if not calculated)"),
        ),
        per_row=False,
    ),
    "peers": Schema(
        verb="peers",
        summary="each unit's most similar units by standardised Euclidean distance",
        inputs=(
            Column("unit", "unit code (ties in distance are broken by code)"),
            Column("<context>", "one or more numeric context columns (every numeric column by default)"),
        ),
        outputs=(
            Column("unit", "unit code"),
            Column("peer", "a most similar unit"),
            Column("rank", "1 = most similar"),
            Column("distance", "Euclidean distance between standardised context values"),
        ),
        per_row=False,
    ),
}


def require_columns(frame: pl.DataFrame, names: Sequence[str]) -> None:
    """Raise :class:`DataError` for the first of ``names`` the frame does not have.

    >>> require_columns(pl.DataFrame({"a": [1]}), ["a", "b"])
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: column 'b': is missing (the input has: a)
    """
    for name in names:
        if name not in frame.columns:
            raise DataError(f"is missing (the input has: {', '.join(frame.columns)})", column=name)


def check_rows(bad: BoolArray, column: str, message: str, values: npt.ArrayLike | None = None) -> None:
    """Raise :class:`DataError` at the first row where ``bad`` is true, quoting its value.

    >>> check_rows(np.array([False, True]), "denominator", "must be greater than zero", [5.0, 0.0])
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: row 2, column 'denominator': must be greater than zero (got 0)
    """
    hits = np.flatnonzero(bad)
    if hits.size == 0:
        return
    index = int(hits[0])
    detail = message
    if values is not None:
        detail += f" (got {_show(np.asarray(values)[index])})"
    raise DataError(detail, row=index + 1, column=column)


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def float_column(frame: pl.DataFrame, name: str, *, allow_missing: bool = True) -> FloatArray:
    """The column as ``float64``; nulls and empty strings become NaN (or an error).

    Text is parsed strictly: anything that is not a number is refused, naming the row. Infinite
    values are refused too: no published method takes them.

    >>> float_column(pl.DataFrame({"x": ["1.5", "", " 2"]}), "x").tolist()
    [1.5, nan, 2.0]
    >>> float_column(pl.DataFrame({"x": [1.0, None]}), "x", allow_missing=False)
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: row 2, column 'x': is missing
    """
    require_columns(frame, [name])
    series = frame[name]
    if series.dtype == pl.String:
        text = series.str.strip_chars()
        present = text.is_not_null() & (text != "")
        parsed = text.cast(pl.Float64, strict=False)
        unparsed = (present & parsed.is_null()).to_numpy()
        check_rows(unparsed, name, "is not a number", series.to_numpy())
        values = parsed.fill_null(np.nan).to_numpy().astype(np.float64)
        values[~present.to_numpy()] = np.nan
    elif series.dtype.is_numeric():
        values = series.cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)
    else:
        raise DataError(f"must hold numbers, not {series.dtype}", column=name)
    if series.dtype == pl.String:
        _refuse_text(series, values, name)
    check_rows(np.isinf(values), name, "must be a finite number", values)
    if not allow_missing:
        check_rows(np.isnan(values), name, "is missing")
    return values


def _refuse_text(series: pl.Series, values: FloatArray, name: str) -> None:
    # Polars parses "nan" and "inf" as floats; a CSV cell saying so is a mistake, not a value.
    text = series.str.strip_chars().str.to_lowercase()
    spelled = text.is_in(["nan", "+nan", "-nan"]).fill_null(False).to_numpy()
    check_rows(spelled, name, "is not a number", series.to_numpy())


def text_column(frame: pl.DataFrame, name: str) -> pl.Series:
    """The column as text (codes keep their leading zeros); a missing code is refused.

    >>> text_column(pl.DataFrame({"unit": ["007", None]}), "unit")
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: row 2, column 'unit': is missing
    """
    require_columns(frame, [name])
    series = frame[name].cast(pl.String)
    empty = series.is_null() | (series.str.strip_chars() == "")
    check_rows(empty.fill_null(True).to_numpy(), name, "is missing")
    return series
