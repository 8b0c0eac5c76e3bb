"""The four special-cause rules, point types and assurance, over many groups at once.

Inputs are left-packed ``groups × slots`` arrays (NaN after each group's points) and the group's
:class:`~localstat.engine.spc.limits.ProcessLimits`. Runs are found with cumulative sums along the
slot axis, so every group is judged in the same few array passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from localstat.engine.spc.limits import ProcessLimits
from localstat.engine.spc.profiles import Improvement, Profile, profile_named

__all__ = ["SpecialCauses", "assurance", "in_runs", "point_types", "special_cause_rules"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int8Array = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]

OUTSIDE_LIMITS, TREND, TWO_OF_THREE, SHIFT = 1, 2, 3, 4


@dataclass(frozen=True)
class SpecialCauses:
    """Per slot: the rule that fired (a code into ``RULES``, 0 for none) and which way it points
    (+1 high or increasing, −1 low or decreasing, 0 for none)."""

    rule: Int8Array
    direction: Int8Array


def in_runs(mask: npt.ArrayLike, length: int) -> BoolArray:
    """True where an element belongs to ``length`` or more consecutive Trues along the last axis.

    One cumulative sum finds every window of ``length`` that is all True; a loop over the
    ``length`` positions of a window then marks the points each such window covers.

    >>> in_runs([[True, True, False, True, True, True, False]], 3).tolist()
    [[False, False, False, True, True, True, False]]
    """
    if length < 1:
        raise ValueError(f"a run needs at least one point (got {length})")
    flags = np.asarray(mask, dtype=np.bool_)
    width = flags.shape[-1]
    out = np.zeros(flags.shape, dtype=np.bool_)
    if width < length:
        return out
    total = np.zeros((*flags.shape[:-1], width + 1), dtype=np.int32)
    np.cumsum(flags, axis=-1, dtype=np.int32, out=total[..., 1:])
    full = (total[..., length:] - total[..., :-length]) == length
    for offset in range(length):
        out[..., offset : offset + full.shape[-1]] |= full
    return out


def special_cause_rules(
    values: npt.ArrayLike, limits: ProcessLimits, *, profile: str | Profile = "nhsr"
) -> SpecialCauses:
    """Apply the four rules to every point, keeping the first that fires in precedence order.

    (a) ``outside_limits``: strictly above the upper or below the lower process limit (a point
    exactly on a limit is inside). (b) ``trend``: a run of 7 points (5 for ``powerbi``) each
    strictly above, or each strictly below, the one before; every point of the run is flagged and
    points the way the run goes (a point shared by two runs takes the later one). (c)
    ``two_of_three``: ``nhsr`` flags the points strictly between the 2σ and 3σ limits when at least
    two of three consecutive points are there and all three are on the same side of the mean;
    ``mdc2023`` and ``powerbi`` flag points beyond a 2σ limit when two of three consecutive points
    are beyond it on the same side. (d) ``shift``: a run of 7 points on one side of the mean; a
    point on the mean breaks it.

    >>> from localstat.engine.spc.limits import xmr_limits
    >>> from localstat.engine.spc.profiles import RULES
    >>> y = np.array([[5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 9.0]])
    >>> causes = special_cause_rules(y, xmr_limits(y, baseline=None))
    >>> [RULES[code] for code in causes.rule[0]][-1], int(causes.direction[0, -1])
    ('outside_limits', 1)
    """
    chosen = profile if isinstance(profile, Profile) else profile_named(profile)
    y = np.asarray(values, dtype=np.float64)
    y = y[None, :] if y.ndim == 1 else y
    present = ~np.isnan(y)
    side = np.nan_to_num(np.sign(y - limits.mean)).astype(np.int8)

    outside = present & ((y > limits.upl) | (y < limits.lpl))
    trend, trend_direction = _trend(y, chosen.trend_points)
    if chosen.two_of_three == "between":
        two_of_three = _two_of_three_between(y, present, outside, side, limits)
    else:
        two_of_three = _two_of_three_beyond(y, present, limits)
    shift = in_runs(side > 0, chosen.shift_points) | in_runs(side < 0, chosen.shift_points)

    rule = np.select(
        [outside, trend, two_of_three, shift], [OUTSIDE_LIMITS, TREND, TWO_OF_THREE, SHIFT], default=0
    ).astype(np.int8)
    direction = np.where(rule == TREND, trend_direction, np.where(rule > 0, side, 0)).astype(np.int8)
    return SpecialCauses(rule=rule, direction=direction)


def _trend(y: FloatArray, points: int) -> tuple[BoolArray, Int8Array]:
    steps = np.diff(y, axis=1)  # NaN wherever either neighbour is padding, so runs stop there
    rising = in_runs(steps > 0, points - 1)
    falling = in_runs(steps < 0, points - 1)
    in_run = rising | falling
    step_direction = np.where(rising, 1, np.where(falling, -1, 0)).astype(np.int8)
    flagged = np.zeros(y.shape, dtype=np.bool_)
    flagged[:, :-1] |= in_run
    flagged[:, 1:] |= in_run
    # A point's trend direction is that of the step after it when that step is in a run, as
    # NHSRplotthedots 0.2 ("if a point is part of a trend either side, use right side").
    after = np.zeros(y.shape, dtype=np.int8)
    after[:, :-1] = step_direction
    before = np.zeros(y.shape, dtype=np.int8)
    before[:, 1:] = step_direction
    return flagged, np.where(after != 0, after, before).astype(np.int8)


def _windows_of_three(hit: BoolArray) -> BoolArray:
    """Spread a flag on each window start (points s, s+1, s+2) to the three points it covers."""
    covered = np.zeros((hit.shape[0], hit.shape[1] + 2), dtype=np.bool_)
    for offset in range(3):
        covered[:, offset : offset + hit.shape[1]] |= hit
    return covered


def _two_of_three_between(
    y: FloatArray, present: BoolArray, outside: BoolArray, side: Int8Array, limits: ProcessLimits
) -> BoolArray:
    # NHSRplotthedots ptd_spc_standard: close_to_limits = !outside_limits & (y < nlpl | y > nupl).
    close = present & ~outside & ((y > limits.unl) | (y < limits.lnl))
    if y.shape[1] < 3:
        return np.zeros(y.shape, dtype=np.bool_)
    close_count = close[:, :-2].astype(np.int8) + close[:, 1:-1] + close[:, 2:]
    side_sum = side[:, :-2].astype(np.int16) + side[:, 1:-1] + side[:, 2:]
    window = (close_count >= 2) & (np.abs(side_sum) == 3) & present[:, 2:]
    return close & _windows_of_three(window)


def _two_of_three_beyond(y: FloatArray, present: BoolArray, limits: ProcessLimits) -> BoolArray:
    # PowerBI-SPC twoInThree.ts: points beyond the 2σ limits, signed by side; a window of three
    # whose signs sum to ±2 or more flags its points that are beyond.
    beyond = np.where(present & (y > limits.unl), 1, np.where(present & (y < limits.lnl), -1, 0)).astype(
        np.int8
    )
    if y.shape[1] < 3:
        return np.zeros(y.shape, dtype=np.bool_)
    signed_sum = beyond[:, :-2].astype(np.int16) + beyond[:, 1:-1] + beyond[:, 2:]
    # Only whole windows count: padding after a group's last point is no point at all.
    window = np.asarray((np.abs(signed_sum) >= 2) & present[:, 2:], dtype=np.bool_)
    flagged: BoolArray = (beyond != 0) & _windows_of_three(window)
    return flagged


def point_types(causes: SpecialCauses, *, improvement: Improvement = "increase") -> Int8Array:
    """Point type codes (into ``POINT_TYPES``) from the rules and the improvement direction.

    A special cause pointing the improving way is an improvement, the other way a concern; with a
    neutral direction it is simply high or low.

    >>> from localstat.engine.spc.profiles import POINT_TYPES
    >>> causes = SpecialCauses(rule=np.array([[0, 1, 4]], np.int8), direction=np.array([[0, 1, -1]], np.int8))
    >>> [POINT_TYPES[c] for c in point_types(causes, improvement="decrease")[0]]
    ['common_cause', 'special_cause_concern', 'special_cause_improvement']
    >>> [POINT_TYPES[c] for c in point_types(causes, improvement="neutral")[0]]
    ['common_cause', 'special_cause_neutral_high', 'special_cause_neutral_low']
    """
    special = causes.rule > 0
    up = causes.direction > 0
    if improvement == "neutral":
        codes = np.where(up, 3, 4)
    elif improvement in ("increase", "decrease"):
        improving = up if improvement == "increase" else ~up
        codes = np.where(improving, 1, 2)
    else:
        raise ValueError(f"improvement must be increase, decrease or neutral (got {improvement!r})")
    return np.where(special, codes, 0).astype(np.int8)


def assurance(
    target: npt.ArrayLike, lpl: npt.ArrayLike, upl: npt.ArrayLike, *, improvement: Improvement = "increase"
) -> Int8Array:
    """Assurance codes (into ``ASSURANCES``) of a target against the latest process limits.

    A target beyond the limits on the wrong side means the process consistently fails it; on the
    right side, consistently passes; between (or on) the limits, it passes and fails at random. No
    target, a neutral direction or missing limits give 0 (not judged).

    >>> from localstat.engine.spc.profiles import ASSURANCES
    >>> codes = assurance([4.0, 4.0, 4.0, np.nan], [1.0, 5.0, 1.0, 1.0], [3.0, 7.0, 5.0, 3.0])
    >>> [ASSURANCES[c] for c in codes]
    ['consistent_fail', 'consistent_pass', 'inconsistent', '']
    """
    if improvement not in ("increase", "decrease", "neutral"):
        raise ValueError(f"improvement must be increase, decrease or neutral (got {improvement!r})")
    t = np.asarray(target, dtype=np.float64)
    low = np.asarray(lpl, dtype=np.float64)
    high = np.asarray(upl, dtype=np.float64)
    judged = ~np.isnan(t) & ~np.isnan(low) & ~np.isnan(high)
    if improvement == "neutral":
        return np.zeros(np.broadcast(t, low, high).shape, dtype=np.int8)
    above, below = (1, 2) if improvement == "decrease" else (2, 1)
    codes = np.select([t > high, t < low], [above, below], default=3)
    return np.where(judged, codes, 0).astype(np.int8)
