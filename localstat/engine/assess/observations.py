"""Observations, one indicator at a time, as dense ``units × periods`` grids.

An observations frame has columns ``unit``, ``indicator``, ``period``, ``numerator`` and
``denominator`` (a count needs no denominator). Units and periods are numbered once for the whole
frame (one pass each, no sort: see :func:`~localstat.engine.panels.dense_codes`); the frame is
split by indicator without copying when it is already sorted by indicator (the series-major layout
of PERFORMANCE.md), and through one stable sort of the indicator codes otherwise. Each
indicator's rows are then scattered into two grids, so only one indicator's grids are in memory
at a time: memory is bounded by the largest indicator, not by the whole table.

Bad input raises :class:`~localstat.engine.schemas.DataError` naming the 1-based row of the whole
frame and its column.

>>> frame = pl.DataFrame({"unit": ["b", "a", "a"], "indicator": "X", "period": [1, 1, 2],
...                       "numerator": [3, 1, 2], "denominator": [10, 10, 10]})
>>> source = observation_source(frame)
>>> chunk = source.chunk(0, source.last_period(2), "proportion")
>>> chunk.code, source.unit_codes.gather(chunk.units).to_list(), chunk.x.tolist()
('X', ['a', 'b'], [[1.0, 2.0], [3.0, nan]])
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.panels import dense_codes, normalise_periods
from localstat.engine.schemas import DataError, check_rows, float_column, require_columns

__all__ = [
    "IndicatorChunk",
    "KeyIndex",
    "ObservationSource",
    "UnitRuns",
    "key_index",
    "observation_source",
    "parse_as_of",
    "physical",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Locate = Callable[[IntArray], IntArray]

#: Rows read at a time when indexing a column (bounds the temporary arrays, not the results).
_BLOCK_ROWS = 4_000_000


@dataclass(frozen=True)
class IndicatorChunk:
    """One indicator's observations up to the as-of period, as grids.

    ``units`` and ``periods`` are the grid's rows and columns as positions into the source's
    ``unit_codes`` and ``periods`` (both ascending; the last column is the indicator's as-of
    period); ``x`` and ``n`` the ``units × periods`` numerators and denominators, NaN together
    where a unit has no usable point; ``rows`` the observations read.
    """

    code: str
    units: IntArray
    periods: IntArray
    x: FloatArray
    n: FloatArray
    rows: int


def physical(periods: pl.Series) -> IntArray:
    """Periods as sortable integers: integers as they are, dates as days since 1970.

    >>> physical(pl.Series([dt.date(1970, 1, 3)])).tolist()
    [2]
    """
    return periods.to_physical().cast(pl.Int64).to_numpy().astype(np.int64)


def _check_codes(frame: pl.DataFrame, name: str) -> None:
    column = frame[name]
    missing = column.is_null()
    if column.dtype == pl.String:
        missing = missing | (column.str.strip_chars() == "")
    if missing.any():
        check_rows(missing.to_numpy(), name, "is missing")


def _periods(column: pl.Series) -> pl.Series:
    # Integers keep their width (no copy of a large table), dates stay dates; text is parsed.
    if (column.dtype.is_integer() or column.dtype == pl.Date) and not column.null_count():
        return column
    if len(column) == 0 and not column.dtype.is_temporal():
        return column.cast(pl.Int64)
    return normalise_periods(column)


def parse_as_of(as_of: Any, dtype: pl.DataType) -> Any:
    """The as-of period as the observations' periods are typed: an integer or a date.

    >>> parse_as_of("2019-03-01", pl.Date), parse_as_of("7", pl.Int64)
    (datetime.date(2019, 3, 1), 7)
    >>> parse_as_of("March", pl.Date)
    Traceback (most recent call last):
    ...
    ValueError: as-of 'March' is not a date like the observations' periods (YYYY-MM-DD)
    """
    if dtype == pl.Date:
        if isinstance(as_of, dt.datetime):
            return as_of.date()
        if isinstance(as_of, dt.date):
            return as_of
        try:
            return dt.date.fromisoformat(str(as_of).strip())
        except ValueError:
            raise ValueError(
                f"as-of {as_of!r} is not a date like the observations' periods (YYYY-MM-DD)"
            ) from None
    if isinstance(as_of, bool | dt.date):
        raise ValueError(f"as-of {as_of!r} is not an integer like the observations' periods")
    if isinstance(as_of, int | np.integer):
        return int(as_of)
    try:
        return int(str(as_of).strip())
    except ValueError:
        raise ValueError(f"as-of {as_of!r} is not an integer like the observations' periods") from None


@dataclass(frozen=True)
class KeyIndex:
    """How one column's values become ids 0..k-1 in ascending order of ``distinct``.

    Integers and dates of a modest span go through a lookup table indexed by value; anything else
    through ``distinct`` (text: an ``Enum`` cast, one hashing pass; other numbers: a binary search).
    Built from the whole column once, applied to one indicator's rows at a time, so no array the
    length of the whole table is ever made.
    """

    distinct: pl.Series
    low: int
    table: IntArray | None

    def ids(self, column: pl.Series) -> IntArray:
        """The id of every value of ``column`` (all of which must be among ``distinct``)."""
        if self.table is not None:
            values = column.to_physical().to_numpy()
            return np.asarray(self.table[values - self.low if self.low else values], dtype=np.int64)
        if self.distinct.dtype == pl.String:
            physical_ids = column.cast(pl.String).cast(pl.Enum(self.distinct)).to_physical()
            return physical_ids.to_numpy().astype(np.int64)
        return self.distinct.search_sorted(column).to_numpy().astype(np.int64)


def key_index(column: pl.Series, blocks: list[slice], pool: Executor | None = None) -> KeyIndex:
    """Index a column's distinct values, reading it a block of rows at a time (on ``pool``'s
    threads when given).

    >>> index = key_index(pl.Series([30, 10, 30]), [slice(0, 3)])
    >>> index.distinct.to_list(), index.ids(pl.Series([10, 30])).tolist()
    ([10, 30], [0, 1])
    """
    dtype = column.dtype
    if len(column) and (dtype.is_integer() or dtype == pl.Date):
        physical_column = column.to_physical()
        low, high = int(physical_column.min()), int(physical_column.max())  # type: ignore[arg-type]
        span = high - low + 1
        if span <= max(4 * len(column), 1 << 22):

            def present(block: slice) -> npt.NDArray[np.bool_]:
                seen = np.zeros(span, dtype=np.bool_)
                values = physical_column.slice(block.start, block.stop - block.start).to_numpy()
                seen[values - low if low else values] = True
                return seen

            found = pool.map(present, blocks) if pool is not None else map(present, blocks)
            seen = np.logical_or.reduce([np.zeros(span, dtype=np.bool_), *found])
            table = np.cumsum(seen, dtype=np.int64) - 1
            distinct = (
                pl.Series(column.name, np.flatnonzero(seen) + low).cast(physical_column.dtype).cast(dtype)
            )
            return KeyIndex(distinct=distinct, low=low, table=table)
    if dtype != pl.String and not dtype.is_numeric():
        column = column.cast(pl.String)
    return KeyIndex(distinct=column.unique().sort(), low=0, table=None)


@dataclass(frozen=True)
class UnitRuns:
    """One indicator's rows as runs of one unit each, in ascending unit order (the series-major
    layout): ``starts`` is each run's first row, ``units`` its unit id, ``rows`` the rows in all."""

    starts: IntArray
    units: IntArray
    rows: int

    def rank(self, kept: IntArray | None) -> tuple[IntArray, IntArray]:
        """Each row's unit as a position among the units present, and those units' ids, for the
        rows ``kept`` (all when None). No lookup per row: a run's rows share its position.

        >>> UnitRuns(np.array([0, 2]), np.array([7, 9]), 3).rank(np.array([2]))[0].tolist()
        [0]
        """
        lengths = np.diff(np.append(self.starts, self.rows))
        rank = np.repeat(np.arange(self.starts.size, dtype=np.int64), lengths)
        if kept is None:
            return rank, self.units
        rank = rank[kept]
        present = np.bincount(rank, minlength=self.starts.size) > 0
        if present.all():
            return rank, self.units
        return (np.cumsum(present) - 1)[rank], self.units[present]


