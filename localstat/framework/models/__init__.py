"""The framework's models, one module per concept; import them from here."""

from localstat.framework.models.calendars import SchoolCalendar, SchoolTerm
from localstat.framework.models.indicators import Indicator, IndicatorEquivalence, IndicatorVersion

__all__ = [
    "Indicator",
    "IndicatorEquivalence",
    "IndicatorVersion",
    "SchoolCalendar",
    "SchoolTerm",
]
