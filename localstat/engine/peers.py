"""Most similar peer groups (METHODS.md, "Peer groups").

Each unit's k most similar units, as CIPFA's nearest neighbours and the police "most similar
groups" are published: every context variable is standardised (z = (x − mean)/sd with the
population sd; a variable with no spread contributes nothing), distance is Euclidean over the
standardised variables, a unit is never its own peer, equal distances are broken by peer code,
and when a group column (the unit's type) is given, peers come only from the same group, with the
standardisation done within the group, as each type is its own comparison population.

Distances are computed a block of units at a time, so 30,000 units never need a 30,000 × 30,000
matrix in memory at once.

>>> frame = pl.DataFrame({"unit": ["A", "B", "C", "D"], "size": [1.0, 2.0, 4.0, 8.0]})
>>> most_similar_peers(frame, k=1)["peer"].to_list()
['B', 'A', 'B', 'C']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.schemas import DataError, check_rows, float_column, text_column

__all__ = ["DEFAULT_K", "most_similar_peers"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Peers per unit unless configured otherwise (CIPFA publishes 15 nearest neighbours).
DEFAULT_K = 15
#: Relative difference below which two squared distances count as equal.
_TIE = 1e-10
#: Units whose distances bound each unit's k-th nearest before the search (more: a tighter bound,
#: fewer candidates; fewer: a cheaper bound).
_SAMPLE = 1000
#: Distance cells held at once (about 16 MB of float64): bounds memory, not results.
_BLOCK_CELLS = 2_000_000


def _standardise(values: FloatArray, groups: IntArray) -> FloatArray:
    """Population z-scores of each column within each group; constant columns become 0."""
    z = np.zeros_like(values)
    count = np.bincount(groups).astype(np.float64)
    for column in range(values.shape[1]):
        x = values[:, column]
        mean = np.bincount(groups, weights=x) / count
        centred = x - mean[groups]
        sd = np.sqrt(np.bincount(groups, weights=centred * centred) / count)
        # Rounding can leave a constant column a sliver of spread; treat it as none.
        spread = sd[groups] > 1e-12 * np.maximum(1.0, np.abs(mean[groups]))
        z[:, column] = np.where(spread, centred / np.where(spread, sd[groups], 1.0), 0.0)
    return z


def _nearest_block(
    z: FloatArray,
    z_columns: FloatArray,
    half_squares: FloatArray,
    rows: IntArray,
    k: int,
    sample: slice,
    code_order: IntArray,
) -> tuple[IntArray, IntArray, FloatArray]:
    """The k nearest peers of ``rows`` among all units, ordered by (distance, code).

    Units are sorted by their first standardised variable (``z[:, 0]``); ``code_order`` gives each
    position's rank in code order. The units next to the rows in that order (``sample``) bound
    each row's k-th nearest distance from above, so only the units whose first variable lies
    within that distance of the rows' can be peers: they are a contiguous slice of the sorted
    units, and only that slice is searched.
    Candidates' distances are then recomputed exactly, as sums of squared differences, so that
    equal distances are bit-for-bit equal and ties fall to code order.
    """
    a = z[rows]
    half_a = half_squares[rows]
    # Within a row |a|² is a constant, so ranking by |b|²/2 − a·b ranks by distance. einsum's own
    # loop, not BLAS: a product this thin (a few variables) gains nothing from BLAS threads, which
    # on a busy machine cost several times the work itself.
    subset = np.einsum("ik,kj->ij", a, z_columns[:, sample])
    np.subtract(half_squares[None, sample], subset, out=subset)
    subset[np.arange(rows.size), rows - sample.start] = np.inf  # the rows lie inside their sample
    # The k-th smallest over any subset of units bounds the k-th smallest over all of them from
    # above; the margin covers the product's rounding and near-ties, so no true neighbour (or unit
    # tied with one) is ever left out.
    kth = min(k, sample.stop - sample.start - 1) - 1
    bound = np.partition(subset, kth, axis=1)[:, kth] if kth >= 0 else np.full(rows.size, np.inf)
    bound += 1e-9 * (2.0 * half_a + 2.0 * half_squares.max() + 1.0)
    first = z[:, 0]
    if np.isfinite(bound).all():
        radius = np.sqrt(np.maximum(2.0 * (bound + half_a), 0.0)) * (1.0 + 1e-7) + 1e-9
        low = int(np.searchsorted(first, (first[rows] - radius).min(), side="left"))
        high = int(np.searchsorted(first, (first[rows] + radius).max(), side="right"))
    else:
        # A row whose sample holds fewer than k peers (a small group) takes every peer it has.
        bound[~np.isfinite(bound)] = np.finfo(np.float64).max
        low, high = 0, len(z)
    key = np.einsum("ik,kj->ij", a, z_columns[:, low:high])
    np.subtract(half_squares[None, low:high], key, out=key)
    inside = (rows >= low) & (rows < high)
    key[np.flatnonzero(inside), rows[inside] - low] = np.inf
    candidate_row, candidate_col = np.nonzero(key <= bound[:, None])
    candidate_col += low
    distance = np.zeros(candidate_row.size)
    for column in range(z.shape[1]):
        diff = z[rows[candidate_row], column] - z[candidate_col, column]
        distance += diff * diff
    code = code_order[candidate_col]
    order = np.lexsort((code, distance, candidate_row))
    candidate_row, candidate_col, distance = candidate_row[order], candidate_col[order], distance[order]
    code = code[order]
    # Distances equal but for rounding (standardising rarely maps equal gaps to equal bits) are
    # ties too: they share a key, and code order decides among them.
    close = np.zeros(candidate_row.size, dtype=np.bool_)
    close[1:] = (candidate_row[1:] == candidate_row[:-1]) & (
        distance[1:] - distance[:-1] <= _TIE * distance[1:]
    )
    order = np.lexsort((code, np.cumsum(~close)))
    candidate_row, candidate_col, distance = candidate_row[order], candidate_col[order], distance[order]
    start = np.searchsorted(candidate_row, np.arange(rows.size))
    rank = np.arange(candidate_row.size) - start[candidate_row] + 1
    keep = rank <= k
    return (
        rows[candidate_row[keep]].astype(np.int64),
        candidate_col[keep].astype(np.int64),
        np.sqrt(distance[keep]),
    )


def most_similar_peers(
    frame: pl.DataFrame,
    *,
    unit: str = "unit",
    variables: Sequence[str] | None = None,
    group: str | None = None,
    k: int = DEFAULT_K,
) -> pl.DataFrame:
    """Each unit's ``k`` most similar units: columns ``unit, peer, rank, distance``.

    ``variables`` are the numeric context columns (default: every column but ``unit`` and
    ``group``, all of which must then be numeric). Units appear in input order, each with its peers
    ranked 1 (most similar) to k; a unit whose group has fewer than k + 1 members gets fewer peers.
    A missing or repeated unit code, or a missing context value, raises ``ValueError`` naming the
    1-based row and the column.

    >>> frame = pl.DataFrame({"unit": ["A", "B", "C"], "beds": [10.0, 20.0, 30.0]})
    >>> most_similar_peers(frame, k=2).filter(pl.col("unit") == "B").rows()
    [('B', 'A', 1, 1.224744871391589), ('B', 'C', 2, 1.224744871391589)]
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    codes = text_column(frame, unit)
    _refuse_repeats(codes, unit)
    chosen = variables is not None
    if variables is None:
        variables = [c for c in frame.columns if c not in (unit, group)]
        for name in variables:
            if not (frame[name].dtype.is_numeric() or frame[name].dtype == pl.String):
                raise DataError(f"is not a numeric context variable ({frame[name].dtype})", column=name)
    if not variables:
        raise DataError("no context variables: give at least one numeric column besides the unit")
    try:
        values = np.column_stack([float_column(frame, name, allow_missing=False) for name in variables])
    except DataError as error:
        if chosen or error.row is None or "not a number" not in error.detail:
            raise
        # Every column was taken as context by default: say how to leave a text column out.
        raise DataError(
            f"{error.detail}: is it a context variable? If not, choose the context columns (--variables)",
            row=error.row,
            column=error.column,
        ) from None
    if group is None:
        group_ids = np.zeros(len(codes), dtype=np.int64)
    else:
        group_ids = text_column(frame, group).rank("dense").cast(pl.Int64).to_numpy() - 1

    # Work in code order so that position order breaks ties exactly as code order does.
    by_code = np.asarray(codes.arg_sort(), dtype=np.int64)
    z = _standardise(values[by_code], group_ids[by_code])
    groups = group_ids[by_code]
    found_unit: list[IntArray] = []
    found_peer: list[IntArray] = []
    found_distance: list[FloatArray] = []
    # Each group (unit type) is its own comparison population: searching one group at a time
    # costs the sum of the squares of the groups' sizes, not the square of their sum.
    for members in _group_members(groups):
        u, p, d = _nearest_within(z[members], k)
        found_unit.append(members[u])
        found_peer.append(members[p])
        found_distance.append(d)
    unit_pos = by_code[np.concatenate(found_unit)] if found_unit else np.zeros(0, dtype=np.int64)
    peer_pos = by_code[np.concatenate(found_peer)] if found_peer else np.zeros(0, dtype=np.int64)
    distance = np.concatenate(found_distance) if found_distance else np.zeros(0)
    rank = _ranks_within(unit_pos)
    # Input order of units; within a unit the peers are already in rank order (stable sort).
    order = np.argsort(unit_pos, kind="stable")
    return pl.DataFrame(
        {
            unit: codes.gather(unit_pos[order]),
            "peer": codes.gather(peer_pos[order]).alias("peer"),
            "rank": pl.Series("rank", rank[order], dtype=pl.Int64),
            "distance": pl.Series("distance", distance[order], dtype=pl.Float64),
        }
    )