def _unit_runs(
    unit: pl.Series, starts: IntArray, pool: Executor | None = None
) -> list[tuple[IntArray, pl.Series]] | None:
    """Each indicator's unit runs (first row, unit code), or None unless every indicator's rows
    come unit by unit in ascending order."""

    def runs(bounds: tuple[int, int]) -> tuple[IntArray, pl.Series] | None:
        codes = unit.slice(int(bounds[0]), int(bounds[1] - bounds[0]))
        first = np.flatnonzero((codes != codes.shift(1)).fill_null(True).to_numpy()).astype(np.int64)
        heads = codes.gather(first)
        # Neighbouring runs differ by construction, so sorted heads are strictly increasing.
        return (first, heads) if heads.is_sorted() else None

    pairs = list(itertools.pairwise(starts))
    found = list(pool.map(runs, pairs) if pool is not None else map(runs, pairs))
    if any(item is None for item in found):
        return None
    return [item for item in found if item is not None]


@dataclass(frozen=True)
class ObservationSource:
    """A checked observations frame, the index of its units and periods, and each indicator's rows.

    ``unit_codes`` are the distinct unit codes as text (ascending in the codes' own order: numbers
    by value), ``periods`` the distinct periods (ascending).
    """

    frame: pl.DataFrame
    units: KeyIndex
    period_index: KeyIndex
    codes: list[str]
    starts: IntArray
    order: IntArray | None
    runs: list[UnitRuns] | None = None

    @property
    def unit_codes(self) -> pl.Series:
        """Every unit code, as text."""
        return self.units.distinct.cast(pl.String).alias("unit")

    @property
    def periods(self) -> pl.Series:
        """Every period, ascending."""
        return self.period_index.distinct

    @property
    def period_dtype(self) -> pl.DataType:
        """``Date`` for dated periods, ``Int64`` for numbered ones."""
        return pl.Date() if self.periods.dtype == pl.Date else pl.Int64()

    def _rows(self, index: int) -> tuple[slice | IntArray, Locate]:
        start, end = int(self.starts[index]), int(self.starts[index + 1])
        if self.order is None:
            return slice(start, end), lambda local: local + start
        rows = self.order[start:end]
        return rows, lambda local: rows[local]

    def last_period(self, as_of: Any) -> int:
        """The id of the latest period on or before ``as_of`` (-1 if none)."""
        wanted = physical(pl.Series([as_of]).cast(self.periods.dtype))[0]
        return int(np.searchsorted(physical(self.periods), wanted, side="right")) - 1

    def chunk(self, index: int, last: int, statistic: str) -> IndicatorChunk | None:
        """Indicator ``index``'s grids, leaving out periods after period id ``last``."""
        code = self.codes[index]
        rows, locate = self._rows(index)
        needed = [
            name for name in ("unit", "period", "numerator", "denominator") if name in self.frame.columns
        ]
        frame = self.frame.select(needed)
        frame = (
            frame[rows] if isinstance(rows, np.ndarray) else frame.slice(rows.start, rows.stop - rows.start)
        )
        periods = self.period_index.ids(frame["period"])
        kept: IntArray | None = None
        if last < len(self.periods) - 1 and periods.size and periods.max() > last:
            kept = np.flatnonzero(periods <= last)
            periods = periods[kept]
            frame = frame[kept]
            outer = locate

            def locate(local: IntArray) -> IntArray:
                return outer(kept[local])

        if frame.height == 0:
            return None
        try:
            x, n = _counts(frame, statistic)
        except DataError as error:
            raise _located(error, locate) from None
        if self.runs is not None:
            unit_rank, unit_list = self.runs[index].rank(kept)
        else:
            unit_rank, unit_list = _local(self.units.ids(frame["unit"]), len(self.units.distinct))
        period_rank, period_list = _local(periods, len(self.periods))
        shape = (unit_list.size, period_list.size)
        cell = unit_rank * shape[1] + period_rank
        self._refuse_repeated_cells(cell, unit_list[unit_rank], periods, locate, code)
        grid_x = np.full(shape, np.nan)
        grid_n = np.full(shape, np.nan)
        if isinstance(x, np.ndarray) and x.dtype != np.float64:
            grid_x.reshape(-1)[cell] = x  # whole numbers, none missing: no mask needed
            grid_n.reshape(-1)[cell] = n
        else:
            present = ~(np.isnan(x) | np.isnan(n))
            grid_x.reshape(-1)[cell[present]] = x[present]
            grid_n.reshape(-1)[cell[present]] = n[present]
        return IndicatorChunk(
            code=code, units=unit_list, periods=period_list, x=grid_x, n=grid_n, rows=frame.height
        )

    def _refuse_repeated_cells(
        self, cell: IntArray, units: IntArray, periods: IntArray, locate: Locate, code: str
    ) -> None:
        # Series-major rows come in cell order: strictly increasing cells cannot repeat.
        if cell.size < 2 or bool(np.all(cell[1:] > cell[:-1])) or np.bincount(cell).max() < 2:
            return
        order = np.argsort(cell, kind="stable")
        repeated = np.flatnonzero(cell[order][1:] == cell[order][:-1])
        second = order[repeated + 1]
        first = order[repeated]
        at = int(np.argmin(second))
        row, original = int(second[at]), int(first[at])
        raise DataError(
            f"period {self.periods[int(periods[row])]} occurs twice for unit '{self.unit_codes[int(units[row])]}'"
            f" and indicator '{code}' (first at row {int(locate(np.array([original]))[0]) + 1})",
            row=int(locate(np.array([row]))[0]) + 1,
            column="period",
        )


