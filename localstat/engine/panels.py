"""Dense series panels: a long frame of (series, period, value) rows as numpy arrays.

Series statistics (SPC, runs, recent trend) want the data series-major: one row per series, one
column per period, NaN where a series has no value (``PERFORMANCE.md``). A :class:`SeriesPanel`
holds that layout's index once, so any number of per-row columns can be scattered into it
(:meth:`SeriesPanel.dense`) and any dense result gathered back into input row order
(:meth:`SeriesPanel.rows`).

Most series rules walk a series' *points*, not its calendar: a missing period is skipped, not a
break (NHSRplotthedots does the same). :func:`pack` gives that view: each row holds one series' (or
one segment's) points left-packed in period order, with a count per row, and can be unpacked back
into the dense layout.

Everything here is vectorised over all series at once; nothing loops over series or rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["PackedPanel", "SeriesPanel", "dense_codes", "normalise_periods", "pack", "series_panel"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _row_error(index: int, column: str, message: str) -> ValueError:
    # Rows are counted as a person counts them in a spreadsheet's data: the first data row is 1.
    return ValueError(f"row {index + 1}, column '{column}': {message}")


def normalise_periods(periods: pl.Series, *, column: str = "period") -> pl.Series:
    """Return periods as a sortable ``Int64`` or ``Date`` series, checking every row.

    Integers stay integers; ``Date`` stays a date (a ``Datetime`` keeps its date); strings must all
    be integers or all be ISO dates (``YYYY-MM-DD``). A missing period or a value that is neither
    raises ``ValueError`` naming the 1-based row and the column.

    >>> normalise_periods(pl.Series(["2024-02-01", "2024-01-01"])).to_list()
    [datetime.date(2024, 2, 1), datetime.date(2024, 1, 1)]
    >>> normalise_periods(pl.Series(["3", "1"])).to_list()
    [3, 1]
    >>> normalise_periods(pl.Series(["2024-01-01", "Jan 24"]))
    Traceback (most recent call last):
    ...
    ValueError: row 2, column 'period': 'Jan 24' is not an integer or an ISO date (YYYY-MM-DD)
    """
    dtype = periods.dtype
    if periods.null_count():
        raise _row_error(_first_true(periods.is_null()), column, "missing period")
    if dtype.is_integer():
        return periods.cast(pl.Int64)
    if dtype == pl.Date:
        return periods
    if isinstance(dtype, pl.Datetime):
        return periods.dt.date()
    if dtype == pl.String:
        stripped = periods.str.strip_chars()
        as_int = stripped.cast(pl.Int64, strict=False)
        if not as_int.null_count():
            return as_int
        as_date = stripped.str.to_date("%Y-%m-%d", strict=False)
        if not as_date.null_count():
            return as_date
        # Name the first period that does not fit the kind most periods are.
        parsed = as_int if as_int.null_count() <= as_date.null_count() else as_date
        bad = _first_true(parsed.is_null())
        raise _row_error(bad, column, f"'{periods[bad]}' is not an integer or an ISO date (YYYY-MM-DD)")
    raise ValueError(f"column '{column}': periods must be integers or ISO dates, not {dtype}")


def _first_true(mask: pl.Series) -> int:
    return int(mask.arg_true()[0])


#: Integer keys spanning at most this many values (or four per key) are ranked through a lookup table.
_LOOKUP_SPAN = 1 << 22


def dense_codes(
    keys: pl.Series, *, compact: bool = False
) -> tuple[npt.NDArray[np.signedinteger[Any]], pl.Series]:
    """Each key's 0-based rank among the distinct keys, and the distinct keys, sorted.

    The same as ``keys.rank("dense") - 1`` without a sort of every row: integer (and date) keys
    of a modest span go through a lookup table, one pass; text keys are cast to an ``Enum`` whose
    categories are the sorted distinct keys, one hashing pass. On 12 M text keys that is about
    0.4 s where a dense rank takes 6 s. Keys must not be null. ``compact`` returns ``int32``
    codes when they fit (half the memory for a large table), otherwise ``int64``.

    >>> codes, distinct = dense_codes(pl.Series(["b", "a", "b", "c"]))
    >>> codes.tolist(), distinct.to_list()
    ([1, 0, 1, 2], ['a', 'b', 'c'])
    >>> dense_codes(pl.Series([30, 10, 30]))[0].tolist()
    [1, 0, 1]
    """
    dtype = keys.dtype
    code_type: type[np.signedinteger[Any]] = np.int32 if compact and len(keys) < 2**31 else np.int64
    if len(keys) == 0:
        return np.zeros(0, dtype=code_type), keys
    if dtype.is_integer() or dtype == pl.Date:
        physical = keys.to_physical().to_numpy()
        low, high = int(physical.min()), int(physical.max())
        span = high - low + 1
        if span <= max(4 * len(keys), _LOOKUP_SPAN):
            seen = np.zeros(span, dtype=np.bool_)
            offset = physical - low if low else physical
            seen[offset] = True
            rank = np.cumsum(seen, dtype=code_type) - 1
            distinct = pl.Series(keys.name, np.flatnonzero(seen) + low).cast(keys.to_physical().dtype)
            return np.asarray(rank[offset], dtype=code_type), distinct.cast(dtype)
    elif dtype == pl.String:
        distinct = keys.unique().sort()
        codes = keys.cast(pl.Enum(distinct)).to_physical().to_numpy()
        return np.asarray(codes, dtype=code_type), distinct
    distinct = keys.unique().sort()
    return np.asarray(distinct.search_sorted(keys).to_numpy(), dtype=code_type), distinct


@dataclass(frozen=True)
class SeriesPanel:
    """The index of a long frame laid out as a dense ``series × periods`` grid.

    ``keys`` are the distinct series identifiers (sorted), ``periods`` the distinct periods
    (sorted, normalised by :func:`normalise_periods`); ``row_series`` and ``row_period`` give, for
    every input row in input order, its row and column in the grid.

    >>> frame = pl.DataFrame({"series": ["b", "a", "b"], "period": [2, 1, 1], "value": [5.0, 3.0, 4.0]})
    >>> panel = series_panel(frame)
    >>> panel.keys.to_list(), panel.periods.to_list(), panel.shape
    (['a', 'b'], [1, 2], (2, 2))
    >>> panel.dense(frame["value"]).tolist()
    [[3.0, nan], [4.0, 5.0]]
    >>> panel.rows(panel.dense(frame["value"]) * 10).tolist()
    [50.0, 30.0, 40.0]
    """

    keys: pl.Series
    periods: pl.Series
    row_series: IntArray
    row_period: IntArray

    @property
    def shape(self) -> tuple[int, int]:
        """``(number of series, number of periods)``."""
        return (len(self.keys), len(self.periods))

    def dense(self, column: pl.Series | npt.ArrayLike, *, fill: float = np.nan) -> FloatArray:
        """Scatter one value per input row into a ``float64`` grid; cells with no row get ``fill``.

        Nulls become NaN, so a missing value and a missing row look the same to the statistics.

        >>> panel = series_panel(pl.DataFrame({"series": [1, 1], "period": [1, 3]}))
        >>> panel.dense([2.0, None]).tolist()
        [[2.0, nan]]
        """
        if isinstance(column, pl.Series):
            flat = column.cast(pl.Float64).fill_null(np.nan).to_numpy()
        else:
            flat = np.asarray(column, dtype=np.float64)
        grid = np.full(self.shape, fill, dtype=np.float64)
        grid[self.row_series, self.row_period] = flat
        return grid

    def rows(self, grid: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Gather a grid (or anything shaped like it) back into input row order.

        >>> panel = series_panel(pl.DataFrame({"series": ["x", "x"], "period": [2, 1]}))
        >>> panel.rows(np.array([[10, 20]])).tolist()
        [20, 10]
        """
        return grid[self.row_series, self.row_period]

    def period_positions(self, periods: pl.Series, *, column: str = "period") -> IntArray:
        """Column of the first panel period at or after each given period (``n_periods`` if none).

        Used to place events such as a rebase that may fall on a period with no data: the event
        then takes effect at the series' next period.

        >>> panel = series_panel(pl.DataFrame({"series": [1, 1, 1], "period": [10, 20, 30]}))
        >>> panel.period_positions(pl.Series([20, 25, 40])).tolist()
        [1, 2, 3]
        """
        wanted = normalise_periods(periods, column=column)
        if wanted.dtype != self.periods.dtype:
            raise ValueError(
                f"column '{column}': periods are {wanted.dtype} but the data's periods are {self.periods.dtype}"
            )
        return np.searchsorted(self.periods.to_physical().to_numpy(), wanted.to_physical().to_numpy()).astype(
            np.int64
        )

    def series_positions(self, keys: pl.Series) -> IntArray:
        """Row of each given key in the panel, or -1 for a key the panel does not hold.

        >>> panel = series_panel(pl.DataFrame({"series": ["a", "c"], "period": [1, 1]}))
        >>> panel.series_positions(pl.Series(["c", "b", "a"])).tolist()
        [1, -1, 0]
        """
        lookup = pl.DataFrame({"key": self.keys, "position": np.arange(len(self.keys), dtype=np.int64)})
        wanted = pl.DataFrame({"key": keys.cast(self.keys.dtype, strict=False)})
        found = wanted.join(lookup, on="key", how="left", maintain_order="left", nulls_equal=False)
        return found["position"].fill_null(-1).to_numpy().astype(np.int64)


