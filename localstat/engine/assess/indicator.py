"""One indicator's judgements: its units, the intermediate-tier bodies above them and the nation.

The units' grids come from the observations; each body's grids are the sums of the units below it
and the nation's the sums of every unit (the pooled values of METHODS.md's benchmarks). The units
are judged as one panel and the bodies and the nation as another, each at the indicator's as-of
period; the record of falls below standard is counted on the units and summed upwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.assess.bands import BandRules
from localstat.engine.assess.chain import DeliveryChain, local_bodies, pool_up
from localstat.engine.assess.frames import Tables, points_frame
from localstat.engine.assess.judge import Arrays, judge_panel
from localstat.engine.assess.labels import COMPARISONS
from localstat.engine.assess.observations import IndicatorChunk
from localstat.engine.assess.specs import IndicatorSpec
from localstat.engine.assess.targets import BoundTargets, TargetLookup
from localstat.engine.spc import Profile

__all__ = ["STALE_AFTER_PERIODS", "Shared", "judge_indicator"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: A series whose latest value is this many of the indicator's periods or more before the period
#: judged is stale (as the assessment app's evidence says): its trend and variation describe old
#: data, so they do not feed its unit's direction of travel.
STALE_AFTER_PERIODS = 3


@dataclass(frozen=True)
class Shared:
    """Everything an indicator's judgement reads besides its own observations."""

    unit_count: int
    chain: DeliveryChain | None
    unit_in_chain: IntArray
    peer_unit: IntArray
    peer_peer: IntArray
    targets: BoundTargets
    period_physical: IntArray
    profile: Profile
    rules: BandRules
    recovery_within: int
    want_points: bool
    tables: Tables


@dataclass(frozen=True)
class _Chain:
    """The bodies above one indicator's units: their chain positions, each unit's own body and
    each body's own parent (positions among these bodies, -1 for none)."""

    bodies: IntArray
    unit_parent: IntArray
    body_parent: IntArray
    levels: list[IntArray]


def _chain_above(chunk: IndicatorChunk, shared: Shared, service: str | None) -> _Chain:
    none = np.zeros(0, dtype=np.int64)
    units = len(chunk.units)
    if shared.chain is None:
        return _Chain(none, np.full(units, -1, dtype=np.int64), none, [])
    where = shared.unit_in_chain[chunk.units]
    chain_levels = [
        np.where(where >= 0, level[np.maximum(where, 0)], -1) for level in shared.chain.levels(service)
    ]
    bodies, levels = local_bodies(chain_levels)
    above = shared.chain.parent_of(service)[bodies] if bodies.size else none
    body_parent = np.where(above >= 0, np.searchsorted(bodies, np.maximum(above, 0)), -1).astype(np.int64)
    unit_parent = levels[0] if levels else np.full(units, -1, dtype=np.int64)
    return _Chain(bodies, unit_parent, body_parent, levels)


def _peer_values(chunk: IndicatorChunk, shared: Shared, spec: IndicatorSpec) -> tuple[FloatArray, IntArray]:
    rows = len(chunk.units)
    if shared.peer_unit.size == 0:
        return np.full(rows, np.nan), np.full(rows, -1, dtype=np.int64)
    local = np.full(shared.unit_count, -1, dtype=np.int64)
    local[chunk.units] = np.arange(rows)
    unit, peer = local[shared.peer_unit], local[shared.peer_peer]
    both = (unit >= 0) & (peer >= 0)
    unit, peer = unit[both], peer[both]
    x, n = chunk.x[:, -1], chunk.n[:, -1]
    has = ~np.isnan(x[peer])
    total_x = np.bincount(unit[has], weights=x[peer][has], minlength=rows).astype(np.float64)
    total_n = np.bincount(unit[has], weights=n[peer][has], minlength=rows).astype(np.float64)
    count = np.bincount(unit[has], minlength=rows).astype(np.int64)
    return _pooled_value(total_x, total_n, spec), count


def _pooled_value(x: FloatArray, n: FloatArray, spec: IndicatorSpec) -> FloatArray:
    """Σx/Σn × multiplier (a count: Σx × multiplier) from summed numerators and denominators."""
    if spec.statistic == "count":
        return np.where(n > 0, x, np.nan) * spec.multiplier
    value = np.full(np.shape(x), np.nan)
    # Scaled before dividing, so that 2490 × 100 / 4000 is 62.25, not 62.25000000000001.
    np.divide(x * spec.multiplier, n, out=value, where=~np.isnan(x) & (n > 0))
    return value


#: Cells of a unit grid judged at a time: a few MB per temporary array, so the many passes over a
#: block run in cache and reuse freed memory, rather than streaming the grid from RAM each time.
BLOCK_CELLS = 1 << 18


