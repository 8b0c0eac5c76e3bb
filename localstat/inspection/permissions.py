"""The inspection's actions and who may take them (see ``localstat.chain.access``).

An inspectorate inspects the units of the services it inspects; a unit self-assesses its own
capacity; everyone in a unit's chain sees its inspections; the public sees published rules and
published outcomes (pages that need no action).
"""

from localstat.chain.access import Relation, register_action
from localstat.chain.choices import Role
from localstat.chain.permissions import IN_CHAIN

R = Relation

VIEW_INSPECTIONS = register_action(
    "inspection.view_inspections",
    "See a unit's inspections, capacity assessments and audit marks, published or not",
    IN_CHAIN,
)
VIEW_PLAN = register_action(
    "inspection.view_plan",
    "See the inspection plan: each unit's next inspection and why",
    [(Role.INSPECTOR, R.INSPECTS)],
)
INSPECT = register_action(
    "inspection.inspect",
    "Record an inspection, score or verify capacity, and mark returns as audited",
    [(Role.INSPECTOR, R.INSPECTS)],
)
SELF_ASSESS = register_action(
    "inspection.self_assess",
    "Self-assess a unit's performance management capacity",
    [(Role.UNIT_MANAGER, R.SELF)],
)
PUBLISH_RULES = register_action(
    "inspection.publish_rules",
    "Publish an inspectorate's scheduling rules",
    [(Role.INSPECTOR, R.SELF)],
)
