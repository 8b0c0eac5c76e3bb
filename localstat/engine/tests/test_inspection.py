"""Proportionate inspection rules: the published file, tiers from risk points, due dates and the backtest."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from localstat.engine.inspection import (
    BANDS,
    ScheduleRulesError,
    backtest_schedule,
    inspection_schedule,
    schedule_rules,
)

RULES_FILE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "inspection-rules.yaml"
AS_OF = date(2019, 4, 30)


def published() -> dict:
    return yaml.safe_load(RULES_FILE.read_text())


def units(**columns: list) -> pl.DataFrame:
    count = len(next(iter(columns.values())))
    defaults = {
        "unit": [f"U{i}" for i in range(count)],
        "band": ["fair"] * count,
        "direction": ["stable"] * count,
        "concerns": [0] * count,
        "warnings": [0] * count,
        "last_inspected": [date(2018, 4, 1)] * count,
        "freedoms": [0] * count,
        "capacity_score": [None] * count,
    }
    return pl.DataFrame(
        defaults | columns,
        schema_overrides={"last_inspected": pl.Date, "capacity_score": pl.Float64},
    )


def test_the_published_rules_file_reads_and_round_trips():
    rules = schedule_rules(published())
    assert [t.name for t in rules.tiers] == ["low", "medium", "high"]
    assert schedule_rules(rules.as_record()) == rules


def test_a_high_performer_is_inspected_less_often_and_less_deeply_than_an_under_performer():
    # given an excellent unit and a poor, declining one, both last inspected a year ago
    frame = units(unit=["TOP", "LOW"], band=["excellent", "poor"], direction=["improving", "declining"])
    # when the published rules plan them
    plan = inspection_schedule(frame, schedule_rules(published()), AS_OF).rows_by_key("unit", named=True)
    top, low = plan["TOP"][0], plan["LOW"][0]
    # then the under-performer is due sooner, deeper and broader
    assert (top["tier"], low["tier"]) == ("low", "high")
    assert top["due"] == date(2021, 4, 1)
    assert low["due"] == date(2019, 4, 1)
    assert (top["depth"], low["depth"]) == ("light", "full")
    assert set(top["breadth"]) < set(low["breadth"])
    assert "data_audit" in low["breadth"]


def test_each_point_comes_with_its_reason_largest_first():
    frame = units(band=["weak"], concerns=[2], warnings=[3], freedoms=[1], last_inspected=[None])
    row = inspection_schedule(frame, schedule_rules(published()), AS_OF).row(0, named=True)
    # 2 (weak) + 1 (two concerns) + 0.75 (three warnings) + 2 (never inspected) - 1 (a freedom)
    assert row["points"] == 4.75
    assert row["reasons"] == [
        "band weak (+2)",
        "no inspection on record (+2)",
        "2 series with special-cause concern on its SPC charts (+1)",
        "1 freedom(s) of earned autonomy granted (-1)",
        "3 open data-quality warning(s) (+0.75)",
    ]


def test_a_unit_never_inspected_is_due_at_once_and_an_old_inspection_makes_it_overdue():
    frame = units(unit=["NEW", "OLD"], last_inspected=[None, date(2016, 1, 1)])
    plan = inspection_schedule(frame, schedule_rules(published()), AS_OF).rows_by_key("unit", named=True)
    assert plan["NEW"][0]["due"] == AS_OF
    assert not plan["NEW"][0]["overdue"]
    assert plan["OLD"][0]["overdue"]
    assert "last inspected 39 months ago (+1)" in plan["OLD"][0]["reasons"]


def test_verified_capacity_moves_a_unit_between_tiers():
    rules = schedule_rules(published())
    weak, strong = (
        inspection_schedule(units(capacity_score=[score]), rules, AS_OF).row(0, named=True)
        for score in (1.5, 3.5)
    )
    assert (weak["tier"], strong["tier"]) == ("high", "low")


def test_changing_an_interval_in_the_file_changes_the_due_date():
    raw = published()
    raw["tiers"][1]["interval_months"] = 18
    row = inspection_schedule(units(band=["fair"]), schedule_rules(raw), AS_OF).row(0, named=True)
    assert row["due"] == date(2019, 10, 1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["points"].update(bandd={}), "points: unknown key 'bandd'"),
        (lambda r: r["points"]["band"].update(great=1), "points.band: unknown key 'great'"),
        (lambda r: r["tiers"][0].update(depth="deep"), "tiers[0].depth: must be one of light"),
        (lambda r: r["tiers"][1].update(at_most=-3), "tiers[1].at_most: must be above the tier before"),
        (lambda r: r["tiers"][2].update(at_most=9), "the last tier takes every remaining unit"),
        (lambda r: r["tiers"][0].update(breadth=["everything"]), "unknown word 'everything'"),
        (lambda r: r["tiers"][0].update(interval_months=0), "interval_months: must be a whole number"),
        (lambda r: r.pop("tiers"), "'tiers' is missing"),
    ],
)
def test_a_wrong_rules_file_is_refused_naming_the_key(change, message):
    raw = copy.deepcopy(published())
    change(raw)
    with pytest.raises(ScheduleRulesError, match=message.replace("[", r"\[").replace("]", r"\]")):
        schedule_rules(raw)


def test_a_units_frame_without_a_column_is_refused():
    with pytest.raises(ScheduleRulesError, match="missing column"):
        inspection_schedule(units(band=["good"]).drop("warnings"), schedule_rules(published()), AS_OF)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(BANDS), min_size=1, max_size=30), st.integers(0, 5))
def test_a_better_band_never_gets_a_shorter_interval(bands, concerns):
    # property: holding everything else equal, a better band is never inspected more often
    frame = units(band=list(bands), concerns=[concerns] * len(bands))
    plan = inspection_schedule(frame, schedule_rules(published()), AS_OF)
    order = {band: i for i, band in enumerate(BANDS)}
    by_band = dict(zip(plan["band"], plan["interval_months"], strict=True))
    ranked = sorted(by_band, key=order.__getitem__)
    assert [by_band[b] for b in ranked] == sorted((by_band[b] for b in ranked), reverse=True)
    assert plan.height == len(bands)


def test_the_backtest_spreads_inspections_by_tier_interval():
    # given a low-risk unit inspected just before the window and a high-risk one never inspected
    plan = pl.DataFrame({"unit": ["A", "B"], "tier": ["low", "high"], "interval_months": [36, 12]})
    history = pl.DataFrame(
        {"unit": ["A", "B"], "inspected_on": [date(2017, 3, 1), date(2018, 6, 12)]},
        schema={"unit": pl.String, "inspected_on": pl.Date},
    )
    # when the last two years are replayed under the rules
    by_quarter, by_unit = backtest_schedule(plan, history, date(2017, 5, 1), date(2019, 4, 30))
    counts = {row["unit"]: (row["under_rules"], row["actual"]) for row in by_unit.to_dicts()}
    # then the high-risk unit is inspected yearly (May 2017, May 2018) and the low-risk one not at all
    assert counts == {"A": (0, 0), "B": (2, 1)}
    assert by_quarter["under_rules"].sum() == 2
    assert by_quarter["actual"].sum() == 1


def test_the_backtest_refuses_a_window_that_ends_before_it_starts():
    plan = pl.DataFrame({"unit": ["A"], "tier": ["low"], "interval_months": [36]})
    history = pl.DataFrame(schema={"unit": pl.String, "inspected_on": pl.Date})
    with pytest.raises(ScheduleRulesError, match="ends"):
        backtest_schedule(plan, history, date(2019, 1, 1), date(2018, 1, 1))
