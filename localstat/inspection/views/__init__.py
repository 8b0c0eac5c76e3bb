"""Inspection pages: parse, authorise, call a service or selector, render.

Inspectors: the plan, the backtest, a unit's inspection page, the inspection form, capacity assessment
with pre-fill, verification of self-assessments, audit marks, publishing rules. Units: their own
inspections and their self-assessment. The public: the published rules and published outcomes.
"""

from localstat.inspection.views.capacity import (
    assess_capacity,
    audit_returns,
    capacity_detail,
    publish_rules,
    published_inspections,
    published_rules,
    self_assess,
    verify_capacity,
)
from localstat.inspection.views.inspections import (
    backtest,
    inspection_detail,
    plan,
    record_inspection,
    unit_inspections,
)

__all__ = [
    "assess_capacity",
    "audit_returns",
    "backtest",
    "capacity_detail",
    "inspection_detail",
    "plan",
    "publish_rules",
    "published_inspections",
    "published_rules",
    "record_inspection",
    "self_assess",
    "unit_inspections",
    "verify_capacity",
]
