"""The SPC chart's legend names the kinds of point the chart has, each in its Making Data Count colour."""

from __future__ import annotations

import polars as pl

from localstat.assessment.charts import POINT_COLOURS, spc_chart


def _legend(point_types: list[str]) -> dict[str, list[str]]:
    n = len(point_types)
    points = pl.DataFrame(
        {
            "period": [f"2019-{m:02d}-01" for m in range(1, n + 1)],
            "value": [90.0] * n,
            "mean": [90.0] * n,
            "lpl": [85.0] * n,
            "upl": [95.0] * n,
            "point_type": point_types,
        }
    )
    spec = spc_chart(points, title="A&E", y_title="%")
    return spec["layer"][4]["encoding"]["color"]["scale"]


def test_the_legend_names_only_the_kinds_of_point_the_chart_has() -> None:
    scale = _legend(["common_cause", "special_cause_concern", "common_cause"])
    assert scale["domain"] == ["Common cause", "Concern"]
    assert scale["range"] == [POINT_COLOURS["common_cause"], POINT_COLOURS["special_cause_concern"]]


def test_a_low_neutral_special_cause_is_drawn_purple_like_a_high_one() -> None:
    scale = _legend(["special_cause_neutral_low", "common_cause"])
    assert scale["domain"] == ["Common cause", "Special cause (low)"]
    assert (
        scale["range"][1]
        == POINT_COLOURS["special_cause_neutral_low"]
        == POINT_COLOURS["special_cause_neutral_high"]
    )
