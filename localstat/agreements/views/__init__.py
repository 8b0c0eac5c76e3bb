"""The agreements' pages: parse, authorise, call a service or selector, render."""

from localstat.agreements.views.accountability import (
    accountability_new,
    flexibility_decide,
    goal_edit,
    goal_new,
    goals_lacking,
    local_psa_page,
    organisation_page,
    trajectory_sign_off,
)
from localstat.agreements.views.negotiations import (
    agree,
    challenge,
    document,
    export_csv,
    home,
    negotiation_detail,
    propose,
    revise,
    sign,
    withdraw,
)

__all__ = [
    "accountability_new",
    "agree",
    "challenge",
    "document",
    "export_csv",
    "flexibility_decide",
    "goal_edit",
    "goal_new",
    "goals_lacking",
    "home",
    "local_psa_page",
    "negotiation_detail",
    "organisation_page",
    "propose",
    "revise",
    "sign",
    "trajectory_sign_off",
    "withdraw",
]
