"""What each indicator is: statistic, polarity, multiplier, service, standard and SPC chart.

An assessment reads these from an optional indicators frame, one row per indicator; an indicator
the frame does not list is a proportion where higher is better (the issue's default), with the
statistic's default multiplier.

>>> specs = indicator_specs(pl.DataFrame({"indicator": ["AE4H"], "multiplier": ["100"], "standard": ["95"]}))
>>> specs["AE4H"].multiplier, specs["AE4H"].standard, specs["AE4H"].polarity
(100.0, 95.0, <Polarity.HIGHER: 'higher'>)
>>> spec_for(specs, "other").statistic
'proportion'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from localstat.engine.comparison import Polarity
from localstat.engine.schemas import DataError, check_rows, float_column, require_columns, text_column

__all__ = [
    "CHARTS",
    "DEFAULT_MULTIPLIERS",
    "STATISTICS",
    "AssessStatistic",
    "IndicatorSpec",
    "indicator_specs",
    "spec_for",
]

AssessStatistic = Literal["proportion", "rate", "ratio", "count"]
Chart = Literal["xmr", "p_prime", "u_prime"]

#: The statistics an assessment knows, and their default multipliers (a count is not scaled).
DEFAULT_MULTIPLIERS: dict[str, float] = {"proportion": 1.0, "rate": 100_000.0, "ratio": 1.0, "count": 1.0}
STATISTICS: tuple[str, ...] = tuple(DEFAULT_MULTIPLIERS)
CHARTS: tuple[str, ...] = ("xmr", "p_prime", "u_prime")
_POLARITIES: tuple[str, ...] = tuple(p.value for p in Polarity)


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator's definition as the engine needs it.

    ``multiplier`` scales values, limits, benchmarks, standards and targets alike (100 for a
    percentage). ``standard`` is the level every unit must maintain (on the multiplied scale), or
    None. ``chart`` is the SPC chart: ``xmr`` on the values (default), or Laney's ``p_prime`` /
    ``u_prime`` for proportions and rates with varying denominators.
    """

    code: str
    statistic: AssessStatistic = "proportion"
    polarity: Polarity = Polarity.HIGHER
    multiplier: float = 1.0
    service: str | None = None
    standard: float | None = None
    chart: Chart = "xmr"

    @property
    def improvement(self) -> Literal["increase", "decrease", "neutral"]:
        """The SPC improvement direction that goes with the polarity.

        >>> IndicatorSpec("X", polarity=Polarity.LOWER).improvement
        'decrease'
        """
        if self.polarity is Polarity.HIGHER:
            return "increase"
        return "decrease" if self.polarity is Polarity.LOWER else "neutral"

    def as_record(self) -> dict[str, object]:
        """The spec as plain values, for the assessment's parameter record.

        >>> IndicatorSpec("X").as_record()["statistic"]
        'proportion'
        """
        return {
            "indicator": self.code,
            "statistic": self.statistic,
            "polarity": self.polarity.value,
            "multiplier": self.multiplier,
            "service": self.service,
            "standard": self.standard,
            "chart": self.chart,
        }


def spec_for(specs: Mapping[str, IndicatorSpec], code: str) -> IndicatorSpec:
    """The indicator's spec, or the default one (a proportion, higher is better).

    >>> spec_for({}, "X").multiplier
    1.0
    """
    return specs.get(code) or IndicatorSpec(code)


def _choice(frame: pl.DataFrame, name: str, allowed: tuple[str, ...], default: str) -> list[str]:
    if name not in frame.columns:
        return [default] * frame.height
    text = frame[name].cast(pl.String).str.strip_chars().str.to_lowercase()
    text = text.fill_null("").replace("", default)
    bad = ~text.is_in(list(allowed)).to_numpy()
    check_rows(bad, name, f"must be one of {', '.join(allowed)}", frame[name].cast(pl.String).to_numpy())
    return [str(value) for value in text.to_list()]


def indicator_specs(frame: pl.DataFrame) -> dict[str, IndicatorSpec]:
    """Read an indicators frame: ``indicator`` and optional ``statistic``, ``polarity``,
    ``multiplier``, ``service``, ``standard``, ``chart``.

    Blank cells take the defaults (proportion, higher, the statistic's multiplier, no service, no
    standard, xmr). A repeated indicator, an unknown word, a multiplier that is not a positive
    number, a p′ chart on anything but a proportion or a u′ chart on a count or proportion raise
    :class:`~localstat.engine.schemas.DataError` naming the row and the column.

    >>> indicator_specs(pl.DataFrame({"indicator": ["A", "A"]}))
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: row 2, column 'indicator': repeats an indicator given on an earlier row (got 'A')
    """
    require_columns(frame, ["indicator"])
    codes = text_column(frame, "indicator").str.strip_chars()
    repeated = (codes.is_duplicated() & ~codes.is_first_distinct()).to_numpy()
    check_rows(repeated, "indicator", "repeats an indicator given on an earlier row", codes.to_numpy())
    statistics = _choice(frame, "statistic", STATISTICS, "proportion")
    polarities = _choice(frame, "polarity", _POLARITIES, "higher")
    charts = _choice(frame, "chart", CHARTS, "xmr")
    multipliers = (
        float_column(frame, "multiplier") if "multiplier" in frame.columns else np.full(frame.height, np.nan)
    )
    check_rows(multipliers <= 0, "multiplier", "must be greater than zero", multipliers)
    standards = (
        float_column(frame, "standard") if "standard" in frame.columns else np.full(frame.height, np.nan)
    )
    services: list[str | None] = [None] * frame.height
    if "service" in frame.columns:
        text = frame["service"].cast(pl.String).str.strip_chars()
        services = [value or None for value in text.to_list()]
    wrong_chart = np.array(
        [
            (chart == "p_prime" and statistic != "proportion")
            or (chart == "u_prime" and statistic not in ("rate", "ratio"))
            for chart, statistic in zip(charts, statistics, strict=True)
        ],
        dtype=np.bool_,
    )
    check_rows(wrong_chart, "chart", "p_prime is for proportions, u_prime for rates and ratios", charts)
    specs: dict[str, IndicatorSpec] = {}
    for row, code in enumerate(codes.to_list()):
        statistic = statistics[row]
        multiplier = multipliers[row]
        standard = standards[row]
        specs[code] = IndicatorSpec(
            code=code,
            statistic=statistic,  # type: ignore[arg-type]
            polarity=Polarity(polarities[row]),
            multiplier=DEFAULT_MULTIPLIERS[statistic] if np.isnan(multiplier) else float(multiplier),
            service=services[row],
            standard=None if np.isnan(standard) else float(standard),
            chart=charts[row],  # type: ignore[arg-type]
        )
    if not specs and frame.height:
        raise DataError("no indicators", column="indicator")
    return specs
