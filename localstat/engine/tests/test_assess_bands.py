"""Band rules: the shipped default, what a rules file may say, and that its numbers decide bands."""

from __future__ import annotations

import copy
from pathlib import Path

import polars as pl
import pytest
import yaml

from localstat.engine.assess import DEFAULT_BAND_RULES, assess, band_rules
from localstat.engine.assess.labels import BANDS

DEFAULT_FILE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "bands.yaml"


def default_rules() -> dict:
    return yaml.safe_load(DEFAULT_FILE.read_text())


def units(values: dict[str, list[int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(u, "X", p, x, 1000) for u, xs in values.items() for p, x in enumerate(xs, start=1)],
        schema=["unit", "indicator", "period", "numerator", "denominator"],
        orient="row",
    )


# A steady 80% and a steady 50%: the nation is 65%, so one is significantly better and one worse.
STEADY = units({"HIGH": [800] * 6, "LOW": [500] * 6})


def test_the_shipped_rules_file_is_the_engines_default():
    assert band_rules(default_rules()) == DEFAULT_BAND_RULES
    assert DEFAULT_BAND_RULES.bands[0].band == "excellent"
    assert DEFAULT_BAND_RULES.bands[-1].band == "poor"


def test_changing_a_threshold_in_the_file_changes_a_units_band():
    # Given the default rules, a steady high unit is coasting: good, not excellent
    assert assess(STEADY).positions.filter(pl.col("unit") == "HIGH")["band"].to_list() == ["good"]
    # When the good band asks for a higher score than the unit's 2.0 (first two good rules)
    raw = default_rules()
    raw["bands"][1]["when"]["absolute_score"]["at_least"] = 2.5
    raw["bands"][2]["when"]["absolute_score"]["at_least"] = 2.5
    stricter = assess(STEADY, bands=band_rules(raw))
    # Then the same unit is only fair
    assert stricter.positions.filter(pl.col("unit") == "HIGH")["band"].to_list() == ["fair"]


def test_changing_a_position_threshold_changes_a_units_position():
    # Given a low steady unit (score −2)
    assert assess(STEADY).positions.filter(pl.col("unit") == "LOW").select("position", "band").row(0) == (
        "low_and_stable",
        "poor",
    )
    # When "low" starts only at −3, it is middle and stable; its band, set by its score, is still poor
    raw = default_rules()
    raw["position"]["low"] = -3.0
    result = assess(STEADY, bands=band_rules(raw))
    assert result.positions.filter(pl.col("unit") == "LOW").select("position", "band").row(0) == (
        "middle_and_stable",
        "poor",
    )


def test_changing_a_score_changes_the_absolute_score():
    raw = default_rules()
    raw["scores"]["national"]["significantly_better"] = 4
    result = assess(STEADY, bands=band_rules(raw))
    assert result.positions.filter(pl.col("unit") == "HIGH")["absolute_score"].to_list() == [4.0]


def test_a_unit_with_fewer_judged_series_than_the_minimum_gets_no_band():
    raw = default_rules()
    raw["min_series"] = 2
    result = assess(STEADY, bands=band_rules(raw))
    assert result.positions["band"].to_list() == [None, None]
    assert result.positions["position"].cast(pl.String).to_list() == ["coasting", "low_and_stable"]


def test_the_rules_read_back_from_their_record():
    record = DEFAULT_BAND_RULES.as_record()
    assert band_rules(copy.deepcopy(record)) == DEFAULT_BAND_RULES
    assert set(record) == {"scores", "position", "min_series", "bands"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("bands"), "'bands' is missing"),
        (lambda r: r.update(colour="red"), "unknown key 'colour'"),
        (lambda r: r["bands"][0].update(band="superb"), r"bands\[1\]\.band: must be one of excellent"),
        (lambda r: r["bands"].reverse(), r"rules go from the best band to the worst"),
        (
            lambda r: r["bands"][-1].update(when={"series": {"at_least": 1}}),
            "the last rule must have no conditions",
        ),
        (
            lambda r: r["bands"][0]["when"].update(shine={"at_least": 1}),
            r"bands\[1\]\.when\.shine: unknown metric 'shine'",
        ),
        (
            lambda r: r["bands"][0]["when"]["absolute_score"].update(at_leas=1),
            r"bands\[1\]\.when\.absolute_score: unknown key 'at_leas'",
        ),
        (
            lambda r: r["bands"][0]["when"]["absolute_score"].update(at_least="one"),
            r"at_least: must be a number \(got 'one'\)",
        ),
        (lambda r: r["bands"][0]["when"].update(position={"in": ["stellar"]}), r"unknown word 'stellar'"),
        (lambda r: r["scores"]["trend"].update(rocketing=3), r"scores\.trend: unknown key 'rocketing'"),
        (lambda r: r["position"].update(low=1.0), "low must be below high"),
        (lambda r: r.update(min_series=0), "min_series: must be a whole number of at least 1"),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_key(change, message):
    raw = default_rules()
    change(raw)
    with pytest.raises(ValueError, match=message):
        band_rules(raw)


def test_every_band_is_one_of_the_five():
    assert BANDS == ("excellent", "good", "fair", "weak", "poor")
    assert {rule.band for rule in DEFAULT_BAND_RULES.bands} == set(BANDS)
