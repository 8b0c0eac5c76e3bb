"""Exemptions from further targets: one record, whether a standard was met or a freedom earned."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from localstat.chain.access import Actor, authorise
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.framework.choices import ExemptionGrounds
from localstat.framework.errors import FrameworkError
from localstat.framework.models import Exemption, Indicator, Standard


@transaction.atomic
def grant_exemption(
    *,
    unit: Organisation,
    grounds: str,
    evidence: str,
    indicator: Indicator | None = None,
    service: Service | None = None,
    standard: Standard | None = None,
    granted_by: Organisation | None = None,
    granted_on: date | None = None,
    ends_on: date | None = None,
    reference: str = "",
    acting_user: Actor,
) -> Exemption:
    """Release a unit from further targets on an indicator (or, with no indicator, on every indicator of
    ``service``). ``grounds`` says why: the unit meets ``standard``, or it earned the freedom (the
    regime passes ``reference`` to name the freedom). Granting what is already in force returns it."""
    authorise(acting_user, "framework.grant_exemption", [unit])
    if grounds not in ExemptionGrounds.values:
        raise FrameworkError(
            f"{grounds!r} is not grounds for an exemption: use {' or '.join(ExemptionGrounds.values)}.",
            code="invalid",
        )
    if grounds == ExemptionGrounds.STANDARD_MET:
        if standard is None:
            raise FrameworkError("Name the standard the unit meets.", code="required")
        if indicator is not None and indicator.pk != standard.indicator_id:
            raise FrameworkError(
                f"The standard is on {standard.indicator.code}, not {indicator.code}.", code="invalid"
            )
        indicator = standard.indicator
    if indicator is not None:
        service = indicator.service
    if service is None:
        raise FrameworkError(
            "Name the indicator, or the service whose every indicator it covers.", code="required"
        )
    if not evidence.strip():
        raise FrameworkError(f"Give the evidence for exempting {unit.code}.", code="required")
    granted_on = granted_on or today()
    if ends_on is not None and ends_on <= granted_on:
        raise FrameworkError(
            f"The exemption ends ({ends_on}) before it starts ({granted_on}).", code="invalid"
        )
    is_unit = (
        links_current_on(None)
        .filter(organisation=unit, service=service, role=ChainRole.FRONT_LINE_UNIT)
        .exists()
    )
    if not is_unit:
        raise FrameworkError(f"{unit.code} is not a front line unit in {service}.", code="invalid")
    same = Exemption.objects.filter(
        unit=unit,
        indicator=indicator,
        service=service,
        grounds=grounds,
        ends_on__isnull=True,
        granted_on__lte=granted_on,
    ).first()
    if same is not None:
        return same
    exemption = Exemption.objects.create(
        unit=unit,
        service=service,
        indicator=indicator,
        grounds=grounds,
        standard=standard,
        granted_by=granted_by,
        granted_on=granted_on,
        ends_on=ends_on,
        evidence=evidence.strip(),
        reference=reference.strip(),
    )
    record_event(
        actor=acting_user,
        action="framework.grant_exemption",
        subject=exemption,
        summary=str(exemption),
        data={
            "grounds": grounds,
            "granted_on": str(granted_on),
            "evidence": evidence,
            "reference": reference,
        },
    )
    return exemption


@transaction.atomic
def exempt_units_meeting_standard(
    *,
    standard: Standard,
    units: Sequence[Organisation],
    evidence: str,
    granted_by: Organisation | None = None,
    granted_on: date | None = None,
    acting_user: Actor,
) -> list[Exemption]:
    """Exempt every unit named as meeting ``standard`` from further targets on its indicator."""
    authorise(acting_user, "framework.grant_exemption", units)
    return [
        grant_exemption(
            unit=unit,
            grounds=ExemptionGrounds.STANDARD_MET,
            standard=standard,
            evidence=evidence,
            granted_by=granted_by,
            granted_on=granted_on or max(today(), standard.established_on),
            acting_user=None,
        )
        for unit in units
    ]


@transaction.atomic
def end_exemption(
    *, exemption: Exemption, on: date | None = None, reason: str, acting_user: Actor
) -> Exemption:
    """End an exemption from ``on``: the unit can be given targets on the indicator again."""
    authorise(acting_user, "framework.grant_exemption", [exemption.unit])
    exemption = Exemption.objects.select_for_update().get(pk=exemption.pk)
    on = on or today()
    if exemption.ends_on is not None and exemption.ends_on <= on:
        raise FrameworkError(
            f"Exemption {exemption.pk} already ended on {exemption.ends_on}.", code="invalid"
        )
    if on <= exemption.granted_on:
        raise FrameworkError(
            f"Exemption {exemption.pk} started on {exemption.granted_on}; it can end only after that.",
            code="invalid",
        )
    if not reason.strip():
        raise FrameworkError("Say why the exemption ends.", code="required")
    exemption.ends_on, exemption.end_reason = on, reason.strip()
    exemption.save(update_fields=["ends_on", "end_reason"])
    record_event(
        actor=acting_user,
        action="framework.end_exemption",
        subject=exemption,
        summary=f"{exemption.unit.code}'s exemption {exemption.pk} ends on {on}",
        data={"reason": reason},
    )
    return exemption
