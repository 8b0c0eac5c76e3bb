"""The assessment's charts: SPC (Making Data Count style), drawn straight to SVG because there is one
for every unit and indicator, and funnels, as Vega-Lite specifications rendered by ``core.charts``.

``selectors`` keeps each chart once per run, and a release keeps its own when it is made.
Colours follow Making Data Count: blue for improvement, orange for concern, purple for a neutral
special cause, grey for common cause.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from localstat.core import svg
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
) -> str:
    """An SPC chart as SVG: the values, the mean and process limits, points coloured by type, and the
    target, drawn directly (well under a millisecond), so a release can draw every unit's chart when it
    is made. The legend names only the kinds of point the chart has.

    >>> drawn = spc_chart(pl.DataFrame({"period": ["2019-01-01", "2019-02-01"], "value": [90.0, 99.0],
    ...     "mean": [91.0, 91.0], "lpl": [85.0, 85.0], "upl": [97.0, 97.0],
    ...     "point_type": ["common_cause", "special_cause_improvement"]}), title="A&E", y_title="%")
    >>> drawn.startswith('<svg role="img" aria-label="A&amp;E: statistical process control chart')
    True
    >>> [label for label in POINT_NAMES.values() if f">{label}</text>" in drawn]
    ['Common cause', 'Improvement']
    """
    period = pl.col("period")
    frame = points.select(
        period.str.to_date() if points.schema["period"] == pl.String else period.cast(pl.Date),
        *(pl.col(c).cast(pl.Float64) for c in ("value", "mean", "lpl", "upl")),
        pl.col("point_type").cast(pl.String).fill_null("common_cause"),
    ).sort("period")
    description = f"{title}: statistical process control chart; the table below gives every value."
    left, right, plot_height = 64.0, 24.0, 300.0
    title_lines = svg.wrap(title, left + width + right, 16)
    top = 20.0 + 20 * len(title_lines)
    legend_y = top + plot_height + 56
    height = legend_y + 24
    numbers = [v for c in ("value", "mean", "lpl", "upl") for v in frame[c].drop_nulls().to_list()]
    if target is not None:
        numbers.append(float(target))
    ticks, decimals = svg.nice_ticks(min(numbers, default=0.0), max(numbers, default=1.0))
    y = svg.Scale((ticks[0], ticks[-1]) if ticks else (0.0, 1.0), (top + plot_height, top))
    periods: list[date] = frame["period"].to_list()
    first, last = (periods[0], periods[-1]) if periods else (date.today(), date.today())
    x = svg.Scale((0.0, float((last - first).days)), (left + 8, left + width - 8))

    def at(day: date) -> float:
        return x(float((day - first).days))

    def series(column: str) -> str:
        return svg.path(
            None if v is None else (at(day), y(v))
            for day, v in zip(periods, frame[column].to_list(), strict=True)
        )

    ink, grey = COLOURS["text"], COLOURS["secondary"]
    parts = [
        svg.text(0, 20 + 20 * n, words, size=16, colour=ink, font_weight="bold")
        for n, words in enumerate(title_lines)
    ]
    for tick in ticks:
        parts.append(f'<path d="M{left},{y(tick):.1f}h{width}" stroke="#f3f2f1" stroke-width="1"/>')
        parts.append(svg.text(left - 6, y(tick) + 5, f"{tick:,.{decimals}f}", colour=ink, anchor="end"))
    parts.append(
        svg.text(
            16,
            top + plot_height / 2,
            y_title,
            colour=ink,
            anchor="middle",
            transform=f"rotate(-90 16 {top + plot_height / 2:.1f})",
        )
    )
    bottom = top + plot_height
    parts.append(f'<path d="M{left},{bottom}h{width}" stroke="{ink}" stroke-width="1"/>')
    span = (last - first).days
    x_ticks = (
        svg.month_ticks(first, last)
        if span >= 60
        else sorted(set(periods))[:: max(1, len(set(periods)) // 6)]
    )
    label = "%b %Y" if span >= 60 else "%-d %b %Y"
    for day in x_ticks:
        parts.append(f'<path d="M{at(day):.1f},{bottom}v5" stroke="{ink}" stroke-width="1"/>')
        parts.append(svg.text(at(day), bottom + 22, day.strftime(label), colour=ink, anchor="middle"))
    parts += [
        svg.line(series("upl"), grey, 1.2, (6, 4)),
        svg.line(series("lpl"), grey, 1.2, (6, 4)),
        svg.line(series("mean"), ink, 1.2),
        svg.line(series("value"), grey, 1.5),
    ]
    if target is not None:
        level = y(float(target))
        parts.append(svg.line(f"M{left},{level:.1f}h{width}", COLOURS["red"], 2, (2, 2)))
        parts.append(
            svg.text(
                left + width, level - 6, f"Target {float(target):g}", colour=COLOURS["red"], anchor="end"
            )
        )
    for day, value, kind in zip(
        periods, frame["value"].to_list(), frame["point_type"].to_list(), strict=True
    ):
        if value is not None:
            colour = POINT_COLOURS.get(kind, POINT_COLOURS["common_cause"])
            parts.append(f'<circle cx="{at(day):.1f}" cy="{y(value):.1f}" r="4.4" fill="{colour}"/>')
    present = set(frame["point_type"].to_list())
    cursor = left
    parts.append(svg.text(cursor, legend_y + 5, "Point", colour=ink, font_weight="bold"))
    cursor += svg.text_width("Point", 14) + 16
    for kind, name in POINT_NAMES.items():
        if kind in present or kind == "common_cause":
            parts.append(
                f'<circle cx="{cursor + 5:.1f}" cy="{legend_y:.1f}" r="5" fill="{POINT_COLOURS[kind]}"/>'
            )
            parts.append(svg.text(cursor + 15, legend_y + 5, name, colour=ink))
            cursor += 15 + svg.text_width(name, 14) + 18
    total = left + width + right
    return (
        f'<svg role="img" aria-label="{svg.attr(description)}" focusable="false" xmlns="http://www.w3.org/2000/svg" '
        f'width="{total:.0f}" height="{height:.0f}" viewBox="0 0 {total:.0f} {height:.0f}" '
        f'font-family="{svg.FONT}"><title>{svg.attr(description)}</title>{"".join(parts)}</svg>'
    )


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
