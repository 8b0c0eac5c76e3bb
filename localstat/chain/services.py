"""Every write to the delivery chain. Each is atomic, takes the acting user and leaves an audit record."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from localstat.chain.access import Actor
from localstat.chain.choices import ChainRole, OrganisationKind, Role
from localstat.chain.errors import ChainError
from localstat.chain.models import (
    UNIT_KINDS,
    ChainLink,
    ContextValue,
    ContextVariable,
    Membership,
    Organisation,
    Service,
)
from localstat.chain.selectors import current_link
from localstat.core.audit import record_event

# The role a person may hold in an organisation follows that organisation's place in a chain.
ROLE_NEEDS_CHAIN_ROLE: dict[str, set[str]] = {
    Role.DEPARTMENT_ANALYST: {ChainRole.DEPARTMENT},
    Role.PERFORMANCE_MANAGER: {ChainRole.INTERMEDIATE_TIER},
    Role.CHALLENGER: {ChainRole.INTERMEDIATE_TIER},
    Role.UNIT_SUBMITTER: {ChainRole.FRONT_LINE_UNIT},
    Role.UNIT_MANAGER: {ChainRole.FRONT_LINE_UNIT},
    Role.INSPECTOR: {ChainRole.INSPECTORATE},
}

#: How a chain role reads in a sentence ("X is not an intermediate-tier body in Health").
AS_A: dict[str, str] = {
    ChainRole.DEPARTMENT: "a department",
    ChainRole.INTERMEDIATE_TIER: "an intermediate-tier body",
    ChainRole.FRONT_LINE_UNIT: "a front line unit",
    ChainRole.INSPECTORATE: "an inspectorate",
}

ROLE_ABOVE: dict[str, str | None] = {
    ChainRole.DEPARTMENT: None,
    ChainRole.INSPECTORATE: None,
    ChainRole.INTERMEDIATE_TIER: ChainRole.DEPARTMENT,
    ChainRole.FRONT_LINE_UNIT: ChainRole.INTERMEDIATE_TIER,
}


@transaction.atomic
def create_service(*, code: str, name: str, description: str = "", acting_user: Actor) -> Service:
    if Service.objects.filter(code=code).exists():
        raise ChainError(f"A service with code {code!r} already exists.", code="duplicate")
    service = Service.objects.create(code=code, name=name, description=description)
    record_event(
        actor=acting_user, action="chain.create_service", subject=service, summary=f"Created service {name}"
    )
    return service


@transaction.atomic
def create_organisation(
    *,
    code: str,
    name: str = "",
    kind: str,
    unit_type: str = "",
    geographic_parent: Organisation | None = None,
    opened: date | None = None,
    closed: date | None = None,
    town: str = "",
    postcode: str = "",
    synthetic: bool = False,
    source: str = "",
    acting_user: Actor,
) -> Organisation:
    code = code.strip()
    if not code:
        raise ChainError("An organisation needs a code.", code="required")
    if Organisation.objects.filter(code=code).exists():
        raise ChainError(f"An organisation with code {code!r} already exists.", code="duplicate")
    if kind == OrganisationKind.UNIT and not unit_type:
        raise ChainError(
            f"{code}: a front line unit needs a unit type (school, nhs_provider…).", code="required"
        )
    if kind not in UNIT_KINDS and unit_type:
        raise ChainError(
            f"{code}: a {OrganisationKind(kind).label.lower()} cannot be a front line unit.", code="invalid"
        )
    if opened and closed and closed < opened:
        raise ChainError(f"{code}: closed ({closed}) is before opened ({opened}).", code="invalid")
    organisation = Organisation.objects.create(
        code=code,
        name=name.strip(),
        kind=kind,
        unit_type=unit_type,
        geographic_parent=geographic_parent,
        opened=opened,
        closed=closed,
        town=town,
        postcode=postcode,
        synthetic=synthetic,
        source=source,
    )
    record_event(
        actor=acting_user,
        action="chain.create_organisation",
        subject=organisation,
        summary=f"Created {organisation}",
        data={"kind": kind, "unit_type": unit_type, "synthetic": synthetic},
    )
    return organisation


def _check_place(
    organisation: Organisation, service: Service, role: str, accountable_to: Organisation | None, on: date
) -> None:
    if role == ChainRole.FRONT_LINE_UNIT and not organisation.is_unit:
        raise ChainError(
            f"{organisation.code} has no unit type, so it cannot be a front line unit in {service}.",
            code="invalid",
        )
    if role != ChainRole.FRONT_LINE_UNIT and organisation.kind == OrganisationKind.UNIT:
        raise ChainError(
            f"{organisation.code} is a front line unit: its role in {service} must be front line unit.",
            code="invalid",
        )
    needed = ROLE_ABOVE[role]
    if needed is None:
        if accountable_to is not None:
            raise ChainError(
                f"{organisation.code} is {AS_A[role]}, which answers to no one in the chain.", code="invalid"
            )
        return
    if accountable_to is None:
        label = "performance manager" if role == ChainRole.FRONT_LINE_UNIT else "department"
        raise ChainError(f"{organisation.code} needs a {label} in {service}.", code="required")
    above = current_link(accountable_to, service, on)
    if above is None or above.role != needed:
        raise ChainError(
            f"{accountable_to.code} is not {AS_A[needed]} in {service}, "
            f"so {organisation.code} cannot answer to it.",
            code="invalid",
        )


@transaction.atomic
def place_in_chain(
    *,
    organisation: Organisation,
    service: Service,
    role: str,
    accountable_to: Organisation | None = None,
    valid_from: date,
    acting_user: Actor,
) -> ChainLink:
    """Give an organisation its place in a service's chain (a unit: with its one performance manager)."""
    existing = (
        ChainLink.objects.select_for_update()
        .filter(organisation=organisation, service=service, valid_to__isnull=True)
        .first()
    )
    if existing is not None:
        above = f" under {existing.accountable_to.code}" if existing.accountable_to else ""
        raise ChainError(
            f"{organisation.code} already has a place in {service} ({existing.get_role_display()}{above}); "
            "move it instead, which keeps the history.",
            code="duplicate",
        )
    _check_place(organisation, service, role, accountable_to, valid_from)
    try:
        with transaction.atomic():
            link = ChainLink.objects.create(
                organisation=organisation,
                service=service,
                role=role,
                accountable_to=accountable_to,
                valid_from=valid_from,
            )
    except IntegrityError as error:
        # A concurrent placement won the race for the one current link.
        raise ChainError(
            f"{organisation.code} already has a place in {service}.", code="duplicate"
        ) from error
    record_event(
        actor=acting_user,
        action="chain.place_in_chain",
        subject=link,
        summary=f"{organisation.code} is a {link.get_role_display().lower()} in {service}"
        + (f" under {accountable_to.code}" if accountable_to else ""),
        data={
            "role": role,
            "accountable_to": accountable_to.code if accountable_to else None,
            "valid_from": str(valid_from),
        },
    )
    return link


