"""``assess`` on deeper chains, several services, counts and rates, and the input it refuses."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from localstat.engine.assess import assess
from localstat.engine.assess.chain import delivery_chain, pool_up
from localstat.engine.schemas import DataError


def flat(units: dict[str, tuple[int, int]], indicator: str = "X", periods: int = 3) -> pl.DataFrame:
    """Every unit's (numerator, denominator) repeated over ``periods`` periods."""
    return pl.DataFrame(
        [(unit, indicator, p, x, n) for unit, (x, n) in units.items() for p in range(1, periods + 1)],
        schema=["unit", "indicator", "period", "numerator", "denominator"],
        orient="row",
    )


def by_unit(frame: pl.DataFrame, column: str) -> dict:
    return dict(frame.select("unit", column).iter_rows())


def test_a_region_pools_every_unit_below_its_areas():
    # Given two areas in one region, and a unit directly under the region
    observations = flat({"U1": (10, 100), "U2": (30, 100), "U3": (50, 100), "U4": (70, 100)})
    hierarchy = pl.DataFrame(
        {"unit": ["U1", "U2", "U3", "Q1", "Q2", "U4"], "parent": ["Q1", "Q1", "Q2", "Y", "Y", "Y"]}
    )
    # When assessed
    result = assess(observations, hierarchy=hierarchy)
    # Then the region holds all four units: (10 + 30 + 50 + 70)/400
    values = by_unit(result.series, "value")
    assert values["Q1"] == pytest.approx(0.2)
    assert values["Q2"] == pytest.approx(0.5)
    assert values["Y"] == pytest.approx(0.4)
    # and each body's parent is the body above it, whose value it is compared with
    assert by_unit(result.series, "parent")["Q1"] == "Y"
    assert by_unit(result.series, "parent_value")["Q2"] == pytest.approx(0.4)
    assert by_unit(result.series, "units")["Y"] == 4
    assert dict(result.tiers.select("body", "units").iter_rows()) == {"Q1": 2, "Q2": 1, "Y": 4}


def test_pooling_adds_each_body_into_the_body_above_it_deepest_first():
    grid = np.array([[1.0], [2.0], [4.0]])
    # rows 0, 1 under body 0; row 2 under body 1; bodies 0 and 1 under body 2; body 2 under body 3
    pooled = pool_up(grid, np.array([0, 0, 1]), np.array([2, 2, 3, -1]))
    assert pooled[:, 0].tolist() == [3.0, 4.0, 7.0, 7.0]


def test_a_unit_can_have_a_different_performance_manager_for_each_service():
    # Given a council (NVC) that manages school S1 for education and is itself judged in local
    # government under a regional office (GO)
    observations = pl.concat([flat({"S1": (90, 100)}, "ATTEND"), flat({"NVC": (40, 50)}, "HOUSING")])
    indicators = pl.DataFrame(
        {"indicator": ["ATTEND", "HOUSING"], "service": ["education", "local_government"]}
    )
    hierarchy = pl.DataFrame(
        {"unit": ["S1", "NVC"], "parent": ["NVC", "GO"], "service": ["education", "local_government"]}
    )
    result = assess(observations, indicators=indicators, hierarchy=hierarchy)
    series = result.series
    # Then NVC is a body for education (pooling S1) and a unit for local government
    nvc = series.filter(pl.col("unit") == "NVC").select("level", "indicator", "service", "value", "parent")
    assert sorted(nvc.rows()) == [
        ("tier", "ATTEND", "education", 0.9, None),
        ("unit", "HOUSING", "local_government", 0.8, "GO"),
    ]
    # and positions are per unit and service
    assert result.positions.select("unit", "service").rows() == [
        ("NVC", "local_government"),
        ("S1", "education"),
    ]
    assert sorted(result.tiers.select("body", "service").rows()) == [
        ("GO", "local_government"),
        ("NVC", "education"),
    ]


