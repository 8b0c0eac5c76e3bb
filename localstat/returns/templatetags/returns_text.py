"""Template filters for the returns' pages: ``{{ value|number }}`` and ``{{ return|period }}``."""

from __future__ import annotations

from typing import Any

from django import template

from localstat.returns import wording

register = template.Library()


@register.filter
def number(value: Any) -> str:
    """A stored value as a person reads it: "1,413", "0", "0.5"; empty for none."""
    if value is None or value == "":
        return ""
    return wording.number(float(value))


@register.filter
def period(return_record: Any) -> str:
    """The period a return covers, for its collection's periodicity: "March 2019", "week of 4 March 2019"."""
    return wording.period_label(
        return_record.period_start, return_record.period_end, return_record.collection.periodicity
    )
