from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from localstat.chain import services
from localstat.chain.choices import ChainRole, OrganisationKind, Role, UnitType
from localstat.chain.errors import ChainError
from localstat.chain.models import ChainLink, ContextValue
from localstat.chain.selectors import performance_manager_of, units_managed_by
from localstat.core.models import AuditEvent


def _new_unit(code: str = "U9"):
    return services.create_organisation(
        code=code,
        name="New Hospital",
        kind=OrganisationKind.UNIT,
        unit_type=UnitType.NHS_PROVIDER,
        acting_user=None,
    )


def test_a_unit_placed_under_an_intermediate_tier_body_has_it_as_its_performance_manager(scenario) -> None:
    unit = _new_unit()
    services.place_in_chain(
        organisation=unit,
        service=scenario.health,
        role=ChainRole.FRONT_LINE_UNIT,
        accountable_to=scenario.north,
        valid_from=date(2017, 1, 1),
        acting_user=scenario.ada,
    )
    assert performance_manager_of(unit, scenario.health) == scenario.north
    assert AuditEvent.objects.filter(action="chain.place_in_chain", actor=scenario.ada).exists()


def test_it_refuses_a_unit_with_no_performance_manager(scenario) -> None:
    unit = _new_unit()
    with pytest.raises(ChainError, match="needs a performance manager in Health"):
        services.place_in_chain(
            organisation=unit,
            service=scenario.health,
            role=ChainRole.FRONT_LINE_UNIT,
            valid_from=date(2017, 1, 1),
            acting_user=None,
        )
    assert not ChainLink.objects.filter(organisation=unit).exists()


def test_it_refuses_a_performance_manager_that_is_not_in_the_intermediate_tier(scenario) -> None:
    unit = _new_unit()
    with pytest.raises(ChainError, match="DH is not an intermediate-tier body in Health"):
        services.place_in_chain(
            organisation=unit,
            service=scenario.health,
            role=ChainRole.FRONT_LINE_UNIT,
            accountable_to=scenario.dh,
            valid_from=date(2017, 1, 1),
            acting_user=None,
        )


def test_a_unit_has_exactly_one_performance_manager_per_service(scenario) -> None:
    # when a second manager is asked for through the service, the error says how to do it instead
    with pytest.raises(ChainError, match=r"already has a place in Health.*move it instead"):
        services.place_in_chain(
            organisation=scenario.u1,
            service=scenario.health,
            role=ChainRole.FRONT_LINE_UNIT,
            accountable_to=scenario.south,
            valid_from=date(2017, 1, 1),
            acting_user=None,
        )
    # and the database itself refuses a second current link
    with pytest.raises(IntegrityError), transaction.atomic():
        ChainLink.objects.create(
            organisation=scenario.u1,
            service=scenario.health,
            role=ChainRole.FRONT_LINE_UNIT,
            accountable_to=scenario.south,
            valid_from=date(2017, 1, 1),
        )


def test_moving_a_unit_keeps_its_history(scenario) -> None:
    services.move_unit(
        unit=scenario.u2,
        service=scenario.health,
        new_manager=scenario.south,
        on=date(2018, 1, 1),
        reason="Boundary change",
        acting_user=scenario.ada,
    )
    history = list(ChainLink.objects.filter(organisation=scenario.u2).order_by("valid_from"))
    assert [(link.accountable_to.code, link.valid_from, link.valid_to) for link in history] == [
        ("AN", date(2016, 4, 1), date(2018, 1, 1)),
        ("AS", date(2018, 1, 1), None),
    ]
    # the manager on a date before the move is still North
    assert performance_manager_of(scenario.u2, scenario.health, date(2017, 6, 1)) == scenario.north
    assert set(units_managed_by(scenario.south).values_list("code", flat=True)) == {"U2", "U3", "U4"}


def test_a_move_needs_a_reason(scenario) -> None:
    with pytest.raises(ChainError, match="Say why"):
        services.move_unit(
            unit=scenario.u2,
            service=scenario.health,
            new_manager=scenario.south,
            on=date(2018, 1, 1),
            reason=" ",
            acting_user=None,
        )
    assert (
        ChainLink.objects.filter(organisation=scenario.u2, valid_to__isnull=True).get().accountable_to
        == scenario.north
    )


