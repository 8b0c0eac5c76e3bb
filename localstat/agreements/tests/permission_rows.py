"""The agreements' rows of the permission matrix (``localstat.chain.tests.test_permissions``)."""

from localstat.chain.choices import Role
from localstat.chain.tests.matrix import ALL, IN_CHAIN, NONE, OTHER_MANAGER, OWN, SIBLING

ROWS = {
    "agreements.view": (IN_CHAIN, False),
    # Only the unit's own manager proposes for it.
    "agreements.propose": (
        {**dict.fromkeys(Role.values, NONE), Role.UNIT_MANAGER: {OWN}, Role.ADMINISTRATOR: ALL},
        False,
    ),
    "agreements.challenge": (
        {
            **dict.fromkeys(Role.values, NONE),
            Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
            Role.CHALLENGER: {OWN, SIBLING},
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    "agreements.agree": (
        {
            **dict.fromkeys(Role.values, NONE),
            Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    "agreements.approve_grant": (
        {
            **dict.fromkeys(Role.values, NONE),
            Role.DEPARTMENT_ANALYST: {OWN, SIBLING, OTHER_MANAGER},
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    "agreements.manage_accountability": (
        {
            **dict.fromkeys(Role.values, NONE),
            Role.UNIT_MANAGER: {OWN},
            Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
            Role.DEPARTMENT_ANALYST: {OWN, SIBLING, OTHER_MANAGER},
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    "agreements.sign_off_trajectory": (
        {**dict.fromkeys(Role.values, NONE), Role.UNIT_MANAGER: {OWN}, Role.ADMINISTRATOR: ALL},
        False,
    ),
}
