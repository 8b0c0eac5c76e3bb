"""Drawing charts straight to SVG: the pieces every hand-drawn chart needs (scales, ticks, paths, text).

Vega-Lite (``localstat.core.charts``) draws the charts that are made rarely; a chart made for every
unit and indicator of a release (thousands at once) is drawn here instead, in well under a
millisecond rather than tens of milliseconds, so it can be drawn when the release is made.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

FONT = "Arial, Helvetica, sans-serif"


def attr(text: object) -> str:
    """``text`` safe inside a double-quoted attribute or an element."""
    return escape(str(text), quote=True)


def text_width(text: str, size: float) -> float:
    """A fair estimate of ``text``'s width in Arial at ``size`` px: enough to lay a legend out."""
    return sum(0.3 if c in " .,:;'()|" else 0.62 if c.isupper() or c.isdigit() else 0.52 for c in text) * size


def wrap(words: str, width: float, size: float) -> list[str]:
    """``words`` broken into lines no wider than ``width`` px at ``size`` (a long word keeps its own line).

    >>> wrap("Dorset County Hospital NHS Foundation Trust: A&E within 4 hours", 300, 16)
    ['Dorset County Hospital NHS', 'Foundation Trust: A&E within 4 hours']
    """
    lines: list[str] = []
    for word in words.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


@dataclass(frozen=True)
class Scale:
    """A linear map from ``domain`` to ``range`` (pixels; the range may run backwards, as y does)."""

    domain: tuple[float, float]
    range: tuple[float, float]

    def __call__(self, value: float) -> float:
        (d0, d1), (r0, r1) = self.domain, self.range
        if d1 == d0:
            return (r0 + r1) / 2
        return r0 + (value - d0) / (d1 - d0) * (r1 - r0)


def nice_ticks(low: float, high: float, count: int = 7) -> tuple[list[float], int]:
    """Round tick values covering ``low``–``high`` (about ``count`` of them), and the decimals their
    labels need.

    >>> nice_ticks(84.2, 97.9)
    ([84.0, 86.0, 88.0, 90.0, 92.0, 94.0, 96.0, 98.0], 0)
    >>> nice_ticks(0.5, 0.5)
    ([0.44, 0.46, 0.48, 0.5, 0.52, 0.54, 0.56], 2)
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return [], 0
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = float(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999))
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    n = round((last - first) / step)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (1 if round(step / magnitude, 1) == 2.5 else 0)
    return [round(first + i * step, decimals + 2) for i in range(n + 1)], decimals


def month_ticks(first: date, last: date, most: int = 6) -> list[date]:
    """Month starts from ``first`` to ``last``, every 1, 2, 3, 4, 6, 12 or 24 months: no more than ``most``.

    >>> month_ticks(date(2016, 4, 1), date(2019, 3, 1))
    [datetime.date(2016, 7, 1), datetime.date(2017, 1, 1), datetime.date(2017, 7, 1), datetime.date(2018, 1, 1), datetime.date(2018, 7, 1), datetime.date(2019, 1, 1)]
    """
    start = first.year * 12 + first.month - 1 + (0 if first.day == 1 else 1)
    end = last.year * 12 + last.month - 1
    for step in (1, 2, 3, 4, 6, 12, 24, 60):
        months = [m for m in range(start, end + 1) if m % step == 0]
        if len(months) <= most:
            return [date(m // 12, m % 12 + 1, 1) for m in months]
    return [first]


def path(points: Iterable[tuple[float, float] | None]) -> str:
    """An SVG path through ``points``, broken wherever a point is missing (``None``)."""
    parts: list[str] = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point[0]:.1f},{point[1]:.1f}")
        pen_down = True
    return "".join(parts)


def line(d: str, colour: str, width: float, dash: Sequence[int] = ()) -> str:
    if not d:
        return ""
    dashes = f' stroke-dasharray="{",".join(map(str, dash))}"' if dash else ""
    return f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width}"{dashes}/>'


def text(
    x: float, y: float, words: str, *, size: float = 14, colour: str, anchor: str = "start", **extra: str
) -> str:
    more = "".join(f' {name.replace("_", "-")}="{attr(value)}"' for name, value in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" text-anchor="{anchor}"{more}>'
        f"{attr(words)}</text>"
    )
