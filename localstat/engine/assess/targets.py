"""Targets and their trajectories, as an assessment reads them.

A targets frame has one row per target: ``unit`` (blank: the national target, which applies to
every row without a target of its own, intermediate-tier bodies and the national row included),
``indicator``, ``level`` (on the indicator's multiplied scale) and ``deadline``: the period
(written like ``period``) from which the level must be met; optionally ``floor`` (true for a floor
target, the minimum every unit must keep to at all times, seed 2.10; false or absent for an
aspirational one). A milestones frame gives the
trajectory: ``unit`` (blank: the national target's), ``indicator``, ``period`` and ``level``; a
milestone is in force from its period until the next. ``unit`` may name a front line unit or an
intermediate-tier body.

The frames are checked once and bound to the assessment's codes once; each indicator's lookup is
then a few array operations.

>>> targets = read_targets(pl.DataFrame({"unit": ["", "A"], "indicator": "X", "level": [95, 90],
...                                      "deadline": [2020, 2020]}), None, pl.Int64)
>>> bound = targets.bind(pl.Series(["A", "B"]), pl.Series([], dtype=pl.String))
>>> found = bound.lookup("X", np.array([0, 1]), np.array([], dtype=np.int64), 2019)
>>> found.level.tolist(), found.scope.tolist(), found.reached.tolist()
([90.0, 95.0, 95.0], [0, 1, 1], [False, False, False])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.panels import normalise_periods
from localstat.engine.schemas import DataError, check_rows, float_column, require_columns, text_column

__all__ = ["BoundTargets", "TargetLookup", "Targets", "read_targets"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: A deadline that is never reached (no target).
NO_DEADLINE = np.iinfo(np.int64).max


@dataclass(frozen=True)
class TargetLookup:
    """The target that applies to each row of a panel (units, then bodies, then the nation):
    ``level``, ``milestone`` in force (NaN: none), ``deadline`` (as a physical period;
    :data:`NO_DEADLINE` without a target), whether it is ``reached`` at the as-of period, and
    ``scope`` (0 own, 1 national, -1 no target), and whether it is a ``floor`` (a minimum
    standard in force now, not only from its deadline; all false when not given)."""

    level: FloatArray
    milestone: FloatArray
    deadline: IntArray
    reached: BoolArray
    scope: IntArray
    floor: BoolArray | None = None


def _physical(periods: pl.Series) -> IntArray:
    return periods.to_physical().cast(pl.Int64).to_numpy().astype(np.int64)


@dataclass(frozen=True)
class _Rows:
    """Target or milestone rows as arrays, each owner located among units and bodies."""

    indicator: npt.NDArray[np.str_]
    unit: IntArray
    body: IntArray
    national: BoolArray
    period: IntArray
    level: FloatArray
    floor: BoolArray


def _owners(frame: pl.DataFrame, period: str, unit_codes: pl.Series, chain_codes: pl.Series) -> _Rows:
    codes = frame["unit"]

    def located(among: pl.Series) -> IntArray:
        lookup = pl.DataFrame({"unit": among.cast(pl.String), "at": np.arange(len(among), dtype=np.int64)})
        found = pl.DataFrame({"unit": codes}).join(lookup, on="unit", how="left", maintain_order="left")
        return found["at"].fill_null(-1).to_numpy().astype(np.int64)

    return _Rows(
        indicator=frame["indicator"].to_numpy().astype(str),
        unit=located(unit_codes),
        body=located(chain_codes),
        national=codes.is_null().to_numpy(),
        period=_physical(frame[period]),
        level=frame["level"].to_numpy().astype(np.float64),
        floor=(
            frame["floor"].fill_null(False).to_numpy().astype(np.bool_)
            if "floor" in frame.columns
            else np.zeros(frame.height, dtype=np.bool_)
        ),
    )


@dataclass(frozen=True)
class BoundTargets:
    """Targets and milestones located among an assessment's units and bodies."""

    targets: _Rows
    milestones: _Rows

    def lookup(self, indicator: str, units: IntArray, bodies: IntArray, as_of: int) -> TargetLookup:
        """The target of each row for one indicator: ``units`` (positions among the unit codes),
        then ``bodies`` (positions among the chain's codes), then the nation; ``as_of`` physical."""
        rows = len(units) + len(bodies) + 1
        level = np.full(rows, np.nan)
        deadline = np.full(rows, NO_DEADLINE, dtype=np.int64)
        scope = np.full(rows, -1, dtype=np.int64)
        floor = np.zeros(rows, dtype=np.bool_)
        milestone = np.full(rows, np.nan)
        t = self.targets
        mine = t.indicator == indicator
        if mine.any():
            national = np.flatnonzero(mine & t.national)
            if national.size:
                level[:] = t.level[national[0]]
                deadline[:] = t.period[national[0]]
                floor[:] = t.floor[national[0]]
                scope[:] = 1
            for row_of in _row_positions(units, bodies, t.unit[mine], t.body[mine]):
                found = row_of >= 0
                level[row_of[found]] = t.level[mine][found]
                deadline[row_of[found]] = t.period[mine][found]
                floor[row_of[found]] = t.floor[mine][found]
                scope[row_of[found]] = 0
            milestone = self._milestones(indicator, units, bodies, as_of, scope, rows)
        reached = (scope >= 0) & (deadline <= as_of)
        return TargetLookup(
            level=level, milestone=milestone, deadline=deadline, reached=reached, scope=scope, floor=floor
        )

    def _milestones(
        self, indicator: str, units: IntArray, bodies: IntArray, as_of: int, scope: IntArray, rows: int
    ) -> FloatArray:
        m = self.milestones
        due = np.flatnonzero((m.indicator == indicator) & (m.period <= as_of))
        milestone = np.full(rows, np.nan)
        if due.size == 0:
            return milestone
        # Rows are in period order: the last due milestone of each owner is the one in force.
        national = due[m.national[due]]
        if national.size:
            milestone[scope == 1] = m.level[national[-1]]
        for row_of in _row_positions(units, bodies, m.unit[due], m.body[due]):
            found = row_of >= 0
            owners, last = np.unique(row_of[found][::-1], return_index=True)
            levels = m.level[due][found][::-1][last]
            own = scope[owners] == 0
            milestone[owners[own]] = levels[own]
        return milestone


