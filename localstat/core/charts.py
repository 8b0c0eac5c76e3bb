"""Charts as inline SVG: Vega-Lite specifications (built with Altair) rendered on the server.

Pages work with no JavaScript and every chart has its data in a table beside it. The renderer
starts once per process (about half a second) and then takes tens of milliseconds a chart, so
callers render a chart once and keep the SVG (per assessment run, per release), never per request.
"""

from __future__ import annotations

import re
from typing import Any

#: GOV.UK Frontend colours, so charts sit with the rest of the page.
COLOURS = {
    "text": "#0b0c0c",
    "secondary": "#505a5f",
    "blue": "#1d70b8",
    "dark_blue": "#003078",
    "orange": "#f47738",
    "purple": "#4c2c92",
    "grey": "#b1b4b6",
    "red": "#d4351c",
    "green": "#00703c",
}

_CONFIG: dict[str, Any] = {
    "font": "Arial, Helvetica, sans-serif",
    "axis": {
        "labelFontSize": 14,
        "titleFontSize": 14,
        "labelColor": COLOURS["text"],
        "titleColor": COLOURS["text"],
    },
    "legend": {"labelFontSize": 14, "titleFontSize": 14},
    "title": {"fontSize": 16, "anchor": "start", "color": COLOURS["text"]},
    "view": {"stroke": None},
}


def render_svg(spec: dict[str, Any]) -> str:
    """A Vega-Lite specification (a dict, e.g. ``chart.to_dict()``) as an SVG string for inline use.

    The SVG is an image to assistive technology, labelled with the specification's ``description``.

    >>> svg = render_svg({"description": "Two bars", "data": {"values": [{"a": "x", "b": 1}, {"a": "y", "b": 2}]},
    ...                   "mark": "bar", "encoding": {"x": {"field": "a"}, "y": {"field": "b", "type": "quantitative"}}})
    >>> svg.startswith("<svg") and 'aria-label="Two bars"' in svg and 'role="img"' in svg
    True
    """
    import vl_convert

    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", **spec}
    spec["config"] = {**_CONFIG, **spec.get("config", {})}
    svg: str = vl_convert.vegalite_to_svg(spec)
    label = str(spec.get("description", "Chart")).replace('"', "&quot;")
    svg = re.sub(r"^<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', svg, count=1)
    return svg
