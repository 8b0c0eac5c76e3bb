"""The inspection's rows of the permission matrix (gathered by ``chain/tests/test_permissions.py``)."""

from localstat.chain.choices import Role
from localstat.chain.tests.matrix import ADMIN_ONLY, ALL, IN_CHAIN, NONE, OTHER_MANAGER, OWN, SIBLING

#: The CQC inspects health: its inspector acts on every health unit, never on the school.
INSPECTORS = dict.fromkeys(Role.values, NONE) | {
    Role.INSPECTOR: {OWN, SIBLING, OTHER_MANAGER},
    Role.ADMINISTRATOR: ALL,
}

ROWS = {
    "inspection.view_inspections": (IN_CHAIN, False),
    "inspection.view_plan": (INSPECTORS, False),
    "inspection.inspect": (INSPECTORS, False),
    "inspection.self_assess": (
        dict.fromkeys(Role.values, NONE) | {Role.UNIT_MANAGER: {OWN}, Role.ADMINISTRATOR: ALL},
        False,
    ),
    # Acts on the inspectorate itself, so on units only an administrator holds it.
    "inspection.publish_rules": (ADMIN_ONLY, False),
}