def test_a_council_can_manage_schools_and_be_a_unit_of_local_government(scenario) -> None:
    # given a local-government chain above the council that manages Elm School
    local_government = services.create_service(
        code="local-government", name="Local government", acting_user=None
    )
    dept = services.create_organisation(
        code="MHCLG", name="Ministry", kind=OrganisationKind.DEPARTMENT, acting_user=None
    )
    services.place_in_chain(
        organisation=dept,
        service=local_government,
        role=ChainRole.DEPARTMENT,
        valid_from=date(2016, 4, 1),
        acting_user=None,
    )
    office = services.create_organisation(
        code="GO", name="Government Office", kind=OrganisationKind.GOVERNMENT_OFFICE, acting_user=None
    )
    services.place_in_chain(
        organisation=office,
        service=local_government,
        role=ChainRole.INTERMEDIATE_TIER,
        accountable_to=dept,
        valid_from=date(2016, 4, 1),
        acting_user=None,
    )
    # when the council becomes a unit of local government
    services.place_in_chain(
        organisation=scenario.la1,
        service=local_government,
        role=ChainRole.FRONT_LINE_UNIT,
        accountable_to=office,
        valid_from=date(2016, 4, 1),
        acting_user=None,
    )
    # then it is both at once
    roles = set(ChainLink.objects.filter(organisation=scenario.la1).values_list("service__code", "role"))
    assert roles == {
        ("education", ChainRole.INTERMEDIATE_TIER),
        ("local-government", ChainRole.FRONT_LINE_UNIT),
    }


def test_a_school_cannot_be_made_an_intermediate_tier_body(scenario) -> None:
    with pytest.raises(ChainError, match="is a front line unit"):
        services.place_in_chain(
            organisation=scenario.s1,
            service=scenario.health,
            role=ChainRole.INTERMEDIATE_TIER,
            accountable_to=scenario.dh,
            valid_from=date(2017, 1, 1),
            acting_user=None,
        )


def test_a_role_must_fit_the_organisations_place(scenario) -> None:
    with pytest.raises(ChainError, match="performance manager belongs to an intermediate-tier body"):
        services.add_membership(
            user=scenario.sam, organisation=scenario.u1, role=Role.PERFORMANCE_MANAGER, acting_user=None
        )


def test_changing_a_context_value_needs_a_reason_and_keeps_the_old_value(scenario) -> None:
    variable = services.define_context_variable(code="population", name="Population", acting_user=None)
    services.record_context_values(
        variable=variable, values={scenario.u1: 1000.0}, period_start=date(2018, 4, 1), acting_user=None
    )
    with pytest.raises(ChainError, match="give a reason"):
        services.record_context_values(
            variable=variable, values={scenario.u1: 1200.0}, period_start=date(2018, 4, 1), acting_user=None
        )
    assert ContextValue.objects.get(organisation=scenario.u1).value == 1000.0
    services.record_context_values(
        variable=variable,
        values={scenario.u1: 1200.0},
        period_start=date(2018, 4, 1),
        reason="Census revision",
        acting_user=scenario.ada,
    )
    assert ContextValue.objects.get(organisation=scenario.u1).value == 1200.0
    event = AuditEvent.objects.filter(action="chain.record_context_values").first()
    assert event.data["changed"] == [{"organisation": "U1", "old": 1000.0, "new": 1200.0}]
    assert event.data["reason"] == "Census revision"


def test_recording_the_same_context_again_writes_nothing(scenario) -> None:
    variable = services.define_context_variable(code="population", name="Population", acting_user=None)
    services.record_context_values(
        variable=variable, values={scenario.u1: 1000.0}, period_start=date(2018, 4, 1), acting_user=None
    )
    events = AuditEvent.objects.count()
    assert (
        services.record_context_values(
            variable=variable, values={scenario.u1: 1000.0}, period_start=date(2018, 4, 1), acting_user=None
        )
        == 0
    )
    assert AuditEvent.objects.count() == events
