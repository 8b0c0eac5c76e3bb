"""Accountability agreements and goals (A.6, Box 5.3), and trajectory sign-off (A.5)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from localstat.agreements.errors import AgreementError
from localstat.agreements.models import (
    AccountabilityAgreement,
    Goal,
    GoalChange,
    TrajectorySignOff,
)
from localstat.agreements.services.common import _name_of, _user
from localstat.chain.access import Actor, authorise
from localstat.chain.models import Organisation
from localstat.core.audit import record_event
from localstat.core.clock import today


@transaction.atomic
def write_accountability_agreement(
    *,
    organisation: Organisation,
    title: str,
    style_of_relationship: str,
    triggers: str,
    escalation: str,
    starts_on: date,
    ends_on: date,
    counterparty: Organisation | None = None,
    synthetic: bool = False,
    acting_user: Actor,
) -> AccountabilityAgreement:
    authorise(acting_user, "agreements.manage_accountability", [organisation])
    fields = {
        "title": title,
        "style of relationship": style_of_relationship,
        "triggers for intervention": triggers,
        "escalation regime": escalation,
    }
    missing = [k for k, v in fields.items() if not v.strip()]
    if missing:
        raise AgreementError(
            f"An accountability agreement states its {', '.join(missing)} (seed A.6).", code="required"
        )
    if ends_on <= starts_on:
        raise AgreementError("An accountability agreement is timed: it ends after it starts.", code="invalid")
    if counterparty is not None and counterparty.pk == organisation.pk:
        raise AgreementError("The counterparty is another organisation.", code="invalid")
    agreement = AccountabilityAgreement.objects.create(
        organisation=organisation,
        counterparty=counterparty,
        title=title.strip()[:200],
        style_of_relationship=style_of_relationship.strip(),
        triggers=triggers.strip(),
        escalation=escalation.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        synthetic=synthetic,
        created_by=_user(acting_user),
    )
    record_event(
        actor=acting_user,
        action="agreements.write_accountability_agreement",
        subject=agreement,
        summary=f"{organisation.code}: accountability agreement {agreement.title!r}",
    )
    return agreement


@transaction.atomic
def add_goal(
    *,
    agreement: AccountabilityAgreement,
    outcome: str,
    responsible_officer: str = "",
    responsible_role: str = "",
    action_plan: str = "",
    due_by: date | None = None,
    acting_user: Actor,
) -> Goal:
    """Add a goal. It may lack an owner, a plan or a timescale for now: the report lists it until it has all three."""
    authorise(acting_user, "agreements.manage_accountability", [agreement.organisation])
    if not outcome.strip():
        raise AgreementError("Say what the goal is: the outcome to deliver.", code="required")
    goal = Goal.objects.create(
        agreement=agreement,
        organisation=agreement.organisation,
        outcome=outcome.strip()[:300],
        responsible_officer=responsible_officer.strip()[:150],
        responsible_role=responsible_role.strip()[:150],
        action_plan=action_plan.strip(),
        due_by=due_by,
    )
    record_event(
        actor=acting_user,
        action="agreements.add_goal",
        subject=goal,
        summary=f"{agreement.organisation.code}: goal {goal.outcome!r}"
        + (f" (lacks {', '.join(goal.missing)})" if goal.missing else ""),
    )
    return goal


@transaction.atomic
def update_goal(
    *,
    goal: Goal,
    responsible_officer: str,
    responsible_role: str,
    action_plan: str,
    due_by: date | None,
    reason: str,
    acting_user: Actor,
) -> Goal:
    """Name a goal's owner, write its plan or set its timescale; what it was before is kept."""
    goal = Goal.objects.select_for_update().select_related("organisation").get(pk=goal.pk)
    authorise(acting_user, "agreements.manage_accountability", [goal.organisation])
    if not reason.strip():
        raise AgreementError("Say why the goal changes.", code="required")
    new = {
        "responsible_officer": responsible_officer.strip()[:150],
        "responsible_role": responsible_role.strip()[:150],
        "action_plan": action_plan.strip(),
        "due_by": due_by,
    }
    old = {k: getattr(goal, k) for k in new}
    if new == old:
        raise AgreementError("Nothing changed.", code="unchanged")
    GoalChange.objects.create(goal=goal, reason=reason.strip()[:300], changed_by=_user(acting_user), **old)
    for key, value in new.items():
        setattr(goal, key, value)
    goal.save(update_fields=[*new, "updated_at"])
    record_event(
        actor=acting_user,
        action="agreements.update_goal",
        subject=goal,
        summary=f"{goal.organisation.code}: goal {goal.outcome!r} updated: {reason.strip()[:200]}",
        data={"before": {k: str(v) for k, v in old.items()}, "after": {k: str(v) for k, v in new.items()}},
    )
    return goal


# ---------------------------------------------------------------- trajectories (A.5)


@transaction.atomic
def sign_off_trajectory(
    *, sign_off: TrajectorySignOff, name: str = "", on: date | None = None, acting_user: Actor
) -> TrajectorySignOff:
    """The responsible manager signs off an agreed target's trajectory, once."""
    sign_off = (
        TrajectorySignOff.objects.select_for_update().select_related("unit", "target").get(pk=sign_off.pk)
    )
    authorise(acting_user, "agreements.sign_off_trajectory", [sign_off.unit])
    if sign_off.is_signed_off:
        raise AgreementError(
            f"The trajectory of {sign_off.target.reference} was signed off by {sign_off.signed_off_name} on "
            f"{sign_off.signed_off_on:%-d %B %Y}.",
            code="duplicate",
        )
    name = (name or "").strip() or (_name_of(acting_user) if acting_user is not None else "")
    if not name:
        raise AgreementError("Give the name of the manager signing off.", code="required")
    sign_off.signed_off_by = _user(acting_user)
    sign_off.signed_off_name = name[:150]
    sign_off.signed_off_on = on or today()
    sign_off.save(update_fields=["signed_off_by", "signed_off_name", "signed_off_on"])
    record_event(
        actor=acting_user,
        action="agreements.sign_off_trajectory",
        subject=sign_off,
        summary=f"Trajectory of {sign_off.target.reference} signed off by {name}",
    )
    return sign_off
