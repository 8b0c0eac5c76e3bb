"""``assess``: judgements over whole delivery chains, one indicator at a time.

For each indicator the observations become two dense ``units × periods`` grids; the intermediate
tier's and the nation's pooled grids are sums of their rows; all three are judged together at the
as-of period (:func:`~localstat.engine.assess.judge.judge_panel`). Positions, bands and the
intermediate tier's record are then read off the series frame.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine import ENGINE_VERSION
from localstat.engine.assess.bands import DEFAULT_BAND_RULES, BandRules
from localstat.engine.assess.chain import delivery_chain
from localstat.engine.assess.frames import Tables, empty_points_frame, series_frame
from localstat.engine.assess.indicator import Shared, judge_indicator
from localstat.engine.assess.judge import Arrays
from localstat.engine.assess.observations import observation_source, parse_as_of, physical
from localstat.engine.assess.positions import tier_positions, unit_positions
from localstat.engine.assess.specs import indicator_specs, spec_for
from localstat.engine.assess.targets import read_targets
from localstat.engine.peers import DEFAULT_K, most_similar_peers
from localstat.engine.schemas import DataError, require_columns, text_column
from localstat.engine.spc import Profile, profile_named

__all__ = ["Assessment", "assess"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Periods after a fall within which a recovery counts, unless the caller says otherwise.
DEFAULT_RECOVERY_WITHIN = 3


@dataclass(frozen=True)
class Assessment:
    """An assessment run's frames and its parameter record.

    ``series``: one row per series at the as-of period (front line units, intermediate-tier
    bodies pooled, and the nation pooled, told apart by ``level``); ``positions``: one row per
    unit (and service); ``tiers``: one row per intermediate-tier body (and service);
    ``points``: every point's SPC type when asked for; ``parameters``: everything needed to repeat
    the run, stamped with the engine version.
    """

    series: pl.DataFrame
    positions: pl.DataFrame
    tiers: pl.DataFrame
    points: pl.DataFrame | None
    parameters: dict[str, Any] = field(default_factory=dict)


@contextmanager
def _reading(source: str) -> Iterator[None]:
    """Say which frame a row and column are in when one of the other frames is refused."""
    try:
        yield
    except DataError as error:
        raise error.within(source) from None
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None


def _peer_frame(context: pl.DataFrame | None, peers: pl.DataFrame | None, k: int) -> pl.DataFrame | None:
    """Each unit's peers as (unit, peer) codes: ready-made, or found from the context."""
    if peers is not None:
        require_columns(peers, ["unit", "peer"])
        return pl.DataFrame({"unit": text_column(peers, "unit"), "peer": text_column(peers, "peer")})
    if context is not None:
        found = most_similar_peers(context, group="group" if "group" in context.columns else None, k=k)
        return found.select(pl.col("unit").cast(pl.String), pl.col("peer").cast(pl.String))
    return None


def _peer_positions(pairs: pl.DataFrame | None, unit_codes: pl.Series) -> tuple[IntArray, IntArray]:
    """The pairs as positions among the unit codes (pairs naming a unit with no observations are
    dropped)."""
    if pairs is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lookup = pl.DataFrame({"code": unit_codes, "at": np.arange(len(unit_codes), dtype=np.int64)})
    unit = pairs.join(lookup, left_on="unit", right_on="code", how="left", maintain_order="left")["at"]
    peer = pairs.join(lookup, left_on="peer", right_on="code", how="left", maintain_order="left")["at"]
    both = (unit.is_not_null() & peer.is_not_null()).to_numpy()
    return unit.to_numpy()[both].astype(np.int64), peer.to_numpy()[both].astype(np.int64)


def assess(
    observations: pl.DataFrame,
    *,
    indicators: pl.DataFrame | None = None,
    targets: pl.DataFrame | None = None,
    milestones: pl.DataFrame | None = None,
    context: pl.DataFrame | None = None,
    peers: pl.DataFrame | None = None,
    hierarchy: pl.DataFrame | None = None,
    bands: BandRules | None = None,
    as_of: Any = None,
    profile: str = "nhsr",
    recovery_within: int = DEFAULT_RECOVERY_WITHIN,
    peer_k: int = DEFAULT_K,
    points: bool = False,
    workers: int | None = None,
) -> Assessment:
    """Judge every series of every unit, every intermediate-tier body and the nation at ``as_of``.

    ``observations``: ``unit, indicator, period, numerator, denominator`` (see
    ``localstat engine assess --help`` for every column of every frame). ``indicators``: each
    indicator's statistic, polarity, multiplier, service, standard and chart (default: a proportion,
    higher is better). ``targets`` and ``milestones``: levels, deadlines and trajectories (unit blank
    for the national target). ``context`` (unit, numeric context, optional ``group``) gives
    most-similar peer groups of ``peer_k`` units, or ``peers`` (unit, peer) gives them ready-made.
    ``hierarchy`` (unit, parent, optional service) names each unit's performance manager.
    ``bands`` are the band rules (default :data:`DEFAULT_BAND_RULES`). ``as_of`` is the period
    judged (default: the latest in the data; each indicator is judged at its latest period on or
    before it, and later periods are left out). ``profile`` is the SPC profile,
    ``recovery_within`` the periods within which a fall below standard must be put right.
    ``points`` adds every point's SPC type; ``workers`` is how many indicators are judged at once
    (default: up to two, one per core; the result never depends on it).

    >>> observations = pl.DataFrame({"unit": ["A"] * 3 + ["B"] * 3, "indicator": "X",
    ...                              "period": [1, 2, 3] * 2, "numerator": [50, 60, 70, 90, 91, 90],
    ...                              "denominator": 100})
    >>> result = assess(observations, hierarchy=pl.DataFrame({"unit": ["A", "B"], "parent": "Q"}))
    >>> result.series.select("level", "unit", "value", "vs_national").rows()
    [('unit', 'A', 0.7, 'worse'), ('unit', 'B', 0.9, 'better'), ('tier', 'Q', 0.8, 'similar'), ('national', None, 0.8, None)]
    >>> result.positions.select("unit", "position", "band").rows()
    [('A', 'low_and_stable', 'weak'), ('B', 'coasting', 'good')]
    """
    if isinstance(recovery_within, bool) or not isinstance(recovery_within, int) or recovery_within < 1:
        raise ValueError(
            f"recovery_within must be a whole number of periods, at least 1 (got {recovery_within!r})"
        )
    chosen = profile_named(profile)
    rules = bands or DEFAULT_BAND_RULES
    # Indicators are independent, and so are the peer groups and the observations' index: numpy
    # and Polars release the GIL, so threads share the cores.
    threads = workers if workers is not None else min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=max(threads, 1)) as pool:
        finding_peers = pool.submit(_peer_frame, context, peers, peer_k)
        return _assess(
            observations,
            pool if threads > 1 else None,
            finding_peers,
            indicators=indicators,
            targets=targets,
            milestones=milestones,
            peers_given=peers is not None,
            context_given=context is not None,
            hierarchy=hierarchy,
            rules=rules,
            as_of=as_of,
            chosen=chosen,
            recovery_within=recovery_within,
            peer_k=peer_k,
            points=points,
        )


