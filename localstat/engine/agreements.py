"""Checks and sums for local agreements (seed 3.17–3.21, 4.23, A.5): pure functions over frames.

- :func:`check_proposed_levels` challenges a proposed target level against the unit's own series with
  the XmR limits of METHODS.md ("Statistical process control"): a level that common-cause variation
  alone would reach is *not stretching*; one beyond the best value in the series by more than the
  limit width (2.66 × the average moving range in the default profile) is *not achievable without a
  plan*; between the two it is *stretching*.
- :func:`trajectory_statuses` places the latest value against the trajectory's milestone in force:
  on track, at risk (short of it, but its 95% interval reaches it) or off track — the rule the
  assessment applies to milestones (METHODS.md, "Against a target").
- :func:`reward_earned` is the Local PSA reward: each target's share of the reward grant × the
  fraction of its stretch achieved above the no-stretch level, capped, and nothing below a threshold.
- :func:`linear_milestones` spreads a trajectory evenly from a baseline to a level.

Nothing here reads a clock, a file or a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.spc import TRIAL_LIMIT_POINTS, profile_named, xmr_limits

__all__ = [
    "CHECK_COLUMNS",
    "REWARD_COLUMNS",
    "TRAJECTORY_STATUSES",
    "VERDICTS",
    "RewardFormula",
    "check_proposed_levels",
    "linear_milestones",
    "reward_earned",
    "trajectory_statuses",
]

FloatArray = npt.NDArray[np.float64]

#: What :func:`check_proposed_levels` can say of a proposed level.
VERDICTS = ("not_stretching", "stretching", "not_achievable_without_plan", "cannot_check")
#: What :func:`trajectory_statuses` can say of a series against its trajectory.
TRAJECTORY_STATUSES = ("on_track", "at_risk", "off_track", "no_value", "not_compared")

CHECK_COLUMNS = (
    "item",
    "level",
    "polarity",
    "points",
    "mean",
    "amr",
    "process_limit",
    "best",
    "reach_limit",
    "trial_limits",
    "verdict",
    "reason",
)
REWARD_COLUMNS = (
    "target",
    "no_stretch",
    "stretch",
    "achieved",
    "share",
    "stretch_fraction",
    "counted_fraction",
    "earned",
    "reason",
)

Polarity = Literal["higher", "lower", "neutral"]


def _need(frame: pl.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} needs the column(s) {', '.join(missing)}")


def _polarities(column: pl.Series) -> npt.NDArray[np.str_]:
    values = column.cast(pl.String).fill_null("").to_numpy().astype(str)
    bad = sorted(set(values.tolist()) - {"higher", "lower", "neutral"})
    if bad:
        raise ValueError(f"polarity must be higher, lower or neutral, not {bad[0]!r}")
    return values


def _packed(series: pl.DataFrame, items: pl.Series) -> FloatArray:
    """The values of each item's series in period order, left-packed (``items × longest``, NaN after)."""
    ordered = (
        series.select(pl.col("item").cast(pl.String), pl.col("period"), pl.col("value").cast(pl.Float64))
        .drop_nulls("value")
        .filter(pl.col("value").is_not_nan())
        .sort("item", "period")
        .with_columns(slot=pl.int_range(pl.len()).over("item"))
        .join(
            pl.DataFrame({"item": items, "row": pl.int_range(items.len(), eager=True)}),
            on="item",
            how="inner",
        )
    )
    width = int(ordered["slot"].to_numpy().max()) + 1 if ordered.height else 1
    grid = np.full((items.len(), width), np.nan)
    grid[ordered["row"].to_numpy(), ordered["slot"].to_numpy()] = ordered["value"].to_numpy()
    return grid


