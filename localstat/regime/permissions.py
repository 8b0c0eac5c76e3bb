"""The regime's actions and who may take them (see ``localstat.chain.access``).

Published rules and what they granted are public (seed 4.3, 4.9): anyone affected can read exactly
what triggers what. Proposals and their evidence are working data, seen inside the chain. A rule set
is written and published by its operator's people; a proposal is decided by the operator's people
for the subjects in their chain.
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
VIEW_EXCEPTIONS = register_action(
    "regime.view_exceptions",
    "See the units that reach the department by exception: interventions open too long without recovery",
    [(Role.DEPARTMENT_ANALYST, Relation.OVERSEES)],
)
