"""The delivery chain above the front line: who performance-manages whom, and pooled values.

A hierarchy frame has one row per ``unit`` and its ``parent`` (its performance manager, seed 1.8),
optionally per ``service`` (blank: every service the unit has no row of its own for). A parent can
have a parent of its own (an NHS area within a region), so an intermediate-tier body covers every
front line unit below it, however deep. Pooling sums a grid's rows into their bodies a level at a
time: a handful of vectorised passes, never a loop over units.

>>> chain = delivery_chain(pl.DataFrame({"unit": ["A", "B", "Q1"], "parent": ["Q1", "Q1", "Y"]}))
>>> chain.codes.to_list(), chain.levels(None)[0].tolist(), chain.levels(None)[1].tolist()
(['A', 'B', 'Q1', 'Y'], [2, 2, 3, -1], [3, 3, -1, -1])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.panels import dense_codes
from localstat.engine.schemas import DataError, check_rows, require_columns, text_column

__all__ = ["DeliveryChain", "delivery_chain", "local_bodies", "pool_rows", "pool_up"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class DeliveryChain:
    """Every code of a hierarchy (sorted) and, per service, each code's parent (-1: none).

    ``parents[None]`` holds the rows given without a service; ``parents[s]`` the parents for
    service ``s`` (its own rows over the blank ones).
    """

    codes: pl.Series
    parents: dict[str | None, IntArray]
    _levels: dict[str | None, list[IntArray]] = field(default_factory=dict, compare=False, repr=False)

    def parent_of(self, service: str | None) -> IntArray:
        """Each code's parent for the service (positions into ``codes``; -1 for none)."""
        return self.parents.get(service, self.parents[None])

    def levels(self, service: str | None) -> list[IntArray]:
        """Ancestors by level: ``levels(s)[0]`` the parents, ``[1]`` the grandparents, ….

        >>> chain = delivery_chain(pl.DataFrame({"unit": ["A"], "parent": ["B"]}))
        >>> [level.tolist() for level in chain.levels("health")]
        [[1, -1]]
        """
        key = service if service in self.parents else None
        if key not in self._levels:
            parent = self.parent_of(key)
            found: list[IntArray] = []
            current = parent
            while (current >= 0).any():
                found.append(current)
                current = np.where(current >= 0, parent[np.maximum(current, 0)], -1)
            self._levels[key] = found
        return self._levels[key]

    def positions(self, keys: pl.Series) -> IntArray:
        """Position of each key among ``codes``, or -1 for a code the hierarchy does not name.

        >>> delivery_chain(pl.DataFrame({"unit": ["A"], "parent": ["B"]})).positions(pl.Series(["B", "Z"])).tolist()
        [1, -1]
        """
        return _positions(self.codes, keys)

    def edges(self, service: str | None) -> pl.DataFrame:
        """Every (unit, body) pair in which the body is above the unit at some level.

        >>> chain = delivery_chain(pl.DataFrame({"unit": ["A", "Q"], "parent": ["Q", "Y"]}))
        >>> chain.edges(None).sort("unit", "body").rows()
        [('A', 'Q'), ('A', 'Y'), ('Q', 'Y')]
        """
        units: list[IntArray] = []
        bodies: list[IntArray] = []
        for level in self.levels(service):
            below = np.flatnonzero(level >= 0)
            units.append(below)
            bodies.append(level[below])
        unit_index = np.concatenate(units) if units else np.zeros(0, dtype=np.int64)
        body_index = np.concatenate(bodies) if bodies else np.zeros(0, dtype=np.int64)
        return pl.DataFrame(
            {"unit": self.codes.gather(unit_index), "body": self.codes.gather(body_index)},
            schema={"unit": pl.String, "body": pl.String},
        )


def _positions(codes: pl.Series, keys: pl.Series) -> IntArray:
    wanted = keys.cast(pl.String)
    found = codes.search_sorted(wanted).cast(pl.Int64).to_numpy().astype(np.int64)
    inside = found < len(codes)
    found[~inside] = -1
    matched = np.zeros(len(wanted), dtype=np.bool_)
    if inside.any():
        matched[inside] = (codes.gather(found[inside]) == wanted.filter(pl.Series(inside))).to_numpy()
    return np.where(matched, found, -1).astype(np.int64)


def delivery_chain(frame: pl.DataFrame) -> DeliveryChain:
    """Read a hierarchy frame: ``unit``, ``parent`` and optional ``service``.

    A missing code, a unit that is its own parent, a unit given two parents for the same service
    and a cycle (a body above itself) raise :class:`~localstat.engine.schemas.DataError` naming
    the row and the column.

    >>> delivery_chain(pl.DataFrame({"unit": ["A", "B"], "parent": ["B", "A"]}))
    Traceback (most recent call last):
    ...
    localstat.engine.schemas.DataError: row 1, column 'parent': 'B' is below 'A' already: the hierarchy goes round in a circle
    """
    require_columns(frame, ["unit", "parent"])
    units = text_column(frame, "unit").str.strip_chars()
    parents = text_column(frame, "parent").str.strip_chars()
    check_rows((units == parents).to_numpy(), "parent", "is the unit itself", parents.to_numpy())
    if "service" in frame.columns:
        services = frame["service"].cast(pl.String).str.strip_chars().replace("", None)
    else:
        services = pl.Series("service", [None] * frame.height, dtype=pl.String)
    pairs = pl.DataFrame({"unit": units, "service": services})
    repeated = (
        pairs.select(
            pl.struct("unit", "service").is_duplicated() & ~pl.struct("unit", "service").is_first_distinct()
        )
        .to_series()
        .to_numpy()
    )
    check_rows(
        repeated,
        "unit",
        "has a parent already for this service (one performance manager each)",
        units.to_numpy(),
    )

    codes = pl.concat([units, parents]).unique().sort()
    unit_index = _positions(codes, units)
    parent_index = _positions(codes, parents)
    blank = services.is_null().to_numpy()
    base = np.full(len(codes), -1, dtype=np.int64)
    base[unit_index[blank]] = parent_index[blank]
    by_service: dict[str | None, IntArray] = {None: base}
    named = services.drop_nulls().unique().sort().to_list()
    service_values = services.to_numpy()
    for service in named:
        mine = service_values == service
        parent = base.copy()
        parent[unit_index[mine]] = parent_index[mine]
        by_service[service] = parent
    for service, parent in by_service.items():
        _refuse_cycles(parent, codes, units, parents, services, service)
    return DeliveryChain(codes=codes, parents=by_service)


