"""The shapes the permission matrix repeats, and the rows each app keeps beside its own code.

An app registers its actions in ``<app>/permissions.py`` and states who may do each, per role and
position, in ``<app>/tests/permission_rows.py`` as ``ROWS = {action: (role → positions, anonymous)}``.
``test_permissions`` gathers every app's rows, so an action without a row still fails there.
"""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps

from localstat.chain.choices import Role

OWN, SIBLING, OTHER_MANAGER, OTHER_SERVICE = (
    "own unit",
    "sibling unit",
    "unit under another manager",
    "another service",
)
ALL = {OWN, SIBLING, OTHER_MANAGER, OTHER_SERVICE}
NONE: set[str] = set()

Row = tuple[dict[str, set[str]], bool]

#: Who sees what is inside the chain: the unit itself, its manager, its department, its inspectorate.
IN_CHAIN = {
    Role.DEPARTMENT_ANALYST: {OWN, SIBLING, OTHER_MANAGER},
    Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
    Role.CHALLENGER: {OWN, SIBLING},
    Role.UNIT_SUBMITTER: {OWN},
    Role.UNIT_MANAGER: {OWN},
    Role.INSPECTOR: {OWN, SIBLING, OTHER_MANAGER},
    Role.ADMINISTRATOR: ALL,
}
#: Only the department over the chain (and administrators).
DEPARTMENT_ONLY = dict.fromkeys(Role.values, NONE) | {
    Role.DEPARTMENT_ANALYST: {OWN, SIBLING, OTHER_MANAGER},
    Role.ADMINISTRATOR: ALL,
}

#: Only administrators (actions that act on bodies above units, or on the whole system).
ADMIN_ONLY = {role: (ALL if role == Role.ADMINISTRATOR else NONE) for role in Role.values}


def rows_from_apps() -> dict[str, Row]:
    """Every ``ROWS`` in ``localstat.<app>.tests.permission_rows``, in ``INSTALLED_APPS`` order."""
    rows: dict[str, Row] = {}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.tests.permission_rows"
        if not config.name.startswith("localstat.") or importlib.util.find_spec(module_name) is None:
            continue
        for action, row in importlib.import_module(module_name).ROWS.items():
            if action in rows:
                raise ValueError(f"{action} has two rows in the permission matrix")
            rows[action] = row
    return rows
