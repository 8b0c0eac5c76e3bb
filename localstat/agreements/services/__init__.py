"""Every write of the agreements: keyword-only, atomic, checked against the acting user, audited.

A negotiation is one form per step (seed 3.20 warns against a bureaucratic one): propose, challenge,
revise, agree, sign, withdraw. Nothing in the thread is edited: each step is a new row, and the
targets each proposal or revision puts forward hang off it with the checks they met that day.
When every side has signed, the agreed targets enter the framework (proposed → agreed → active,
with their trajectory as milestones), each becomes a goal of the unit's accountability agreement,
and each trajectory awaits the responsible manager's sign-off (A.5). Import them from here.
"""

from localstat.agreements.services.accountability import (
    add_goal,
    sign_off_trajectory,
    update_goal,
    write_accountability_agreement,
)
from localstat.agreements.services.common import LocalPSASpec, TargetSpec
from localstat.agreements.services.local_psas import (
    assess_reward,
    decide_flexibility,
    formula_of,
    request_flexibility,
)
from localstat.agreements.services.negotiations import (
    agree_proposal,
    challenge_proposal,
    propose_targets,
    revise_proposal,
    sides_to_sign,
    sign_agreement,
    withdraw_negotiation,
)

__all__ = [
    "LocalPSASpec",
    "TargetSpec",
    "add_goal",
    "agree_proposal",
    "assess_reward",
    "challenge_proposal",
    "decide_flexibility",
    "formula_of",
    "propose_targets",
    "request_flexibility",
    "revise_proposal",
    "sides_to_sign",
    "sign_agreement",
    "sign_off_trajectory",
    "update_goal",
    "withdraw_negotiation",
    "write_accountability_agreement",
]