def _refuse_cycles(
    parent: IntArray,
    codes: pl.Series,
    units: pl.Series,
    parents: pl.Series,
    services: pl.Series,
    service: str | None,
) -> None:
    # Without a cycle no code has an ancestor len(codes) levels up. Pointer jumping reaches the
    # ancestor 2^k levels up in k passes, so the check costs log2(len(codes)) passes.
    current = parent.copy()
    for _ in range(max(1, int(np.ceil(np.log2(max(len(codes), 2))))) + 1):
        if not (current >= 0).any():
            return
        current = np.where(current >= 0, current[np.maximum(current, 0)], -1)
    # Whatever is this far up from some code lies on the cycle itself.
    on_cycle = np.unique(current[current >= 0])
    if on_cycle.size == 0:
        return
    cycle_codes = set(codes.gather(on_cycle).to_list())
    applies = services.is_null() if service is None else (services.is_null() | (services == service))
    bad = (units.is_in(list(cycle_codes)) & applies).to_numpy()
    row = int(np.flatnonzero(bad)[0])
    raise DataError(
        f"'{parents[row]}' is below '{units[row]}' already: the hierarchy goes round in a circle",
        row=row + 1,
        column="parent",
    )


def pool_rows(values: FloatArray, levels: list[IntArray], n_bodies: int) -> FloatArray:
    """Sum a grid's rows into bodies: row ``r`` adds to ``levels[k][r]`` for every level ``k``.

    ``values`` is ``rows × columns`` (0 where nothing is to be added); each level gives every row's
    body at that level (-1: none). Rows are sorted by body and summed with one ``reduceat`` per
    level.

    >>> grid = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> pool_rows(grid, [np.array([0, 0, 1]), np.array([2, 2, 2])], 3).tolist()
    [[4.0, 6.0], [5.0, 6.0], [9.0, 12.0]]
    """
    values = np.asarray(values, dtype=np.float64)
    shape = (n_bodies, *values.shape[1:])
    out = np.zeros(shape, dtype=np.float64)
    for level in levels:
        rows = np.flatnonzero(level >= 0)
        if rows.size == 0:
            continue
        rows = rows[np.argsort(level[rows], kind="stable")]
        groups = level[rows]
        starts = np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1])))
        out[groups[starts]] += np.add.reduceat(values[rows], starts, axis=0)
    return out


def pool_up(values: FloatArray, direct: IntArray, body_parent: IntArray) -> FloatArray:
    """Sum a grid's rows into bodies: each row into its own body (``direct``, -1: none), then
    every body into the body above it (``body_parent``), deepest first, so that a body holds the
    sum over every row below it. One ``reduceat`` over the rows; the rest is over bodies only.

    >>> grid = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> pool_up(grid, np.array([0, 0, 1]), np.array([2, 2, -1])).tolist()
    [[4.0, 6.0], [5.0, 6.0], [9.0, 12.0]]
    """
    bodies = len(body_parent)
    out = np.zeros((bodies, *values.shape[1:]), dtype=np.float64)
    rows = np.flatnonzero(direct >= 0)
    if rows.size:
        rows = rows[np.argsort(direct[rows], kind="stable")]
        groups = direct[rows]
        starts = np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1])))
        out[groups[starts]] = np.add.reduceat(values[rows], starts, axis=0)
    depth = np.zeros(bodies, dtype=np.int64)
    current = body_parent.copy()
    while (current >= 0).any():
        depth += current >= 0
        current = np.where(current >= 0, body_parent[np.maximum(current, 0)], -1)
    for level in range(int(depth.max(initial=0)), 0, -1):
        lower = np.flatnonzero(depth == level)
        np.add.at(out, body_parent[lower], out[lower])
    return out


def local_bodies(levels: list[IntArray]) -> tuple[IntArray, list[IntArray]]:
    """The bodies any row reaches (positions into the chain's codes, sorted) and the levels
    renumbered to positions among them.

    >>> bodies, local = local_bodies([np.array([5, -1, 5]), np.array([9, -1, 9])])
    >>> bodies.tolist(), [level.tolist() for level in local]
    ([5, 9], [[0, -1, 0], [1, -1, 1]])
    """
    reached = [level[level >= 0] for level in levels]
    if not reached or not sum(r.size for r in reached):
        return np.zeros(0, dtype=np.int64), [np.full(levels[0].shape if levels else 0, -1) for _ in levels]
    everything = np.concatenate(reached)
    local, bodies = dense_codes(pl.Series(everything))
    del local
    body_array = bodies.to_numpy().astype(np.int64)
    renumbered = [
        np.where(level >= 0, np.searchsorted(body_array, np.maximum(level, 0)), -1).astype(np.int64)
        for level in levels
    ]
    return body_array, renumbered
