"""The review's actions and who may take them (see ``localstat.chain.access``).

Each is checked against the cycle's body and the units it holds to account, so a performance
manager acts on its own body's cycles and units only. The secretariat is the body's performance
management staff; the challenger, a person with the challenger role there; an action's owner updates
it through their unit (a unit manager) or through the body.
"""

from localstat.chain.access import Relation, register_action
from localstat.chain.choices import Role
from localstat.chain.permissions import IN_CHAIN

R = Relation
SECRETARIAT = [(Role.PERFORMANCE_MANAGER, R.SELF), (Role.PERFORMANCE_MANAGER, R.MANAGES)]
CHALLENGER = [(Role.CHALLENGER, R.SELF), (Role.CHALLENGER, R.MANAGES)]

VIEW_REVIEWS = register_action(
    "review.view_reviews",
    "See review cycles, briefings, meetings, actions and a unit's review history",
    IN_CHAIN,
)
MANAGE_CYCLES = register_action(
    "review.manage_cycles", "Set up a review cycle and schedule its meetings", SECRETARIAT
)
PREPARE_BRIEFING = register_action(
    "review.prepare_briefing",
    "Generate a meeting's briefing from the latest data",
    [*SECRETARIAT, *CHALLENGER],
)
CHALLENGE = register_action("review.challenge", "Mark what to probe in a briefing and issue it", CHALLENGER)
RECORD_MEETING = register_action(
    "review.record_meeting",
    "Record a meeting's questions, answers, actions, commitments and recognition, and issue its follow-up",
    SECRETARIAT,
)
UPDATE_ACTION = register_action(
    "review.update_action",
    "Report progress on a review action, or mark it done",
    [(Role.UNIT_MANAGER, R.SELF), *SECRETARIAT],
)