@transaction.atomic
def move_unit(
    *,
    unit: Organisation,
    service: Service,
    new_manager: Organisation,
    on: date,
    reason: str,
    acting_user: Actor,
) -> ChainLink:
    """Move a unit to another performance manager from ``on``; the old link is closed, not changed."""
    link = (
        ChainLink.objects.select_for_update()
        .filter(organisation=unit, service=service, valid_to__isnull=True)
        .first()
    )
    if link is None or link.role != ChainRole.FRONT_LINE_UNIT:
        raise ChainError(f"{unit.code} is not a front line unit in {service}.", code="invalid")
    if link.accountable_to_id == new_manager.pk:
        raise ChainError(
            f"{unit.code} is already managed by {new_manager.code} in {service}.", code="invalid"
        )
    if on < link.valid_from:
        raise ChainError(
            f"The move date {on} is before {unit.code} joined {link.accountable_to}'s units ({link.valid_from}).",
            code="invalid",
        )
    if not reason.strip():
        raise ChainError("Say why the unit moves: the reason is kept with its history.", code="required")
    _check_place(unit, service, ChainRole.FRONT_LINE_UNIT, new_manager, on)
    previous = link.accountable_to
    link.valid_to = on
    link.save(update_fields=["valid_to"])
    new_link = ChainLink.objects.create(
        organisation=unit,
        service=service,
        role=ChainRole.FRONT_LINE_UNIT,
        accountable_to=new_manager,
        valid_from=on,
        reason=reason.strip(),
    )
    record_event(
        actor=acting_user,
        action="chain.move_unit",
        subject=new_link,
        summary=f"{unit.code} moved from {previous.code if previous else '-'} to {new_manager.code} in {service} on {on}",
        data={
            "from": previous.code if previous else None,
            "to": new_manager.code,
            "on": str(on),
            "reason": reason,
        },
    )
    return new_link


