"""The chain's actions and who may take them (see ``localstat.chain.access``)."""

from localstat.chain.access import Relation, register_action
from localstat.chain.choices import Role

R = Relation

#: Who may see an organisation's working page (its people, context and, later, unreleased data).
IN_CHAIN = [
    (Role.UNIT_SUBMITTER, R.SELF),
    (Role.UNIT_MANAGER, R.SELF),
    (Role.PERFORMANCE_MANAGER, R.SELF),
    (Role.PERFORMANCE_MANAGER, R.MANAGES),
    (Role.CHALLENGER, R.SELF),
    (Role.CHALLENGER, R.MANAGES),
    (Role.DEPARTMENT_ANALYST, R.SELF),
    (Role.DEPARTMENT_ANALYST, R.OVERSEES),
    (Role.INSPECTOR, R.SELF),
    (Role.INSPECTOR, R.INSPECTS),
]

VIEW_DIRECTORY = register_action(
    "chain.view_directory", "See an organisation's name, type and place in the chain", public=True
)
VIEW_ORGANISATION = register_action(
    "chain.view_organisation",
    "Open an organisation's working page: people, context, unreleased data",
    IN_CHAIN,
)
MOVE_UNIT = register_action(
    "chain.move_unit",
    "Move a unit to another performance manager",
    [(Role.DEPARTMENT_ANALYST, R.OVERSEES)],
)
RECORD_CONTEXT = register_action(
    "chain.record_context",
    "Record context variables (population, deprivation…) for a unit",
    [(Role.DEPARTMENT_ANALYST, R.OVERSEES), (Role.PERFORMANCE_MANAGER, R.MANAGES)],
)
MANAGE_MEMBERSHIPS = register_action("chain.manage_memberships", "Give people roles in an organisation", [])
