"""The agreements' actions and who may take them (see ``localstat.chain.access``).

Every negotiation action is checked against the proposing organisation (the unit, or the council
proposing a Local PSA); accountability actions against the organisation whose goals they are.
"""

from localstat.chain.access import Relation, register_action
from localstat.chain.choices import Role
from localstat.chain.permissions import IN_CHAIN

R = Relation

VIEW_AGREEMENTS = register_action(
    "agreements.view",
    "See an organisation's negotiations, agreements, goals and trajectories",
    IN_CHAIN,
)
PROPOSE = register_action(
    "agreements.propose",
    "Propose, revise, sign for or withdraw one's own organisation's local targets",
    [(Role.UNIT_MANAGER, R.SELF)],
)
CHALLENGE = register_action(
    "agreements.challenge",
    "Challenge a unit's proposed local targets with the computed checks",
    [(Role.PERFORMANCE_MANAGER, R.MANAGES), (Role.CHALLENGER, R.MANAGES)],
)
AGREE = register_action(
    "agreements.agree",
    "Agree and sign a unit's local targets for its performance manager, or withdraw from the negotiation",
    [(Role.PERFORMANCE_MANAGER, R.MANAGES)],
)
APPROVE_GRANT = register_action(
    "agreements.approve_grant",
    "Sign a Local PSA's reward grant for the department, decide its freedoms and assess its reward",
    [(Role.DEPARTMENT_ANALYST, R.OVERSEES)],
)
MANAGE_ACCOUNTABILITY = register_action(
    "agreements.manage_accountability",
    "Write accountability agreements and name each goal's responsible officer, action plan and timescale",
    [
        (Role.UNIT_MANAGER, R.SELF),
        (Role.PERFORMANCE_MANAGER, R.SELF),
        (Role.PERFORMANCE_MANAGER, R.MANAGES),
        (Role.DEPARTMENT_ANALYST, R.SELF),
        (Role.DEPARTMENT_ANALYST, R.OVERSEES),
    ],
)
SIGN_OFF_TRAJECTORY = register_action(
    "agreements.sign_off_trajectory",
    "Sign off the trajectory of one's own organisation's agreed target as its responsible manager",
    [(Role.UNIT_MANAGER, R.SELF)],
)
