"""The judgement of every row of one indicator's panel at the as-of period, all rows at once.

A panel is a pair of dense ``rows × periods`` grids, numerators and denominators (NaN where a row
has no point), whose last column is the as-of period. Rows are front line units, intermediate-tier
bodies (pooled) or the nation (pooled): each is judged the same way (METHODS.md throughout):

- value and 95% / 99.8% intervals by the indicator's statistic (Wilson; exact Poisson below 10
  events and Byar's from 10 for counts, rates and ratios);
- comparisons with the national, parent and peer-group values (Fingertips' two-level comparer);
- the standard (met or below) and the target (met, on track, at risk, off track, missed);
- SPC: limits from every point, the special-cause rules on the latest points only (a rule about
  the latest point needs at most the last seven), variation and assurance;
- the recent trend of the last five points, read through polarity;
- scores for absolute performance and direction of travel (the band rules' tables).

Every step is a handful of array passes over all rows; nothing loops over rows or series.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from localstat.engine.assess.bands import ABSOLUTE_COMPONENTS, DIRECTION_COMPONENTS
from localstat.engine.assess.labels import (
    COMPARISONS,
    STANDARD_STATUSES,
    TARGET_STATUSES,
    TRENDS,
)
from localstat.engine.assess.specs import IndicatorSpec
from localstat.engine.assess.targets import TargetLookup
from localstat.engine.comparison import Polarity, compare_with_benchmark
from localstat.engine.intervals import EXACT_BELOW, byars_interval, exact_poisson_interval, wilson_interval
from localstat.engine.panels import PackedPanel, pack
from localstat.engine.spc import (
    POINT_TYPES,
    TRIAL_LIMIT_POINTS,
    ProcessLimits,
    Profile,
    assurance,
    point_types,
    prime_limits,
    special_cause_rules,
    xmr_limits,
)
from localstat.engine.trend import POINTS as TREND_POINTS
from localstat.engine.trend import trend_of_points

__all__ = [
    "Intervals",
    "interval_arrays",
    "judge_panel",
    "last_points",
    "packed_recovery_record",
    "plotted_values",
    "recovery_record",
    "spc_of_points",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Arrays = dict[str, npt.NDArray[np.generic]]


@dataclass(frozen=True)
class Intervals:
    """Values and their 95% and 99.8% limits (NaN where there is no point), and the method code
    (into ``METHODS``: 0 wilson, 1 exact, 2 byars; -1 no point)."""

    value: FloatArray
    lower_95: FloatArray
    upper_95: FloatArray
    lower_998: FloatArray
    upper_998: FloatArray
    method: IntArray


def _ratio(x: FloatArray, n: FloatArray) -> FloatArray:
    """x / n, NaN where either is. Denominators are positive wherever there is a point (the
    observations are checked, and a pooled cell with nothing in it is NaN), so a plain division
    does: a masked one costs several times as much over a whole grid."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.true_divide(x, n), dtype=np.float64)


def plotted_values(x: FloatArray, n: FloatArray, spec: IndicatorSpec) -> FloatArray:
    """What an SPC chart plots: x/n for p′ and u′ charts (their limits are on that scale), and
    otherwise the indicator's value (x/n, or x for a count, times the multiplier).

    >>> from localstat.engine.assess.specs import IndicatorSpec
    >>> plotted_values(np.array([[1.0, 3.0]]), np.array([[4.0, 4.0]]), IndicatorSpec("X", multiplier=100)).tolist()
    [[25.0, 75.0]]
    """
    if spec.chart != "xmr":
        return _ratio(x, n)
    if spec.statistic == "count":
        return x * spec.multiplier
    # Scaled before dividing, so that a percentage is as exact as its counts allow.
    return _ratio(x * spec.multiplier, n)


