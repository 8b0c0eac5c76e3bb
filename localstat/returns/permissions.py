"""The returns' actions and who may take them (see ``localstat.chain.access``).

A unit submits only its own returns; its one performance manager approves them or sends them back.
Each action is checked against the unit whose return it is, except managing collections, which acts
on the issuing body (so on units only an administrator holds it).
"""

from localstat.chain.access import Relation, register_action
from localstat.chain.choices import Role
from localstat.chain.permissions import IN_CHAIN

R = Relation

VIEW_RETURNS = register_action(
    "returns.view_returns",
    "See a unit's returns, their values, revisions and warnings before release",
    IN_CHAIN,
)
SUBMIT_RETURN = register_action(
    "returns.submit_return",
    "Submit and correct a unit's own returns (form, file or API)",
    [(Role.UNIT_SUBMITTER, R.SELF), (Role.UNIT_MANAGER, R.SELF)],
)
APPROVE_RETURN = register_action(
    "returns.approve_return",
    "Approve a unit's return, or send it back with a reason",
    [(Role.PERFORMANCE_MANAGER, R.MANAGES)],
)
RESOLVE_WARNING = register_action(
    "returns.resolve_warning",
    "Confirm or query a data-quality warning on a return",
    [(Role.UNIT_SUBMITTER, R.SELF), (Role.UNIT_MANAGER, R.SELF), (Role.PERFORMANCE_MANAGER, R.MANAGES)],
)
MANAGE_TOKENS = register_action(
    "returns.manage_tokens",
    "Make and revoke the API tokens a unit's systems submit with",
    [(Role.UNIT_MANAGER, R.SELF)],
)
MANAGE_COLLECTIONS = register_action(
    "returns.manage_collections",
    "Issue a collection, or join an existing one through the gateway",
    [(Role.DEPARTMENT_ANALYST, R.SELF), (Role.INSPECTOR, R.SELF)],
)
