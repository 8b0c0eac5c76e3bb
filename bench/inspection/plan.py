"""Benchmark: the proportionate inspection plan and backtest over a national number of units.

Times ``localstat.engine.inspection.inspection_schedule`` (risk points, tiers, due dates and reasons)
and ``backtest_schedule`` on synthetic units, next to a plain-Python reference that scores the same
units one at a time (what the engine's frame expressions replace), and checks both give the same points.

    .venv/bin/python bench/inspection/plan.py [--units 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from localstat.engine.inspection import BANDS, backtest_schedule, inspection_schedule, schedule_rules

RULES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "inspection-rules.yaml"
AS_OF = date(2019, 4, 30)


def units(count: int, seed: int = 2004) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 2000, count)
    inspected = rng.random(count) < 0.9
    return pl.DataFrame(
        {
            "unit": [f"U{i:07d}" for i in range(count)],
            "band": rng.choice([*BANDS, None], count).tolist(),
            "direction": rng.choice(["improving", "stable", "declining"], count).tolist(),
            "concerns": rng.poisson(0.5, count),
            "warnings": rng.poisson(1.0, count),
            "last_inspected": [
                date.fromordinal(date(2014, 1, 1).toordinal() + int(d)) if ok else None
                for d, ok in zip(days, inspected, strict=True)
            ],
            "freedoms": (rng.random(count) < 0.1).astype(int),
            "capacity_score": np.where(rng.random(count) < 0.3, rng.uniform(1, 4, count), np.nan),
        }
    ).with_columns(pl.col("capacity_score").fill_nan(None))


def reference_points(frame: pl.DataFrame, raw: dict) -> list[float]:
    """The points one unit at a time, in plain Python."""
    rules = schedule_rules(raw)
    out = []
    for row in frame.iter_rows(named=True):
        points = rules.band[row["band"] or "unbanded"]
        points += rules.declining if row["direction"] == "declining" else 0
        points += min(row["concerns"] * rules.concern_each, rules.concern_most)
        if row["warnings"] >= rules.warning_min:
            points += min(row["warnings"] * rules.warning_each, rules.warning_most)
        last = row["last_inspected"]
        if last is None:
            points += rules.never_inspected
        elif (AS_OF.year - last.year) * 12 + AS_OF.month - last.month > rules.long_since_months:
            points += rules.long_since
        points += rules.freedoms if row["freedoms"] else 0
        score = row["capacity_score"]
        if score is not None:
            points += rules.capacity_strong if score >= rules.capacity_strong_at_least else 0
            points += rules.capacity_weak if score < rules.capacity_weak_below else 0
        out.append(round(points, 2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    raw = yaml.safe_load(RULES.read_text())
    rules = schedule_rules(raw)
    frame = units(args.units)
    timings: dict[str, list[float]] = {"plan": [], "backtest": [], "reference": []}
    for _ in range(args.runs):
        started = time.perf_counter()
        plan = inspection_schedule(frame, rules, AS_OF)
        timings["plan"].append(time.perf_counter() - started)
        history = frame.select("unit", pl.col("last_inspected").alias("inspected_on")).drop_nulls()
        started = time.perf_counter()
        backtest_schedule(plan, history, date(2017, 4, 1), AS_OF)
        timings["backtest"].append(time.perf_counter() - started)
        started = time.perf_counter()
        expected = reference_points(frame, raw)
        timings["reference"].append(time.perf_counter() - started)
    by_unit = dict(zip(frame["unit"], expected, strict=True))
    mismatches = sum(
        1 for u, p in zip(plan["unit"], plan["points"], strict=True) if abs(by_unit[u] - p) > 1e-9
    )
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(f"{args.units:,} units, median of {args.runs} runs; {mismatches} points differ from the reference")
    for name, seconds in medians.items():
        print(f"  {name:<10} {seconds * 1000:9.1f} ms  ({args.units / seconds:,.0f} units/s)")
    print(
        f"  plan (with reasons, tiers and dates) vs plain-Python points alone: {medians['plan'] / medians['reference']:.2f}×"
    )


if __name__ == "__main__":
    main()
