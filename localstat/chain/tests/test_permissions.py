"""The permission matrix: every registered action × the seven roles × where the target sits.

Positions are the target unit as seen from the person: their own unit (Ashford, U1, which North
manages), a sibling (Bramley, U2, also North's), a unit under another manager (Carlton, U3, South's),
a unit in another service (Elm School, S1), and an anonymous visitor looking at U1.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from localstat.chain.access import can, permitted_organisations, registered_actions
from localstat.chain.choices import Role
from localstat.chain.tests.matrix import (
    ALL,
    DEPARTMENT_ONLY,
    IN_CHAIN,
    NONE,
    OTHER_MANAGER,
    OTHER_SERVICE,
    OWN,
    SIBLING,
    rows_from_apps,
)

#: action → (role → positions allowed, anonymous allowed)
EXPECTED: dict[str, tuple[dict[str, set[str]], bool]] = {
    "chain.view_directory": (dict.fromkeys(Role.values, ALL), True),
    "chain.view_organisation": (
        IN_CHAIN,
        False,
    ),
    "assessment.view_judgements": (
        IN_CHAIN,
        False,
    ),
    "assessment.run": (
        DEPARTMENT_ONLY,
        False,
    ),
    "publication.schedule_release": (
        DEPARTMENT_ONLY,
        False,
    ),
    "publication.publish_release": (
        DEPARTMENT_ONLY,
        False,
    ),
    "chain.move_unit": (
        {
            Role.DEPARTMENT_ANALYST: {OWN, SIBLING, OTHER_MANAGER},
            Role.PERFORMANCE_MANAGER: NONE,
            Role.CHALLENGER: NONE,
            Role.UNIT_SUBMITTER: NONE,
            Role.UNIT_MANAGER: NONE,
            Role.INSPECTOR: NONE,
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    "chain.record_context": (
        {
            Role.DEPARTMENT_ANALYST: {OWN, SIBLING, OTHER_MANAGER},
            Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
            Role.CHALLENGER: NONE,
            Role.UNIT_SUBMITTER: NONE,
            Role.UNIT_MANAGER: NONE,
            Role.INSPECTOR: NONE,
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    "chain.manage_memberships": (
        {role: (ALL if role == Role.ADMINISTRATOR else NONE) for role in Role.values},
        False,
    ),
    # The framework (localstat/framework/permissions.py). Department-level actions (indicators, PSAs,
    # national targets, the controls an issuing body registers) act on the department or issuing body,
    # so on units only an administrator holds them; framework/tests cover them on their own bodies.
    "framework.view_framework": (dict.fromkeys(Role.values, ALL), True),
    "framework.view_internal": (
        IN_CHAIN,
        False,
    ),
    "framework.manage_indicators": (
        {role: (ALL if role == Role.ADMINISTRATOR else NONE) for role in Role.values},
        False,
    ),
    "framework.manage_controls": (
        {role: (ALL if role == Role.ADMINISTRATOR else NONE) for role in Role.values},
        False,
    ),
    **{
        action: (
            {
                Role.DEPARTMENT_ANALYST: {OWN, SIBLING, OTHER_MANAGER},
                Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
                Role.CHALLENGER: NONE,
                Role.UNIT_SUBMITTER: NONE,
                Role.UNIT_MANAGER: NONE,
                Role.INSPECTOR: NONE,
                Role.ADMINISTRATOR: ALL,
            },
            False,
        )
        for action in ("framework.propose_target", "framework.agree_target", "framework.grant_exemption")
    },
    "framework.record_target_outcome": (
        {
            Role.DEPARTMENT_ANALYST: {OWN, SIBLING, OTHER_MANAGER},
            Role.PERFORMANCE_MANAGER: NONE,
            Role.CHALLENGER: NONE,
            Role.UNIT_SUBMITTER: NONE,
            Role.UNIT_MANAGER: NONE,
            Role.INSPECTOR: NONE,
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    "framework.cascade_target": (
        {
            Role.DEPARTMENT_ANALYST: NONE,
            Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
            Role.CHALLENGER: NONE,
            Role.UNIT_SUBMITTER: NONE,
            Role.UNIT_MANAGER: NONE,
            Role.INSPECTOR: NONE,
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    # Returns (localstat/returns/permissions.py): a unit submits only its own returns, its performance
    # manager approves them; collections are issued by a department or inspectorate, not on units.
    "returns.view_returns": (
        IN_CHAIN,
        False,
    ),
    "returns.submit_return": (
        {
            **dict.fromkeys(Role.values, NONE),
            Role.UNIT_SUBMITTER: {OWN},
            Role.UNIT_MANAGER: {OWN},
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    "returns.approve_return": (
        {
            **dict.fromkeys(Role.values, NONE),
            Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    "returns.resolve_warning": (
        {
            **dict.fromkeys(Role.values, NONE),
            Role.UNIT_SUBMITTER: {OWN},
            Role.UNIT_MANAGER: {OWN},
            Role.PERFORMANCE_MANAGER: {OWN, SIBLING},
            Role.ADMINISTRATOR: ALL,
        },
        False,
    ),
    "returns.manage_tokens": (
        {**dict.fromkeys(Role.values, NONE), Role.UNIT_MANAGER: {OWN}, Role.ADMINISTRATOR: ALL},
        False,
    ),
    "returns.manage_collections": (
        {role: (ALL if role == Role.ADMINISTRATOR else NONE) for role in Role.values},
        False,
    ),
    # Apps added later keep their rows beside their code, in ``<app>/tests/permission_rows.py``.
    **rows_from_apps(),
}


def test_every_registered_action_has_a_row_in_the_matrix() -> None:
    # given every action the apps registered
    registered = {action.code for action in registered_actions()}
    # then each has an expectation, and no expectation names an action that no longer exists
    assert registered - set(EXPECTED) == set(), "actions with no row in the permission matrix"
    assert set(EXPECTED) - registered == set(), "matrix rows for actions nobody registers"


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_the_matrix_holds_for_every_role_and_position(scenario, action) -> None:
    allowed_by_role, anonymous_allowed = EXPECTED[action]
    targets = {OWN: scenario.u1, SIBLING: scenario.u2, OTHER_MANAGER: scenario.u3, OTHER_SERVICE: scenario.s1}
    mismatches = []
    for role in Role.values:
        user = scenario.user(role)
        permitted = set(permitted_organisations(user, action).values_list("code", flat=True))
        for position, target in targets.items():
            expected = position in allowed_by_role[role]
            if can(user, action, target) != expected or (target.code in permitted) != expected:
                mismatches.append(f"{role} on {position}: expected {'allowed' if expected else 'refused'}")
    for position, target in targets.items():
        if can(AnonymousUser(), action, target) != (anonymous_allowed):
            mismatches.append(
                f"anonymous on {position}: expected {'allowed' if anonymous_allowed else 'refused'}"
            )
    assert mismatches == []


def test_a_performance_manager_keeps_no_rights_over_a_unit_moved_away(scenario) -> None:
    from datetime import date

    from localstat.chain.services import move_unit

    # given Bramley moves from North to South
    move_unit(
        unit=scenario.u2,
        service=scenario.health,
        new_manager=scenario.south,
        on=date(2018, 1, 1),
        reason="Boundary change",
        acting_user=scenario.ada,
    )
    # then North's manager can no longer open it, and South's chain now covers it
    assert not can(scenario.morgan, "chain.view_organisation", scenario.u2)
    assert can(scenario.ada, "chain.view_organisation", scenario.u2)


def test_an_unknown_action_is_an_error_not_a_refusal(scenario) -> None:
    with pytest.raises(LookupError, match="register it"):
        can(scenario.ada, "chain.teleport_unit", scenario.u1)