@transaction.atomic
def define_context_variable(
    *,
    code: str,
    name: str,
    unit_of_measure: str = "",
    description: str = "",
    synthetic: bool = False,
    acting_user: Actor,
) -> ContextVariable:
    variable, created = ContextVariable.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "unit_of_measure": unit_of_measure,
            "description": description,
            "synthetic": synthetic,
        },
    )
    if created:
        record_event(
            actor=acting_user,
            action="chain.define_context_variable",
            subject=variable,
            summary=f"Defined {name}",
        )
    return variable


@transaction.atomic
def record_context_values(
    *,
    variable: ContextVariable,
    values: dict[Organisation, float],
    period_start: date,
    reason: str = "",
    acting_user: Actor,
) -> int:
    """Record one variable's values for many units; a changed value needs a reason and keeps the old one in the audit trail.

    Returns the number of values written (new or changed).
    """
    existing = {
        row.organisation_id: row
        for row in ContextValue.objects.select_for_update().filter(
            variable=variable, period_start=period_start, organisation__in=list(values)
        )
    }
    new_rows: list[ContextValue] = []
    updated_rows: list[ContextValue] = []
    changed: list[dict[str, Any]] = []
    for organisation, value in values.items():
        current = existing.get(organisation.pk)
        if current is None:
            new_rows.append(
                ContextValue(
                    organisation=organisation, variable=variable, period_start=period_start, value=value
                )
            )
        elif current.value != value:
            changed.append({"organisation": organisation.code, "old": current.value, "new": value})
            current.value = value
            updated_rows.append(current)
    if changed and not reason.strip():
        raise ChainError(
            f"{len(changed)} {variable.code} value(s) for {period_start} differ from those recorded "
            f"(first: {changed[0]['organisation']}); give a reason to change them.",
            code="required",
        )
    ContextValue.objects.bulk_create(new_rows, batch_size=1000)
    ContextValue.objects.bulk_update(updated_rows, ["value"], batch_size=1000)
    if new_rows or changed:
        record_event(
            actor=acting_user,
            action="chain.record_context_values",
            subject=variable,
            summary=f"{len(new_rows)} new and {len(changed)} changed {variable.code} values for {period_start}",
            data={"period_start": str(period_start), "changed": changed, "reason": reason},
        )
    return len(new_rows) + len(changed)


@transaction.atomic
def add_membership(
    *, user: AbstractBaseUser, organisation: Organisation, role: str, acting_user: Actor
) -> Membership:
    """Give a person a role in an organisation; the role must fit the organisation's place in a chain."""
    needed = ROLE_NEEDS_CHAIN_ROLE.get(role)
    if (
        needed is not None
        and not ChainLink.objects.filter(
            organisation=organisation, role__in=needed, valid_to__isnull=True
        ).exists()
    ):
        places = " or ".join(sorted(AS_A[r] for r in needed))
        raise ChainError(
            f"A {Role(role).label.lower()} belongs to {places}; {organisation.code} is not one in any service.",
            code="invalid",
        )
    membership, created = Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    if created:
        record_event(
            actor=acting_user,
            action="chain.add_membership",
            subject=membership,
            summary=f"{user} is a {Role(role).label.lower()} at {organisation.code}",
        )
    return membership


@transaction.atomic
def create_person(
    *,
    username: str,
    password: str,
    full_name: str = "",
    email: str = "",
    is_staff: bool = False,
    acting_user: Actor,
) -> AbstractBaseUser:
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ChainError(f"A user called {username!r} already exists.", code="duplicate")
    first, _, last = full_name.partition(" ")
    user = User.objects.create_user(
        username=username, password=password, email=email, first_name=first, last_name=last
    )
    if is_staff:
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    record_event(
        actor=acting_user, action="chain.create_person", subject=user, summary=f"Created user {username}"
    )
    return user
