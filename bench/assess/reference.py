"""A plain-pandas reference of ``assess``'s computations, for the benchmark to measure against.

What an analyst would write with pandas alone: rows grouped by series with ``groupby``, rolling
windows for the SPC runs, ``merge`` for benchmarks, peers and the hierarchy. It computes the
same things as ``localstat.engine.assess.assess`` on the same frames — pooled national, parent
and peer values; Wilson intervals and two-level comparisons; XmR limits with screening and the
four special-cause rules; the recent trend; standards and targets; falls below standard and
recoveries; scores, positions, bands and the tier's shares — closely enough that the runner can
check the two agree, not to the last digit (pandas' means are not LocalStat's sequential sums).

Each stage is timed separately, so the runner can also report the time of just the XmR, funnel
and run computations.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

Z95, Z998 = 1.959963984540054, 3.090232306167813


def _wilson(x: pd.Series, n: pd.Series, z: float) -> tuple[pd.Series, pd.Series]:
    p_term = 2 * x + z * z
    spread = z * np.sqrt(z * z + 4 * x * (1 - x / n))
    scale = 2 * (n + z * z)
    return (p_term - spread) / scale, (p_term + spread) / scale


def _compare(frame: pd.DataFrame, benchmark: str, polarity: pd.Series) -> pd.Series:
    b = frame[benchmark]
    higher = b < frame["lower_95"]
    lower = b > frame["upper_95"]
    beyond = (b < frame["lower_998"]) | (b > frame["upper_998"])
    good = np.where(polarity == "lower", lower, higher)
    bad = np.where(polarity == "lower", higher, lower)
    labels = np.select(
        [b.isna(), polarity == "neutral", good & beyond, good, bad & beyond, bad],
        [None, "not_compared", "significantly_better", "better", "significantly_worse", "worse"],
        default="similar",
    )
    return pd.Series(labels, index=frame.index)


class Stopwatch:
    """Times named stages."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}

    def __call__(self, name: str, work: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = work()
        self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - start
        return result


def spc_rules(obs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """XmR limits (screened moving ranges) and the four rules for every point, by group."""
    g = obs.groupby(keys, sort=False)["value"]
    obs["mean"] = g.transform("mean")
    moving = g.diff().abs()
    amr = moving.groupby([obs[k] for k in keys], sort=False).transform("mean")
    kept = moving.where((moving < 3.267 * amr) | (amr == 0))
    amr = kept.groupby([obs[k] for k in keys], sort=False).transform("mean").fillna(0.0)
    obs["upl"] = obs["mean"] + 2.66 * amr
    obs["lpl"] = obs["mean"] - 2.66 * amr
    near_upper, near_lower = obs["mean"] + 2.66 * amr * 2 / 3, obs["mean"] - 2.66 * amr * 2 / 3
    outside = (obs["value"] > obs["upl"]) | (obs["value"] < obs["lpl"])
    step = g.diff()
    by = [obs[k] for k in keys]
    rising = (
        (step > 0)
        .astype(float)
        .groupby(by, sort=False)
        .rolling(6)
        .sum()
        .reset_index(level=list(range(len(keys))), drop=True)
    )
    falling = (
        (step < 0)
        .astype(float)
        .groupby(by, sort=False)
        .rolling(6)
        .sum()
        .reset_index(level=list(range(len(keys))), drop=True)
    )
    side = np.sign(obs["value"] - obs["mean"])
    above = (
        (side > 0)
        .astype(float)
        .groupby(by, sort=False)
        .rolling(7)
        .sum()
        .reset_index(level=list(range(len(keys))), drop=True)
    )
    below = (
        (side < 0)
        .astype(float)
        .groupby(by, sort=False)
        .rolling(7)
        .sum()
        .reset_index(level=list(range(len(keys))), drop=True)
    )
    close = ~outside & ((obs["value"] > near_upper) | (obs["value"] < near_lower))
    close_count = (
        close.astype(float)
        .groupby(by, sort=False)
        .rolling(3)
        .sum()
        .reset_index(level=list(range(len(keys))), drop=True)
    )
    same_side = (
        side.groupby(by, sort=False)
        .rolling(3)
        .sum()
        .reset_index(level=list(range(len(keys))), drop=True)
        .abs()
        == 3
    )
    trend = (rising == 6) | (falling == 6)
    two = close & (close_count >= 2) & same_side
    shift = (above == 7) | (below == 7)
    obs["rule"] = np.select(
        [outside, trend, two, shift], ["outside_limits", "trend", "two_of_three", "shift"], default=""
    )
    direction = np.where(obs["rule"] == "trend", np.where(rising == 6, 1, -1), side)
    up = direction > 0
    improving = np.where(obs["polarity"] == "lower", ~up, up)
    obs["point_type"] = np.where(
        obs["rule"] == "",
        "common_cause",
        np.where(
            obs["polarity"] == "neutral",
            np.where(up, "special_cause_neutral_high", "special_cause_neutral_low"),
            np.where(improving, "special_cause_improvement", "special_cause_concern"),
        ),
    )
    return obs


def recent_trend(obs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Fingertips' trend on each group's last five points, with the leave-one-out check."""
    last = obs.groupby(keys, sort=False).tail(5).copy()
    last["t"] = last.groupby(keys, sort=False).cumcount() + 1.0
    last["w"] = 1.0 / ((last["upper_95"] - last["lower_95"]) / 3.92) ** 2
    last["wv"], last["wt"] = last["w"] * last["value"], last["w"] * last["t"]
    last["wvt"], last["wtt"] = last["wv"] * last["t"], last["wt"] * last["t"]
    sums = last.groupby(keys, sort=False)[["w", "wvt", "wt", "wv", "wtt"]].transform("sum")
    points = last.groupby(keys, sort=False)["t"].transform("count")

    def slope(s1: pd.Series, s2: pd.Series, s3: pd.Series, s4: pd.Series, s5: pd.Series) -> pd.Series:
        return (s1 * s2 - s3 * s4) / (s1 * s5 - s3 * s3)

    full = slope(sums["w"], sums["wvt"], sums["wt"], sums["wv"], sums["wtt"])
    chi2 = full**2 * (sums["w"] * sums["wtt"] - sums["wt"] ** 2) / sums["w"]
    without = slope(*(sums[c] - last[c] for c in ("w", "wvt", "wt", "wv", "wtt")))
    last["keeps"] = (without >= 0) == (full >= 0)
    last["full"], last["chi2"], last["points"] = full, chi2, points
    summary = last.groupby(keys, sort=False).agg(
        full=("full", "last"),
        chi2=("chi2", "last"),
        keeps=("keeps", "all"),
        points=("points", "last"),
        polarity=("polarity", "last"),
    )
    significant = summary["keeps"] & (summary["chi2"] > 9.54953570608324) & (summary["points"] >= 5)
    up = summary["full"] > 0
    summary["trend"] = np.select(
        [
            summary["points"] < 5,
            ~significant,
            summary["polarity"] == "neutral",
            up == (summary["polarity"] == "higher"),
        ],
        ["cannot_be_calculated", "no_change", np.where(up, "increasing", "decreasing"), "improving"],
        default="worsening",
    )
    return summary.reset_index()[[*keys, "trend", "chi2"]]


def reference_assess(
    obs: pd.DataFrame,
    indicators: pd.DataFrame,
    hierarchy: pd.DataFrame,
    context: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    k: int = 15,
    within: int = 3,
) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """The reference run: frames of series judgements and positions, and each stage's time."""
    clock = Stopwatch()
    obs = clock("prepare", lambda: _prepare(obs, indicators))
    national = clock(
        "pool", lambda: obs.groupby(["indicator", "period"], sort=False)[["numerator", "denominator"]].sum()
    )
    with_parent = clock(
        "pool",
        lambda: obs.merge(
            hierarchy.rename(columns={"unit": "unit_code"}),
            left_on="unit_code",
            right_on="unit_code",
            how="left",
        ),
    )
    bodies = clock(
        "pool",
        lambda: with_parent.groupby(["indicator", "parent", "period"], sort=False)[
            ["numerator", "denominator"]
        ].sum(),
    )
    obs = clock("spc", lambda: spc_rules(obs, ["indicator", "unit"]))
    obs = clock("intervals", lambda: _intervals(obs))
    trends = clock("trend", lambda: recent_trend(obs, ["indicator", "unit"]))
    obs = clock("record", lambda: _record(obs, within))
    latest = clock("judge", lambda: _latest(obs, national, bodies, hierarchy, targets))
    peers = clock("peers", lambda: _peers(context, k))
    latest = clock("judge", lambda: _with_peers(latest, peers))
    series = clock("judge", lambda: _scores(latest.merge(trends, on=["indicator", "unit"], how="left")))
    positions = clock("positions", lambda: _positions(series))
    tiers = clock("positions", lambda: _tier_shares(positions, hierarchy))
    return {"series": series, "positions": positions, "tiers": tiers}, clock.stages


def _prepare(obs: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    specs = indicators.assign(indicator=indicators["indicator"].astype(obs["indicator"].dtype))
    obs = obs.merge(specs, on="indicator", how="left")
    obs["unit_code"] = obs["unit"].astype(str)
    obs["value"] = obs["numerator"] * obs["multiplier"] / obs["denominator"]
    return obs.sort_values(["indicator", "unit", "period"], kind="stable").reset_index(drop=True)


def _intervals(obs: pd.DataFrame) -> pd.DataFrame:
    scale = obs["multiplier"]
    for z, suffix in ((Z95, "95"), (Z998, "998")):
        low, high = _wilson(obs["numerator"], obs["denominator"], z)
        obs[f"lower_{suffix}"], obs[f"upper_{suffix}"] = low * scale, high * scale
    return obs


def _record(obs: pd.DataFrame, within: int) -> pd.DataFrame:
    g = obs.groupby(["indicator", "unit"], sort=False)
    worse = np.where(
        obs["polarity"] == "lower", obs["value"] > obs["standard"], obs["value"] < obs["standard"]
    )
    below = pd.Series(worse & obs["standard"].notna(), index=obs.index)
    good = ~below & obs["standard"].notna()
    previous_good = good.groupby([obs["indicator"], obs["unit"]], sort=False).shift(1, fill_value=False)
    obs["fall"] = below & previous_good
    recovered = pd.Series(False, index=obs.index)
    for ahead in range(1, within + 1):
        later_good = good.groupby([obs["indicator"], obs["unit"]], sort=False).shift(-ahead, fill_value=False)
        later_period = g["period"].shift(-ahead)
        recovered |= later_good & (later_period.notna())
    obs["recovered"] = obs["fall"] & recovered
    return obs


def _latest(
    obs: pd.DataFrame,
    national: pd.DataFrame,
    bodies: pd.DataFrame,
    hierarchy: pd.DataFrame,
    targets: pd.DataFrame,
) -> pd.DataFrame:
    record = obs.groupby(["indicator", "unit"], sort=False)[["fall", "recovered"]].sum()
    last_period = obs.groupby("indicator")["period"].transform("max")
    latest = obs[obs["period"] == last_period].copy()
    latest = latest.join(record, on=["indicator", "unit"], rsuffix="_count")
    nat = (national["numerator"] / national["denominator"]).rename("national")
    latest = latest.join(nat, on=["indicator", "period"])
    latest["national"] *= latest["multiplier"]
    latest = latest.merge(hierarchy.rename(columns={"unit": "unit_code"}), on="unit_code", how="left")
    parent = (bodies["numerator"] / bodies["denominator"]).rename("parent_value")
    latest = latest.join(parent, on=["indicator", "parent", "period"])
    latest["parent_value"] *= latest["multiplier"]
    latest["vs_national"] = _compare(latest, "national", latest["polarity"])
    latest["vs_parent"] = _compare(latest, "parent_value", latest["polarity"])
    national_targets = targets[targets["unit"].isna()][["indicator", "level"]]
    national_targets = national_targets.rename(columns={"indicator": "indicator_code"}).astype(
        {"indicator_code": str}
    )
    latest["indicator_code"] = latest["indicator"].astype(str)
    latest = latest.merge(national_targets, on="indicator_code", how="left")
    # The benchmark's targets are national, with no milestones, and not yet due.
    lower = latest["polarity"] == "lower"
    met = np.where(lower, latest["value"] <= latest["level"], latest["value"] >= latest["level"])
    reach = np.where(lower, latest["lower_95"] <= latest["level"], latest["upper_95"] >= latest["level"])
    latest["target_status"] = np.select(
        [latest["level"].isna(), latest["polarity"] == "neutral", met, reach],
        [None, "not_compared", "met", "at_risk"],
        default="off_track",
    )
    meets = np.where(
        latest["polarity"] == "lower",
        latest["value"] <= latest["standard"],
        latest["value"] >= latest["standard"],
    )
    latest["vs_standard"] = np.where(latest["standard"].isna(), None, np.where(meets, "met", "below"))
    return latest


def _peers(context: pd.DataFrame, k: int) -> pd.DataFrame:
    variables = [c for c in context.columns if c not in ("unit", "group")]
    z = context.copy()
    grouped = z.groupby("group")[variables]
    z[variables] = (z[variables] - grouped.transform("mean")) / grouped.transform(lambda s: s.std(ddof=0))
    pairs = z.merge(z, on="group", suffixes=("", "_peer"))
    pairs = pairs[pairs["unit"] != pairs["unit_peer"]]
    pairs["distance"] = np.sqrt(sum((pairs[v] - pairs[f"{v}_peer"]) ** 2 for v in variables))
    pairs = pairs.sort_values(["unit", "distance", "unit_peer"], kind="stable")
    return pairs.groupby("unit", sort=False).head(k)[["unit", "unit_peer"]]


def _with_peers(latest: pd.DataFrame, peers: pd.DataFrame) -> pd.DataFrame:
    counts = latest[["indicator", "unit_code", "numerator", "denominator"]]
    pooled = (
        peers.merge(counts, left_on="unit_peer", right_on="unit_code")
        .groupby(["indicator", "unit"])[["numerator", "denominator"]]
        .sum()
    )
    peer = (pooled["numerator"] / pooled["denominator"]).rename("peer_value")
    latest = latest.join(peer, on=["indicator", "unit_code"])
    latest["peer_value"] *= latest["multiplier"]
    latest["vs_peers"] = _compare(latest, "peer_value", latest["polarity"])
    return latest


SCORES = {
    "vs_national": {
        "significantly_better": 2,
        "better": 1,
        "similar": 0,
        "worse": -1,
        "significantly_worse": -2,
    },
    "vs_peers": {
        "significantly_better": 2,
        "better": 1,
        "similar": 0,
        "worse": -1,
        "significantly_worse": -2,
    },
    "target_status": {"met": 2, "on_track": 1, "at_risk": -1, "off_track": -2, "missed": -2},
    "vs_standard": {"met": 1, "below": -2},
    "trend": {"improving": 1, "no_change": 0, "worsening": -1},
    "point_type": {"special_cause_improvement": 1, "common_cause": 0, "special_cause_concern": -1},
}


def _scores(series: pd.DataFrame) -> pd.DataFrame:
    for column, table in SCORES.items():
        series[f"score_{column}"] = series[column].map(table)
    series["absolute_score"] = series[
        [f"score_{c}" for c in ("vs_national", "vs_peers", "target_status", "vs_standard")]
    ].mean(axis=1)
    series["direction_score"] = series[["score_trend", "score_point_type"]].mean(axis=1)
    return series


def _positions(series: pd.DataFrame) -> pd.DataFrame:
    series["significantly_worse"] = series["vs_national"] == "significantly_worse"
    series["missed"] = series["target_status"] == "missed"
    units = series.groupby(["unit_code", "service"], sort=False).agg(
        absolute_score=("absolute_score", "mean"),
        direction_score=("direction_score", "mean"),
        share_significantly_worse=("significantly_worse", "mean"),
        share_targets_missed=("missed", "mean"),
        parent=("parent", "first"),
    )
    absolute = np.select(
        [units["absolute_score"] >= 0.5, units["absolute_score"] <= -0.5], ["high", "low"], default="middle"
    )
    direction = np.select(
        [units["direction_score"] >= 0.25, units["direction_score"] <= -0.25],
        ["improving", "declining"],
        default="stable",
    )
    units["position"] = pd.Series(absolute, index=units.index) + "_" + pd.Series(direction, index=units.index)
    score = units["absolute_score"]
    units["band"] = np.select(
        [
            (score >= 1)
            & (units["position"] == "high_improving")
            & (units["share_significantly_worse"] <= 0)
            & (units["share_targets_missed"] <= 0),
            (score >= 0.25) & (direction != "declining"),
            score >= 1,
            score >= -0.5,
            units["position"] == "low_improving",
            score >= -1.25,
            score.notna(),
        ],
        ["excellent", "good", "good", "fair", "fair", "weak", "poor"],
        default=None,
    )
    return units.reset_index()


def _tier_shares(positions: pd.DataFrame, hierarchy: pd.DataFrame) -> pd.DataFrame:
    counts = positions.groupby(["parent", "band"]).size().unstack(fill_value=0)
    return counts.div(counts.sum(axis=1), axis=0)


def to_pandas(frame: Any) -> pd.DataFrame:
    """A Polars frame as a pandas one, column by column through numpy (no pyarrow needed)."""
    return pd.DataFrame({name: frame[name].to_numpy() for name in frame.columns})
