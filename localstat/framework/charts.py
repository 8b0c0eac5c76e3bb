"""Burden charts: Vega-Lite specifications (Altair) rendered to inline SVG on the server.

Every chart is shown beside a table of the same numbers, so it needs no JavaScript and a screen reader
loses nothing; the SVG carries a title and description for assistive technology.
"""

from __future__ import annotations

import html

import altair as alt
import vl_convert

from localstat.framework.selectors.burden import BurdenPoint, BurdenReport

#: GOV.UK Frontend colours: dark blue for PSA-related, light blue for the rest, black for the headline.
PSA_COLOUR, OTHER_COLOUR, HEADLINE_COLOUR = "#1d70b8", "#5694ca", "#0b0c0c"
FONT = "Arial, Helvetica, sans-serif"


def burden_by_body_svg(report: BurdenReport) -> str:
    """Horizontal bars: the headline PSA targets, then each issuing body's controls split by PSA-relation."""
    rows = [
        {"row": "Headline PSA targets", "part": "Headline PSA targets", "count": report.headline, "order": 0}
    ]
    for r in report.by_body:
        rows.append({"row": r.key, "part": "PSA-related", "count": r.psa_related, "order": 1})
        rows.append({"row": r.key, "part": "Not PSA-related", "count": r.not_psa_related, "order": 2})
    order = ["Headline PSA targets", *[r.key for r in report.by_body]]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("count:Q", title="Controls", stack="zero"),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(
                    domain=["Headline PSA targets", "PSA-related", "Not PSA-related"],
                    range=[HEADLINE_COLOUR, PSA_COLOUR, OTHER_COLOUR],
                ),
            ),
            order=alt.Order("order:Q"),
        )
        .properties(width=520, height=max(60, 34 * len(order)))
    )
    title = f"{report.total} controls against {report.headline} headline PSA targets"
    description = (
        f"{report.ratio_sentence}. "
        + "; ".join(
            f"{r.label}: {r.psa_related} PSA-related, {r.not_psa_related} not" for r in report.by_body
        )
        + "."
    )
    return _accessible(vl_convert.vegalite_to_svg(_configured(chart)), title, description)


def burden_over_time_svg(points: list[BurdenPoint], subject: str) -> str:
    """A step line of the number of controls, and of headline PSA targets, on each date either changed."""
    rows = [{"date": p.on.isoformat(), "series": "Controls", "count": p.total} for p in points] + [
        {"date": p.on.isoformat(), "series": "Headline PSA targets", "count": p.headline} for p in points
    ]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(interpolate="step-after", point=True)
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("count:Q", title="Number"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(
                    domain=["Controls", "Headline PSA targets"], range=[PSA_COLOUR, HEADLINE_COLOUR]
                ),
            ),
        )
        .properties(width=460, height=200)
    )
    description = "; ".join(
        f"{p.on:%-d %b %Y}: {p.total} controls, {p.headline} headline targets" for p in points
    )
    return _accessible(
        vl_convert.vegalite_to_svg(_configured(chart)), f"Controls on {subject} over time", description
    )


def _configured(chart: alt.TopLevelMixin) -> dict:
    spec = chart.to_dict()
    spec["config"] = {
        "font": FONT,
        "axis": {"labelFontSize": 13, "titleFontSize": 13},
        "legend": {"labelFontSize": 13, "orient": "bottom"},
        "view": {"stroke": None},
    }
    return spec


def _accessible(svg: str, title: str, description: str) -> str:
    """Give the SVG a role, a title and a description, and let it shrink with the page."""
    opening_end = svg.index(">") + 1
    opening = svg[:opening_end].replace(
        "<svg ",
        '<svg role="img" aria-label="'
        + html.escape(title, quote=True)
        + '" style="max-width:100%;height:auto" ',
        1,
    )
    return f"{opening}<title>{html.escape(title)}</title><desc>{html.escape(description)}</desc>{svg[opening_end:]}"
