"""The publication's actions and who may take them (see ``localstat.chain.access``).

A release covers one service's chain; a department analyst schedules and publishes it for the chain
below their department, and the refusal names any unit of the chain they do not oversee.
"""

from localstat.chain.access import Relation, register_action
from localstat.chain.choices import Role

SCHEDULE_RELEASE = register_action(
    "publication.schedule_release",
    "Schedule a release of a service chain's approved values and judgements",
    [(Role.DEPARTMENT_ANALYST, Relation.OVERSEES)],
)
PUBLISH_RELEASE = register_action(
    "publication.publish_release",
    "Publish a scheduled release of a service chain's approved values and judgements",
    [(Role.DEPARTMENT_ANALYST, Relation.OVERSEES)],
)
GRANT_PRE_RELEASE_ACCESS = register_action(
    "publication.grant_pre_release_access",
    "Name a person who may read a frozen release before its publication time",
    [(Role.DEPARTMENT_ANALYST, Relation.OVERSEES)],
)