def interval_arrays(x: npt.ArrayLike, n: npt.ArrayLike, spec: IndicatorSpec) -> Intervals:
    """Value and intervals of counts ``x`` out of ``n`` (any shape), by the indicator's statistic.

    A count's value is ``x`` and ``n`` is not read; everything is multiplied by the multiplier.

    >>> from localstat.engine.assess.specs import IndicatorSpec
    >>> result = interval_arrays([65.0], [100.0], IndicatorSpec("X", multiplier=100))
    >>> float(result.value[0]), round(float(result.lower_95[0]), 4), result.method.tolist()
    (65.0, 55.2544, [0])
    """
    x = np.asarray(x, dtype=np.float64)
    scale = spec.multiplier
    n = np.where(np.isnan(x), np.nan, 1.0) if spec.statistic == "count" else np.asarray(n, dtype=np.float64)
    present = ~np.isnan(x) & (n > 0)
    x = np.where(present, x, np.nan)
    value = _ratio(x * scale, n)
    limits: list[FloatArray] = []
    if spec.statistic == "proportion":
        method = np.zeros(x.shape, dtype=np.int64)
        for confidence in (0.95, 0.998):
            lower, upper = wilson_interval(x, np.where(present, n, np.nan), confidence)
            limits += [lower * scale, upper * scale]
    else:
        exact = x < EXACT_BELOW
        method = np.where(exact, 1, 2).astype(np.int64)
        for confidence in (0.95, 0.998):
            exact_lower, exact_upper = exact_poisson_interval(x, confidence)
            byars_lower, byars_upper = byars_interval(np.where(exact, np.nan, x), confidence)
            lower = np.where(exact, exact_lower, byars_lower)
            upper = np.where(exact, exact_upper, byars_upper)
            limits += [_ratio(lower, n) * scale, _ratio(upper, n) * scale]
    method = np.where(present, method, -1).astype(np.int64)
    return Intervals(value, limits[0], limits[1], limits[2], limits[3], method)


def last_points(values: npt.NDArray[np.generic], counts: IntArray, k: int) -> npt.NDArray[np.generic]:
    """Each packed row's last ``k`` points, left-aligned (a row with fewer keeps all it has).

    Left alignment keeps a short row exactly as packing laid it out, so a rule run on the window
    judges the row's latest point as it would on the whole row. The latest point sits in slot
    ``min(count, k) - 1``.

    >>> last_points(np.array([[1.0, 2.0, 3.0], [4.0, np.nan, np.nan]]), np.array([3, 1]), 2).tolist()
    [[2.0, 3.0], [4.0, nan]]
    """
    width = values.shape[1]
    start = np.maximum(counts - k, 0)
    offsets = start[:, None] + np.arange(k)
    inside = np.arange(k) < np.minimum(counts, k)[:, None]
    if width == 0:
        return np.full((len(counts), k), np.nan)
    picked = np.take_along_axis(values, np.clip(offsets, 0, width - 1), axis=1)
    return np.where(inside, picked, np.nan)


def _window_limits(limits: ProcessLimits, counts: IntArray, shape: tuple[int, int], k: int) -> ProcessLimits:
    def window(array: FloatArray) -> FloatArray:
        if array.shape[1] == 1:
            return array
        return np.asarray(last_points(np.broadcast_to(array, shape), counts, k), dtype=np.float64)

    return ProcessLimits(
        mean=window(limits.mean),
        lpl=window(limits.lpl),
        upl=window(limits.upl),
        lnl=window(limits.lnl),
        unl=window(limits.unl),
        amr=limits.amr,
        baseline_points=limits.baseline_points,
    )


def _limits(
    packed: PackedPanel, x: FloatArray, n: FloatArray, spec: IndicatorSpec, profile: Profile
) -> ProcessLimits:
    if spec.chart == "xmr":
        return xmr_limits(packed.values, profile=profile)
    return prime_limits(packed.take(x), packed.take(n), chart=spec.chart, profile=profile)


def _scaled(limits: ProcessLimits, spec: IndicatorSpec) -> ProcessLimits:
    # p′ and u′ limits are on the x/n scale; values are reported on the multiplied one.
    if spec.chart == "xmr":
        return limits
    s = spec.multiplier
    return ProcessLimits(
        limits.mean * s,
        limits.lpl * s,
        limits.upl * s,
        limits.lnl * s,
        limits.unl * s,
        limits.amr,
        limits.baseline_points,
    )


