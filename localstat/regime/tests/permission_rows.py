"""The regime's rows of the permission matrix (``localstat/chain/tests/test_permissions.py``)."""

from localstat.chain.choices import Role
from localstat.chain.tests.matrix import (
    ADMIN_ONLY,
    ALL,
    DEPARTMENT_ONLY,
    IN_CHAIN,
    NONE,
    OTHER_MANAGER,
    OWN,
    SIBLING,
)

ROWS = {
    "regime.view_published": (dict.fromkeys(Role.values, ALL), True),
    "regime.view_proposals": (IN_CHAIN, False),
    # Rule sets are operated by departments and intermediate-tier bodies, never by a unit: on units only
    # an administrator holds it (test_rule_sets covers the operators themselves).
    "regime.manage_rules": (ADMIN_ONLY, False),
    "regime.decide": (
        dict.fromkeys(Role.values, NONE)
        | {
            Role.DEPARTMENT_ANALYST: {OWN, SIBLING, OTHER_MANAGER},
            Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    # The ladder is the performance manager's: the department decides it for units only by exception.
    "regime.decide_interventions": (
        dict.fromkeys(Role.values, NONE)
        | {Role.PERFORMANCE_MANAGER: {OWN, SIBLING}, Role.ADMINISTRATOR: ALL},
        False,
    ),
    "regime.decide_exceptions": (DEPARTMENT_ONLY, False),
    "regime.view_exceptions": (DEPARTMENT_ONLY, False),
}
