"""The target life cycle, one service per step: proposed → agreed → active → met or missed."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from localstat.chain.access import Actor, authorise
from localstat.chain.models import Organisation
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.framework.choices import ControlKind, ControlScope, TargetScope, TargetStatus
from localstat.framework.errors import FrameworkError
from localstat.framework.models import Control, ControlUnit, Standard, Target


def _acted_on(target: Target) -> list[Organisation]:
    """The organisations a transition is checked against: the department for a national target, else its units."""
    if target.scope == TargetScope.NATIONAL:
        return [target.set_by]
    return list(target.units.all())


def _transition(target: Target, expected: str, verb: str) -> Target:
    locked = (
        Target.objects.select_for_update(of=("self",))
        .select_related("indicator", "indicator_version")
        .get(pk=target.pk)
    )
    if locked.status != expected:
        raise FrameworkError(
            f"{locked.reference} is {locked.get_status_display().lower()}; only a "
            f"{TargetStatus(expected).label.lower()} target can be {verb}.",
            code="invalid_transition",
        )
    return locked


@transaction.atomic
def agree_target(*, target: Target, on: date | None = None, acting_user: Actor) -> Target:
    """proposed → agreed."""
    authorise(acting_user, "framework.agree_target", _acted_on(target))
    target = _transition(target, TargetStatus.PROPOSED, "agreed")
    on = on or today()
    if on < target.proposed_on:
        raise FrameworkError(
            f"{target.reference} cannot be agreed before it was proposed ({target.proposed_on})."
        )
    target.status, target.agreed_on = TargetStatus.AGREED, on
    target.save(update_fields=["status", "agreed_on", "updated_at"])
    record_event(
        actor=acting_user,
        action="framework.agree_target",
        subject=target,
        summary=f"{target.reference} agreed on {on}",
    )
    return target


@transaction.atomic
def activate_target(*, target: Target, on: date | None = None, acting_user: Actor) -> Target:
    """agreed → active. A target on units enters the controls register: it is a control those units face."""
    authorise(acting_user, "framework.agree_target", _acted_on(target))
    target = _transition(target, TargetStatus.AGREED, "made active")
    on = on or today()
    assert target.agreed_on is not None
    if on < target.agreed_on:
        raise FrameworkError(f"{target.reference} cannot start before it was agreed ({target.agreed_on}).")
    target.status, target.active_from = TargetStatus.ACTIVE, on
    target.save(update_fields=["status", "active_from", "updated_at"])
    if target.scope == TargetScope.UNITS:
        control = Control.objects.create(
            code=f"TARGET-{target.reference}",
            title=f"Target: {target.indicator.name} {target.level_text} by {target.deadline:%-d %B %Y}",
            kind=ControlKind.TARGET,
            focus=target.indicator.focus,
            issuing_body=target.set_by,
            psa=target.psa,
            indicator=target.indicator,
            level=target.level,
            target=target,
            scope=ControlScope.UNITS,
            in_force_from=on,
            illustrative=target.illustrative,
            source=f"LocalStat target {target.reference}",
        )
        ControlUnit.objects.bulk_create([ControlUnit(control=control, unit=u) for u in target.units.all()])
    record_event(
        actor=acting_user,
        action="framework.activate_target",
        subject=target,
        summary=f"{target.reference} active from {on}",
    )
    return target


def _close(target: Target, status: str, on: date | None, evidence: str, acting_user: Actor) -> Target:
    verb = "recorded as met" if status == TargetStatus.MET else "recorded as missed"
    target = _transition(target, TargetStatus.ACTIVE, verb)
    on = on or today()
    assert target.active_from is not None
    if on <= target.active_from:
        raise FrameworkError(
            f"{target.reference} became active on {target.active_from}; its outcome comes after that, not on {on}.",
            code="invalid",
        )
    if not evidence.strip():
        raise FrameworkError(
            f"Give the evidence that {target.reference} was {status}: the figures and where they come from.",
            code="required",
        )
    target.status, target.closed_on, target.outcome_evidence = status, on, evidence.strip()
    target.save(update_fields=["status", "closed_on", "outcome_evidence", "updated_at"])
    Control.objects.filter(target=target, removed_on__isnull=True).update(
        removed_on=on, removal_reason=f"Target {status} on {on}"
    )
    return target


@transaction.atomic
def record_target_met(*, target: Target, evidence: str, on: date | None = None, acting_user: Actor) -> Target:
    """active → met, with the evidence. A met national PSA target becomes a standard at the same level."""
    authorise(acting_user, "framework.record_target_outcome", _acted_on(target))
    target = _close(target, TargetStatus.MET, on, evidence, acting_user)
    standard = None
    if target.is_headline:
        existing = Standard.objects.filter(indicator=target.indicator).first()
        if existing is None:
            standard = Standard.objects.create(
                indicator=target.indicator,
                indicator_version=target.indicator_version,
                target=target,
                level=target.level,
                established_on=target.closed_on,
            )
    record_event(
        actor=acting_user,
        action="framework.record_target_met",
        subject=target,
        summary=f"{target.reference} met on {target.closed_on}"
        + (f"; {target.indicator.code} is now a standard at {target.level_text}" if standard else ""),
        data={"evidence": evidence, "standard": standard.pk if standard else None},
    )
    return target


@transaction.atomic
def record_target_missed(
    *, target: Target, evidence: str, on: date | None = None, acting_user: Actor
) -> Target:
    """active → missed, with the evidence."""
    authorise(acting_user, "framework.record_target_outcome", _acted_on(target))
    target = _close(target, TargetStatus.MISSED, on, evidence, acting_user)
    record_event(
        actor=acting_user,
        action="framework.record_target_missed",
        subject=target,
        summary=f"{target.reference} missed on {target.closed_on}",
        data={"evidence": evidence},
    )
    return target
