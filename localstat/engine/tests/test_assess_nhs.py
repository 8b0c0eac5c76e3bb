"""``assess`` on the real NHS England A&E data (April 2016 – March 2019), against plain Python.

Observations: unit = provider (``org_code``), indicator ``AE4H``, numerator = Σ(attendances −
breaches), denominator = Σ attendances over a provider's department types in a month; the
hierarchy is provider → NHS area → NHS region from ``organisations.csv``.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from localstat.engine.assess import assess

DATA = Path(__file__).resolve().parents[2] / "demo" / "data" / "nhs-ae"
INDICATORS = pl.DataFrame(
    {"indicator": ["AE4H"], "multiplier": [100], "standard": [95.0], "service": ["health"]}
)


def provider_months() -> dict[tuple[str, str], list[int]]:
    """(provider, month) → [seen within 4 hours, attendances], summed over department types."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    with (DATA / "ae_attendances.csv").open(newline="") as handle:
        for line in csv.DictReader(handle):
            attendances, breaches = int(line["attendances"]), int(line["breaches"])
            total = totals[(line["org_code"], line["period"])]
            total[0] += attendances - breaches
            total[1] += attendances
    return totals


@pytest.fixture(scope="module")
def nhs():
    totals = provider_months()
    observations = pl.DataFrame(
        [(unit, "AE4H", period, seen, attended) for (unit, period), (seen, attended) in totals.items()],
        schema=["unit", "indicator", "period", "numerator", "denominator"],
        orient="row",
    )
    with (DATA / "organisations.csv").open(newline="") as handle:
        organisations = list(csv.DictReader(handle))
    areas = {(o["area"], o["nhs_region"]) for o in organisations}
    hierarchy = pl.DataFrame(
        [(o["code"], o["area"]) for o in organisations] + sorted(areas),
        schema=["unit", "parent"],
        orient="row",
    )
    return totals, organisations, assess(observations, indicators=INDICATORS, hierarchy=hierarchy)


def test_englands_four_hour_percentage_for_march_2019_is_the_plain_sum(nhs):
    totals, _, result = nhs
    # Plain Python: every provider's March 2019 counts, all department types
    march = [counts for (unit, period), counts in totals.items() if period == "2019-03-01"]
    england = 100 * sum(seen for seen, _ in march) / sum(attended for _, attended in march)
    nation = result.series.filter(pl.col("level") == "national").row(0, named=True)
    assert str(nation["period"]) == "2019-03-01"
    assert nation["value"] == pytest.approx(england, rel=1e-12)
    assert nation["value"] == pytest.approx(86.6043, abs=1e-4)
    assert nation["units"] == len(march)


def test_the_providers_at_or_above_95_percent_are_those_meeting_the_standard(nhs):
    totals, _, result = nhs
    at_standard = sum(
        1
        for (_, period), (seen, attended) in totals.items()
        if period == "2019-03-01" and seen / attended >= 0.95
    )
    units = result.series.filter(pl.col("level") == "unit")
    assert (units["value"] >= 95).sum() == at_standard
    assert (units["vs_standard"] == "met").sum() == at_standard
    assert at_standard == 104


def test_every_trust_reporting_in_march_2019_has_a_position_and_a_band(nhs):
    totals, organisations, result = nhs
    trusts = {o["code"] for o in organisations}
    reporting = {unit for (unit, period) in totals if period == "2019-03-01"} & trusts
    positions = result.positions.filter(pl.col("unit").is_in(list(reporting)))
    assert positions.height == len(reporting)
    assert positions["band"].null_count() == 0
    assert positions["position"].cast(pl.String).is_in(["not_assessed"]).sum() == 0
    # A trust far below the standard and below England is low; one above it is high
    below = result.series.filter((pl.col("level") == "unit") & (pl.col("value") < 80)).get_column("unit")
    assert set(result.positions.filter(pl.col("unit").is_in(below.to_list()))["absolute"].to_list()) == {
        "low"
    }


def test_every_area_and_region_is_judged_on_its_trusts_with_its_units_bands(nhs):
    _, organisations, result = nhs
    areas = {o["area"] for o in organisations}
    regions = {o["nhs_region"] for o in organisations}
    tiers = result.tiers
    assert set(tiers["body"].to_list()) == areas | regions
    assert tiers["band"].null_count() == 0
    shares = tiers.select(
        pl.sum_horizontal("share_excellent", "share_good", "share_fair", "share_weak", "share_poor")
    )
    assert shares.to_series().to_list() == pytest.approx([1.0] * tiers.height)
    # A region's trusts are its areas' trusts together
    regions_units = dict(
        tiers.filter(pl.col("body").is_in(list(regions))).select("body", "units").iter_rows()
    )
    area_units = tiers.filter(pl.col("body").is_in(list(areas))).group_by("parent").agg(pl.col("units").sum())
    assert dict(area_units.iter_rows()) == regions_units
