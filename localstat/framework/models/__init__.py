"""The framework's models, one module per concept; import them from here."""

from localstat.framework.models.calendars import SchoolCalendar, SchoolTerm
from localstat.framework.models.controls import Control, ControlUnit
from localstat.framework.models.indicators import Indicator, IndicatorEquivalence, IndicatorVersion
from localstat.framework.models.targets import PSA, Exemption, Milestone, Standard, Target, TargetUnit

__all__ = [
    "PSA",
    "Control",
    "ControlUnit",
    "Exemption",
    "Indicator",
    "IndicatorEquivalence",
    "IndicatorVersion",
    "Milestone",
    "SchoolCalendar",
    "SchoolTerm",
    "Standard",
    "Target",
    "TargetUnit",
]