def check_proposed_levels(
    series: pl.DataFrame, proposals: pl.DataFrame, *, profile: str = "nhsr"
) -> pl.DataFrame:
    """Is each proposed level stretching, and achievable? (seed 4.23: "stretching, achievable and relevant").

    ``series``: ``item, period, value`` — the unit's own values, one row per period (any sortable
    period). ``proposals``: ``item, level, polarity`` (``higher``/``lower``/``neutral``). For each
    proposal, on the XmR chart of its series (METHODS.md, profile ``nhsr`` by default: mean ± 2.66 ×
    AMR, moving ranges ≥ 3.267 × AMR screened out):

    - ``not_stretching``: the level lies no further than the process limit on the improvement side
      (the upper limit when higher is better): common-cause variation alone would reach it;
    - ``not_achievable_without_plan``: it lies beyond the best value in the series by more than the
      limit width (k × AMR);
    - ``stretching``: in between;
    - ``cannot_check``: no direction to improve in (neutral polarity), or fewer than two points.

    Returns :data:`CHECK_COLUMNS`, one row per proposal in input order; ``process_limit`` is the
    improvement-side limit and ``reach_limit`` the best value plus the limit width.

    >>> series = pl.DataFrame({"item": "a", "period": [1, 2, 3, 4, 5, 6], "value": [60.0, 62, 61, 63, 62, 64]})
    >>> proposals = pl.DataFrame({"item": ["a"] * 3, "level": [65.0, 67, 69], "polarity": "higher"})
    >>> check_proposed_levels(series, proposals)["verdict"].to_list()
    ['not_stretching', 'stretching', 'not_achievable_without_plan']
    """
    _need(series, "series", ("item", "period", "value"))
    _need(proposals, "proposals", ("item", "level", "polarity"))
    chosen = profile_named(profile)
    items = proposals["item"].cast(pl.String)
    if items.null_count():
        raise ValueError("proposals: every row needs an item")
    level = proposals["level"].cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)
    if not np.isfinite(level).all():
        raise ValueError("proposals: every level must be a finite number")
    polarity = _polarities(proposals["polarity"])
    grid = _packed(series, items)
    points = np.count_nonzero(~np.isnan(grid), axis=1)
    limits = xmr_limits(grid, profile=chosen)
    mean = limits.mean[:, 0]
    amr = limits.amr
    width = chosen.limit_multiplier * amr
    higher = polarity == "higher"
    with np.errstate(all="ignore"):
        top = np.where(points > 0, np.nanmax(np.where(np.isnan(grid), -np.inf, grid), axis=1), np.nan)
        bottom = np.where(points > 0, np.nanmin(np.where(np.isnan(grid), np.inf, grid), axis=1), np.nan)
    best = np.where(higher, top, bottom)
    sign = np.where(higher, 1.0, -1.0)
    process_limit = mean + sign * width
    reach_limit = best + sign * width
    # Distances measured in the improvement direction: positive is better.
    beyond_limit = sign * (level - process_limit)
    beyond_reach = sign * (level - reach_limit)
    checkable = (polarity != "neutral") & (points >= 2) & np.isfinite(amr)
    verdict = np.select(
        [~checkable, beyond_limit <= 0, beyond_reach > 0],
        ["cannot_check", "not_stretching", "not_achievable_without_plan"],
        default="stretching",
    )
    reason = _reasons(verdict, polarity, points, level, mean, process_limit, best, reach_limit, width)
    blank = ~checkable
    return pl.DataFrame(
        {
            "item": items,
            "level": level,
            "polarity": polarity,
            "points": points.astype(np.int64),
            "mean": np.where(points > 0, mean, np.nan),
            "amr": np.where(blank, np.nan, amr),
            "process_limit": np.where(blank, np.nan, process_limit),
            "best": np.where(points > 0, best, np.nan),
            "reach_limit": np.where(blank, np.nan, reach_limit),
            "trial_limits": points < TRIAL_LIMIT_POINTS,
            "verdict": verdict.astype(str),
            "reason": reason,
        }
    ).with_columns(pl.col(c).fill_nan(None) for c in ("mean", "amr", "process_limit", "best", "reach_limit"))