def spc_of_points(
    x: FloatArray, n: FloatArray, spec: IndicatorSpec, profile: Profile
) -> tuple[PackedPanel, ProcessLimits, npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    """Every point's limits, point type and rule (for charts): packed panel, limits (on the
    multiplied scale), type codes and rule codes, in the packed layout."""
    grid = plotted_values(x, n, spec)
    packed = pack(grid)
    limits = _limits(packed, x, n, spec, profile)
    causes = special_cause_rules(packed.values, limits, profile=profile)
    types = point_types(causes, improvement=spec.improvement)
    if spec.chart != "xmr":
        packed = PackedPanel(
            packed.values * spec.multiplier,
            packed.counts,
            packed.group_series,
            packed.columns,
            packed.n_series,
            packed.n_periods,
        )
    return packed, _scaled(limits, spec), types, causes.rule


def _codes(labels: npt.NDArray[np.str_], words: tuple[str, ...]) -> IntArray:
    return np.select([labels == word for word in words], list(range(len(words))), default=-1).astype(np.int64)


def _meets(value: FloatArray, level: FloatArray, polarity: Polarity) -> BoolArray:
    return np.asarray(value >= level if polarity is Polarity.HIGHER else value <= level, dtype=np.bool_)


def _target_status(values: Intervals, lookup: TargetLookup, polarity: Polarity) -> IntArray:
    has = lookup.scope >= 0
    if polarity is Polarity.NEUTRAL:
        return np.where(has, TARGET_STATUSES.index("not_compared"), -1).astype(np.int64)
    value = values.value
    met = _meets(value, lookup.level, polarity)
    milestone = np.where(np.isnan(lookup.milestone), lookup.level, lookup.milestone)
    on_track = _meets(value, milestone, polarity)
    near = values.upper_95 if polarity is Polarity.HIGHER else values.lower_95
    within_reach = _meets(near, milestone, polarity)
    status = np.select(
        [np.isnan(value), met, lookup.reached, on_track, within_reach],
        [TARGET_STATUSES.index(w) for w in ("no_value", "met", "missed", "on_track", "at_risk")],
        default=TARGET_STATUSES.index("off_track"),
    )
    return np.where(has, status, -1).astype(np.int64)


def _standard_status(value: FloatArray, spec: IndicatorSpec) -> IntArray:
    if spec.standard is None:
        return np.full(value.shape, -1, dtype=np.int64)
    if spec.polarity is Polarity.NEUTRAL:
        return np.full(value.shape, STANDARD_STATUSES.index("not_compared"), dtype=np.int64)
    met = _meets(value, np.full(value.shape, spec.standard), spec.polarity)
    return np.select([np.isnan(value), met], [2, 0], default=1).astype(np.int64)


def _score(codes: IntArray, words: tuple[str, ...], table: Mapping[str, float]) -> FloatArray:
    lookup = np.full(len(words) + 1, np.nan)
    for word, score in table.items():
        lookup[words.index(word)] = score
    return np.asarray(lookup[np.where(codes >= 0, codes, len(words))], dtype=np.float64)


def _mean_of(parts: list[FloatArray], rows: int) -> FloatArray:
    if not parts:
        return np.full(rows, np.nan)
    stacked = np.vstack(parts)
    counted = (~np.isnan(stacked)).sum(axis=0)
    total = np.nansum(stacked, axis=0) if stacked.size else np.zeros(rows)
    mean = np.full(rows, np.nan)
    np.divide(total, counted, out=mean, where=counted > 0)
    return mean


def _trend_codes(
    slope: FloatArray, significant: BoolArray, enough: BoolArray, polarity: Polarity
) -> IntArray:
    up, down = {
        Polarity.HIGHER: ("improving", "worsening"),
        Polarity.LOWER: ("worsening", "improving"),
        Polarity.NEUTRAL: ("increasing", "decreasing"),
    }[polarity]
    return np.select(
        [~enough, significant & (slope > 0), significant],
        [TRENDS.index("cannot_be_calculated"), TRENDS.index(up), TRENDS.index(down)],
        default=TRENDS.index("no_change"),
    ).astype(np.int64)


def judge_panel(
    x: FloatArray,
    n: FloatArray,
    spec: IndicatorSpec,
    *,
    profile: Profile,
    national: float,
    parent: FloatArray,
    peers: FloatArray,
    targets: TargetLookup,
    scores: Mapping[str, Mapping[str, float]],
    plotted: FloatArray | None = None,
    record: tuple[FloatArray, IntArray, int] | None = None,
    national_fair: npt.NDArray[np.bool_] | None = None,
) -> Arrays:
    """Judge every row of a panel at its last column; returns one array per series-frame column.

    ``national`` is the national value to compare with (NaN for the national row itself),
    ``parent`` and ``peers`` each row's parent and peer-group values (NaN: none), ``targets`` the
    target of each row; ``plotted`` the grid :func:`plotted_values` gives, when the caller has it;
    ``record`` each row's standard, the column it applies from and the periods allowed for a
    recovery, to count falls below it (:func:`packed_recovery_record`); ``national_fair`` false
    where a row's value pools too few of its units to compare with the national value
    (``not_compared``, so no score from it).
    Label columns hold codes (see :mod:`localstat.engine.assess.labels`).
    """
    rows, periods = x.shape
    polarity = spec.polarity
    latest = (
        interval_arrays(x[:, -1], n[:, -1], spec)
        if periods
        else interval_arrays(np.full(rows, np.nan), np.full(rows, np.nan), spec)
    )
    out: Arrays = {
        "value": latest.value,
        "lower_95": latest.lower_95,
        "upper_95": latest.upper_95,
        "lower_998": latest.lower_998,
        "upper_998": latest.upper_998,
        "method": latest.method,
    }

    def versus(benchmark: npt.ArrayLike) -> IntArray:
        # No value or no benchmark: nothing to say (null); a count or a neutral indicator: not_compared.
        against = np.broadcast_to(np.asarray(benchmark, dtype=np.float64), (rows,))
        missing = np.isnan(against) | np.isnan(latest.value)
        if spec.statistic == "count":
            return np.where(missing, -1, COMPARISONS.index("not_compared")).astype(np.int64)
        labels = compare_with_benchmark(
            latest.value,
            latest.lower_95,
            latest.upper_95,
            against,
            polarity=polarity,
            lower_998=latest.lower_998,
            upper_998=latest.upper_998,
        )
        return np.where(missing, -1, _codes(labels, COMPARISONS)).astype(np.int64)

    out["national_value"] = np.full(rows, national)
    vs_national = versus(national)
    if national_fair is not None:
        unfair = ~national_fair & (vs_national >= 0)
        vs_national = np.where(unfair, COMPARISONS.index("not_compared"), vs_national).astype(np.int64)
    out["vs_national"] = vs_national
    out["parent_value"] = parent
    out["vs_parent"] = versus(parent)
    out["peer_value"] = peers
    out["vs_peers"] = versus(peers)
    out["standard"] = np.full(rows, np.nan if spec.standard is None else spec.standard)
    out["vs_standard"] = _standard_status(latest.value, spec)
    out["target_level"] = targets.level
    out["milestone"] = targets.milestone
    out["target_status"] = _target_status(latest, targets, polarity)
    out["target_scope"] = targets.scope
    out.update(_spc_and_trend(x, n, spec, profile, targets, plotted, record))
    out.update(_scores(out, scores, rows))
    return out


def _spc_and_trend(
    x: FloatArray,
    n: FloatArray,
    spec: IndicatorSpec,
    profile: Profile,
    targets: TargetLookup,
    plotted: FloatArray | None,
    record: tuple[FloatArray, IntArray, int] | None,
) -> Arrays:
    rows = x.shape[0]
    packed = pack(plotted_values(x, n, spec) if plotted is None else plotted)
    group = packed.group_series
    counts = packed.counts
    out: Arrays = {
        "variation": np.full(rows, -1, dtype=np.int64),
        "spc_rule": np.full(rows, -1, dtype=np.int64),
        "spc_mean": np.full(rows, np.nan),
        "spc_lpl": np.full(rows, np.nan),
        "spc_upl": np.full(rows, np.nan),
        "spc_points": np.zeros(rows, dtype=np.int64),
        "trial_limits": np.zeros(rows, dtype=np.bool_),
        "assurance": np.full(rows, -1, dtype=np.int64),
        "last_column": np.full(rows, -1, dtype=np.int64),
        "trend": np.full(rows, TRENDS.index("cannot_be_calculated"), dtype=np.int64),
        "trend_slope": np.full(rows, np.nan),
        "trend_chi2": np.full(rows, np.nan),
        "record": np.zeros((rows, 4), dtype=np.int64),
    }
    if group.size == 0:
        return out
    if record is not None:
        threshold, start, within = record
        on_scale = packed
        if spec.chart != "xmr":
            on_scale = PackedPanel(
                packed.values * spec.multiplier,
                counts,
                group,
                packed.columns,
                packed.n_series,
                packed.n_periods,
            )
        out["record"][group] = packed_recovery_record(
            on_scale, threshold[group], start[group], spec.polarity, within
        )
    limits = _scaled(_limits(packed, x, n, spec, profile), spec)
    k = max(profile.trend_points, profile.shift_points, 3)
    values = packed.values * spec.multiplier if spec.chart != "xmr" else packed.values
    window = np.asarray(last_points(values, counts, k), dtype=np.float64)
    window_limits = _window_limits(limits, counts, packed.values.shape, k)
    causes = special_cause_rules(window, window_limits, profile=profile)
    types = point_types(causes, improvement=spec.improvement)
    slot = np.minimum(counts, k) - 1
    picks = np.arange(group.size)

    def at_latest(array: FloatArray) -> FloatArray:
        return np.asarray(np.broadcast_to(array, window.shape)[picks, slot], dtype=np.float64)

    out["variation"][group] = types[picks, slot]
    rule = causes.rule[picks, slot].astype(np.int64)
    out["spc_rule"][group] = np.where(rule > 0, rule, -1)
    out["spc_mean"][group] = at_latest(window_limits.mean)
    lpl, upl = at_latest(window_limits.lpl), at_latest(window_limits.upl)
    out["spc_lpl"][group] = lpl
    out["spc_upl"][group] = upl
    out["spc_points"][group] = counts
    out["trial_limits"][group] = limits.baseline_points < TRIAL_LIMIT_POINTS
    goal = np.where(
        np.isnan(targets.level), spec.standard if spec.standard is not None else np.nan, targets.level
    )
    # ASSURANCES' code 0 is "not judged": shift the rest down so that -1 is none.
    judged = assurance(goal[group], lpl, upl, improvement=spec.improvement).astype(np.int64)
    out["assurance"][group] = judged - 1
    out["last_column"][group] = packed.columns[picks, counts - 1]

    enough = counts >= TREND_POINTS
    if enough.any():
        chosen = np.flatnonzero(enough)
        # The last five points' columns, then their counts straight from the dense grids.
        tail_columns = last_points(packed.columns[chosen], counts[chosen], TREND_POINTS).astype(np.int64)
        tail_rows = group[chosen][:, None]
        tail_x = x[tail_rows, tail_columns]
        tail_n = n[tail_rows, tail_columns]
        tail = interval_arrays(tail_x, tail_n, spec)
        slope, chi2, significant = trend_of_points(tail.value, tail.upper_95 - tail.lower_95)
        rows_with = group[chosen]
        out["trend_slope"][rows_with] = slope
        out["trend_chi2"][rows_with] = chi2
        flags = np.zeros(group.size, dtype=np.bool_)
        flags[chosen] = significant
        slopes = np.zeros(group.size)
        slopes[chosen] = slope
        out["trend"][group] = _trend_codes(slopes, flags, enough, spec.polarity)
    return out


def _scores(out: Arrays, scores: Mapping[str, Mapping[str, float]], rows: int) -> Arrays:
    sources = {
        "national": ("vs_national", COMPARISONS),
        "peers": ("vs_peers", COMPARISONS),
        "target": ("target_status", TARGET_STATUSES),
        "standard": ("vs_standard", STANDARD_STATUSES),
        "trend": ("trend", TRENDS),
        "variation": ("variation", POINT_TYPES),
    }

    def parts(names: tuple[str, ...]) -> list[FloatArray]:
        return [
            _score(np.asarray(out[sources[name][0]], dtype=np.int64), sources[name][1], scores[name])
            for name in names
        ]

    return {
        "absolute_score": _mean_of(parts(ABSOLUTE_COMPONENTS), rows),
        "direction_score": _mean_of(parts(DIRECTION_COMPONENTS), rows),
    }


def recovery_record(
    values: FloatArray, threshold: FloatArray, start: IntArray, polarity: Polarity, within: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """How often each row fell below its standard, and whether it recovered within ``within`` periods.

    ``values`` is a dense ``rows × periods`` grid (NaN: no point); ``threshold`` is each row's
    standard (NaN: none), applying from column ``start``. A fall is a point below the standard
    whose previous point (missing periods skipped) was not; it is recovered when a point at or
    above the standard follows within ``within`` columns, pending when those columns run past the
    last one, and not recovered otherwise. Returns ``(falls, recovered, not_recovered, pending)``
    per row.

    >>> record = recovery_record(np.array([[96.0, 90, 91, 97, 90, 89, 88, 96, 80]]), np.array([95.0]),
    ...                          np.array([0]), Polarity.HIGHER, 2)
    >>> [int(a[0]) for a in record]
    [3, 1, 1, 1]
    """
    packed = pack(np.asarray(values, dtype=np.float64))
    rows = values.shape[0]
    counts = packed_recovery_record(
        packed,
        np.asarray(threshold, dtype=np.float64)[packed.group_series],
        np.asarray(start)[packed.group_series],
        polarity,
        within,
    )
    out = np.zeros((rows, 4), dtype=np.int64)
    out[packed.group_series] = counts
    return out[:, 0], out[:, 1], out[:, 2], out[:, 3]


def packed_recovery_record(
    packed: PackedPanel, threshold: FloatArray, start: IntArray, polarity: Polarity, within: int
) -> IntArray:
    """:func:`recovery_record` on a packed panel (one threshold and start per group): an array of
    ``groups × 4`` counts. Consecutive points sit side by side, so a point's predecessor is the
    slot before it; falls are few, so each is then followed up on its own next ``within`` points
    (a recovery within ``within`` periods is among them: each point is at least a period on)."""
    groups, width = packed.values.shape
    out = np.zeros((groups, 4), dtype=np.int64)
    if polarity is Polarity.NEUTRAL or width < 2:
        return out
    columns = packed.columns
    with np.errstate(invalid="ignore"):
        worse = (
            packed.values < threshold[:, None]
            if polarity is Polarity.HIGHER
            else packed.values > threshold[:, None]
        )
    judged = packed.filled & ~np.isnan(threshold)[:, None]
    if (start > 0).any():
        judged &= columns >= start[:, None]
    below = judged & worse
    good = judged & ~worse
    group, slot = np.nonzero(below[:, 1:] & good[:, :-1])
    slot += 1
    if group.size == 0:
        return out
    fell_at = columns[group, slot]
    recovered = np.zeros(group.size, dtype=np.bool_)
    for ahead in range(1, within + 1):
        later = slot + ahead
        inside = later < width
        later = np.minimum(later, width - 1)
        recovered |= inside & good[group, later] & (columns[group, later] - fell_at <= within)
    pending = ~recovered & (fell_at + within > packed.n_periods - 1)
    not_recovered = ~recovered & ~pending
    for column, flags in enumerate((np.ones(group.size, dtype=np.bool_), recovered, not_recovered, pending)):
        out[:, column] = np.bincount(group[flags], minlength=groups)
    return out
