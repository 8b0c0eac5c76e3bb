"""The assessment's charts as Vega-Lite specifications: SPC (Making Data Count style) and funnels.

Each function returns a specification; ``selectors.chart_svg`` renders it once per run and keeps it.
Colours follow Making Data Count: blue for improvement, orange for concern, purple for a neutral
special cause, grey for common cause.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from localstat.core.charts import COLOURS

POINT_COLOURS = {
    "common_cause": COLOURS["grey"],
    "special_cause_improvement": COLOURS["blue"],
    "special_cause_concern": COLOURS["orange"],
    "special_cause_neutral_high": COLOURS["purple"],
    "special_cause_neutral_low": COLOURS["purple"],
}
POINT_NAMES = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Improvement",
    "special_cause_concern": "Concern",
    "special_cause_neutral_high": "Special cause (high)",
    "special_cause_neutral_low": "Special cause (low)",
}


def spc_chart(
    points: pl.DataFrame, *, title: str, y_title: str, target: float | None = None, width: int = 640
) -> dict[str, Any]:
    """An SPC chart: the values, the mean and process limits, points coloured by type, and the target.

    >>> spec = spc_chart(pl.DataFrame({"period": ["2019-01-01"], "value": [90.0], "mean": [91.0], "lpl": [85.0],
    ...                                "upl": [97.0], "point_type": ["common_cause"]}), title="A&E", y_title="%")
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['line', 'line', 'line', 'line', 'point']
    >>> spec["layer"][4]["encoding"]["color"]["scale"]["domain"]
    ['Common cause']
    """
    data = points.select(
        pl.col("period").cast(pl.String),
        "value",
        "mean",
        "lpl",
        "upl",
        pl.col("point_type")
        .cast(pl.String)
        .replace_strict(POINT_NAMES, default="Common cause")
        .alias("type"),
    ).to_dicts()
    # The legend names only the kinds of point the chart has, in Making Data Count's order.
    present = set(points.get_column("point_type").cast(pl.String).fill_null("common_cause").unique())
    shown = [k for k in POINT_NAMES if k in present or k == "common_cause"]
    x = {
        "field": "period",
        "type": "temporal",
        "title": None,
        "axis": {"format": "%b %Y", "labelAngle": 0, "tickCount": 6},
    }
    y_scale = {"zero": False}

    def line(field: str, colour: str, dash: list[int] | None = None, width_: float = 1.5) -> dict[str, Any]:
        mark: dict[str, Any] = {"type": "line", "color": colour, "strokeWidth": width_}
        if dash:
            mark["strokeDash"] = dash
        return {
            "mark": mark,
            "encoding": {
                "x": x,
                "y": {"field": field, "type": "quantitative", "scale": y_scale, "title": y_title},
            },
        }

    layers = [
        line("upl", COLOURS["secondary"], [6, 4], 1.2),
        line("lpl", COLOURS["secondary"], [6, 4], 1.2),
        line("mean", COLOURS["text"], None, 1.2),
        line("value", COLOURS["secondary"], None, 1.5),
        {
            "mark": {"type": "point", "filled": True, "size": 60, "opacity": 1},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "scale": y_scale},
                "color": {
                    "field": "type",
                    "type": "nominal",
                    "title": "Point",
                    "scale": {
                        "domain": [POINT_NAMES[k] for k in shown],
                        "range": [POINT_COLOURS[k] for k in shown],
                    },
                    "legend": {"orient": "bottom"},
                },
            },
        },
    ]
    if target is not None:
        layers.append(
            {
                "mark": {"type": "rule", "color": COLOURS["red"], "strokeDash": [2, 2], "strokeWidth": 2},
                "encoding": {"y": {"datum": target}},
            }
        )
    return {
        "description": f"{title}: statistical process control chart; the table below gives every value.",
        "title": title,
        "width": width,
        "height": 300,
        "data": {"values": data},
        "layer": layers,
    }


def funnel_chart(
    units: pl.DataFrame,
    limits: pl.DataFrame,
    *,
    title: str,
    x_title: str,
    y_title: str,
    highlight: list[str] | None = None,
    width: int = 640,
) -> dict[str, Any]:
    """A funnel plot: each unit's value against its denominator, inside the 95% and 99.8% limits.

    ``units``: unit, name, denominator, value, and optional ``group`` (e.g. "Peer"); ``limits``:
    denominator, lower_95, upper_95, lower_998, upper_998, centre.
    """
    highlight = highlight or []
    unit_rows = units.with_columns(
        pl.when(pl.col("unit").is_in(highlight))
        .then(pl.lit("Highlighted"))
        .otherwise(pl.lit("Other units"))
        .alias("group")
    ).to_dicts()
    limit_rows = limits.to_dicts()
    x = {"field": "denominator", "type": "quantitative", "title": x_title, "scale": {"type": "log"}}

    def limit(field: str, dash: list[int]) -> dict[str, Any]:
        return {
            "data": {"values": limit_rows},
            "mark": {"type": "line", "color": COLOURS["secondary"], "strokeDash": dash},
            "encoding": {
                "x": x,
                "y": {"field": field, "type": "quantitative", "scale": {"zero": False}, "title": y_title},
            },
        }

    return {
        "description": f"{title}: funnel plot of every unit's value against its size; the table below gives every value.",
        "title": title,
        "width": width,
        "height": 360,
        "layer": [
            limit("upper_998", [6, 3]),
            limit("lower_998", [6, 3]),
            limit("upper_95", [2, 2]),
            limit("lower_95", [2, 2]),
            {
                "data": {"values": limit_rows},
                "mark": {"type": "line", "color": COLOURS["text"]},
                "encoding": {"x": x, "y": {"field": "centre", "type": "quantitative"}},
            },
            {
                "data": {"values": unit_rows},
                "mark": {"type": "point", "filled": True, "size": 50},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative"},
                    "color": {
                        "field": "group",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": ["Highlighted", "Other units"],
                            "range": [COLOURS["orange"], COLOURS["blue"]],
                        },
                        "legend": {"orient": "bottom"},
                    },
                    "tooltip": [{"field": "name"}, {"field": "value", "format": ".1f"}],
                },
            },
        ],
    }
