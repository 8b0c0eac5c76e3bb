"""League-table ranks with their uncertainty (METHODS.md, "League tables"; seed 4.5 and Annex C).

A league table orders units by value, but two units whose 95% intervals overlap cannot honestly be
put in order. So each unit's rank comes with the range of ranks its interval allows, as the
Spiegelhalter-style "rank intervals" published beside NHS and school league tables:

- **best rank** = 1 + the number of units *certainly better*: for "higher is better", those whose
  95% lower limit exceeds this unit's upper limit;
- **worst rank** = n − the number of units *certainly worse*: those whose upper limit is below this
  unit's lower limit.

For "lower is better" the same counts are mirrored: a unit is certainly better when its upper limit
is below this unit's lower limit. Rank 1 is always the best. The point ``rank`` orders by value
(ties share the better rank); it is never shown without ``best_rank`` and ``worst_rank``.

Counting uses two sorted copies of the limits and binary search (``numpy.searchsorted``): O(n log n),
no loop over units and no n × n comparison matrix.

>>> frame = pl.DataFrame(
...     {"unit": ["A", "B", "C"], "value": [90.0, 80.0, 79.0],
...      "lower_95": [88.0, 78.0, 77.0], "upper_95": [92.0, 82.0, 81.0]}
... )
>>> rank_with_uncertainty(frame, polarity="higher").select("unit", "rank", "best_rank", "worst_rank").rows()
[('A', 1, 1, 1), ('B', 2, 2, 3), ('C', 3, 2, 3)]
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.schemas import DataError

__all__ = ["RANK_COLUMNS", "rank_with_uncertainty"]

#: The columns ``rank_with_uncertainty`` adds.
RANK_COLUMNS = ("rank", "best_rank", "worst_rank", "ranked")

Polarity = Literal["higher", "lower"]


def rank_with_uncertainty(
    frame: pl.DataFrame,
    *,
    polarity: Polarity,
    value: str = "value",
    lower: str = "lower_95",
    upper: str = "upper_95",
) -> pl.DataFrame:
    """Every row of ``frame`` in input order, with ``rank``, ``best_rank``, ``worst_rank`` (1 = best)
    and ``ranked`` (the number of units ranked, n).

    Rows missing the value or either limit are not ranked: their rank columns are null and they do
    not count in n. A lower limit above the upper limit, or a value outside its own interval, raises
    ``DataError`` naming the 1-based row.

    >>> frame = pl.DataFrame(
    ...     {"unit": ["A", "B"], "value": [5.0, 9.0], "lower_95": [4.0, 8.0], "upper_95": [6.0, 10.0]}
    ... )
    >>> rank_with_uncertainty(frame, polarity="lower")["rank"].to_list()
    [1, 2]
    """
    if polarity not in ("higher", "lower"):
        raise ValueError(f"a league table needs a polarity of 'higher' or 'lower', not {polarity!r}")
    for name in (value, lower, upper):
        if name not in frame.columns:
            raise DataError("is missing", column=name)
        if not frame[name].dtype.is_numeric():
            raise DataError(f"is not numeric ({frame[name].dtype})", column=name)
    v = frame[value].cast(pl.Float64).fill_nan(None).to_numpy().astype(np.float64)
    lo = frame[lower].cast(pl.Float64).fill_nan(None).to_numpy().astype(np.float64)
    hi = frame[upper].cast(pl.Float64).fill_nan(None).to_numpy().astype(np.float64)
    complete = ~(np.isnan(v) | np.isnan(lo) | np.isnan(hi))
    bad = np.flatnonzero(complete & (lo > hi))
    if bad.size:
        raise DataError("the lower limit is above the upper limit", row=int(bad[0]) + 1, column=lower)
    outside = np.flatnonzero(complete & ((v < lo) | (v > hi)))
    if outside.size:
        raise DataError("the value is outside its own interval", row=int(outside[0]) + 1, column=value)

    if polarity == "lower":
        # Mirror: on the negated scale higher is better, and the limits swap roles.
        v, lo, hi = -v, -hi, -lo
    n = int(complete.sum())
    sorted_lower = np.sort(lo[complete])
    sorted_upper = np.sort(hi[complete])
    # Units whose lower limit is above this unit's upper limit: certainly better.
    certainly_better = n - np.searchsorted(sorted_lower, hi, side="right")
    # Units whose upper limit is below this unit's lower limit: certainly worse.
    certainly_worse = np.searchsorted(sorted_upper, lo, side="left")
    # Point rank: 1 + the number of units with a strictly better value (ties share the better rank).
    sorted_values = np.sort(v[complete])
    strictly_better = n - np.searchsorted(sorted_values, v, side="right")

    def ranks(counts: npt.NDArray[np.intp]) -> pl.Series:
        return pl.Series(counts.astype(np.int64)).scatter(np.flatnonzero(~complete), None)

    ranked = pl.Series(np.full(len(v), n, dtype=np.int64)).scatter(np.flatnonzero(~complete), None)
    return frame.with_columns(
        ranks(1 + strictly_better).alias("rank"),
        ranks(1 + certainly_better).alias("best_rank"),
        ranks(n - certainly_worse).alias("worst_rank"),
        ranked.alias("ranked"),
    )
