"""Every write to the framework: keyword-only, atomic, checked against the acting user, audited.

Import them from here; the modules hold one concept each.
"""

from localstat.framework.services.indicators import (
    add_school_terms,
    create_school_calendar,
    define_indicator,
    record_equivalence,
    revise_indicator,
    update_indicator_details,
)

__all__ = [
    "add_school_terms",
    "create_school_calendar",
    "define_indicator",
    "record_equivalence",
    "revise_indicator",
    "update_indicator_details",
]
