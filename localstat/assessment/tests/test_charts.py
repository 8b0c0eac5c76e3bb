"""The SPC chart, drawn straight to SVG: the legend names the kinds of point the chart has, each in its
Making Data Count colour, and gaps in the limits break their lines rather than joining across."""

from __future__ import annotations

import re

import polars as pl

from localstat.assessment.charts import POINT_COLOURS, spc_chart


def _chart(
    point_types: list[str], *, lpl: list[float | None] | None = None, target: float | None = None
) -> str:
    n = len(point_types)
    points = pl.DataFrame(
        {
            "period": [f"2019-{m:02d}-01" for m in range(1, n + 1)],
            "value": [90.0 + m for m in range(n)],
            "mean": [90.0] * n,
            "lpl": lpl or [85.0] * n,
            "upl": [95.0] * n,
            "point_type": point_types,
        },
        schema_overrides={"lpl": pl.Float64},
    )
    return spc_chart(points, title="Ashford <A&E>", y_title="%", target=target)


def _legend(svg: str) -> list[str]:
    return re.findall(r">([^<]+)</text>", svg.split('font-weight="bold">Point</text>')[1])


def test_the_legend_names_only_the_kinds_of_point_the_chart_has() -> None:
    svg = _chart(["common_cause", "special_cause_concern", "common_cause"])
    assert _legend(svg) == ["Common cause", "Concern"]
    assert svg.count(f'fill="{POINT_COLOURS["special_cause_concern"]}"') == 2  # the point and its key
    assert svg.count(f'fill="{POINT_COLOURS["common_cause"]}"') == 3


def test_a_low_neutral_special_cause_is_drawn_purple_like_a_high_one() -> None:
    svg = _chart(["special_cause_neutral_low", "common_cause"])
    assert _legend(svg) == ["Common cause", "Special cause (low)"]
    assert POINT_COLOURS["special_cause_neutral_low"] == POINT_COLOURS["special_cause_neutral_high"]
    assert svg.count(f'fill="{POINT_COLOURS["special_cause_neutral_low"]}"') == 2


def test_the_chart_is_an_image_labelled_for_assistive_technology_with_its_text_escaped() -> None:
    svg = _chart(["common_cause"] * 3, target=95)
    assert svg.startswith(
        '<svg role="img" aria-label="Ashford &lt;A&amp;E&gt;: statistical process control chart'
    )
    assert "<title>Ashford &lt;A&amp;E&gt;: statistical process control chart" in svg
    assert ">Target 95</text>" in svg


def test_a_missing_limit_breaks_its_line_instead_of_joining_across_the_gap() -> None:
    svg = _chart(["common_cause"] * 4, lpl=[85.0, None, 85.0, 85.0])
    dashed = re.findall(
        r'<path d="([^"]+)" fill="none" stroke="#505a5f" stroke-width="1.2" stroke-dasharray', svg
    )
    upper, lower = dashed
    assert upper.count("M") == 1
    assert lower.count("M") == 2  # a dot, then a new stroke after the gap
