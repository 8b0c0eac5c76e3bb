"""Most similar peers: hand-worked cases of standardised Euclidean distance, ties, groups, chunking.

CIPFA's nearest-neighbour model and the police most-similar-groups tables are not published with
their inputs, so the expected values here are worked by hand from METHODS.md's definition
(population-sd z-scores, Euclidean distance, self excluded, ties by code, k = 15); the working is
beside each case.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localstat.engine import peers
from localstat.engine.peers import most_similar_peers
from localstat.engine.schemas import DataError


def pairs(frame: pl.DataFrame) -> list[tuple[str, str, int, float]]:
    return [(u, p, r, pytest.approx(d, rel=1e-12)) for u, p, r, d in frame.rows()]


def test_distances_are_euclidean_in_population_sd_units():
    # Given sizes 1, 2, 4, 8: mean 3.75, population sd √7.1875 = 2.680951
    frame = pl.DataFrame({"unit": ["A", "B", "C", "D"], "size": [1.0, 2.0, 4.0, 8.0]})
    # When each unit's nearest peer is found
    result = most_similar_peers(frame, k=1)
    # Then A↔B are 1/sd apart, C's nearest is B (2/sd, closer than D's 4/sd), D's is C (4/sd)
    assert result.rows() == pairs(
        pl.DataFrame(
            [
                ("A", "B", 1, 0.3730019232961255),
                ("B", "A", 1, 0.3730019232961255),
                ("C", "B", 1, 0.746003846592251),
                ("D", "C", 1, 1.492007693184502),
            ],
            orient="row",
        )
    )


def test_equal_distances_are_broken_by_unit_code_not_input_order():
    # Given units listed C, B, A with values 3, 2, 1 (sd √(2/3)): B's two peers are equally far
    frame = pl.DataFrame({"unit": ["C", "B", "A"], "beds": [3.0, 2.0, 1.0]})
    # When B's two peers are ranked
    result = most_similar_peers(frame, k=2).filter(pl.col("unit") == "B")
    # Then A comes before C, each 1/√(2/3) = 1.224745 away
    assert result.rows() == [("B", "A", 1, 1.224744871391589), ("B", "C", 2, 1.224744871391589)]


def test_every_variable_is_standardised_before_distances_are_taken():
    # Given P(0,0), Q(3,0), R(0,4), S(3,4): x has sd 1.5 and y sd 2, so in z-scores the four sit
    # at (±1, ±1): P is 2 from Q and from R (raw 3 and 4), 2√2 from S
    frame = pl.DataFrame({"unit": ["P", "Q", "R", "S"], "x": [0.0, 3.0, 0.0, 3.0], "y": [0.0, 0.0, 4.0, 4.0]})
    result = most_similar_peers(frame, k=3).filter(pl.col("unit") == "P")
    # Then Q and R tie at 2 (Q first by code) and S follows at 2√2
    assert result.rows() == [("P", "Q", 1, 2.0), ("P", "R", 2, 2.0), ("P", "S", 3, 2.8284271247461903)]


def test_a_unit_is_never_its_own_peer_but_an_identical_unit_is():
    # Given X and Y with the same context and Z different
    frame = pl.DataFrame({"unit": ["X", "Y", "Z"], "pupils": [5.0, 5.0, 9.0]})
    result = most_similar_peers(frame, k=1)
    # Then X's peer is Y at distance 0, Y's is X, and no unit is listed as its own peer
    assert result.rows()[:2] == [("X", "Y", 1, 0.0), ("Y", "X", 1, 0.0)]
    assert all(unit != peer for unit, peer, *_ in result.rows())


def test_a_small_population_gives_every_other_unit_as_a_peer():
    # Given three units and the default k = 15
    frame = pl.DataFrame({"unit": ["A", "B", "C"], "size": [1.0, 2.0, 4.0]})
    result = most_similar_peers(frame)
    # Then each unit has the other two, ranked 1 and 2
    assert result.group_by("unit", maintain_order=True).agg(pl.col("rank")).rows() == [
        ("A", [1, 2]),
        ("B", [1, 2]),
        ("C", [1, 2]),
    ]


def test_peers_come_only_from_the_same_group_standardised_within_it():
    # Given schools 1, 2, 4 and trusts 100, 101, 200 (trusts' sd 46.906649 within their group)
    frame = pl.DataFrame(
        {
            "unit": ["S1", "T1", "S2", "T2", "S3", "T3"],
            "type": ["school", "trust", "school", "trust", "school", "trust"],
            "size": [1.0, 100.0, 2.0, 101.0, 4.0, 200.0],
        }
    )
    result = most_similar_peers(frame, group="type", k=5)
    # Then no peer crosses groups, each unit has two peers, and T1–T2 are 1/46.906649 apart
    kinds = dict(zip(frame["unit"], frame["type"], strict=True))
    assert all(kinds[u] == kinds[p] for u, p, *_ in result.rows())
    assert result.filter(pl.col("unit") == "T1").rows() == [
        ("T1", "T2", 1, pytest.approx(0.021318994945833034, rel=1e-12)),
        ("T1", "T3", 2, pytest.approx(2.1318994945833034, rel=1e-12)),
    ]
    # and schools' distances use the schools' own sd, √(14/9)
    assert result.filter(pl.col("unit") == "S1")["distance"].to_list() == pytest.approx(
        [0.8017837257372732, 2.4053511772118195], rel=1e-12
    )


def test_a_variable_with_no_spread_contributes_nothing():
    base = pl.DataFrame({"unit": ["A", "B", "C", "D"], "size": [1.0, 2.0, 4.0, 8.0]})
    with_constant = base.with_columns(region=pl.lit(7.0))
    assert most_similar_peers(with_constant, k=2).equals(most_similar_peers(base, k=2))


def test_only_the_named_variables_are_used():
    frame = pl.DataFrame({"unit": ["A", "B", "C"], "size": [1.0, 2.0, 4.0], "noise": [9.0, -3.0, 0.5]})
    chosen = most_similar_peers(frame, variables=["size"], k=1)
    assert chosen.equals(most_similar_peers(frame.drop("noise"), k=1))


@pytest.mark.parametrize(
    ("frame", "row", "column", "message"),
    [
        pytest.param(
            pl.DataFrame({"unit": ["A", "B", "A"], "x": [1.0, 2.0, 3.0]}),
            3,
            "unit",
            "repeats",
            id="repeated-code",
        ),
        pytest.param(
            pl.DataFrame({"unit": ["A", None, "C"], "x": [1.0, 2.0, 3.0]}),
            2,
            "unit",
            "is missing",
            id="missing-code",
        ),
        pytest.param(
            pl.DataFrame({"unit": ["A", "B", "C"], "x": ["1", "", "3"]}),
            2,
            "x",
            "is missing",
            id="missing-value",
        ),
        pytest.param(
            pl.DataFrame({"unit": ["A", "B"], "x": ["1", "two"]}), 2, "x", "is not a number", id="text-value"
        ),
    ],
)
def test_bad_context_data_is_refused_naming_row_and_column(frame, row, column, message):
    with pytest.raises(DataError, match=message) as raised:
        most_similar_peers(frame)
    assert (raised.value.row, raised.value.column) == (row, column)


def test_k_must_be_positive():
    with pytest.raises(ValueError, match="k must be at least 1"):
        most_similar_peers(pl.DataFrame({"unit": ["A", "B"], "x": [1.0, 2.0]}), k=0)


def _brute_force(values: np.ndarray, codes: list[str], k: int, units: set[str]) -> list[tuple[str, str, int]]:
    """Every distance from each of ``units``, sorted by (distance, code): the definition itself."""
    z = (values - values.mean(axis=0)) / values.std(axis=0)
    out = []
    for i, code in enumerate(codes):
        if code not in units:
            continue
        d2 = ((z - z[i]) ** 2).sum(axis=1)
        # Rounded so that distances equal but for floating-point noise tie, as the definition says.
        order = sorted((round(d2[j], 9), codes[j]) for j in range(len(codes)) if j != i)
        out += [(code, peer, rank) for rank, (_, peer) in enumerate(order[:k], start=1)]
    return out


def test_working_a_few_units_at_a_time_finds_the_same_peers(monkeypatch):
    # Given 4,100 units on a coarse integer grid, so that equal distances abound, and blocks of a
    # handful of units (the candidate sample then skips every other unit)
    rng = np.random.default_rng(7)
    values = rng.integers(0, 6, size=(4100, 2)).astype(float)
    codes = [f"U{i:04d}" for i in rng.permutation(4100)]
    frame = pl.DataFrame({"unit": codes, "a": values[:, 0], "b": values[:, 1]})
    monkeypatch.setattr(peers, "_BLOCK_CELLS", 7 * 4100)
    # When peers are found block by block
    result = most_similar_peers(frame, k=15)
    # Then they are exactly the definition's (checked for a spread of units)
    sample = set(codes[::97])
    expected = _brute_force(values, codes, 15, sample)
    got = [(u, p, r) for u, p, r, _ in result.rows() if u in sample]
    assert sorted(got) == sorted(expected)


def test_thirty_thousand_units_would_not_need_the_full_distance_matrix():
    # Given 4,000 units, whose full distance matrix would take 128 MB
    rng = np.random.default_rng(3)
    frame = pl.DataFrame(
        {"unit": [f"U{i}" for i in range(4000)], "a": rng.normal(size=4000), "b": rng.normal(size=4000)}
    )
    tracemalloc.start()
    try:
        most_similar_peers(frame, k=15)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Then the work is done in blocks, holding at most a fraction of it at once
    assert peak < 64 * 1024 * 1024


@settings(deadline=None, max_examples=50)
@given(
    values=st.lists(st.integers(min_value=-20, max_value=20), min_size=3, max_size=12, unique=True),
    scale=st.sampled_from([0.5, 3.0, 1000.0]),
    shift=st.sampled_from([-50.0, 0.0, 7.0]),
)
def test_peers_do_not_depend_on_a_variables_units_or_origin(values, scale, shift):
    codes = [f"U{i:02d}" for i in range(len(values))]
    base = pl.DataFrame({"unit": codes, "x": [float(v) for v in values]})
    moved = base.with_columns(x=pl.col("x") * scale + shift)
    a, b = most_similar_peers(base, k=3), most_similar_peers(moved, k=3)
    assert a.select("unit", "peer", "rank").equals(b.select("unit", "peer", "rank"))
    assert b["distance"].to_list() == pytest.approx(a["distance"].to_list(), rel=1e-9)


def test_a_text_column_taken_as_context_by_default_says_how_to_leave_it_out():
    # Given a names column next to the context and no list of variables
    frame = pl.DataFrame({"unit": ["A", "B"], "size": [1.0, 2.0], "name": ["Ash", "Beech"]})
    # Then the error names the column and points to choosing the context columns
    with pytest.raises(DataError, match=r"choose the context columns \(--variables\)") as raised:
        most_similar_peers(frame)
    assert (raised.value.row, raised.value.column) == (1, "name")
