"""The regime's actions and who may take them (see ``localstat.chain.access``).

Published rules and what they granted are public (seed 4.3, 4.9): anyone affected can read exactly
what triggers what. Proposals and their evidence are working data, seen inside the chain. A rule set
is written and published by its operator's people; a proposal is decided by the operator's people
for the subjects in their chain. The intervention ladder belongs to the performance manager: a unit's
interventions are decided by the body it is accountable to (the department decides them only for the
bodies accountable to it directly), and the department steps in on a unit below an intermediate tier
only once that unit has reached it by exception (seed 1.8, 4.25, 6.2).
"""

from localstat.chain.access import Relation, register_action
from localstat.chain.choices import Role
from localstat.chain.permissions import IN_CHAIN

VIEW_PUBLISHED = register_action(
    "regime.view_published",
    "See published trigger rules and the freedoms, rewards and payments they granted",
    public=True,
)
VIEW_PROPOSALS = register_action(
    "regime.view_proposals", "See the regime's proposals about an organisation and their evidence", IN_CHAIN
)
MANAGE_RULES = register_action(
    "regime.manage_rules",
    "Draft, preview and publish the trigger rules the organisation operates",
    [(Role.DEPARTMENT_ANALYST, Relation.SELF), (Role.PERFORMANCE_MANAGER, Relation.SELF)],
)
DECIDE = register_action(
    "regime.decide",
    "Confirm, change or reject the regime's proposals and payments about an organisation",
    [(Role.DEPARTMENT_ANALYST, Relation.OVERSEES), (Role.PERFORMANCE_MANAGER, Relation.MANAGES)],
)
DECIDE_INTERVENTIONS = register_action(
    "regime.decide_interventions",
    "Open, escalate or close an intervention on the ladder for an organisation one manages",
    [(Role.DEPARTMENT_ANALYST, Relation.MANAGES), (Role.PERFORMANCE_MANAGER, Relation.MANAGES)],
)
DECIDE_EXCEPTIONS = register_action(
    "regime.decide_exceptions",
    "Decide the ladder's next step for a unit that has reached the department by exception",
    [(Role.DEPARTMENT_ANALYST, Relation.OVERSEES)],
)
VIEW_EXCEPTIONS = register_action(
    "regime.view_exceptions",
    "See the units that reach the department by exception: interventions open too long without recovery",
    [(Role.DEPARTMENT_ANALYST, Relation.OVERSEES)],
)
