"""Reads across the framework's models, every one set-based. Import them from here."""

from localstat.framework.selectors.indicators import (
    equivalence_classes,
    indicators_visible_to,
    school_calendar_for,
    version_in_force,
    versions_in_force,
)

__all__ = [
    "equivalence_classes",
    "indicators_visible_to",
    "school_calendar_for",
    "version_in_force",
    "versions_in_force",
]