def test_counts_get_exact_or_byars_intervals_and_are_not_compared():
    # Given a count indicator (no denominator needed) for three units
    observations = pl.DataFrame(
        {"unit": ["A", "B", "C"], "indicator": "CRIMES", "period": 1, "numerator": [9, 10, 0]}
    )
    indicators = pl.DataFrame({"indicator": ["CRIMES"], "statistic": ["count"], "polarity": ["lower"]})
    result = assess(observations, indicators=indicators)
    units = result.series.filter(pl.col("level") == "unit")
    # Then 9 events get the exact interval (4.1154, 17.0848), 10 Byar's (upper 18.3915)
    assert units["method"].to_list() == ["exact", "byars", "exact"]
    assert units["lower_95"][0] == pytest.approx(4.115373, abs=1e-6)
    assert units["upper_95"][1] == pytest.approx(18.3915, abs=1e-4)
    # the national value is the total count, and a count is never compared with it
    assert result.series.filter(pl.col("level") == "national")["value"].to_list() == [19.0]
    assert set(units["vs_national"].to_list()) == {"not_compared"}
    assert units["denominator"].to_list() == [None, None, None]


def test_rates_use_exact_poisson_below_ten_events_and_byars_from_ten():
    observations = pl.DataFrame(
        {"unit": ["A", "B"], "indicator": "R", "period": 1, "numerator": [3, 65], "denominator": [1000, 100]}
    )
    indicators = pl.DataFrame({"indicator": ["R"], "statistic": ["rate"], "multiplier": [1000]})
    units = assess(observations, indicators=indicators).series.filter(pl.col("level") == "unit")
    # 3 per 1,000: exact (0.6187, 8.7673); 65 per 100 ×1000: Byar's 501.632 – 828.491
    assert units["method"].to_list() == ["exact", "byars"]
    assert units["lower_95"][0] == pytest.approx(0.618672, abs=1e-5)
    assert units["upper_95"][0] == pytest.approx(8.767273, abs=1e-5)
    assert units["lower_95"][1] == pytest.approx(501.632, abs=1e-2)
    assert units["value"].to_list() == [3.0, 650.0]


def test_a_lower_is_better_indicator_reads_a_rising_series_as_worsening():
    rising = pl.DataFrame(
        {
            "unit": "U",
            "indicator": "WAIT",
            "period": range(1, 9),
            "numerator": [100 + 20 * i for i in range(8)],
            "denominator": 1000,
        }
    )
    indicators = pl.DataFrame({"indicator": ["WAIT"], "polarity": ["lower"]})
    judged = assess(rising, indicators=indicators).series.filter(pl.col("level") == "unit").row(0, named=True)
    assert (judged["trend"], judged["variation"]) == ("worsening", "special_cause_concern")
    neutral = assess(rising, indicators=pl.DataFrame({"indicator": ["WAIT"], "polarity": ["neutral"]}))
    judged = neutral.series.filter(pl.col("level") == "unit").row(0, named=True)
    assert (judged["trend"], judged["variation"], judged["absolute_score"]) == (
        "increasing",
        "special_cause_neutral_high",
        None,
    )


def test_a_p_prime_chart_judges_proportions_with_varying_denominators():
    observations = pl.DataFrame(
        {
            "unit": "U",
            "indicator": "P",
            "period": range(1, 16),
            "numerator": [10, 12, 9, 14, 11, 10, 13, 12, 9, 11, 10, 12, 11, 10, 40],
            "denominator": [100, 110, 95, 120, 105, 100, 115, 110, 90, 100, 98, 104, 101, 99, 100],
        }
    )
    indicators = pl.DataFrame({"indicator": ["P"], "chart": ["p_prime"], "multiplier": [100]})
    judged = (
        assess(observations, indicators=indicators)
        .series.filter(pl.col("level") == "unit")
        .row(0, named=True)
    )
    # The last point, 40%, is far above the p′ limits around 11.6%
    assert (judged["variation"], judged["spc_rule"]) == ("special_cause_improvement", "outside_limits")
    assert 11 < judged["spc_mean"] < 14


