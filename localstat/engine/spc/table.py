"""``spc_table``: statistical process control for every series of a long frame at once."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.panels import PackedPanel, SeriesPanel, pack, series_panel
from localstat.engine.spc.limits import ProcessLimits, check_baseline, prime_limits, xmr_limits
from localstat.engine.spc.profiles import (
    ASSURANCES,
    POINT_TYPES,
    RULES,
    TRIAL_LIMIT_POINTS,
    Improvement,
    ProfileName,
    profile_named,
)
from localstat.engine.spc.rules import assurance, point_types, special_cause_rules

__all__ = ["OUTPUT_COLUMNS", "SUMMARY_COLUMNS", "spc_table"]

FloatArray = npt.NDArray[np.float64]

Chart = Literal["xmr", "p_prime", "u_prime"]

#: Columns ``spc_table`` adds to every input row.
OUTPUT_COLUMNS = ("mean", "lpl", "upl", "point_type", "rule")
#: Columns of the per-series summary.
SUMMARY_COLUMNS = ("series", "variation", "assurance", "points", "trial_limits")

_IMPROVEMENTS = ("increase", "decrease", "neutral")
_CHARTS = ("xmr", "p_prime", "u_prime")


def spc_table(
    frame: pl.DataFrame,
    *,
    improvement: Improvement = "increase",
    profile: ProfileName = "nhsr",
    chart: Chart = "xmr",
    screen: bool | None = None,
    baseline: int | None = None,
    rebase: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """SPC per series: limits, special causes, point types, variation and assurance.

    ``frame`` has columns ``series``, ``period`` and ``value`` (``numerator`` and ``denominator``
    for ``p_prime``/``u_prime``), optionally ``target``; other columns are carried through. Each
    series is ordered by period (integers or ISO dates) and split into segments at its ``rebase``
    periods (a frame of ``series``, ``period``; a rebase on a period with no point starts the
    segment at the next point). Each segment's limits come from its points, or its first
    ``baseline`` points (at least 12); ``screen`` (None = the profile's default) drops moving ranges
    of 3.267 × AMR or more. The rules and profiles are those of METHODS.md, "Statistical process
    control"; see :func:`~localstat.engine.spc.rules.special_cause_rules`.

    A row with no value (or, for p′/u′, no numerator or denominator) is skipped, as
    NHSRplotthedots skips missing values: it takes no part in any calculation, its neighbours are
    treated as consecutive, and its outputs are null.

    Returns ``points``: the input rows in input order with ``mean``, ``lpl``, ``upl``,
    ``point_type`` and ``rule`` added (for p′/u′ also ``value``, the plotted proportion or rate, when
    the input has none; ``rule`` is null for common cause); and ``summary``: one row per series
    (sorted) with ``variation`` (the latest point's type), ``assurance`` (``consistent_pass``,
    ``consistent_fail``, ``inconsistent``, or null without a target or with a neutral direction),
    ``points`` (how many points were judged) and ``trial_limits`` (the latest limits came from
    fewer than 13 points). Bad input raises ``ValueError`` naming the 1-based row and the column.

    >>> frame = pl.DataFrame({"series": "A&E", "period": list(range(1, 16)),
    ...                       "value": [5.0, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 12]})
    >>> points, summary = spc_table(frame)
    >>> points.row(-1)
    ('A&E', 15, 12.0, 5.9333333333333..., 3.2733333333333..., 8.5933333333333..., 'special_cause_improvement', 'outside_limits')
    >>> summary.row(0)
    ('A&E', 'special_cause_improvement', None, 15, False)
    """
    _check_options(improvement, profile, chart, baseline)
    chosen = profile_named(profile)
    prime = chart != "xmr"
    required = ["series", "period", *(("numerator", "denominator") if prime else ("value",))]
    for name in required:
        if name not in frame.columns:
            raise ValueError(f"column '{name}' is missing")
    for name in OUTPUT_COLUMNS:
        if name in frame.columns:
            raise ValueError(f"column '{name}' is an output of spc; rename it in the input")

    panel = series_panel(frame)
    starts = _rebase_starts(panel, rebase)
    limits: ProcessLimits
    if prime:
        values, numerators, denominators = _rates(frame, panel, chart)
        packed = pack(values, starts=starts)
        limits = prime_limits(
            packed.take(numerators),
            packed.take(denominators),
            chart="p_prime" if chart == "p_prime" else "u_prime",
            profile=chosen,
            screen=screen,
            baseline=baseline,
        )
    else:
        values = panel.dense(_numeric(frame, "value"))
        packed = pack(values, starts=starts)
        limits = xmr_limits(packed.values, profile=chosen, screen=screen, baseline=baseline)

    causes = special_cause_rules(packed.values, limits, profile=chosen)
    types = point_types(causes, improvement=improvement)

    shape = packed.values.shape
    # Each input row's flat position in the packed arrays (-1: the row has no point).
    slots = panel.rows(packed.slot_index())
    new_columns = [
        _float_column("mean", slots, np.broadcast_to(limits.mean, shape)),
        _float_column("lpl", slots, np.broadcast_to(limits.lpl, shape)),
        _float_column("upl", slots, np.broadcast_to(limits.upl, shape)),
        _labels("point_type", _take(types, slots, -1), POINT_TYPES),
        _labels("rule", _take(causes.rule, slots, -1), RULES),
    ]
    if prime and "value" not in frame.columns:
        new_columns.insert(0, _float_column("value", slots, packed.values))
    points = frame.with_columns(new_columns)

    target = panel.dense(_numeric(frame, "target")) if "target" in frame.columns else None
    summary = _summary(panel, packed, limits, types, target, improvement)
    return points, summary


def _check_options(improvement: str, profile: str, chart: str, baseline: int | None) -> None:
    if improvement not in _IMPROVEMENTS:
        raise ValueError(f"improvement must be one of {', '.join(_IMPROVEMENTS)} (got {improvement!r})")
    profile_named(profile)
    if chart not in _CHARTS:
        raise ValueError(f"chart must be one of {', '.join(_CHARTS)} (got {chart!r})")
    check_baseline(baseline)


def _numeric(frame: pl.DataFrame, name: str) -> pl.Series:
    """The column as Float64 with nulls for missing values; a non-number names its row."""
    column = frame[name]
    if column.dtype == pl.Null:
        return column.cast(pl.Float64)
    if column.dtype == pl.String:
        parsed = column.str.strip_chars().cast(pl.Float64, strict=False)
        bad = parsed.is_null() & column.is_not_null() & (column.str.strip_chars() != "")
        if bad.any():
            row = int(bad.arg_true()[0])
            raise ValueError(f"row {row + 1}, column '{name}': '{column[row]}' is not a number")
        column = parsed
    elif not (column.dtype.is_numeric() or column.dtype == pl.Boolean):
        raise ValueError(f"column '{name}' must be numeric, not {column.dtype}")
    column = column.cast(pl.Float64)
    infinite = column.is_infinite().fill_null(False)
    if infinite.any():
        row = int(infinite.arg_true()[0])
        raise ValueError(f"row {row + 1}, column '{name}': {column[row]} is not a finite number")
    return column.fill_nan(None)


def _rates(frame: pl.DataFrame, panel: SeriesPanel, chart: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    numerator = _numeric(frame, "numerator")
    denominator = _numeric(frame, "denominator")
    both = numerator.is_not_null() & denominator.is_not_null()
    checks = [
        (both & (numerator < 0), "numerator", "must not be negative"),
        (both & (denominator <= 0), "denominator", "must be greater than zero"),
    ]
    if chart == "p_prime":
        checks.append((both & (numerator > denominator), "numerator", "must not exceed the denominator"))
    for bad, name, message in checks:
        if bad.any():
            row = int(bad.arg_true()[0])
            raise ValueError(f"row {row + 1}, column '{name}': {frame[name][row]} {message}")
    x = panel.dense(numerator)
    n = panel.dense(denominator)
    # A row lacking either count has no point; blank both so the packed layouts agree.
    lacking = np.isnan(x) | np.isnan(n)
    x[lacking] = np.nan
    n[lacking] = np.nan
    return x / np.where(lacking, 1.0, n), x, n


def _rebase_starts(panel: SeriesPanel, rebase: pl.DataFrame | None) -> npt.NDArray[np.bool_] | None:
    if rebase is None or rebase.height == 0:
        return None
    for name in ("series", "period"):
        if name not in rebase.columns:
            raise ValueError(f"rebase: column '{name}' is missing")
    rows = panel.series_positions(rebase["series"])
    unknown = rows < 0
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise ValueError(
            f"rebase: row {row + 1}, column 'series': '{rebase['series'][row]}' is not in the data"
        )
    try:
        columns = panel.period_positions(rebase["period"])
    except ValueError as error:
        raise ValueError(f"rebase: {error}") from None
    starts = np.zeros(panel.shape, dtype=np.bool_)
    inside = columns < panel.shape[1]
    starts[rows[inside], columns[inside]] = True
    return starts


def _take(packed: npt.NDArray[Any], slots: npt.NDArray[np.int64], fill: Any) -> npt.NDArray[Any]:
    if packed.size == 0:
        return np.full(slots.shape, fill, dtype=np.result_type(packed.dtype, np.asarray(fill).dtype))
    flat = np.ascontiguousarray(packed).reshape(-1)
    return np.where(slots >= 0, flat[np.maximum(slots, 0)], fill)


def _float_column(name: str, slots: npt.NDArray[np.int64], values: FloatArray) -> pl.Series:
    return pl.Series(name, _take(values, slots, np.nan), dtype=pl.Float64).fill_nan(None)


def _labels(name: str, codes: npt.NDArray[Any], labels: tuple[str, ...]) -> pl.Series:
    # Code -1 (no point) and the empty label both become null.
    names = pl.Series(name, [label or None for label in labels], dtype=pl.String)
    index = pl.Series(codes.astype(np.int64))
    return names.gather(index.set(index < 0, None) if (codes < 0).any() else index).alias(name)


def _summary(
    panel: SeriesPanel,
    packed: PackedPanel,
    limits: ProcessLimits,
    types: npt.NDArray[np.int8],
    target: FloatArray | None,
    improvement: Improvement,
) -> pl.DataFrame:
    n_series = panel.shape[0]
    series_rows = np.arange(n_series)
    # Groups are in series order, so each series' latest segment is its last group.
    last_group = np.searchsorted(packed.group_series, series_rows, side="right") - 1
    has_points = last_group >= 0
    has_points[has_points] = packed.group_series[last_group[has_points]] == series_rows[has_points]
    group = np.where(has_points, last_group, 0)
    slot = np.where(has_points, packed.counts[group] - 1, 0) if packed.counts.size else group

    shape = packed.values.shape
    if packed.counts.size:
        latest_type = np.where(has_points, types[group, slot], -1).astype(np.int64)
        latest_lpl = np.where(has_points, np.broadcast_to(limits.lpl, shape)[group, slot], np.nan)
        latest_upl = np.where(has_points, np.broadcast_to(limits.upl, shape)[group, slot], np.nan)
        trial = limits.baseline_points[group] < TRIAL_LIMIT_POINTS
    else:
        latest_type = np.full(n_series, -1, dtype=np.int64)
        latest_lpl = latest_upl = np.full(n_series, np.nan)
        trial = np.zeros(n_series, dtype=np.bool_)

    if target is None:
        judged = np.zeros(n_series, dtype=np.int64)
    else:
        # The series' latest stated target, wherever it was given.
        stated = ~np.isnan(target)
        latest = np.where(stated, np.arange(target.shape[1]), -1).max(axis=1, initial=-1)
        latest_target = np.where(latest >= 0, target[series_rows, np.maximum(latest, 0)], np.nan)
        judged = assurance(latest_target, latest_lpl, latest_upl, improvement=improvement).astype(np.int64)

    points = np.bincount(packed.group_series, weights=packed.counts, minlength=n_series).astype(np.int64)
    return pl.DataFrame(
        [
            panel.keys.alias("series"),
            _labels("variation", latest_type, POINT_TYPES),
            _labels("assurance", np.where(has_points, judged, 0), ASSURANCES),
            pl.Series("points", points, dtype=pl.Int64),
            pl.Series("trial_limits", trial).zip_with(
                pl.Series(has_points), pl.Series([None] * n_series, dtype=pl.Boolean)
            ),
        ]
    )