def series_panel(frame: pl.DataFrame, *, series: str = "series", period: str = "period") -> SeriesPanel:
    """Index a long frame by series and period.

    Every row must have a series and a period (see :func:`normalise_periods`), and no
    ``(series, period)`` pair may occur twice; otherwise ``ValueError`` names the 1-based row and
    the column. Values are not read here: scatter them with :meth:`SeriesPanel.dense`.

    >>> panel = series_panel(pl.DataFrame({"unit": ["u1", "u2"], "month": ["2024-02-01", "2024-01-01"]}),
    ...                      series="unit", period="month")
    >>> panel.periods.to_list()
    [datetime.date(2024, 1, 1), datetime.date(2024, 2, 1)]
    >>> panel.row_series.tolist(), panel.row_period.tolist()
    ([0, 1], [1, 0])
    >>> series_panel(pl.DataFrame({"series": ["a", "a"], "period": [1, 1]}))
    Traceback (most recent call last):
    ...
    ValueError: row 2, column 'period': period 1 occurs twice for series 'a' (first at row 1)
    """
    for name in (series, period):
        if name not in frame.columns:
            raise ValueError(f"column '{name}' is missing")
    keys = frame[series]
    if keys.null_count():
        raise _row_error(_first_true(keys.is_null()), series, "missing series")
    periods = normalise_periods(frame[period], column=period)
    row_series, distinct_keys = dense_codes(keys)
    row_period, unique_periods = dense_codes(periods)
    _check_unique_cells(frame, series, period, row_series, row_period, len(unique_periods))
    return SeriesPanel(
        keys=distinct_keys,
        periods=unique_periods,
        row_series=row_series,
        row_period=row_period,
    )


