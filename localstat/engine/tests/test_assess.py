"""``assess`` on a small hand-made delivery chain, checked number by number.

The scenario: a department's indicator ``SEEN`` (a percentage, higher is better, standard 60%)
over eight periods, two intermediate-tier bodies (``North`` with units ``A1`` and ``A2``,
``South`` with ``B1`` and ``B2``), every return out of 1,000:

- ``A1`` stays at 80% (high and flat: coasting);
- ``A2`` climbs from 20% to 55% (improving from a low base);
- ``B1`` climbs from 60% to 74% (high and improving);
- ``B2`` slides from 65% to 40% (low and declining), falling below the standard at period 4.

Every expected number below is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import polars as pl
import pytest

from localstat.engine.assess import assess

SERIES = {
    "A1": [800] * 8,
    "A2": [200, 250, 300, 350, 400, 450, 500, 550],
    "B1": [600, 620, 640, 660, 680, 700, 720, 740],
    "B2": [650, 630, 610, 590, 570, 550, 530, 400],
}
HIERARCHY = pl.DataFrame({"unit": ["A1", "A2", "B1", "B2"], "parent": ["North", "North", "South", "South"]})
INDICATORS = pl.DataFrame({"indicator": ["SEEN"], "multiplier": [100], "standard": [60.0]})


def observations(series: dict[str, list[int]] = SERIES, denominator: int = 1000) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (unit, "SEEN", period, numerator, denominator)
            for unit, values in series.items()
            for period, numerator in enumerate(values, start=1)
        ],
        schema=["unit", "indicator", "period", "numerator", "denominator"],
        orient="row",
    )


@pytest.fixture(scope="module")
def result():
    return assess(observations(), indicators=INDICATORS, hierarchy=HIERARCHY)


def row(frame: pl.DataFrame, unit: str | None, column: str = "unit") -> dict:
    found = frame.filter(pl.col(column).is_null() if unit is None else pl.col(column) == unit)
    assert found.height == 1
    return found.row(0, named=True)


def test_each_series_is_judged_at_the_latest_period_with_wilson_intervals(result):
    a1 = row(result.series, "A1")
    # 800/1000 = 80%; Wilson 95%: (1600 + 3.8415 ∓ 1.96·√(3.8415 + 640))/(2·1003.8415) = (1554.11, 1653.57) / 2007.68
    assert a1["period"] == 8
    assert a1["value"] == pytest.approx(80.0)
    assert a1["lower_95"] == pytest.approx(77.4081, abs=1e-4)
    assert a1["upper_95"] == pytest.approx(82.3623, abs=1e-4)
    assert a1["method"] == "wilson"
    assert (a1["numerator"], a1["denominator"], a1["units"], a1["spc_points"]) == (800.0, 1000.0, 1, 8)


def test_the_nation_and_each_body_are_judged_on_their_units_pooled_counts(result):
    # National: (800 + 550 + 740 + 400)/4000 = 62.25%; North: 1350/2000; South: 1140/2000
    nation = row(result.series, None)
    north, south = row(result.series, "North"), row(result.series, "South")
    assert nation["level"] == "national"
    assert (nation["numerator"], nation["denominator"], nation["units"]) == (2490.0, 4000.0, 4)
    assert nation["value"] == pytest.approx(62.25)
    assert (north["level"], north["value"], north["units"]) == ("tier", pytest.approx(67.5), 2)
    assert south["value"] == pytest.approx(57.0)
    # Every row carries the national value it was compared with, and its parent's
    assert row(result.series, "A2")["national_value"] == pytest.approx(62.25)
    assert row(result.series, "A2")["parent_value"] == pytest.approx(67.5)
    assert row(result.series, "B2")["parent"] == "South"


def test_comparisons_with_the_nation_and_the_parent_read_both_interval_levels(result):
    expected = {
        # 80 ± 3.9 at 99.8% lies wholly above 62.25 and 67.5
        "A1": ("significantly_better", "significantly_better"),
        # 55 + 4.86 = 59.86 at 99.8% lies below 62.25 and 67.5
        "A2": ("significantly_worse", "significantly_worse"),
        # 74 − 4.29 = 69.71 lies above 62.25 and 57
        "B1": ("significantly_better", "significantly_better"),
        "B2": ("significantly_worse", "significantly_worse"),
        # North 67.5 − 3.24 = 64.26 > 62.25; South 57 + 3.42 = 60.42 < 62.25
        "North": ("significantly_better", None),
        "South": ("significantly_worse", None),
    }
    for unit, (national, parent) in expected.items():
        judged = row(result.series, unit)
        assert (judged["vs_national"], judged["vs_parent"]) == (national, parent), unit
    assert row(result.series, None)["vs_national"] is None


def test_spc_gives_the_latest_points_type_rule_and_limits(result):
    # A2: mean 37.5, every moving range 5, so limits 37.5 ± 13.3: 55 is above 50.8
    a2 = row(result.series, "A2")
    assert (a2["variation"], a2["spc_rule"]) == ("special_cause_improvement", "outside_limits")
    assert (a2["spc_mean"], a2["spc_upl"]) == (pytest.approx(37.5), pytest.approx(50.8))
    # B2: mean 56.625; the range of 13 is screened (≥ 3.267 × 25/7), AMR 2, so 40 < 51.305
    b2 = row(result.series, "B2")
    assert (b2["variation"], b2["spc_rule"]) == ("special_cause_concern", "outside_limits")
    assert b2["spc_lpl"] == pytest.approx(51.305)
    # A1: a flat 80 never signals; its limits (80) clear the standard of 60: consistently passes
    a1 = row(result.series, "A1")
    assert (a1["variation"], a1["spc_rule"], a1["assurance"]) == ("common_cause", None, "consistent_pass")
    assert a1["trial_limits"] is True  # 8 points, fewer than 13


def test_the_recent_trend_is_read_through_polarity(result):
    trends = {unit: row(result.series, unit)["trend"] for unit in ("A1", "A2", "B1", "B2", "South")}
    # South ends 62.5 ×4 then 57: leaving the 57 out gives a flat slope, so no significant trend
    assert trends == {
        "A1": "no_change",
        "A2": "improving",
        "B1": "improving",
        "B2": "worsening",
        "South": "no_change",
    }
    assert row(result.series, "A2")["trend_slope"] == pytest.approx(5.0, rel=1e-6)


def test_the_standard_is_met_or_missed_and_falls_below_it_are_counted_upwards(result):
    assert [row(result.series, u)["vs_standard"] for u in ("A1", "A2", "B1", "B2")] == [
        "met",
        "below",
        "met",
        "below",
    ]
    # B2 fell below 60 at period 4 (59 after 61) and was still below three periods on
    b2 = row(result.series, "B2")
    assert (b2["falls"], b2["recovered"], b2["not_recovered"], b2["recovery_pending"]) == (1, 0, 1, 0)
    assert row(result.series, "South")["falls"] == 1
    assert row(result.series, "North")["falls"] == 0
    assert row(result.series, None)["not_recovered"] == 1


def test_positions_tell_improving_from_a_low_base_from_coasting(result):
    positions = {r["unit"]: r for r in result.positions.iter_rows(named=True)}
    # A1: (2 + 1)/2 = 1.5 high; trend 0 and SPC 0: stable
    assert (positions["A1"]["absolute_score"], positions["A1"]["direction_score"]) == (1.5, 0.0)
    assert positions["A1"]["position"] == "coasting"
    # A2: (−2 − 2)/2 = −2 low; (1 + 1)/2 = 1 improving
    assert positions["A2"]["position"] == "improving_from_a_low_base"
    assert positions["B1"]["position"] == "high_and_improving"
    assert positions["B2"]["position"] == "low_and_declining"
    # Default bands: coasting is good not excellent; a low base improving is at least fair
    assert {unit: r["band"] for unit, r in positions.items()} == {
        "A1": "good",
        "A2": "fair",
        "B1": "excellent",
        "B2": "poor",
    }
    assert positions["A1"]["parent"] == "North"


def test_each_body_gets_its_own_position_its_units_bands_and_its_record(result):
    tiers = {r["body"]: r for r in result.tiers.iter_rows(named=True)}
    # North pooled rises 50 → 67.5 (improving) and is significantly better, meets 60
    assert (tiers["North"]["position"], tiers["North"]["band"]) == ("high_and_improving", "excellent")
    # South: flat then a drop (SPC concern, no trend): −0.5 declining; −2 low
    assert (tiers["South"]["position"], tiers["South"]["band"]) == ("low_and_declining", "poor")
    assert (tiers["North"]["units"], tiers["North"]["share_good"], tiers["North"]["share_fair"]) == (
        2,
        0.5,
        0.5,
    )
    assert (tiers["South"]["share_excellent"], tiers["South"]["share_poor"]) == (0.5, 0.5)
    assert (tiers["South"]["falls"], tiers["South"]["not_recovered"], tiers["South"]["recovery_rate"]) == (
        1,
        1,
        0.0,
    )
    assert tiers["North"]["recovery_rate"] is None  # nothing to recover from


def test_targets_and_trajectories_give_met_on_track_at_risk_off_track_and_missed():
    # Given a national target of 70 by period 10 with milestones 60 (period 6) and 65 (period 8),
    # A2's own target of 60 by period 12 with milestone 56 at period 8, and B2's of 45 by period 8
    targets = pl.DataFrame(
        {
            "unit": [None, "A2", "B2"],
            "indicator": "SEEN",
            "level": [70.0, 60.0, 45.0],
            "deadline": [10, 12, 8],
        }
    )
    milestones = pl.DataFrame(
        {"unit": [None, None, "A2"], "indicator": "SEEN", "period": [6, 8, 8], "level": [60.0, 65.0, 56.0]}
    )
    result = assess(
        observations(), indicators=INDICATORS, hierarchy=HIERARCHY, targets=targets, milestones=milestones
    )
    status = {r["unit"]: r for r in result.series.iter_rows(named=True)}
    # A1 80 ≥ 70: met. B1 74 ≥ 70: met.
    assert status["A1"]["target_status"] == status["B1"]["target_status"] == "met"
    # A2 55 misses its milestone 56, but its 95% upper limit 58.08 reaches it: at risk
    assert (status["A2"]["target_scope"], status["A2"]["milestone"], status["A2"]["target_status"]) == (
        "own",
        56.0,
        "at_risk",
    )
    # B2 40 < 45 at its deadline: missed
    assert status["B2"]["target_status"] == "missed"
    # North 67.5 meets the national milestone 65: on track; South 57 (upper 59.17): off track
    assert status["North"]["target_status"] == "on_track"
    assert status["South"]["target_status"] == "off_track"
    assert (status[None]["target_scope"], status[None]["target_level"], status[None]["target_deadline"]) == (
        "national",
        70.0,
        10,
    )
    # A2 at risk scores −1: (−2 − 2 − 1)/3; still low and improving, so still fair
    a2 = result.positions.filter(pl.col("unit") == "A2").row(0, named=True)
    assert a2["absolute_score"] == pytest.approx(-5 / 3)
    assert (a2["position"], a2["band"], a2["share_targets_at_risk"]) == (
        "improving_from_a_low_base",
        "fair",
        1.0,
    )


def test_a_unit_recovers_within_the_periods_allowed():
    # Given a unit that dips below 60 at period 3 and is back at period 4, and one that dips at
    # period 6 and is back only at period 10
    series = {"U1": [70, 70, 50, 70, 70, 70, 70, 70, 70, 70], "U2": [70, 70, 70, 70, 70, 50, 50, 50, 50, 70]}
    result = assess(
        observations(series, 100),
        indicators=INDICATORS,
        hierarchy=pl.DataFrame({"unit": ["U1", "U2"], "parent": "P"}),
    )
    judged = {
        r["unit"]: (r["falls"], r["recovered"], r["not_recovered"], r["recovery_pending"])
        for r in result.series.iter_rows(named=True)
    }
    assert judged["U1"] == (1, 1, 0, 0)
    assert judged["U2"] == (1, 0, 1, 0)  # four periods: too late with three allowed
    assert judged["P"] == (2, 1, 1, 0)
    # With four periods allowed, U2's recovery counts
    longer = assess(observations(series, 100), indicators=INDICATORS, recovery_within=4)
    assert longer.series.filter(pl.col("unit") == "U2")["recovered"].to_list() == [1]


def test_a_unit_with_no_return_for_the_period_has_no_value_and_is_not_assessed():
    # Given B2 with no return for period 8
    frame = observations().filter(~((pl.col("unit") == "B2") & (pl.col("period") == 8)))
    result = assess(frame, indicators=INDICATORS, hierarchy=HIERARCHY)
    b2 = row(result.series, "B2")
    assert (b2["value"], b2["last_period"], b2["vs_national"], b2["spc_points"]) == (None, 7, None, 7)
    # The nation is pooled over the three that returned: (800 + 550 + 740)/3000
    assert row(result.series, None)["value"] == pytest.approx(2090 / 30)
    assert row(result.positions, "B2")["position"] == "not_assessed"
    assert row(result.positions, "B2")["band"] is None


def test_an_earlier_as_of_leaves_later_periods_out():
    result = assess(observations(), indicators=INDICATORS, hierarchy=HIERARCHY, as_of=4)
    # National at period 4: (800 + 350 + 660 + 590)/4000
    nation = row(result.series, None)
    assert (nation["period"], nation["value"]) == (4, pytest.approx(60.0))
    assert row(result.series, "A1")["spc_points"] == 4


def test_indicators_of_different_frequencies_are_each_judged_at_their_own_latest_period():
    monthly = pl.DataFrame(
        {
            "unit": "U",
            "indicator": "M",
            "period": ["2024-01-01", "2024-02-01", "2024-03-01"],
            "numerator": [5, 6, 7],
            "denominator": 10,
        }
    )
    weekly = pl.DataFrame(
        {
            "unit": "U",
            "indicator": "W",
            "period": ["2024-03-04", "2024-03-11"],
            "numerator": [1, 2],
            "denominator": 10,
        }
    )
    result = assess(pl.concat([monthly, weekly]), as_of="2024-03-10")
    periods = dict(result.series.filter(pl.col("level") == "unit").select("indicator", "period").iter_rows())
    assert {k: str(v) for k, v in periods.items()} == {"M": "2024-03-01", "W": "2024-03-04"}


def test_peer_groups_are_pooled_without_the_unit_itself():
    # Given context that pairs A1 with B1 and A2 with B2 (k = 1)
    context = pl.DataFrame({"unit": ["A1", "A2", "B1", "B2"], "size": [1.0, 10.0, 1.1, 10.1]})
    result = assess(observations(), indicators=INDICATORS, context=context, peer_k=1)
    a1 = row(result.series, "A1")
    # A1's peer group is B1 alone: 74%; 80 − 3.9 > 74, so significantly better
    assert (a1["peer_value"], a1["peers"], a1["vs_peers"]) == (pytest.approx(74.0), 1, "significantly_better")
    # Ready-made peer groups give the same
    ready = assess(
        observations(),
        indicators=INDICATORS,
        peers=pl.DataFrame({"unit": ["A1", "A1"], "peer": ["B1", "B2"]}),
    )
    # A1's peers B1 and B2 pooled: (740 + 400)/2000
    assert row(ready.series, "A1")["peer_value"] == pytest.approx(57.0)
    assert row(ready.series, "A2")["peer_value"] is None


def test_without_a_standard_a_floor_target_counts_falls_before_its_deadline_and_an_aspiration_does_not():
    # Given an indicator with no standard, a national target of 60 due only at period 20, and a
    # unit that dips below 60 at period 3 (back at 4) and at period 6 (back only at period 10)
    series = {"U1": [70, 70, 50, 70, 70, 70, 70, 70, 70, 70], "U2": [70, 70, 70, 70, 70, 50, 50, 50, 50, 70]}
    no_standard = pl.DataFrame({"indicator": ["SEEN"], "multiplier": [100]})
    hierarchy = pl.DataFrame({"unit": ["U1", "U2"], "parent": "P"})

    def record(floor: object) -> dict:
        targets = pl.DataFrame({"unit": [""], "indicator": ["SEEN"], "level": [60.0], "deadline": [20]})
        if floor is not None:
            targets = targets.with_columns(floor=pl.lit(floor))
        result = assess(
            observations(series, 100), indicators=no_standard, hierarchy=hierarchy, targets=targets
        )
        return {
            r["unit"]: (r["falls"], r["recovered"], r["not_recovered"], r["recovery_pending"])
            for r in result.series.iter_rows(named=True)
        }

    floor = record(True)
    # a floor is the minimum now (seed 2.10): both falls count, one recovered in time
    assert floor["U1"] == (1, 1, 0, 0)
    assert floor["U2"] == (1, 0, 1, 0)
    assert floor["P"] == (2, 1, 1, 0)
    # an aspirational target (or one not said to be a floor) is judged only from its deadline
    assert record(False)["P"] == (0, 0, 0, 0)
    assert record(None)["P"] == (0, 0, 0, 0)
    assert record("yes")["P"] == (2, 1, 1, 0)


def test_a_floor_that_is_not_true_or_false_is_refused():
    from localstat.engine.schemas import DataError

    targets = pl.DataFrame(
        {"unit": [""], "indicator": ["SEEN"], "level": [60.0], "deadline": [20], "floor": ["maybe"]}
    )
    with pytest.raises(DataError, match="floor"):
        assess(observations(), indicators=INDICATORS, targets=targets)