def _assess(
    observations: pl.DataFrame,
    pool: ThreadPoolExecutor | None,
    finding_peers: Future[pl.DataFrame | None],
    *,
    indicators: pl.DataFrame | None,
    targets: pl.DataFrame | None,
    milestones: pl.DataFrame | None,
    peers_given: bool,
    context_given: bool,
    hierarchy: pl.DataFrame | None,
    rules: BandRules,
    as_of: Any,
    chosen: Profile,
    recovery_within: int,
    peer_k: int,
    points: bool,
) -> Assessment:
    source = observation_source(observations, pool)
    with _reading("indicators"):
        specs = indicator_specs(indicators) if indicators is not None else {}
    for code in source.codes:
        spec = spec_for(specs, code)
        if spec.statistic != "count" and "denominator" not in source.frame.columns:
            raise DataError(f"is missing (indicator '{code}' is a {spec.statistic})", column="denominator")
    period_dtype = source.period_dtype
    period = (
        (source.periods[-1] if len(source.periods) else None)
        if as_of is None
        else parse_as_of(as_of, period_dtype)
    )
    with _reading("targets"):
        checked_targets = read_targets(targets, None, period_dtype)
    with _reading("milestones"):
        checked_targets = read_targets(targets, milestones, period_dtype)
    with _reading("hierarchy"):
        chain = delivery_chain(hierarchy) if hierarchy is not None else None
    chain_codes = chain.codes if chain is not None else pl.Series("unit", [], dtype=pl.String)
    with _reading("peers" if peers_given else "context"):
        peer_unit, peer_peer = _peer_positions(finding_peers.result(), source.unit_codes)
    chosen_specs = [spec_for(specs, code) for code in source.codes]
    tables = Tables(
        codes=pl.concat([source.unit_codes, chain_codes]),
        indicators=pl.Series("indicator", source.codes, dtype=pl.String),
        services=pl.Series("service", [spec.service for spec in chosen_specs], dtype=pl.String),
        periods=source.periods.cast(period_dtype).alias("period"),
    )
    shared = Shared(
        unit_count=len(source.unit_codes),
        chain=chain,
        unit_in_chain=chain.positions(source.unit_codes)
        if chain is not None
        else np.zeros(0, dtype=np.int64),
        peer_unit=peer_unit,
        peer_peer=peer_peer,
        targets=checked_targets.bind(source.unit_codes, chain_codes),
        period_physical=physical(source.periods),
        profile=chosen,
        rules=rules,
        recovery_within=recovery_within,
        want_points=points,
        tables=tables,
    )
    last = source.last_period(period) if period is not None else -1

    def judged(index: int) -> tuple[Arrays, pl.DataFrame | None, int] | None:
        spec = chosen_specs[index]
        chunk = source.chunk(index, last, spec.statistic)
        if chunk is None:
            return None
        arrays, found = judge_indicator(chunk, spec, index, shared)
        return arrays, found, chunk.rows

    indices = range(len(source.codes)) if last >= 0 else range(0)
    results = list(pool.map(judged, indices)) if pool is not None else [judged(index) for index in indices]
    parts = [result[0] for result in results if result is not None]
    point_parts = [result[1] for result in results if result is not None and result[1] is not None]
    observations_used = sum(result[2] for result in results if result is not None)
    series = series_frame(parts, tables, period_dtype)
    unit_table = unit_positions(series, rules)
    tier_table = tier_positions(series, unit_table, chain, rules)
    parameters = {
        "engine_version": ENGINE_VERSION,
        "as_of": None if period is None else str(period),
        "profile": chosen.name,
        "recovery_within": recovery_within,
        "peers": {
            "k": peer_k,
            "from": "peers" if peers_given else "context" if context_given else None,
        },
        "indicators": [spec.as_record() for spec in chosen_specs],
        "bands": rules.as_record(),
        "observations": observations_used,
        "series": int((series["level"] == "unit").sum()),
    }
    point_frame = None
    if points:
        point_frame = pl.concat(point_parts) if point_parts else empty_points_frame(period_dtype)
    return Assessment(
        series=series, positions=unit_table, tiers=tier_table, points=point_frame, parameters=parameters
    )
