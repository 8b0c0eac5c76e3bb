"""The review's rows in the permission matrix (``localstat/chain/tests/test_permissions.py``)."""

from localstat.chain.choices import Role
from localstat.chain.tests.matrix import ALL, IN_CHAIN, NONE, OWN, SIBLING

_SECRETARIAT = {
    **dict.fromkeys(Role.values, NONE),
    Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
    Role.ADMINISTRATOR: ALL,
}
_CHALLENGER = {**dict.fromkeys(Role.values, NONE), Role.CHALLENGER: {OWN, SIBLING}, Role.ADMINISTRATOR: ALL}

ROWS = {
    "review.view_reviews": (IN_CHAIN, False),
    "review.manage_cycles": (_SECRETARIAT, False),
    "review.prepare_briefing": (
        {**_SECRETARIAT, Role.CHALLENGER: {OWN, SIBLING}},
        False,
    ),
    "review.challenge": (_CHALLENGER, False),
    "review.record_meeting": (_SECRETARIAT, False),
    "review.update_action": ({**_SECRETARIAT, Role.UNIT_MANAGER: {OWN}}, False),
}