def _check_unique_cells(
    frame: pl.DataFrame, series: str, period: str, row_series: IntArray, row_period: IntArray, n_periods: int
) -> None:
    cell = row_series * max(n_periods, 1) + row_period
    if cell.size == 0 or np.bincount(cell).max() < 2:
        return
    order = np.argsort(cell, kind="stable")
    repeated = np.flatnonzero(cell[order][1:] == cell[order][:-1])
    # Report the earliest row (in input order) that repeats a cell, with the row it repeats.
    second = order[repeated + 1]
    first = order[repeated]
    at = int(np.argmin(second))
    row, original = int(second[at]), int(first[at])
    raise _row_error(
        row,
        period,
        f"period {frame[period][row]} occurs twice for series '{frame[series][row]}' (first at row {original + 1})",
    )


@dataclass(frozen=True)
class PackedPanel:
    """Points of each group left-packed in period order: the "compacted" view of a dense grid.

    A group is a whole series, or one segment of a series when :func:`pack` was given segment
    starts. Row ``g`` holds group ``g``'s non-missing values in its first ``counts[g]`` slots and NaN
    after; ``group_series[g]`` is the group's row in the dense grid and ``columns[g, k]`` the period
    column of slot ``k`` (-1 in padding). Groups appear in series order, then period order.
    ``point_cells`` and ``point_slots`` map each point's flat position in the dense grid to its flat
    position in the packed arrays, so packing and unpacking are single gathers.

    >>> grid = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan], [4.0, 5.0, 6.0]])
    >>> packed = pack(grid)
    >>> packed.values.tolist(), packed.counts.tolist(), packed.group_series.tolist()
    ([[1.0, 3.0, nan], [4.0, 5.0, 6.0]], [2, 3], [0, 2])
    >>> packed.unpack(packed.values * 2).tolist()
    [[2.0, nan, 6.0], [nan, nan, nan], [8.0, 10.0, 12.0]]
    """

    values: FloatArray
    counts: IntArray
    group_series: IntArray
    columns: IntArray
    n_series: int
    n_periods: int

    @property
    def filled(self) -> BoolArray:
        """Mask of the slots that hold a point (``slot < count``)."""
        return np.arange(self.values.shape[1]) < self.counts[:, None]

    @cached_property
    def point_slots(self) -> IntArray:
        """Flat position in the packed arrays of every point, in dense (series, period) order."""
        return np.flatnonzero(self.filled).astype(np.int64)

    @cached_property
    def point_cells(self) -> IntArray:
        """Flat position in the dense grid of every point, in the same order as ``point_slots``."""
        cells = self.group_series[:, None] * self.n_periods + self.columns
        return np.ascontiguousarray(cells).reshape(-1)[self.point_slots]

    def take(self, grid: npt.NDArray[Any], *, fill: Any = np.nan) -> npt.NDArray[Any]:
        """Pack another grid of the same shape into this panel's layout (e.g. denominators).

        >>> packed = pack(np.array([[1.0, np.nan, 2.0]]))
        >>> packed.take(np.array([[10.0, 20.0, 30.0]])).tolist()
        [[10.0, 30.0]]
        """
        out = np.full(self.values.shape, fill, dtype=np.result_type(grid.dtype, np.asarray(fill).dtype))
        out.reshape(-1)[self.point_slots] = np.ascontiguousarray(grid).reshape(-1)[self.point_cells]
        return out

    def unpack(self, packed: npt.NDArray[Any], *, fill: Any = np.nan) -> npt.NDArray[Any]:
        """Scatter a packed array back into the dense ``series × periods`` grid.

        >>> packed = pack(np.array([[np.nan, 7.0]]))
        >>> packed.unpack(np.array([[1]]), fill=0).tolist()
        [[0, 1]]
        """
        out = np.full(
            (self.n_series, self.n_periods), fill, dtype=np.result_type(packed.dtype, np.asarray(fill).dtype)
        )
        out.reshape(-1)[self.point_cells] = np.ascontiguousarray(packed).reshape(-1)[self.point_slots]
        return out

    def slot_index(self) -> IntArray:
        """A dense grid of each cell's flat position in the packed arrays (-1 where no point).

        Gather it once per input row (``SeriesPanel.rows``), then any packed result reaches the rows
        with one ``take`` instead of a round trip through the dense grid.

        >>> packed = pack(np.array([[np.nan, 7.0, 8.0]]))
        >>> packed.slot_index().tolist()
        [[-1, 0, 1]]
        """
        index = np.full((self.n_series, self.n_periods), -1, dtype=np.int64)
        index.reshape(-1)[self.point_cells] = self.point_slots
        return index

    def tail(self, k: int) -> FloatArray:
        """Each group's last ``k`` points, right-aligned, NaN-padded on the left when it has fewer.

        >>> pack(np.array([[1.0, 2.0, np.nan, 4.0], [np.nan, 5.0, np.nan, np.nan]])).tail(2).tolist()
        [[2.0, 4.0], [nan, 5.0]]
        """
        width = self.values.shape[1]
        offsets = self.counts[:, None] - k + np.arange(k)
        inside = offsets >= 0
        picked = np.take_along_axis(self.values, np.clip(offsets, 0, max(width - 1, 0)), axis=1)
        return np.where(inside, picked, np.nan) if width else np.full((len(self.counts), k), np.nan)


