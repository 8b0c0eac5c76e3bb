"""Comparison of values with a benchmark or a target (METHODS.md, "Comparison with a benchmark").

The rules are Fingertips' (PHE/OHID): a unit is *similar* to a benchmark when the benchmark lies
inside the unit's 95% confidence interval, otherwise better or worse, and *significantly* so when
the benchmark also lies beyond its 99.8% interval. Polarity says which direction is better;
neutral indicators are not judged. Against a target the value (or its interval) is met or missed.

Every judgement is one of :class:`Comparison`'s values, so a page can render any of them the same
way. Against a target, *better* means met, *worse* missed and *similar* not distinguishable (the
interval straddles the target), as Fingertips' target comparers report them.

>>> compare_with_benchmark([12.0], [11.0], [13.0], [10.0], polarity="higher").tolist()
['better']
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt

from localstat.engine.schemas import check_rows

__all__ = ["Comparison", "Polarity", "compare_with_benchmark", "compare_with_target", "swap_polarity"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Labels = npt.NDArray[np.str_]


class Polarity(StrEnum):
    """Which direction of an indicator is better."""

    HIGHER = "higher"
    LOWER = "lower"
    NEUTRAL = "neutral"


class Comparison(StrEnum):
    """The judgement of a value against a benchmark or target."""

    SIGNIFICANTLY_BETTER = "significantly_better"
    BETTER = "better"
    SIMILAR = "similar"
    WORSE = "worse"
    SIGNIFICANTLY_WORSE = "significantly_worse"
    NOT_COMPARED = "not_compared"


_WIDTH = max(len(c.value) for c in Comparison)
_SWAPPED = {
    Comparison.SIGNIFICANTLY_BETTER: Comparison.SIGNIFICANTLY_WORSE,
    Comparison.BETTER: Comparison.WORSE,
    Comparison.WORSE: Comparison.BETTER,
    Comparison.SIGNIFICANTLY_WORSE: Comparison.SIGNIFICANTLY_BETTER,
}


def _floats(values: npt.ArrayLike) -> FloatArray:
    return np.atleast_1d(np.asarray(values, dtype=np.float64))


def _polarity(polarity: Polarity | str) -> Polarity:
    try:
        return Polarity(polarity)
    except ValueError:
        raise ValueError(f"polarity must be higher, lower or neutral, not {polarity!r}") from None


def swap_polarity(comparisons: npt.ArrayLike) -> Labels:
    """Exchange better and worse: the judgements the opposite polarity would give.

    >>> swap_polarity(["significantly_better", "similar", "worse"]).tolist()
    ['significantly_worse', 'similar', 'better']
    """
    labels = np.atleast_1d(np.asarray(comparisons, dtype=f"<U{_WIDTH}"))
    out = labels.copy()
    for label, swapped in _SWAPPED.items():
        out[labels == label.value] = swapped.value
    return out


def _by_direction(higher: BoolArray, lower: BoolArray, polarity: Polarity, shape: tuple[int, ...]) -> Labels:
    """Label units above the comparator better (or worse for lower-is-better), below the reverse."""
    labels: Labels = np.full(shape, Comparison.NOT_COMPARED.value, dtype=f"<U{_WIDTH}")
    good, bad = (higher, lower) if polarity is Polarity.HIGHER else (lower, higher)
    labels[good] = Comparison.BETTER.value
    labels[bad] = Comparison.WORSE.value
    return labels


def compare_with_benchmark(
    value: npt.ArrayLike,
    lower_95: npt.ArrayLike,
    upper_95: npt.ArrayLike,
    benchmark: npt.ArrayLike,
    *,
    polarity: Polarity | str,
    lower_998: npt.ArrayLike | None = None,
    upper_998: npt.ArrayLike | None = None,
) -> Labels:
    """Judge each value against its benchmark at one level (95%) or two (95% and 99.8%).

    - benchmark inside the 95% interval (limits included): ``similar``;
    - otherwise ``better`` or ``worse``: the unit is higher than the benchmark when the benchmark
      lies below its interval, lower when above (for any interval that contains its value this is
      the same as comparing value and benchmark), read through polarity;
    - with the 99.8% limits, a benchmark strictly beyond them makes the judgement
      ``significantly_better`` or ``significantly_worse`` (Fingertips' two-level comparer).

    ``neutral`` polarity, or a missing value, benchmark or 95% limit, gives ``not_compared``; a
    row missing only its 99.8% limits is judged at one level. Limits out of order are refused,
    naming the row.

    >>> compare_with_benchmark([2.6] * 3, [2.5] * 3, [2.7] * 3, [3.0, 2.8, 2.6], polarity="higher",
    ...                        lower_998=[2.3] * 3, upper_998=[2.9] * 3).tolist()
    ['significantly_worse', 'worse', 'similar']
    >>> compare_with_benchmark([2.6], [2.5], [2.7], [2.4], polarity="lower").tolist()
    ['worse']
    """
    chosen = _polarity(polarity)
    v, lo, hi, b = _floats(value), _floats(lower_95), _floats(upper_95), _floats(benchmark)
    v, lo, hi, b = np.broadcast_arrays(v, lo, hi, b)
    check_rows(lo > hi, "upper_95", "is below lower_95", hi)
    valid = ~(np.isnan(v) | np.isnan(lo) | np.isnan(hi) | np.isnan(b))
    if chosen is Polarity.NEUTRAL:
        return np.full(v.shape, Comparison.NOT_COMPARED.value, dtype=f"<U{_WIDTH}")
    unit_higher = valid & (b < lo)
    unit_lower = valid & (b > hi)
    labels = _by_direction(unit_higher, unit_lower, chosen, v.shape)
    labels[valid & ~unit_higher & ~unit_lower] = Comparison.SIMILAR.value
    if lower_998 is None and upper_998 is None:
        return labels
    if lower_998 is None or upper_998 is None:
        raise ValueError("give both lower_998 and upper_998, or neither")
    lo998 = np.broadcast_to(_floats(lower_998), v.shape)
    hi998 = np.broadcast_to(_floats(upper_998), v.shape)
    check_rows(lo998 > lo, "lower_998", "is above lower_95", lo998)
    check_rows(hi998 < hi, "upper_998", "is below upper_95", hi998)
    beyond = ~(np.isnan(lo998) | np.isnan(hi998)) & ((b < lo998) | (b > hi998))
    labels[beyond & (labels == Comparison.BETTER.value)] = Comparison.SIGNIFICANTLY_BETTER.value
    labels[beyond & (labels == Comparison.WORSE.value)] = Comparison.SIGNIFICANTLY_WORSE.value
    return labels


def compare_with_target(
    value: npt.ArrayLike,
    target: npt.ArrayLike,
    *,
    polarity: Polarity | str,
    lower: npt.ArrayLike | None = None,
    upper: npt.ArrayLike | None = None,
) -> Labels:
    """Judge each value against its target: met (``better``), missed (``worse``) or in between.

    Without limits the value decides: for higher-is-better, value ≥ target is met; for
    lower-is-better, value ≤ target is met (a value on the target meets it either way). With an
    interval (``lower``, ``upper``, usually the 95% limits): for higher-is-better a lower limit at
    or above the target is met, an upper limit below it missed, anything else ``similar`` (not
    distinguishable from the target); for lower-is-better the same conditions swap meaning, as
    Fingertips' single-value target comparer does (so an interval touching the target from above,
    lower limit = target, is missed). Neutral polarity or missing numbers give ``not_compared``.

    >>> compare_with_target([9.0, 10.0, 11.0], [10.0] * 3, polarity="higher").tolist()
    ['worse', 'better', 'better']
    >>> compare_with_target([8.5, 10.0, 11.5], [10.0] * 3, polarity="lower",
    ...                     lower=[8.0, 9.0, 11.0], upper=[9.0, 11.0, 12.0]).tolist()
    ['better', 'similar', 'worse']
    """
    chosen = _polarity(polarity)
    v, t = np.broadcast_arrays(_floats(value), _floats(target))
    if chosen is Polarity.NEUTRAL:
        return np.full(v.shape, Comparison.NOT_COMPARED.value, dtype=f"<U{_WIDTH}")
    if lower is None and upper is None:
        valid = ~(np.isnan(v) | np.isnan(t))
        met = valid & ((v >= t) if chosen is Polarity.HIGHER else (v <= t))
        labels: Labels = np.full(v.shape, Comparison.NOT_COMPARED.value, dtype=f"<U{_WIDTH}")
        labels[met] = Comparison.BETTER.value
        labels[valid & ~met] = Comparison.WORSE.value
        return labels
    if lower is None or upper is None:
        raise ValueError("give both lower and upper, or neither")
    lo = np.broadcast_to(_floats(lower), v.shape)
    hi = np.broadcast_to(_floats(upper), v.shape)
    check_rows(lo > hi, "upper_95", "is below lower_95", hi)
    valid = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(t))
    above = valid & (lo >= t)
    below = valid & ~above & (hi < t)
    labels = _by_direction(above, below, chosen, v.shape)
    labels[valid & ~above & ~below] = Comparison.SIMILAR.value
    return labels