def _row_positions(units: IntArray, bodies: IntArray, unit: IntArray, body: IntArray) -> list[IntArray]:
    """Each owner's unit row and body row in the panel (-1 where it is not one), as two arrays:
    a council can be both a front line unit and an intermediate-tier body."""
    found: list[IntArray] = []
    for rows, owners, offset in ((units, unit, 0), (bodies, body, len(units))):
        out = np.full(owners.shape, -1, dtype=np.int64)
        if rows.size:
            at = np.minimum(np.searchsorted(rows, owners), rows.size - 1)
            hit = (owners >= 0) & (rows[at] == owners)
            out[hit] = offset + at[hit]
        found.append(out)
    return found


@dataclass(frozen=True)
class Targets:
    """Checked targets (``unit``, ``indicator``, ``level``, ``deadline``) and milestones
    (``unit``, ``indicator``, ``period``, ``level``, in period order); ``unit`` is null for
    national rows."""

    targets: pl.DataFrame
    milestones: pl.DataFrame

    def bind(self, unit_codes: pl.Series, chain_codes: pl.Series) -> BoundTargets:
        """Locate every target's and milestone's unit among the units and the chain's bodies."""
        return BoundTargets(
            targets=_owners(self.targets, "deadline", unit_codes, chain_codes),
            milestones=_owners(self.milestones, "period", unit_codes, chain_codes),
        )


def _codes(frame: pl.DataFrame) -> pl.Series:
    if "unit" not in frame.columns:
        return pl.Series("unit", [None] * frame.height, dtype=pl.String)
    return frame["unit"].cast(pl.String).str.strip_chars().replace("", None)