def _counts(frame: pl.DataFrame, statistic: str) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Numerators and denominators, checked. Whole numbers with none missing (the usual Parquet
    case) stay as they are, checked with a pass or two; anything else is parsed as floats. A
    count has no denominator (1 stands in for it)."""
    is_count = statistic == "count"
    numerator = frame["numerator"]
    if not is_count and "denominator" not in frame.columns:
        raise DataError("is missing (needed for every indicator that is not a count)", column="denominator")
    denominator = frame["denominator"] if not is_count else None
    whole = numerator.dtype.is_integer() and not numerator.null_count()
    if denominator is not None:
        whole = whole and denominator.dtype.is_integer() and not denominator.null_count()
    if whole:
        x = numerator.to_numpy()
        n = np.ones(1, dtype=x.dtype) if denominator is None else denominator.to_numpy()
        if x.min() < 0:
            check_rows(x < 0, "numerator", "must be zero or more", x)
        if denominator is not None and n.min() <= 0:
            check_rows(n <= 0, "denominator", "must be greater than zero", n)
        if statistic == "proportion" and np.any(x > n):
            check_rows(x > n, "numerator", "must not be greater than the denominator for a proportion", x)
        return x, np.broadcast_to(n, x.shape) if denominator is None else n
    x = float_column(frame, "numerator")
    n = np.where(np.isnan(x), np.nan, 1.0) if denominator is None else float_column(frame, "denominator")
    present = ~(np.isnan(x) | np.isnan(n))
    check_rows(present & (x < 0), "numerator", "must be zero or more", x)
    check_rows(present & (n <= 0), "denominator", "must be greater than zero", n)
    if statistic == "proportion":
        check_rows(
            present & (x > n), "numerator", "must not be greater than the denominator for a proportion", x
        )
    return x, n


def _local(ids: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """Rank ids among the distinct ids present (a lookup table, one pass) and list those ids."""
    seen = np.zeros(size, dtype=np.bool_)
    seen[ids] = True
    rank = np.cumsum(seen, dtype=np.int64) - 1
    return rank[ids], np.flatnonzero(seen).astype(np.int64)


def _located(error: DataError, locate: Locate) -> DataError:
    if error.row is None:
        return error
    row = int(locate(np.array([error.row - 1]))[0]) + 1
    return DataError(error.detail, row=row, column=error.column)


def observation_source(frame: pl.DataFrame, pool: Executor | None = None) -> ObservationSource:
    """Check an observations frame's codes and periods, index them and find each indicator's rows
    (reading blocks of rows on ``pool``'s threads when given).

    >>> observation_source(pl.DataFrame({"unit": ["a"], "indicator": ["X"], "period": ["May"],
    ...                                  "numerator": [1]}))
    Traceback (most recent call last):
    ...
    ValueError: row 1, column 'period': 'May' is not an integer or an ISO date (YYYY-MM-DD)
    """
    require_columns(frame, ["unit", "indicator", "period", "numerator"])
    for name in ("unit", "indicator"):
        _check_codes(frame, name)
    periods = _periods(frame["period"])
    if periods is not frame["period"]:
        frame = frame.with_columns(periods.alias("period"))
    indicator = frame["indicator"]
    if indicator.dtype == pl.String:
        indicator = indicator.str.strip_chars()
        frame = frame.with_columns(indicator.alias("indicator"))
    if len(indicator) == 0:
        codes: list[str] = []
        starts = np.zeros(1, dtype=np.int64)
        order = None
    elif indicator.is_sorted():
        changes = np.flatnonzero((indicator != indicator.shift(1)).fill_null(True).to_numpy())
        starts = np.append(changes, len(indicator)).astype(np.int64)
        codes = [str(c) for c in indicator.gather(changes).cast(pl.String).to_list()]
        order = None
    else:
        ids, distinct = dense_codes(indicator)
        small = ids.astype(np.int16 if len(distinct) < 32_768 else np.int64)
        order = np.argsort(small, kind="stable")
        starts = np.searchsorted(small[order], np.arange(len(distinct) + 1)).astype(np.int64)
        codes = [str(c) for c in distinct.cast(pl.String).to_list()]
    blocks = [
        slice(start, min(start + _BLOCK_ROWS, frame.height)) for start in range(0, frame.height, _BLOCK_ROWS)
    ]
    runs = _unit_runs(frame["unit"], starts, pool) if order is None else None
    unit_runs: list[UnitRuns] | None = None
    if runs is None:
        units = key_index(frame["unit"], blocks, pool)
    else:
        # Series-major rows: the units are the runs' heads, found without indexing every row.
        heads = pl.concat([head for _, head in runs]) if runs else frame["unit"].head(0)
        units = KeyIndex(distinct=heads.unique().sort(), low=0, table=None)
        unit_runs = [
            UnitRuns(first, units.ids(head), int(end - start))
            for (first, head), start, end in zip(runs, starts[:-1], starts[1:], strict=True)
        ]
    return ObservationSource(
        frame=frame,
        units=units,
        period_index=key_index(periods, blocks, pool),
        codes=codes,
        starts=starts,
        order=order,
        runs=unit_runs,
    )
