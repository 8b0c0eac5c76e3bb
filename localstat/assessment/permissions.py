"""The assessment's actions and who may take them (see ``localstat.chain.access``)."""

from localstat.chain.access import Relation, register_action
from localstat.chain.choices import Role
from localstat.chain.permissions import IN_CHAIN

#: Unreleased judgements are seen by the same people who see the organisation's working page.
VIEW_JUDGEMENTS = register_action(
    "assessment.view_judgements", "See an organisation's judgements before they are published", IN_CHAIN
)
RUN_ASSESSMENT = register_action(
    "assessment.run",
    "Start an assessment run over the approved data of a chain",
    [(Role.DEPARTMENT_ANALYST, Relation.OVERSEES)],
)