def _floors(frame: pl.DataFrame) -> pl.Series:
    """The optional ``floor`` column as booleans (true, yes or 1 for a floor target; blank: not)."""
    if "floor" not in frame.columns:
        return pl.Series("floor", [False] * frame.height, dtype=pl.Boolean)
    column = frame["floor"]
    if column.dtype == pl.Boolean:
        return column.fill_null(False)
    words = column.cast(pl.String).str.strip_chars().str.to_lowercase().fill_null("")
    known = words.is_in(["true", "yes", "1", "false", "no", "0", ""])
    check_rows(
        (~known).to_numpy(),
        "floor",
        "must be true or false (yes or no, 1 or 0)",
        column.cast(pl.String).to_numpy(),
    )
    return words.is_in(["true", "yes", "1"]).alias("floor")


def _periods(frame: pl.DataFrame, column: str, dtype: pl.DataType) -> pl.Series:
    periods = normalise_periods(frame[column], column=column)
    if periods.dtype != dtype:
        raise DataError(
            f"periods are {periods.dtype} but the observations' periods are {dtype}", column=column
        )
    return periods


def _refuse_repeats(keys: pl.DataFrame, column: str, message: str, shown: pl.Series) -> None:
    key = pl.struct(keys.columns)
    repeated = keys.select(key.is_duplicated() & ~key.is_first_distinct()).to_series().to_numpy()
    check_rows(repeated, column, message, shown.to_numpy())


def read_targets(
    targets: pl.DataFrame | None, milestones: pl.DataFrame | None, period_dtype: pl.DataType
) -> Targets:
    """Check the targets and milestones frames against the observations' period type.

    A missing indicator, level or deadline, a second target for the same unit and indicator, a
    second milestone for the same period, or a milestone with no target raise
    :class:`~localstat.engine.schemas.DataError` naming the row and the column.

    >>> read_targets(pl.DataFrame({"unit": ["A", "A"], "indicator": "X", "level": [1, 2],
    ...                            "deadline": [3, 3]}), None, pl.Int64)
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: row 2, column 'indicator': repeats the target of this unit and indicator (got 'X')
    """
    target_schema: dict[str, Any] = {
        "unit": pl.String,
        "indicator": pl.String,
        "level": pl.Float64,
        "deadline": period_dtype,
        "floor": pl.Boolean,
    }
    milestone_schema: dict[str, Any] = {
        "unit": pl.String,
        "indicator": pl.String,
        "period": period_dtype,
        "level": pl.Float64,
    }
    checked = pl.DataFrame(schema=target_schema)
    if targets is not None and targets.height:
        require_columns(targets, ["indicator", "level", "deadline"])
        checked = pl.DataFrame(
            {
                "unit": _codes(targets),
                "indicator": text_column(targets, "indicator").str.strip_chars(),
                "level": float_column(targets, "level", allow_missing=False),
                "deadline": _periods(targets, "deadline", period_dtype),
                "floor": _floors(targets),
            }
        )
        _refuse_repeats(
            checked.select("unit", "indicator"),
            "indicator",
            "repeats the target of this unit and indicator",
            checked["indicator"],
        )
    steps = pl.DataFrame(schema=milestone_schema)
    if milestones is not None and milestones.height:
        require_columns(milestones, ["indicator", "period", "level"])
        steps = pl.DataFrame(
            {
                "unit": _codes(milestones),
                "indicator": text_column(milestones, "indicator").str.strip_chars(),
                "period": _periods(milestones, "period", period_dtype),
                "level": float_column(milestones, "level", allow_missing=False),
            }
        )
        _refuse_repeats(
            steps.select("unit", "indicator", "period"),
            "period",
            "repeats a milestone of this unit and indicator",
            steps["period"].cast(pl.String),
        )
        has_target = checked.select("unit", "indicator").with_columns(found=pl.lit(True))
        joined = steps.join(
            has_target, on=["unit", "indicator"], how="left", nulls_equal=True, maintain_order="left"
        )
        check_rows(
            joined["found"].is_null().to_numpy(),
            "indicator",
            "is a milestone of no target (give the target in the targets file)",
            steps["indicator"].to_numpy(),
        )
        steps = steps.sort("period", maintain_order=True)
    return Targets(targets=checked, milestones=steps)