def _reasons(
    verdict: npt.NDArray[np.str_],
    polarity: npt.NDArray[np.str_],
    points: npt.NDArray[np.int64],
    level: FloatArray,
    mean: FloatArray,
    limit: FloatArray,
    best: FloatArray,
    reach: FloatArray,
    width: FloatArray,
) -> list[str]:
    """One sentence per row saying why, with the numbers (formatting only: the verdict is set above)."""
    out: list[str] = []
    for v, p, n, lv, m, lim, b, r, w in zip(
        verdict, polarity, points, level, mean, limit, best, reach, width, strict=True
    ):
        side = "above" if p == "higher" else "below"
        if v == "cannot_check":
            out.append(
                "Neither direction is better for this indicator, so a level cannot be stretching."
                if p == "neutral"
                else f"The series has {n} point(s); at least 2 are needed for process limits."
            )
        elif v == "not_stretching":
            where = (
                "does not improve on the mean"
                if (lv <= m if p == "higher" else lv >= m)
                else "lies between the mean and the process limit"
            )
            out.append(
                f"{lv:g} {where} ({m:.4g}, limit {lim:.4g}): common-cause variation alone would reach it."
            )
        elif v == "not_achievable_without_plan":
            out.append(
                f"{lv:g} is {side} the best value so far ({b:.4g}) by more than the limit width "
                f"({w:.4g}, reach {r:.4g}): it needs a plan that changes the process."
            )
        else:
            out.append(
                f"{lv:g} is {side} the process limit ({lim:.4g}) and within the limit width of the best "
                f"value so far ({b:.4g}, reach {r:.4g})."
            )
    return out


def trajectory_statuses(frame: pl.DataFrame) -> pl.DataFrame:
    """On track, at risk or off track against the milestone in force (seed A.5, Box 2.2).

    ``frame``: ``key, value, lower_95, upper_95, milestone, polarity``. A value that meets its
    milestone (≥ when higher is better, ≤ when lower) is ``on_track``; one that misses it but whose
    95% interval reaches it is ``at_risk`` (the shortfall could be chance); otherwise ``off_track``.
    No value: ``no_value``; neutral polarity or no milestone: ``not_compared``. Returns the frame
    with a ``status`` column added.

    >>> frame = pl.DataFrame({"key": ["a", "b", "c"], "value": [70.0, 66, 60], "lower_95": [65.0, 61, 55],
    ...     "upper_95": [75.0, 71, 65], "milestone": 68.0, "polarity": "higher"})
    >>> trajectory_statuses(frame)["status"].to_list()
    ['on_track', 'at_risk', 'off_track']
    """
    _need(frame, "trajectory frame", ("key", "value", "lower_95", "upper_95", "milestone", "polarity"))
    polarity = _polarities(frame["polarity"])

    def floats(name: str) -> FloatArray:
        return frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)

    value, lower, upper, milestone = (floats(n) for n in ("value", "lower_95", "upper_95", "milestone"))
    higher = polarity == "higher"
    with np.errstate(invalid="ignore"):
        meets = np.where(higher, value >= milestone, value <= milestone)
        near = np.where(higher, upper, lower)
        reaches = np.where(higher, near >= milestone, near <= milestone)
    status = np.select(
        [(polarity == "neutral") | np.isnan(milestone), np.isnan(value), meets, reaches],
        ["not_compared", "no_value", "on_track", "at_risk"],
        default="off_track",
    )
    return frame.with_columns(status=pl.Series("status", status.astype(str)))


@dataclass(frozen=True)
class RewardFormula:
    """How a Local PSA's reward grant is earned (seed 3.17–3.18; the report's Box 3.1).

    Each stretch target earns ``share × f``, where the fraction of the stretch achieved is
    ``(achieved − no-stretch) ÷ (stretch − no-stretch)``, counted up to ``cap``, and counted as 0
    when below ``threshold``.

    >>> RewardFormula().text()
    'Each target earns its share of the reward grant × the fraction of its stretch achieved above the no-stretch level ((achieved − no-stretch) ÷ (stretch − no-stretch)), counted up to 1; a target below 60% of its stretch earns nothing.'
    """

    threshold: float = 0.6
    cap: float = 1.0

    def __post_init__(self) -> None:
        if not (0 <= self.threshold <= 1):
            raise ValueError(f"threshold must be between 0 and 1, not {self.threshold}")
        if not (self.cap > 0) or self.cap < self.threshold:
            raise ValueError(f"cap must be positive and at least the threshold, not {self.cap}")

    def text(self) -> str:
        return (
            "Each target earns its share of the reward grant × the fraction of its stretch achieved above "
            "the no-stretch level ((achieved − no-stretch) ÷ (stretch − no-stretch)), counted up to "
            f"{self.cap:g}; a target below {self.threshold:.0%} of its stretch earns nothing."
        )


