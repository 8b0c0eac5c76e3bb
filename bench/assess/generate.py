"""Seeded generators of the assessment workloads in PERFORMANCE.md.

``national``: about 30,000 front line units at their real frequencies over five years (schools
weekly and half-termly, GP practices and trusts monthly, trusts' daily situation reports, police
basic command units monthly, councils quarterly), about 100 M observations. ``regional``: the
same mix for about 3,700 units, about 12 M observations. Every number comes from one
``numpy.random.Generator`` seeded by the caller, so a workload is the same on every run.

Observations are laid out series-major (indicator, unit, period), the layout of the columnar
analytics copy PERFORMANCE.md describes, with compact types: ``unit`` Int32, ``indicator`` Int16,
``period`` Date (or Int32 days since 1970 with ``integer_periods``), ``numerator`` and
``denominator`` Int32. About 1% of cells are missing.

    .venv/bin/python -m bench.assess.generate --workload regional --out var/bench/regional.parquet
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

__all__ = ["NATIONAL", "REGIONAL", "UnitType", "Workload", "generate"]

START = dt.date(2019, 4, 1)
YEARS = 5


@dataclass(frozen=True)
class UnitType:
    """One kind of front line unit: how many, who manages them, what they report and how often."""

    name: str
    service: str
    units: int
    parents: int
    grandparents: int
    # (periodicity, number of indicators, statistic)
    reports: tuple[tuple[str, int, str], ...]
    size: tuple[float, float]  # log-normal mean and sd of a unit's denominator per period


NATIONAL: tuple[UnitType, ...] = (
    UnitType(
        "school",
        "education",
        20_250,
        153,
        9,
        (("week", 16, "proportion"), ("half_term", 6, "proportion")),
        (5.5, 0.5),
    ),
    UnitType("gp_practice", "health", 6_300, 42, 7, (("month", 30, "proportion"),), (6.5, 0.6)),
    UnitType(
        "trust", "health", 209, 42, 7, (("month", 40, "proportion"), ("day", 3, "proportion")), (8.5, 0.5)
    ),
    UnitType("bcu", "policing", 190, 43, 0, (("month", 30, "rate"),), (11.5, 0.4)),
    UnitType("council", "local_government", 317, 9, 0, (("quarter", 40, "proportion"),), (7.0, 0.7)),
)


def _scaled(mix: tuple[UnitType, ...], factor: float) -> tuple[UnitType, ...]:
    return tuple(
        UnitType(
            t.name,
            t.service,
            max(2, round(t.units * factor)),
            max(1, round(t.parents * factor)),
            max(1, round(t.grandparents * factor)) if t.grandparents else 0,
            t.reports,
            t.size,
        )
        for t in mix
    )


#: About 3,700 units in the national mix.
REGIONAL: tuple[UnitType, ...] = _scaled(NATIONAL, 3_700 / 27_266)


@dataclass(frozen=True)
class Workload:
    """Observations and the frames ``assess`` reads beside them."""

    observations: pl.DataFrame
    indicators: pl.DataFrame
    hierarchy: pl.DataFrame
    context: pl.DataFrame
    targets: pl.DataFrame


def _periods(periodicity: str) -> list[dt.date]:
    end = dt.date(START.year + YEARS, START.month, START.day)
    if periodicity == "day":
        return [START + dt.timedelta(days=i) for i in range((end - START).days)]
    if periodicity == "week":
        monday = START - dt.timedelta(days=START.weekday())
        return [monday + dt.timedelta(weeks=i) for i in range((end - monday).days // 7)]
    if periodicity == "month":
        return [
            dt.date(START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1, 1)
            for i in range(12 * YEARS)
        ]
    if periodicity == "quarter":
        return [
            dt.date(START.year + (START.month - 1 + 3 * i) // 12, (START.month - 1 + 3 * i) % 12 + 1, 1)
            for i in range(4 * YEARS)
        ]
    if periodicity == "half_term":
        starts = [(9, 1), (11, 1), (1, 1), (2, 20), (4, 15), (6, 1)]
        return [dt.date(START.year + y + (m < 9), m, d) for y in range(YEARS) for m, d in starts]
    raise ValueError(periodicity)


def _indicator_block(
    rng: np.random.Generator,
    code: int,
    units: np.ndarray,
    periods: list[dt.date],
    statistic: str,
    size: tuple[float, float],
    integer_periods: bool,
) -> pl.DataFrame:
    n_units, n_periods = len(units), len(periods)
    denominator = np.exp(rng.normal(size[0], size[1], n_units))[:, None] * rng.uniform(
        0.85, 1.15, (n_units, n_periods)
    )
    denominator = np.maximum(np.round(denominator), 1).astype(np.int32)
    # Each unit has a level, a drift and noise; a few shift part-way through (special causes).
    level = rng.normal(0.0, 0.6, n_units)[:, None]
    drift = rng.normal(0.0, 0.4, n_units)[:, None] * np.linspace(0.0, 1.0, n_periods)[None, :]
    shift = (
        (rng.random(n_units) < 0.1)[:, None]
        * (np.arange(n_periods) > rng.integers(0, n_periods, n_units)[:, None])
        * rng.normal(0, 0.5, n_units)[:, None]
    )
    logit = 2.0 + level + drift + shift + rng.normal(0.0, 0.15, (n_units, n_periods))
    if statistic == "proportion":
        p = 1.0 / (1.0 + np.exp(-logit))
        numerator = rng.binomial(denominator, p).astype(np.int32)
    else:
        rate = np.exp(logit - 6.0)
        numerator = rng.poisson(denominator * rate).astype(np.int32)
    present = rng.random((n_units, n_periods)) >= 0.01
    unit_index, period_index = np.nonzero(present)
    dates = pl.Series("period", periods, dtype=pl.Date)
    period_values = dates.gather(period_index)
    if integer_periods:
        period_values = period_values.to_physical().cast(pl.Int32)
    return pl.DataFrame(
        {
            "unit": pl.Series(units[unit_index], dtype=pl.Int32),
            "indicator": pl.Series(np.full(unit_index.size, code), dtype=pl.Int16),
            "period": period_values,
            "numerator": pl.Series(numerator[unit_index, period_index], dtype=pl.Int32),
            "denominator": pl.Series(denominator[unit_index, period_index], dtype=pl.Int32),
        }
    )


def generate(
    mix: tuple[UnitType, ...], *, seed: int = 2004, integer_periods: bool = False, max_rows: int | None = None
) -> Workload:
    """Build a workload: observations, indicators, hierarchy, context and targets.

    ``max_rows`` stops after the indicator that reaches that many observations (for a file of a
    chosen size).
    """
    rng = np.random.default_rng(seed)
    blocks: list[pl.DataFrame] = []
    indicator_rows: list[dict[str, object]] = []
    hierarchy_parts: list[pl.DataFrame] = []
    context_parts: list[pl.DataFrame] = []
    first_unit = 0
    code = 0
    rows = 0
    for kind in mix:
        units = np.arange(first_unit, first_unit + kind.units, dtype=np.int64)
        first_unit += kind.units
        parents = rng.integers(0, kind.parents, kind.units)
        hierarchy_parts.append(
            pl.DataFrame(
                {"unit": [str(u) for u in units], "parent": [f"{kind.name}-body-{p}" for p in parents]}
            )
        )
        if kind.grandparents:
            hierarchy_parts.append(
                pl.DataFrame(
                    {
                        "unit": [f"{kind.name}-body-{p}" for p in range(kind.parents)],
                        "parent": [
                            f"{kind.service}-region-{g}"
                            for g in rng.integers(0, kind.grandparents, kind.parents)
                        ],
                    }
                )
            )
        context_parts.append(
            pl.DataFrame(
                {
                    "unit": [str(u) for u in units],
                    "group": kind.name,
                    "size": rng.lognormal(kind.size[0], kind.size[1], kind.units),
                    "deprivation": rng.uniform(0, 1, kind.units),
                    "rurality": rng.uniform(0, 1, kind.units),
                }
            )
        )
        for periodicity, count, statistic in kind.reports:
            periods = _periods(periodicity)
            for _ in range(count):
                if max_rows is not None and rows >= max_rows:
                    break
                block = _indicator_block(rng, code, units, periods, statistic, kind.size, integer_periods)
                blocks.append(block)
                rows += block.height
                polarity = "lower" if code % 5 == 4 else "higher"
                indicator_rows.append(
                    {
                        "indicator": str(code),
                        "statistic": statistic,
                        "polarity": polarity,
                        "multiplier": 100.0 if statistic == "proportion" else 1000.0,
                        "service": kind.service,
                        "standard": (85.0 if polarity == "higher" else 95.0)
                        if statistic == "proportion" and code % 3 == 0
                        else None,
                    }
                )
                code += 1
    observations = pl.concat(blocks)
    indicators = pl.DataFrame(indicator_rows, schema_overrides={"standard": pl.Float64})
    proportions = indicators.filter(pl.col("statistic") == "proportion")
    last = observations["period"].max()
    deadline = last + 30 if integer_periods else last + dt.timedelta(days=30)  # type: ignore[operator]
    targets = pl.DataFrame(
        {
            "unit": None,
            "indicator": proportions["indicator"].head(20),
            "level": 90.0,
            "deadline": [deadline] * min(20, proportions.height),
        },
        schema_overrides={"unit": pl.String},
    )
    return Workload(
        observations=observations,
        indicators=indicators,
        hierarchy=pl.concat(hierarchy_parts),
        context=pl.concat(context_parts),
        targets=targets,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=("regional", "national"), default="regional")
    parser.add_argument("--seed", type=int, default=2004)
    parser.add_argument("--rows", type=int, default=None, help="stop after about this many observations")
    parser.add_argument("--integer-periods", action="store_true")
    parser.add_argument(
        "--out", type=Path, required=True, help="observations .parquet; the other frames go beside it"
    )
    args = parser.parse_args()
    workload = generate(
        NATIONAL if args.workload == "national" else REGIONAL,
        seed=args.seed,
        integer_periods=args.integer_periods,
        max_rows=args.rows,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    workload.observations.write_parquet(args.out)
    stem = args.out.with_suffix("")
    workload.indicators.write_csv(f"{stem}.indicators.csv")
    workload.hierarchy.write_csv(f"{stem}.hierarchy.csv")
    workload.context.write_csv(f"{stem}.context.csv")
    workload.targets.write_csv(f"{stem}.targets.csv")
    print(f"{workload.observations.height:,} observations → {args.out}")


if __name__ == "__main__":
    main()
