"""Benchmark of ``localstat engine assess`` on the workloads of PERFORMANCE.md.

    .venv/bin/python -m bench.assess.run                 # regional, national and cold, 3 runs each
    .venv/bin/python -m bench.assess.run regional --runs 5

- **regional** (≈3,700 units, ≈12 M observations): the full ``assess`` and the plain-pandas
  reference (``bench/assess/reference.py``) of the same computations, alternately in the same
  run; both times, their ratio, the two agreeing, and peak memory.
- **national** (≈30,000 units at their real frequencies, ≈100 M observations): the full
  ``assess``, its peak memory, and its ratio to the memory-bandwidth floor measured in the same
  process (one numpy pass over an array the size of the data).
- **cold**: whole ``localstat engine assess`` processes on a Parquet file of 20 M observations
  with integer codes and periods (start-up, imports and reading included), and plain pandas' time
  for just its XmR, funnel and run computations on the same file.

Every measurement runs in a fresh process, so its peak memory is its own; figures are medians of
``--runs`` runs, and ratios are taken between measurements of the same run. Workloads are
generated once (seeded) into ``var/bench/assess/``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from bench.assess.generate import NATIONAL, REGIONAL, generate

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "var" / "bench" / "assess"
EXTRA = ("indicators", "hierarchy", "context", "targets")
COLD_ROWS = 20_000_000


def _rss() -> int:
    """Resident memory now, in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _cpu() -> float:
    """Processor time used so far by this process (all its threads), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _workload(name: str) -> Path:
    """The workload's observations file, generated once."""
    path = DATA / f"{name}.parquet"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    mix = REGIONAL if name == "regional" else NATIONAL
    cold = name == "cold"
    workload = generate(mix, integer_periods=cold, max_rows=COLD_ROWS if cold else None)
    observations = workload.observations.head(COLD_ROWS) if cold else workload.observations
    for extra in EXTRA:
        frame = getattr(workload, extra)
        if cold:
            frame.write_csv(DATA / f"{name}.{extra}.csv")
        frame.write_parquet(DATA / f"{name}.{extra}.parquet")
    observations.write_parquet(path)
    return path


def _read(path: Path) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    stem = str(path.with_suffix(""))
    return pl.read_parquet(path), {extra: pl.read_parquet(f"{stem}.{extra}.parquet") for extra in EXTRA}


# --- measurements, each in its own process ---------------------------------------------------------


