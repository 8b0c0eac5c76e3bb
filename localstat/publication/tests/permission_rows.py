"""The publication's rows in the permission matrix (``localstat/chain/tests/test_permissions.py``).

Scheduling and publishing releases have their rows in the chain's matrix file, where they were first
written; the actions added since are here.
"""

from localstat.chain.tests.matrix import DEPARTMENT_ONLY

ROWS = {
    "publication.grant_pre_release_access": (DEPARTMENT_ONLY, False),
}