def _group_members(groups: IntArray) -> list[IntArray]:
    """Positions of each group's units, ascending (so still in code order)."""
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.diff(groups[order])) + 1
    return [part.astype(np.int64) for part in np.split(order, bounds)] if order.size else []


def _nearest_within(z: FloatArray, k: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Every unit's k nearest among the rows of ``z`` (given in code order), a block at a time.

    Units are searched in order of their first variable, so that each block's peers lie in a
    narrow slice of the others (see :func:`_nearest_block`); positions returned are ``z``'s.
    """
    n = len(z)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    by_first = np.argsort(z[:, 0], kind="stable")
    ordered = np.ascontiguousarray(z[by_first])
    half_squares = 0.5 * np.einsum("ij,ij->i", ordered, ordered)
    z_columns = np.ascontiguousarray(ordered.T)
    block = max(1, min(256, _BLOCK_CELLS // max(n, 1)))
    # Each block's bound comes from about _SAMPLE of its neighbours in that order (every unit
    # when there are few).
    reach = max(_SAMPLE, 20 * k) // 2
    found: list[tuple[IntArray, IntArray, FloatArray]] = []
    for start in range(0, n, block):
        stop = min(start + block, n)
        rows = np.arange(start, stop, dtype=np.int64)
        sample = slice(max(0, start - reach), min(n, stop + reach))
        found.append(_nearest_block(ordered, z_columns, half_squares, rows, k, sample, by_first))
    return (
        by_first[np.concatenate([f[0] for f in found])],
        by_first[np.concatenate([f[1] for f in found])],
        np.concatenate([f[2] for f in found]),
    )


def _ranks_within(unit_pos: IntArray) -> IntArray:
    """1-based position of each pair within its unit's run (pairs arrive grouped, in rank order)."""
    if unit_pos.size == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.empty(unit_pos.shape, dtype=np.bool_)
    new[0] = True
    new[1:] = unit_pos[1:] != unit_pos[:-1]
    starts = np.flatnonzero(new)
    run = np.cumsum(new) - 1
    ranks: IntArray = (np.arange(unit_pos.size) - starts[run] + 1).astype(np.int64)
    return ranks


def _refuse_repeats(codes: pl.Series, column: str) -> None:
    repeated = codes.is_duplicated().to_numpy()
    first_seen = codes.is_first_distinct().to_numpy()
    check_rows(
        repeated & ~first_seen, column, "repeats a unit code given on an earlier row", codes.to_numpy()
    )