def _child_assess(path: Path, floor: bool) -> dict[str, Any]:
    from localstat.engine.assess import assess

    observations, extra = _read(path)
    loaded = _rss()
    cpu = _cpu()
    start = time.perf_counter()
    result = assess(observations, **extra)
    seconds = time.perf_counter() - start
    out: dict[str, Any] = {
        "seconds": seconds,
        "cpu": _cpu() - cpu,
        "peak": _peak(),
        "loaded": loaded,
        "series": result.series.height,
        "observations": observations.height,
        "bytes": observations.estimated_size(),
    }
    if floor:
        # One numpy pass over an array the size of the data: the memory-bandwidth floor.
        del result
        data = np.ones(observations.estimated_size() // 8)
        passes = []
        for _ in range(3):
            start = time.perf_counter()
            np.add.reduce(data)
            passes.append(time.perf_counter() - start)
        out["floor"] = min(passes)
    return out


def _child_reference(path: Path, stages_only: bool) -> dict[str, Any]:
    from bench.assess.reference import reference_assess, spc_rules, to_pandas

    observations, extra = _read(path)
    frame = to_pandas(observations)
    tables = {name: to_pandas(value) for name, value in extra.items()}
    loaded = _rss()
    start = time.perf_counter()
    if stages_only:
        stages = _xmr_funnel_runs(frame, tables["indicators"], spc_rules)
        result = None
    else:
        result, stages = reference_assess(
            frame, tables["indicators"], tables["hierarchy"], tables["context"], tables["targets"]
        )
    seconds = time.perf_counter() - start
    out: dict[str, Any] = {"seconds": seconds, "peak": _peak(), "loaded": loaded, "stages": stages}
    if result is not None:
        out["agreement"] = _agreement(path, result)
    return out


def _xmr_funnel_runs(frame: Any, indicators: Any, spc_rules: Any) -> dict[str, float]:
    """Just the XmR limits, the funnel limits and the runs of every series, in plain pandas."""
    import pandas as pd

    stages: dict[str, float] = {}
    specs = indicators.assign(indicator=indicators["indicator"].astype(frame["indicator"].dtype))
    frame = frame.merge(specs[["indicator", "polarity", "multiplier"]], on="indicator")
    frame["value"] = frame["numerator"] * frame["multiplier"] / frame["denominator"]
    frame = frame.sort_values(["indicator", "unit", "period"], kind="stable").reset_index(drop=True)
    start = time.perf_counter()
    spc_rules(frame, ["indicator", "unit"])
    stages["xmr_and_runs"] = time.perf_counter() - start
    start = time.perf_counter()
    totals = frame.groupby(["indicator", "period"])[["numerator", "denominator"]].transform("sum")
    pooled = totals["numerator"] / totals["denominator"]
    for z in (1.959963984540054, 3.090232306167813):
        spread = z * np.sqrt(pooled * (1 - pooled) / frame["denominator"])
        frame[f"funnel_low_{z:.2f}"] = (pooled - spread).clip(0, 1)
        frame[f"funnel_high_{z:.2f}"] = (pooled + spread).clip(0, 1)
    _ = pd.Series(frame["numerator"] / frame["denominator"] > frame["funnel_high_1.96"])
    stages["funnel"] = time.perf_counter() - start
    return stages


def _agreement(path: Path, reference: dict[str, Any]) -> dict[str, float]:
    """How often assess and the reference agree, series by series and unit by unit."""
    from localstat.engine.assess import assess

    observations, extra = _read(path)
    result = assess(observations, **extra)
    series = result.series.filter(pl.col("level") == "unit").select(
        "indicator",
        "unit",
        *(pl.col(c).cast(pl.String) for c in ("vs_national", "vs_peers", "variation", "trend")),
    )
    ours = {(row[0], row[1]): row[2:] for row in series.iter_rows()}
    theirs = reference["series"]
    keys = list(zip(theirs["indicator"].astype(str), theirs["unit_code"], strict=True))
    columns = ("vs_national", "vs_peers", "point_type", "trend")
    agree = dict.fromkeys(columns, 0)
    for index, key in enumerate(keys):
        for position, column in enumerate(columns):
            theirs_value = theirs[column].iloc[index]
            agree[column] += ours[key][position] == (
                None if theirs_value is None or theirs_value != theirs_value else theirs_value
            )
    bands = dict(result.positions.select("unit", pl.col("band").cast(pl.String)).iter_rows())
    reference_bands = dict(
        zip(reference["positions"]["unit_code"], reference["positions"]["band"], strict=True)
    )
    same = sum(bands[unit] == band for unit, band in reference_bands.items())
    out = {column: agree[column] / max(len(keys), 1) for column in columns}
    out["band"] = same / max(len(reference_bands), 1)
    return out


def _spawn(*argv: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.assess.run", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        raise RuntimeError(completed.stderr)
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def _cold(path: Path, out: Path) -> float:
    stem = str(path.with_suffix(""))
    command = [
        str(ROOT / ".venv" / "bin" / "localstat"),
        "engine",
        "assess",
        "--input", str(path),
        "--indicators", f"{stem}.indicators.csv",
        "--hierarchy", f"{stem}.hierarchy.csv",
        "--context", f"{stem}.context.csv",
        "--targets", f"{stem}.targets.csv",
        "--out", str(out),
        "--positions", str(out.with_suffix(".positions.parquet")),
        "--tiers", str(out.with_suffix(".tiers.parquet")),
    ]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


# --- reports ---------------------------------------------------------------------------------------


def _gb(value: float) -> str:
    return f"{value / 1e9:.2f} GB"


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _cpu_median(results: list[dict[str, Any]]) -> float:
    return _median([r["cpu"] for r in results])


def _runs(results: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['seconds']:.2f}" for r in results)


def regional(runs: int) -> None:
    path = _workload("regional")
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(_spawn("--child", "assess", "--data", str(path)))
        theirs.append(_spawn("--child", "reference", "--data", str(path)))
    first = ours[0]
    print(f"regional: {first['observations']:,} observations, {first['series']:,} series")
    a = _median([r["seconds"] for r in ours])
    b = _median([r["seconds"] for r in theirs])
    ratios = [t["seconds"] / o["seconds"] for o, t in zip(ours, theirs, strict=True)]
    print(f"  assess            {a:8.2f} s   (runs: {_runs(ours)}; processor time {_cpu_median(ours):.2f} s)")
    print(f"  pandas reference  {b:8.2f} s   (runs: {_runs(theirs)})")
    print(f"  ratio             {_median(ratios):8.1f} x  (median of each run's reference / assess)")
    print(
        f"  peak memory       assess {_gb(_median([r['peak'] for r in ours]))} "
        f"(data loaded {_gb(first['loaded'])}), reference {_gb(_median([r['peak'] for r in theirs]))}"
    )
    stages = theirs[-1]["stages"]
    print("  reference stages  " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()))
    agreement = theirs[-1]["agreement"]
    print("  agreement         " + ", ".join(f"{k} {v:.2%}" for k, v in agreement.items()))


def national(runs: int) -> None:
    path = _workload("national")
    results = [_spawn("--child", "assess", "--data", str(path), "--floor") for _ in range(runs)]
    first = results[0]
    seconds = _median([r["seconds"] for r in results])
    floors = _median([r["floor"] for r in results])
    print(
        f"national: {first['observations']:,} observations ({_gb(first['bytes'])}), {first['series']:,} series"
    )
    print(f"  assess            {seconds:8.2f} s   (runs: {_runs(results)})")
    print(f"  processor time    {_cpu_median(results):8.2f} s   (all threads together)")
    print(
        f"  peak memory       {_gb(_median([r['peak'] for r in results]))} (data loaded {_gb(first['loaded'])})"
    )
    print(f"  bandwidth floor   {floors:8.3f} s   (one pass over {_gb(first['bytes'])})")
    ratios = [r["seconds"] / r["floor"] for r in results]
    print(f"  ratio to floor    {_median(ratios):8.0f} x")


def cold(runs: int) -> None:
    path = _workload("cold")
    out = DATA / "cold.series.parquet"
    times = [_cold(path, out) for _ in range(runs)]
    rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    print(
        f"cold process: `localstat engine assess` on {rows:,} observations (Parquet, integer codes and periods)"
    )
    print(f"  whole process     {_median(times):8.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times)})")
    pandas = _spawn("--child", "stages", "--data", str(path))
    just = pandas["stages"]["xmr_and_runs"] + pandas["stages"]["funnel"]
    print(
        f"  pandas XmR, funnel and runs only: {just:.1f} s; the cold process takes {_median(times) / just:.1%} of it"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark localstat engine assess (see bench/README.md).")
    parser.add_argument("workloads", nargs="*", help="regional, national and/or cold (default: all three)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--child", choices=("assess", "reference", "stages"), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path = Path(args.data)
        if args.child == "assess":
            print(json.dumps(_child_assess(path, args.floor)))
        else:
            print(json.dumps(_child_reference(path, args.child == "stages")))
        return
    reports = {"regional": regional, "national": national, "cold": cold}
    unknown = [name for name in args.workloads if name not in reports]
    if unknown:
        parser.error(f"unknown workload {unknown[0]!r} (choose from {', '.join(reports)})")
    print(f"{os.cpu_count()} cores; medians of {args.runs} runs, each in a fresh process")
    for name in args.workloads or list(reports):
        reports[name](args.runs)


if __name__ == "__main__":
    main()