def reward_earned(frame: pl.DataFrame, formula: RewardFormula | None = None) -> pl.DataFrame:
    """The reward each stretch target earned: :data:`REWARD_COLUMNS`, one row per target.

    ``frame``: ``target, no_stretch, stretch, achieved, share`` (``share`` in money, or any unit;
    ``achieved`` null when there is no value yet, which earns nothing and says so; a share of 0 is a
    target outside the reward grant, and its reason says so whatever it achieved). The stretch must
    differ from the no-stretch level; the direction of improvement is the sign of
    ``stretch − no_stretch``, so lower-is-better targets need no flag.

    >>> frame = pl.DataFrame({"target": ["a", "b", "c"], "no_stretch": [50.0, 50, 20], "stretch": [60.0, 60, 10],
    ...     "achieved": [58.0, 55, 8], "share": [1000.0, 1000, 500]})
    >>> reward_earned(frame)["earned"].to_list()
    [800.0, 0.0, 500.0]
    """
    formula = formula or RewardFormula()
    _need(frame, "reward frame", ("target", "no_stretch", "stretch", "achieved", "share"))

    def floats(name: str) -> FloatArray:
        return frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)

    no_stretch, stretch, achieved, share = (floats(n) for n in ("no_stretch", "stretch", "achieved", "share"))
    if not (np.isfinite(no_stretch).all() and np.isfinite(stretch).all()):
        raise ValueError("every target needs a no-stretch level and a stretch level")
    if (stretch == no_stretch).any():
        raise ValueError("a stretch target must differ from its no-stretch level")
    if not np.isfinite(share).all() or (share < 0).any():
        raise ValueError("every share must be zero or more")
    with np.errstate(invalid="ignore"):
        fraction = (achieved - no_stretch) / (stretch - no_stretch)
    fraction = np.where(np.isnan(achieved), np.nan, np.maximum(fraction, 0.0))
    counted = np.where(fraction >= formula.threshold, np.minimum(fraction, formula.cap), 0.0)
    counted = np.where(np.isnan(achieved), 0.0, counted)
    earned = share * counted
    reason = [
        "Outside the reward grant (no share of it): nothing earned."
        if s == 0
        else "No approved value yet: nothing earned."
        if np.isnan(f)
        else (
            f"{f:.1%} of the stretch, below the {formula.threshold:.0%} threshold: nothing earned."
            if f < formula.threshold
            else f"{f:.1%} of the stretch, counted as {c:.1%}."
        )
        for f, c, s in zip(fraction, counted, share, strict=True)
    ]
    return pl.DataFrame(
        {
            "target": frame["target"].cast(pl.String),
            "no_stretch": no_stretch,
            "stretch": stretch,
            "achieved": achieved,
            "share": share,
            "stretch_fraction": fraction,
            "counted_fraction": counted,
            "earned": earned,
            "reason": reason,
        }
    ).with_columns(pl.col(c).fill_nan(None) for c in ("achieved", "stretch_fraction"))


def linear_milestones(baseline: float, level: float, periods: int) -> list[float]:
    """A straight path from ``baseline`` to ``level`` in ``periods`` equal steps (the last is ``level``).

    >>> linear_milestones(60.0, 66.0, 3)
    [62.0, 64.0, 66.0]
    """
    if periods < 1:
        raise ValueError(f"a trajectory needs at least one period, not {periods}")
    if not (np.isfinite(baseline) and np.isfinite(level)):
        raise ValueError("the baseline and the level must be finite numbers")
    steps = np.arange(1, periods + 1, dtype=np.float64) / periods
    return [float(v) for v in baseline + (level - baseline) * steps]
