"""The words an assessment writes, by code.

Inside the engine every judgement is a small integer (cheap over millions of series); it becomes
one of these words only when a frame is built, as a Polars ``Enum`` so that a file stays small and a
page can list every possible value. Code ``-1`` always means "none" and becomes null.

>>> label_column("level", np.array([0, 2, -1]), LEVELS).to_list()
['unit', 'national', None]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.comparison import Comparison

__all__ = [
    "ABSOLUTES",
    "BANDS",
    "COMPARISONS",
    "DIRECTIONS",
    "LEVELS",
    "METHODS",
    "POSITIONS",
    "POSITION_GRID",
    "STANDARD_STATUSES",
    "TARGET_SCOPES",
    "TARGET_STATUSES",
    "TRENDS",
    "label_column",
]

#: Where a row of the series frame sits in the delivery chain.
LEVELS: tuple[str, ...] = ("unit", "tier", "national")

#: Comparison with a benchmark (Fingertips), in ``Comparison``'s order.
COMPARISONS: tuple[str, ...] = tuple(c.value for c in Comparison)

#: How the value's intervals were computed (METHODS.md).
METHODS: tuple[str, ...] = ("wilson", "exact", "byars")

#: The recent trend read through polarity (``increasing``/``decreasing`` only for neutral indicators).
TRENDS: tuple[str, ...] = (
    "improving",
    "no_change",
    "worsening",
    "increasing",
    "decreasing",
    "cannot_be_calculated",
)

#: Target and trajectory status at the as-of period.
TARGET_STATUSES: tuple[str, ...] = (
    "met",
    "on_track",
    "at_risk",
    "off_track",
    "missed",
    "no_value",
    "not_compared",
)

#: Whose target applies: the row's own, or the national one (a target row with no unit).
TARGET_SCOPES: tuple[str, ...] = ("own", "national")

#: The value against the indicator's standard.
STANDARD_STATUSES: tuple[str, ...] = ("met", "below", "no_value", "not_compared")

#: Absolute performance and direction of travel, each in three.
ABSOLUTES: tuple[str, ...] = ("high", "middle", "low")
DIRECTIONS: tuple[str, ...] = ("improving", "stable", "declining")

#: Position by (absolute, direction), named so that improving from a low base and coasting (high
#: but flat or falling, seed 4.6) are told apart.
POSITION_GRID: dict[tuple[str, str], str] = {
    ("high", "improving"): "high_and_improving",
    ("high", "stable"): "coasting",
    ("high", "declining"): "coasting_and_declining",
    ("middle", "improving"): "middle_and_improving",
    ("middle", "stable"): "middle_and_stable",
    ("middle", "declining"): "middle_and_declining",
    ("low", "improving"): "improving_from_a_low_base",
    ("low", "stable"): "low_and_stable",
    ("low", "declining"): "low_and_declining",
}
#: Every position, in grid order (absolute high to low, then direction), then ``not_assessed``.
POSITIONS: tuple[str, ...] = (*POSITION_GRID.values(), "not_assessed")

#: The five bands, best first (like the Comprehensive Performance Assessment's, seed 2.12).
BANDS: tuple[str, ...] = ("excellent", "good", "fair", "weak", "poor")


def label_column(name: str, codes: npt.NDArray[np.integer], labels: tuple[str, ...]) -> pl.Series:
    """A column of ``labels`` (an ``Enum``) from integer codes; ``-1`` becomes null.

    >>> label_column("band", np.array([4, 0]), BANDS).to_list()
    ['poor', 'excellent']
    """
    index = pl.Series(name, np.asarray(codes, dtype=np.int64))
    words = pl.Series(name, labels, dtype=pl.Enum(labels))
    if (index < 0).any():
        index = index.set(index < 0, None)
    return words.gather(index).alias(name)
