"""The series and points frames an assessment returns: columns, types and order.

Judgements arrive as arrays of numbers and codes (:mod:`localstat.engine.assess.judge`); here they
become typed columns, words as ``Enum`` columns, NaN as null, in the order ``localstat engine
assess --help`` documents (:data:`SERIES_COLUMNS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.assess.judge import Arrays, spc_of_points
from localstat.engine.assess.labels import (
    COMPARISONS,
    LEVELS,
    METHODS,
    STANDARD_STATUSES,
    TARGET_SCOPES,
    TARGET_STATUSES,
    TRENDS,
    label_column,
)
from localstat.engine.assess.specs import IndicatorSpec
from localstat.engine.spc import ASSURANCES, POINT_TYPES, RULES, Profile

__all__ = [
    "POINT_COLUMNS",
    "SERIES_COLUMNS",
    "Tables",
    "empty_points_frame",
    "empty_series_frame",
    "points_frame",
    "series_frame",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_RULE_WORDS = RULES[1:]
_ASSURANCE_WORDS = ASSURANCES[1:]
_PERIOD = "period type"

#: Every column of the series frame, in order, with its type (``period type``: as the periods).
SERIES_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("level", pl.Enum(LEVELS)),
    ("unit", pl.String),
    ("parent", pl.String),
    ("indicator", pl.String),
    ("service", pl.String),
    ("period", _PERIOD),
    ("last_period", _PERIOD),
    ("periods_without_value", pl.Int64),
    ("stale", pl.Boolean),
    ("numerator", pl.Float64),
    ("denominator", pl.Float64),
    ("units", pl.Int64),
    ("units_total", pl.Int64),
    ("value", pl.Float64),
    ("lower_95", pl.Float64),
    ("upper_95", pl.Float64),
    ("lower_998", pl.Float64),
    ("upper_998", pl.Float64),
    ("method", pl.Enum(METHODS)),
    ("national_value", pl.Float64),
    ("vs_national", pl.Enum(COMPARISONS)),
    ("parent_value", pl.Float64),
    ("parent_units", pl.Int64),
    ("parent_units_total", pl.Int64),
    ("vs_parent", pl.Enum(COMPARISONS)),
    ("peer_value", pl.Float64),
    ("peers", pl.Int64),
    ("vs_peers", pl.Enum(COMPARISONS)),
    ("standard", pl.Float64),
    ("vs_standard", pl.Enum(STANDARD_STATUSES)),
    ("target_scope", pl.Enum(TARGET_SCOPES)),
    ("target_level", pl.Float64),
    ("target_deadline", _PERIOD),
    ("milestone", pl.Float64),
    ("target_status", pl.Enum(TARGET_STATUSES)),
    ("variation", pl.Enum(POINT_TYPES)),
    ("spc_rule", pl.Enum(_RULE_WORDS)),
    ("spc_mean", pl.Float64),
    ("spc_lpl", pl.Float64),
    ("spc_upl", pl.Float64),
    ("spc_points", pl.Int64),
    ("trial_limits", pl.Boolean),
    ("assurance", pl.Enum(_ASSURANCE_WORDS)),
    ("trend", pl.Enum(TRENDS)),
    ("trend_slope", pl.Float64),
    ("trend_chi2", pl.Float64),
    ("falls", pl.Int64),
    ("recovered", pl.Int64),
    ("not_recovered", pl.Int64),
    ("recovery_pending", pl.Int64),
    ("absolute_score", pl.Float64),
    ("direction_score", pl.Float64),
)

#: Every column of the points frame, in order.
POINT_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("level", pl.Enum(LEVELS)),
    ("unit", pl.String),
    ("indicator", pl.String),
    ("period", _PERIOD),
    ("value", pl.Float64),
    ("mean", pl.Float64),
    ("lpl", pl.Float64),
    ("upl", pl.Float64),
    ("point_type", pl.Enum(POINT_TYPES)),
    ("rule", pl.Enum(_RULE_WORDS)),
)

_LABELS: dict[str, tuple[str, ...]] = {
    "method": METHODS,
    "vs_national": COMPARISONS,
    "vs_parent": COMPARISONS,
    "vs_peers": COMPARISONS,
    "vs_standard": STANDARD_STATUSES,
    "target_scope": TARGET_SCOPES,
    "target_status": TARGET_STATUSES,
    "variation": POINT_TYPES,
    "assurance": _ASSURANCE_WORDS,
    "trend": TRENDS,
}


def _schema(columns: tuple[tuple[str, Any], ...], period_dtype: pl.DataType) -> dict[str, Any]:
    return {name: period_dtype if dtype == _PERIOD else dtype for name, dtype in columns}


def empty_series_frame(period_dtype: pl.DataType) -> pl.DataFrame:
    """A series frame with no rows (nothing to judge), with every column typed.

    >>> empty_series_frame(pl.Int64).width
    52
    """
    return pl.DataFrame(schema=_schema(SERIES_COLUMNS, period_dtype))


def empty_points_frame(period_dtype: pl.DataType) -> pl.DataFrame:
    """A points frame with no rows, with every column typed.

    >>> empty_points_frame(pl.Date).columns[:3]
    ['level', 'unit', 'indicator']
    """
    return pl.DataFrame(schema=_schema(POINT_COLUMNS, period_dtype))


def _floats(name: str, values: npt.ArrayLike) -> pl.Series:
    return pl.Series(name, np.asarray(values, dtype=np.float64)).fill_nan(None)


def _nullable(name: str, index: npt.NDArray[np.integer[Any]]) -> pl.Series:
    """Positions as a gather index, with -1 as null."""
    positions = pl.Series(name, np.asarray(index, dtype=np.int64))
    return positions.set(positions < 0, None) if (positions < 0).any() else positions


def _period_values(
    name: str, physical: IntArray, missing: npt.NDArray[np.bool_], dtype: pl.DataType
) -> pl.Series:
    values = pl.Series(name, np.where(missing, 0, physical), dtype=pl.Int64)
    values = values.set(pl.Series(missing), None) if missing.any() else values
    return values.cast(pl.Int32).cast(pl.Date) if dtype == pl.Date else values


@dataclass(frozen=True)
class Tables:
    """What row arrays point into: the codes (front line units, then the chain's codes), the
    indicators' codes and services, and the periods."""

    codes: pl.Series
    indicators: pl.Series
    services: pl.Series
    periods: pl.Series


def series_frame(parts: list[Arrays], tables: Tables, period_dtype: pl.DataType) -> pl.DataFrame:
    """The series frame from every indicator's row arrays, typed and in :data:`SERIES_COLUMNS` order.

    Built once for all indicators, so its cost does not grow with the number of indicators.
    """
    if not parts:
        return empty_series_frame(period_dtype)
    data = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    columns: dict[str, pl.Series] = {
        "level": label_column("level", data["level"], LEVELS),
        "unit": tables.codes.gather(_nullable("unit", data["code"])),
        "parent": tables.codes.gather(_nullable("parent", data["parent"])),
        "indicator": tables.indicators.gather(data["indicator"]),
        "service": tables.services.gather(data["indicator"]),
        "period": tables.periods.gather(data["period"]),
        "last_period": tables.periods.gather(_nullable("last_period", data["last_period"])),
        "target_deadline": _period_values(
            "target_deadline", data["target_deadline"], data["target_scope"] < 0, period_dtype
        ),
        "spc_rule": label_column(
            "spc_rule", np.where(data["spc_rule"] > 0, data["spc_rule"] - 1, -1), _RULE_WORDS
        ),
        "peers": _nullable("peers", data["peers"]).alias("peers"),
        "periods_without_value": _nullable("periods_without_value", data["periods_without_value"]),
        "parent_units": _nullable("parent_units", data["parent_units"]).alias("parent_units"),
        "parent_units_total": _nullable("parent_units_total", data["parent_units_total"]).alias(
            "parent_units_total"
        ),
    }
    has_points = data["spc_points"] > 0
    trial = pl.Series("trial_limits", data["trial_limits"], dtype=pl.Boolean)
    columns["trial_limits"] = trial.set(pl.Series(~has_points), None) if (~has_points).any() else trial
    for name, words in _LABELS.items():
        columns[name] = label_column(name, data[name], words)
    for name, dtype in SERIES_COLUMNS:
        if name in columns:
            continue
        values = data[name]
        columns[name] = pl.Series(name, values, dtype=dtype)
    frame = pl.DataFrame([columns[name].alias(name) for name, _ in SERIES_COLUMNS])
    floats = [name for name, dtype in SERIES_COLUMNS if dtype == pl.Float64]
    return frame.with_columns(pl.col(floats).fill_nan(None))


def points_frame(
    x: FloatArray,
    n: FloatArray,
    spec: IndicatorSpec,
    profile: Profile,
    *,
    level: IntArray,
    code: IntArray,
    periods: IntArray,
    tables: Tables,
) -> pl.DataFrame:
    """Every point of every row of one indicator's panel, with its limits, type and rule."""
    packed, limits, types, rules = spc_of_points(x, n, spec, profile)
    shape = packed.values.shape
    cells = packed.point_cells
    slots = packed.point_slots
    row = cells // max(packed.n_periods, 1)
    column = cells % max(packed.n_periods, 1)

    def flat(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.ascontiguousarray(np.broadcast_to(array, shape)).reshape(-1)[slots]

    rule = flat(rules).astype(np.int64)
    return pl.DataFrame(
        [
            label_column("level", level[row], LEVELS),
            tables.codes.gather(_nullable("unit", code[row])).alias("unit"),
            pl.repeat(spec.code, len(row), eager=True, dtype=pl.String).alias("indicator"),
            tables.periods.gather(periods[column]).alias("period"),
            _floats("value", flat(packed.values)),
            _floats("mean", flat(limits.mean)),
            _floats("lpl", flat(limits.lpl)),
            _floats("upl", flat(limits.upl)),
            label_column("point_type", flat(types).astype(np.int64), POINT_TYPES),
            label_column("rule", np.where(rule > 0, rule - 1, -1), _RULE_WORDS),
        ]
    )