def _blocks(rows: int, periods: int) -> list[slice]:
    """Row blocks of about :data:`BLOCK_CELLS` cells (every row is independent of the others)."""
    size = max(1, BLOCK_CELLS // max(periods, 1))
    return [slice(start, min(start + size, rows)) for start in range(0, rows, size)]


def _pooled(chunk: IndicatorChunk, above: _Chain) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The bodies' and then the nation's summed grids, how many units each pools at the end, and
    how many units each has (every unit of the indicator below it, with a value then or not)."""
    bodies, periods = above.bodies.size, chunk.x.shape[1]
    pooled_x = np.zeros((bodies + 1, periods))
    pooled_n = np.zeros((bodies + 1, periods))
    for block in _blocks(*chunk.x.shape):
        present = ~np.isnan(chunk.x[block])
        x0 = np.where(present, chunk.x[block], 0.0)
        n0 = np.where(present, chunk.n[block], 0.0)
        pooled_x[:bodies] += pool_up(x0, above.unit_parent[block], above.body_parent)
        pooled_n[:bodies] += pool_up(n0, above.unit_parent[block], above.body_parent)
        pooled_x[bodies] += x0.sum(axis=0)
        pooled_n[bodies] += n0.sum(axis=0)
    reporting = ~np.isnan(chunk.x[:, -1])
    units = np.append(
        pool_up(reporting.astype(np.float64), above.unit_parent, above.body_parent), reporting.sum()
    )
    every = np.ones(reporting.size)
    units_total = np.append(pool_up(every, above.unit_parent, above.body_parent), every.sum())
    # A body or a nation with no unit reporting in a period has no point there.
    empty = pooled_n == 0
    pooled_x[empty] = np.nan
    pooled_n[empty] = np.nan
    return pooled_x, pooled_n, units, units_total


def _fairly_pooled(parent_units: IntArray, parent_total: IntArray, own: IntArray) -> npt.NDArray[np.bool_]:
    """Whether a parent's value is a fair benchmark for a row: it pools at least one unit besides
    the row's own (``own``: the row's units with a value) and at least half of the parent's units.
    Otherwise a unit would be compared with itself, or an area with the few units that reported.

    >>> _fairly_pooled(np.array([1, 2, 2, 3]), np.array([5, 4, 5, 5]), np.array([1, 1, 1, 0])).tolist()
    [False, True, False, True]
    """
    return (parent_units - own >= 1) & (2 * parent_units >= parent_total)


def _pools_half(units: FloatArray, units_total: FloatArray) -> npt.NDArray[np.bool_]:
    """Whether a pooled value is fair to compare with the national one: it pools at least half of
    its units (a body whose value is one unit's of nine says nothing about the body).

    >>> _pools_half(np.array([1.0, 4.0, 5.0, 0.0]), np.array([9.0, 9.0, 9.0, 0.0])).tolist()
    [False, False, True, True]
    """
    return np.asarray(2 * units >= units_total, dtype=np.bool_)


def _standard(
    chunk: IndicatorChunk, spec: IndicatorSpec, lookup: TargetLookup, shared: Shared
) -> tuple[FloatArray, IntArray, int] | None:
    """Each unit's standard for the record of falls, the column it applies from, and the periods
    a recovery may take (None when no unit has a standard).

    A fall is a drop below the indicator's standard. Without a standard, a floor target (own or
    national) is the minimum standard (seed 2.10) and applies at every period; an aspirational
    target applies only from its deadline on."""
    units = len(chunk.units)
    if spec.standard is not None:
        return np.full(units, spec.standard), np.zeros(units, dtype=np.int64), shared.recovery_within
    threshold = lookup.level[:units]
    if np.isnan(threshold).all():
        return None
    periods = shared.period_physical[chunk.periods]
    start = np.searchsorted(periods, np.minimum(lookup.deadline[:units], periods[-1] + 1)).astype(np.int64)
    if lookup.floor is not None:
        start = np.where(lookup.floor[:units], 0, start).astype(np.int64)
    return threshold, start, shared.recovery_within


def judge_indicator(
    chunk: IndicatorChunk, spec: IndicatorSpec, index: int, shared: Shared
) -> tuple[Arrays, pl.DataFrame | None]:
    """Every row of one indicator (units, then bodies, then the nation) as series-frame arrays,
    and its points when asked for."""
    x, n = chunk.x, chunk.n
    units = len(chunk.units)
    above = _chain_above(chunk, shared, spec.service)
    bodies = above.bodies.size
    pooled_x, pooled_n, pooled_units, pooled_total = _pooled(chunk, above)

    pooled_values = _pooled_value(pooled_x[:, -1], pooled_n[:, -1], spec)
    national = float(pooled_values[-1])
    body_values = np.append(pooled_values[:bodies], np.nan)  # position -1: no parent
    peer_value, peer_count = _peer_values(chunk, shared, spec)
    as_of = int(shared.period_physical[chunk.periods[-1]])
    lookup = shared.targets.lookup(chunk.code, chunk.units, above.bodies, as_of)
    unit_rows = slice(0, units)
    pooled_rows = slice(units, None)

    unit_targets = _rows(lookup, unit_rows)
    standard = _standard(chunk, spec, lookup, shared)
    parent_values = body_values[above.unit_parent]
    parts = [
        judge_panel(
            x[block],
            n[block],
            spec,
            profile=shared.profile,
            national=national,
            parent=parent_values[block],
            peers=peer_value[block],
            targets=_rows(unit_targets, block),
            scores=shared.rules.scores,
            record=None if standard is None else (standard[0][block], standard[1][block], standard[2]),
        )
        for block in _blocks(*x.shape)
    ]
    judged_units = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    judged_pooled = judge_panel(
        pooled_x,
        pooled_n,
        spec,
        profile=shared.profile,
        national=national,
        parent=np.append(body_values[above.body_parent], np.nan),
        peers=np.full(bodies + 1, np.nan),
        targets=_rows(lookup, pooled_rows),
        scores=shared.rules.scores,
        national_fair=_pools_half(pooled_units, pooled_total),
    )
    judged_pooled["vs_national"][-1] = -1  # the nation is not compared with itself
    judged = {name: np.concatenate([judged_units[name], judged_pooled[name]]) for name in judged_units}

    # Each row's parent: how many units its value pools and has; compared only when fairly pooled.
    own_units = np.concatenate([(~np.isnan(x[:, -1])).astype(np.int64), pooled_units.astype(np.int64)])
    parent_row = np.concatenate([above.unit_parent, above.body_parent, [-1]]).astype(np.int64)
    body_units = np.append(pooled_units[:bodies], -1).astype(np.int64)  # position -1: no parent
    body_total = np.append(pooled_total[:bodies], -1).astype(np.int64)
    parent_units, parent_total = body_units[parent_row], body_total[parent_row]
    unfair = (parent_row >= 0) & (judged["vs_parent"] >= 0)
    unfair &= ~_fairly_pooled(parent_units, parent_total, own_units)
    judged["vs_parent"] = np.where(unfair, COMPARISONS.index("not_compared"), judged["vs_parent"])

    # The record: each unit's own falls; a body's and the nation's are the sums over their units.
    record = judged.pop("record")[:units]
    record_all = np.vstack(
        [
            record,
            pool_up(record.astype(np.float64), above.unit_parent, above.body_parent),
            record.sum(axis=0, keepdims=True),
        ]
    ).astype(np.int64)

    rows = units + bodies + 1
    code = np.concatenate([chunk.units, shared.unit_count + above.bodies, [-1]]).astype(np.int64)
    parent_code = np.append(shared.unit_count + above.bodies, -1)
    last_column = judged.pop("last_column")
    # Periods (the indicator's own, as in its grid) from each row's latest value to the one judged.
    behind = np.where(last_column >= 0, x.shape[1] - 1 - last_column, -1).astype(np.int64)
    stale = behind >= STALE_AFTER_PERIODS
    judged["direction_score"] = np.where(stale, np.nan, judged["direction_score"])
    judged.update(
        level=np.concatenate([np.zeros(units), np.ones(bodies), [2]]).astype(np.int64),
        code=code,
        parent=np.concatenate([parent_code[above.unit_parent], parent_code[above.body_parent], [-1]]).astype(
            np.int64
        ),
        indicator=np.full(rows, index, dtype=np.int64),
        period=np.full(rows, chunk.periods[-1], dtype=np.int64),
        last_period=np.where(last_column >= 0, chunk.periods[np.maximum(last_column, 0)], -1),
        periods_without_value=behind,
        stale=stale,
        numerator=np.concatenate([x[:, -1], pooled_x[:, -1]]),
        denominator=np.concatenate([n[:, -1], pooled_n[:, -1]])
        if spec.statistic != "count"
        else np.full(rows, np.nan),
        units=own_units,
        units_total=np.concatenate([np.ones(units), pooled_total]).astype(np.int64),
        parent_units=parent_units,
        parent_units_total=parent_total,
        peers=np.concatenate([peer_count, np.full(bodies + 1, -1)]).astype(np.int64),
        target_deadline=lookup.deadline,
        falls=record_all[:, 0],
        recovered=record_all[:, 1],
        not_recovered=record_all[:, 2],
        recovery_pending=record_all[:, 3],
    )
    points = None
    if shared.want_points:
        points = points_frame(
            np.vstack([x, pooled_x]),
            np.vstack([n, pooled_n]),
            spec,
            shared.profile,
            level=judged["level"],
            code=code,
            periods=chunk.periods,
            tables=shared.tables,
        )
    return judged, points


def _rows(lookup: TargetLookup, rows: slice) -> TargetLookup:
    return TargetLookup(
        level=lookup.level[rows],
        milestone=lookup.milestone[rows],
        deadline=lookup.deadline[rows],
        reached=lookup.reached[rows],
        scope=lookup.scope[rows],
        floor=None if lookup.floor is None else lookup.floor[rows],
    )
