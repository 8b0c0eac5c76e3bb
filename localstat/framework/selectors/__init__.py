"""Reads across the framework's models, every one set-based. Import them from here."""

from localstat.framework.selectors.burden import (
    BurdenReport,
    burden_across_chain,
    controls_in_force,
    headline_targets,
    issuing_body_burden,
    ratio_sentence,
    unit_burden,
    unit_burden_over_time,
    unit_totals,
    unit_type_burden,
)
from localstat.framework.selectors.controls import controls_register, issuing_bodies
from localstat.framework.selectors.exemptions import (
    active_exemptions,
    exemptions_in_force,
    exemptions_of_unit,
)
from localstat.framework.selectors.indicators import (
    equivalence_classes,
    indicators_visible_to,
    school_calendar_for,
    version_in_force,
    versions_in_force,
)
from localstat.framework.selectors.targets import (
    cascade_counts,
    cascade_of,
    national_targets_for_unit,
    psas_with_targets,
    standards,
    targets_on_units,
    targets_visible_to,
    unit_targets,
)

__all__ = [
    "BurdenReport",
    "active_exemptions",
    "burden_across_chain",
    "cascade_counts",
    "cascade_of",
    "controls_in_force",
    "controls_register",
    "equivalence_classes",
    "exemptions_in_force",
    "exemptions_of_unit",
    "headline_targets",
    "indicators_visible_to",
    "issuing_bodies",
    "issuing_body_burden",
    "national_targets_for_unit",
    "psas_with_targets",
    "ratio_sentence",
    "school_calendar_for",
    "standards",
    "targets_on_units",
    "targets_visible_to",
    "unit_burden",
    "unit_burden_over_time",
    "unit_targets",
    "unit_totals",
    "unit_type_burden",
    "version_in_force",
    "versions_in_force",
]
