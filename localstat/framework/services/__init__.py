"""Every write to the framework: keyword-only, atomic, checked against the acting user, audited.

Import them from here; the modules hold one concept each.
"""

from localstat.framework.services.controls import (
    ControlSpec,
    register_control,
    register_controls,
    remove_control,
    remove_controls,
)
from localstat.framework.services.exemptions import (
    end_exemption,
    exempt_units_meeting_standard,
    grant_exemption,
)
from localstat.framework.services.imports import ImportSummary, import_controls, import_targets
from localstat.framework.services.indicators import (
    add_school_terms,
    create_school_calendar,
    define_indicator,
    record_equivalence,
    revise_indicator,
    update_indicator_details,
)
from localstat.framework.services.lifecycle import (
    activate_target,
    agree_target,
    record_target_met,
    record_target_missed,
)
from localstat.framework.services.targets import (
    Cascade,
    assign_target,
    cascade_target,
    create_psa,
    propose_psa_target,
)

__all__ = [
    "Cascade",
    "ControlSpec",
    "ImportSummary",
    "activate_target",
    "add_school_terms",
    "agree_target",
    "assign_target",
    "cascade_target",
    "create_psa",
    "create_school_calendar",
    "define_indicator",
    "end_exemption",
    "exempt_units_meeting_standard",
    "grant_exemption",
    "import_controls",
    "import_targets",
    "propose_psa_target",
    "record_equivalence",
    "record_target_met",
    "record_target_missed",
    "register_control",
    "register_controls",
    "remove_control",
    "remove_controls",
    "revise_indicator",
    "update_indicator_details",
]