def pack(values: FloatArray, *, starts: BoolArray | None = None) -> PackedPanel:
    """Left-pack each series' non-missing points, optionally split into segments.

    ``values`` is a dense ``series × periods`` grid (NaN = no point). ``starts``, of the same shape,
    marks periods at which a new segment begins (a rebase): the segment takes effect at the
    series' first point at or after it. Groups with no points are dropped.

    >>> grid = np.array([[1.0, 2.0, np.nan, 4.0, 5.0]])
    >>> starts = np.array([[False, False, True, False, False]])
    >>> packed = pack(grid, starts=starts)
    >>> packed.values.tolist(), packed.counts.tolist(), packed.columns.tolist()
    ([[1.0, 2.0], [4.0, 5.0]], [2, 2], [[0, 1], [3, 4]])
    """
    values = np.asarray(values, dtype=np.float64)
    n_series, n_periods = values.shape
    present = ~np.isnan(values)
    if not present.any():
        return PackedPanel(
            values=np.zeros((0, 0)),
            counts=np.zeros(0, dtype=np.int64),
            group_series=np.zeros(0, dtype=np.int64),
            columns=np.zeros((0, 0), dtype=np.int64),
            n_series=n_series,
            n_periods=n_periods,
        )
    if starts is None:
        return _pack_whole_series(values, present)
    rows, cols = np.nonzero(present)  # row-major: series, then period order
    cumulative = np.cumsum(starts, axis=1, dtype=np.int64)
    segment = cumulative[rows, cols]
    n_segments = int(cumulative[:, -1].max()) + 1 if n_periods else 1
    key = rows * n_segments + segment
    new_group = np.empty(key.shape, dtype=np.bool_)
    new_group[0] = True
    new_group[1:] = key[1:] != key[:-1]
    group = np.cumsum(new_group) - 1
    first = np.flatnonzero(new_group)
    slot = np.arange(key.size) - first[group]
    counts = np.diff(np.append(first, key.size)).astype(np.int64)
    width = int(counts.max())
    packed = np.full((first.size, width), np.nan)
    packed[group, slot] = values[rows, cols]
    columns = np.full((first.size, width), -1, dtype=np.int64)
    columns[group, slot] = cols
    return PackedPanel(
        values=packed,
        counts=counts,
        group_series=rows[first].astype(np.int64),
        columns=columns,
        n_series=n_series,
        n_periods=n_periods,
    )


def _pack_whole_series(values: FloatArray, present: BoolArray) -> PackedPanel:
    """Pack without segments: one stable sort of each row's "missing" flags moves its points,
    in period order, ahead of its gaps (a radix sort on booleans: a few passes, no index arrays
    the size of the data)."""
    n_series, n_periods = values.shape
    counts_all = present.sum(axis=1)
    nonempty = np.flatnonzero(counts_all)
    width = int(counts_all.max())
    if nonempty.size < n_series:
        values, present = values[nonempty], present[nonempty]
    order = np.argsort(~present, axis=1, kind="stable")[:, :width]
    packed = np.take_along_axis(values, order, axis=1)
    counts = counts_all[nonempty].astype(np.int64)
    columns = np.where(np.arange(width) < counts[:, None], order, -1).astype(np.int64)
    return PackedPanel(
        values=packed,
        counts=counts,
        group_series=nonempty.astype(np.int64),
        columns=columns,
        n_series=n_series,
        n_periods=n_periods,
    )