def test_the_parameter_record_says_how_the_run_was_made():
    result = assess(flat({"U": (1, 2)}), as_of=2, recovery_within=5, profile="powerbi")
    record = result.parameters
    assert record["engine_version"] == "0.1.0"
    assert (record["as_of"], record["profile"], record["recovery_within"], record["observations"]) == (
        "2",
        "powerbi",
        5,
        2,
    )
    assert record["indicators"][0]["statistic"] == "proportion"
    assert record["bands"]["bands"][-1] == {"band": "poor", "when": {}}


@pytest.mark.parametrize(
    ("frames", "row", "column", "message"),
    [
        ({"observations": flat({"U": (-1, 10)})}, 1, "numerator", "must be zero or more"),
        ({"observations": flat({"U": (11, 10)})}, 1, "numerator", "greater than the denominator"),
        ({"observations": flat({"U": (1, 0)})}, 1, "denominator", "greater than zero"),
        (
            {"observations": pl.concat([flat({"U": (1, 10)}), flat({"U": (2, 10)}, periods=1)])},
            4,
            "period",
            r"occurs twice for unit 'U' and indicator 'X' \(first at row 1\)",
        ),
        (
            {
                "observations": flat({"U": (1, 10)}),
                "indicators": pl.DataFrame({"indicator": ["X"], "statistic": ["mean"]}),
            },
            1,
            "statistic",
            "must be one of",
        ),
        (
            {
                "observations": flat({"U": (1, 10)}),
                "hierarchy": pl.DataFrame({"unit": ["U", "U"], "parent": ["P", "Q"]}),
            },
            2,
            "unit",
            "has a parent already",
        ),
        (
            {
                "observations": flat({"U": (1, 10)}),
                "targets": pl.DataFrame({"indicator": ["X"], "level": [1.0], "deadline": ["soon"]}),
            },
            1,
            "deadline",
            "not an integer or an ISO date",
        ),
        (
            {
                "observations": flat({"U": (1, 10)}),
                "milestones": pl.DataFrame(
                    {"unit": ["U"], "indicator": ["X"], "period": [2], "level": [1.0]}
                ),
            },
            1,
            "indicator",
            "milestone of no target",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_row_and_the_column(frames, row, column, message):
    observations = frames.pop("observations")
    with pytest.raises(ValueError, match=message) as raised:
        assess(observations, **frames)
    assert f"row {row}, column '{column}'" in str(raised.value)


def test_a_bad_row_is_named_by_its_place_in_the_whole_input_however_it_is_ordered():
    # Given two indicators interleaved, the bad row being the fifth
    frame = pl.DataFrame(
        {
            "unit": "U",
            "indicator": ["A", "B"] * 3,
            "period": [1, 1, 2, 2, 3, 3],
            "numerator": [1, 1, 1, 1, -5, 1],
            "denominator": 10,
        }
    )
    with pytest.raises(DataError) as raised:
        assess(frame)
    assert (raised.value.row, raised.value.column) == (5, "numerator")


def test_a_hierarchy_that_goes_round_in_a_circle_is_refused():
    with pytest.raises(DataError, match="goes round in a circle"):
        delivery_chain(pl.DataFrame({"unit": ["A", "B", "C"], "parent": ["B", "C", "A"]}))


def test_an_as_of_of_the_wrong_kind_is_refused():
    with pytest.raises(ValueError, match="not an integer like the observations' periods"):
        assess(flat({"U": (1, 2)}), as_of="2024-01-01")
    with pytest.raises(ValueError, match="recovery_within"):
        assess(flat({"U": (1, 2)}), recovery_within=0)


def test_nothing_to_judge_gives_empty_frames_with_every_column():
    result = assess(flat({"U": (1, 2)}), as_of=0)
    assert result.series.height == 0
    assert "vs_national" in result.series.columns
    assert result.positions.height == result.tiers.height == 0


def area_with_late_returns(reported: list[str]) -> pl.DataFrame:
    """Area Q with units U1-U4 over three periods, where only ``reported`` have the last one."""
    rows = [(u, "X", p, 90 + i, 100) for i, u in enumerate(["U1", "U2", "U3", "U4"]) for p in (1, 2)]
    rows += [(u, "X", 3, 90 + i, 100) for i, u in enumerate(["U1", "U2", "U3", "U4"]) if u in reported]
    return pl.DataFrame(
        rows, schema=["unit", "indicator", "period", "numerator", "denominator"], orient="row"
    )


AREA = pl.DataFrame({"unit": ["U1", "U2", "U3", "U4"], "parent": ["Q", "Q", "Q", "Q"]})


def test_a_unit_is_not_compared_with_an_area_value_pooled_only_from_itself():
    # Given an area of four units where only U1's latest return is in
    result = assess(area_with_late_returns(["U1"]), hierarchy=AREA)
    u1 = result.series.filter(pl.col("unit") == "U1").row(0, named=True)
    # Then the area's value is U1's own, and U1 is not compared with it
    assert u1["parent_value"] == pytest.approx(u1["value"])
    assert u1["vs_parent"] == "not_compared"
    # and the evidence says the area's value pools 1 of its 4 units
    assert (u1["parent_units"], u1["parent_units_total"]) == (1, 4)
    area = result.series.filter(pl.col("unit") == "Q").row(0, named=True)
    assert (area["units"], area["units_total"]) == (1, 4)


def test_a_unit_is_compared_with_its_area_only_when_it_pools_another_unit_and_half_its_units():
    # Two of four in: U1 is compared (its area pools U2 as well, and half the units)
    two = assess(area_with_late_returns(["U1", "U2"]), hierarchy=AREA).series
    assert by_unit(two, "vs_parent")["U1"] not in (None, "not_compared")
    assert by_unit(two, "parent_units")["U1"] == 2
    # but U3, with no value, has nothing to compare (null), not a comparison
    assert by_unit(two, "vs_parent")["U3"] is None
    # One of four besides itself is not half: with U1 and one other of five, still not compared
    five = AREA.vstack(pl.DataFrame({"unit": ["U5"], "parent": ["Q"]}))
    rows = area_with_late_returns(["U1", "U2"]).vstack(
        pl.DataFrame(
            [("U5", "X", p, 80, 100) for p in (1, 2)],
            schema=["unit", "indicator", "period", "numerator", "denominator"],
            orient="row",
        )
    )
    series = assess(rows, hierarchy=five).series
    assert by_unit(series, "vs_parent")["U1"] == "not_compared"
    assert (by_unit(series, "parent_units")["U1"], by_unit(series, "parent_units_total")["U1"]) == (2, 5)


def test_an_area_is_not_compared_with_a_region_that_pools_only_its_own_units():
    # Given a region Y over areas Q1 (U1, U2) and Q2 (U3), where only Q1's units have the last period
    rows = flat({"U1": (10, 100), "U2": (30, 100), "U3": (50, 100)}, periods=2).vstack(
        flat({"U1": (10, 100), "U2": (30, 100)}, periods=3).filter(pl.col("period") == 3)
    )
    hierarchy = pl.DataFrame({"unit": ["U1", "U2", "U3", "Q1", "Q2"], "parent": ["Q1", "Q1", "Q2", "Y", "Y"]})
    series = assess(rows, hierarchy=hierarchy).series
    # Then Y's value is Q1's own: Q1 is not compared with it (2 of Y's 3 units, but none besides Q1's)
    assert by_unit(series, "vs_parent")["Q1"] == "not_compared"
    assert (by_unit(series, "parent_units")["Q1"], by_unit(series, "parent_units_total")["Q1"]) == (2, 3)
    # and a unit alone in its area is never compared with it
    assert by_unit(series, "parent_units_total")["U3"] == 1
