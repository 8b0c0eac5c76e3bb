"""The negotiation thread: propose, challenge, revise, agree, sign, withdraw; and what agreement makes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max

from localstat.agreements import selectors
from localstat.agreements.choices import (
    NegotiationKind,
    NegotiationStatus,
    Side,
    StepKind,
)
from localstat.agreements.errors import AgreementError
from localstat.agreements.models import (
    AccountabilityAgreement,
    Goal,
    Negotiation,
    NegotiationPartner,
    NegotiationStep,
    ProposedTarget,
    Signature,
    TrajectorySignOff,
)
from localstat.agreements.services.common import LocalPSASpec, TargetSpec, _name_of, _user
from localstat.agreements.services.local_psas import _create_local_psa
from localstat.agreements.services.proposals import _check_record, _items
from localstat.chain.access import Actor, authorise, can
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.framework import services as framework
from localstat.framework.choices import ControlKind, ControlScope, TargetKind
from localstat.framework.errors import FrameworkError
from localstat.framework.services import ControlSpec


def _sides(proposer: Organisation, service: Service) -> tuple[Organisation, Organisation]:
    """The proposer's performance manager and the service's department, or a clear refusal."""
    current = links_current_on(None)
    link = current.filter(organisation=proposer, service=service).select_related("accountable_to").first()
    if link is None or link.role != ChainRole.FRONT_LINE_UNIT or link.accountable_to is None:
        raise AgreementError(
            f"{proposer.code} is not a front line unit in {service}, so it has no performance manager to "
            "negotiate local targets with.",
            code="invalid",
        )
    manager = link.accountable_to
    above = current.filter(organisation=manager, service=service).select_related("accountable_to").first()
    department = above.accountable_to if above is not None else None
    if department is None:
        raise AgreementError(f"{manager.code} answers to no department in {service}.", code="invalid")
    return manager, department


# ---------------------------------------------------------------- targets put forward


def _lock(negotiation: Negotiation) -> Negotiation:
    return (
        Negotiation.objects.select_for_update()
        .select_related("proposer", "manager", "department", "service")
        .get(pk=negotiation.pk)
    )


def _add_step(
    negotiation: Negotiation,
    *,
    kind: str,
    organisation: Organisation,
    acting_user: Actor,
    comment: str,
    on: date,
    checks: list[dict[str, Any]] | None = None,
    terms: dict[str, str] | None = None,
) -> NegotiationStep:
    last = negotiation.steps.aggregate(last=Max("number"))["last"] or 0
    if last:
        previous = negotiation.steps.get(number=last)
        if on < previous.on:
            raise AgreementError(
                f"A step cannot be dated {on:%-d %B %Y}, before the step it follows ({previous.on:%-d %B %Y}).",
                code="invalid",
            )
    return NegotiationStep.objects.create(
        negotiation=negotiation,
        number=last + 1,
        kind=kind,
        organisation=organisation,
        author=_user(acting_user),
        author_name=_name_of(acting_user),
        comment=comment.strip(),
        on=on,
        checks=checks or [],
        terms=terms or {},
    )


def _must_be_open(negotiation: Negotiation, doing: str) -> None:
    if negotiation.status != NegotiationStatus.OPEN:
        raise AgreementError(
            f"{negotiation.reference} is {negotiation.get_status_display().lower()}: it cannot be {doing}.",
            code="invalid_transition",
        )


@transaction.atomic
def propose_targets(
    *,
    proposer: Organisation,
    service: Service,
    title: str,
    targets: Sequence[TargetSpec],
    comment: str = "",
    partners: Sequence[tuple[Organisation, str]] = (),
    local_psa: LocalPSASpec | None = None,
    on: date | None = None,
    synthetic: bool = False,
    acting_user: Actor,
) -> Negotiation:
    """Open a negotiation with a proposal: local targets for a unit, or a Local PSA when ``local_psa``
    is given (a local authority, with named partner organisations). The engine checks each level."""
    authorise(acting_user, "agreements.propose", [proposer])
    on = on or today()
    if not title.strip():
        raise AgreementError("Give the proposal a title: the local priority it addresses.", code="required")
    manager, department = _sides(proposer, service)
    partner_rows = list(dict.fromkeys((p, c.strip()) for p, c in partners))
    if any(p.pk in (proposer.pk, manager.pk) for p, _ in partner_rows):
        raise AgreementError(
            "A partner is another organisation, not a side of the negotiation.", code="invalid"
        )
    negotiation = Negotiation.objects.create(
        kind=NegotiationKind.LOCAL_PSA if local_psa else NegotiationKind.LOCAL_TARGETS,
        title=title.strip()[:200],
        service=service,
        proposer=proposer,
        manager=manager,
        department=department,
        opened_on=on,
        synthetic=synthetic,
        created_by=_user(acting_user),
    )
    NegotiationPartner.objects.bulk_create(
        [NegotiationPartner(negotiation=negotiation, organisation=p, contribution=c) for p, c in partner_rows]
    )
    if local_psa is not None:
        _create_local_psa(negotiation, local_psa, on, acting_user)
    step = _add_step(
        negotiation,
        kind=StepKind.PROPOSAL,
        organisation=proposer,
        acting_user=acting_user,
        comment=comment,
        on=on,
    )
    items = _items(targets, negotiation=negotiation, step=step, on=on)
    record_event(
        actor=acting_user,
        action="agreements.propose_targets",
        subject=negotiation,
        summary=f"{proposer.code} proposed {negotiation.reference} to {manager.code}: "
        + ", ".join(f"{i.indicator.code} {i.level} ({i.get_verdict_display().lower()})" for i in items),
        data={"step": step.number, "kind": negotiation.kind},
    )
    return negotiation


@transaction.atomic
def challenge_proposal(
    *, negotiation: Negotiation, comment: str, on: date | None = None, acting_user: Actor
) -> NegotiationStep:
    """The performance manager challenges the proposal on the table, with the computed checks recorded."""
    negotiation = _lock(negotiation)
    authorise(acting_user, "agreements.challenge", [negotiation.proposer])
    _must_be_open(negotiation, "challenged")
    if not comment.strip():
        raise AgreementError(
            "Say what the challenge is: which targets are not stretching, achievable or relevant, and why.",
            code="required",
        )
    proposal = selectors.latest_proposal(negotiation)
    assert proposal is not None
    step = _add_step(
        negotiation,
        kind=StepKind.CHALLENGE,
        organisation=negotiation.manager,
        acting_user=acting_user,
        comment=comment,
        on=on or today(),
        checks=_check_record(selectors.items_of(proposal)),
    )
    record_event(
        actor=acting_user,
        action="agreements.challenge_proposal",
        subject=negotiation,
        summary=f"{negotiation.manager.code} challenged step {proposal.number} of {negotiation.reference}",
        data={"step": step.number},
    )
    return step


@transaction.atomic
def revise_proposal(
    *,
    negotiation: Negotiation,
    targets: Sequence[TargetSpec],
    comment: str,
    on: date | None = None,
    acting_user: Actor,
) -> NegotiationStep:
    """The proposer puts forward a revised set of targets; the earlier ones stay in the thread."""
    negotiation = _lock(negotiation)
    authorise(acting_user, "agreements.propose", [negotiation.proposer])
    _must_be_open(negotiation, "revised")
    if not comment.strip():
        raise AgreementError("Say what changed in the revision and why.", code="required")
    on = on or today()
    step = _add_step(
        negotiation,
        kind=StepKind.REVISION,
        organisation=negotiation.proposer,
        acting_user=acting_user,
        comment=comment,
        on=on,
    )
    items = _items(targets, negotiation=negotiation, step=step, on=on)
    record_event(
        actor=acting_user,
        action="agreements.revise_proposal",
        subject=negotiation,
        summary=f"{negotiation.proposer.code} revised {negotiation.reference}: "
        + ", ".join(f"{i.indicator.code} {i.level} ({i.get_verdict_display().lower()})" for i in items),
        data={"step": step.number},
    )
    return step


def _signatory(name: str, job_title: str, acting_user: Actor) -> tuple[str, str]:
    name = (name or "").strip() or (_name_of(acting_user) if acting_user is not None else "")
    if not name:
        raise AgreementError("Give the name of the person signing.", code="required")
    if not job_title.strip():
        raise AgreementError(
            f"Give {name}'s job title: agreements are signed by named people in post.", code="required"
        )
    return name[:150], job_title.strip()[:150]


@transaction.atomic
def agree_proposal(
    *,
    negotiation: Negotiation,
    style_of_relationship: str,
    triggers: str,
    escalation: str,
    job_title: str,
    name: str = "",
    comment: str = "",
    on: date | None = None,
    acting_user: Actor,
) -> NegotiationStep:
    """The performance manager agrees the proposal on the table and signs for its side, stating the
    terms of the accountability agreement it becomes (A.6): style, triggers for intervention, escalation."""
    negotiation = _lock(negotiation)
    authorise(acting_user, "agreements.agree", [negotiation.proposer])
    _must_be_open(negotiation, "agreed")
    terms = {
        "style_of_relationship": style_of_relationship.strip(),
        "triggers": triggers.strip(),
        "escalation": escalation.strip(),
    }
    missing = [k.replace("_", " ") for k, v in terms.items() if not v]
    if missing:
        raise AgreementError(
            f"An agreement states {', '.join(missing)} (seed A.6: the style of relationship, the triggers for "
            "intervention and the escalation regime).",
            code="required",
        )
    on = on or today()
    name, job_title = _signatory(name, job_title, acting_user)
    proposal = selectors.latest_proposal(negotiation)
    assert proposal is not None
    items = selectors.items_of(proposal)
    passed = [i for i in items if i.deadline <= on]
    if passed:
        raise AgreementError(
            f"{', '.join(i.indicator.code for i in passed)}: the deadline has passed; revise the proposal first.",
            code="invalid",
        )
    # A reward is for stretch (seed 3.17): not for what common-cause variation alone would reach.
    soft = [i for i in items if negotiation.is_local_psa and i.reward_share and i.verdict == "not_stretching"]
    if soft:
        raise AgreementError(
            "A Local PSA rewards only stretch targets, and the check finds "
            + "; ".join(f"{i.indicator.code} not stretching ({i.reason})" for i in soft)
            + " Revise the level beyond the process limit, or take the target out of the reward grant.",
            code="not_stretching",
        )
    step = _add_step(
        negotiation,
        kind=StepKind.AGREEMENT,
        organisation=negotiation.manager,
        acting_user=acting_user,
        comment=comment,
        on=on,
        terms=terms,
    )
    Signature.objects.create(
        negotiation=negotiation,
        side=Side.MANAGER,
        organisation=negotiation.manager,
        user=_user(acting_user),
        name=name,
        job_title=job_title,
        on=on,
    )
    negotiation.status = NegotiationStatus.AWAITING_SIGNATURES
    negotiation.save(update_fields=["status", "updated_at"])
    record_event(
        actor=acting_user,
        action="agreements.agree_proposal",
        subject=negotiation,
        summary=f"{negotiation.manager.code} agreed {negotiation.reference}; signed by {name}, {job_title}",
        data={"step": step.number, "terms": terms},
    )
    return step


def sides_to_sign(negotiation: Negotiation) -> list[str]:
    """Both sides, and the department where a reward grant is involved."""
    sides = [Side.MANAGER, Side.PROPOSER]
    local_psa = getattr(negotiation, "local_psa", None) if negotiation.is_local_psa else None
    if local_psa is not None and local_psa.reward_grant > 0:
        sides.append(Side.DEPARTMENT)
    return [str(s) for s in sides]


@transaction.atomic
def sign_agreement(
    *,
    negotiation: Negotiation,
    side: str,
    job_title: str,
    name: str = "",
    on: date | None = None,
    acting_user: Actor,
) -> Signature:
    """Sign an agreed proposal for the proposer (its unit manager) or the department (reward grant).
    The last signature makes the targets real: see :func:`_conclude`."""
    negotiation = _lock(negotiation)
    if side == Side.PROPOSER:
        authorise(acting_user, "agreements.propose", [negotiation.proposer])
        organisation = negotiation.proposer
    elif side == Side.DEPARTMENT:
        authorise(acting_user, "agreements.approve_grant", [negotiation.proposer])
        organisation = negotiation.department
    else:
        raise AgreementError(
            "The performance manager signs by agreeing; sign here for the proposer or the department.",
            code="invalid",
        )
    if negotiation.status != NegotiationStatus.AWAITING_SIGNATURES:
        raise AgreementError(
            f"{negotiation.reference} is {negotiation.get_status_display().lower()}: only an agreed proposal is signed.",
            code="invalid_transition",
        )
    if side not in sides_to_sign(negotiation):
        raise AgreementError(
            f"{negotiation.reference} involves no reward grant for the department to sign.", code="invalid"
        )
    if negotiation.signatures.filter(side=side).exists():
        raise AgreementError(
            f"{negotiation.reference} is already signed {Side(side).label.lower()}.", code="duplicate"
        )
    on = on or today()
    name, job_title = _signatory(name, job_title, acting_user)
    signature = Signature.objects.create(
        negotiation=negotiation,
        side=side,
        organisation=organisation,
        user=_user(acting_user),
        name=name,
        job_title=job_title,
        on=on,
    )
    record_event(
        actor=acting_user,
        action="agreements.sign_agreement",
        subject=negotiation,
        summary=f"{negotiation.reference} signed {Side(side).label.lower()} by {name}, {job_title}",
    )
    signed = set(negotiation.signatures.values_list("side", flat=True))
    if signed >= set(sides_to_sign(negotiation)):
        _conclude(negotiation, on)
    return signature


def _conclude(negotiation: Negotiation, on: date) -> None:
    """Every side has signed: the agreed targets enter the framework with their trajectories, become
    goals of an accountability agreement, and await their trajectory sign-off."""
    agreed_step = negotiation.steps.filter(kind=StepKind.AGREEMENT).order_by("-number").first()
    proposal = selectors.latest_proposal(negotiation)
    assert agreed_step is not None
    assert proposal is not None
    items = selectors.items_of(proposal)
    accountability = AccountabilityAgreement.objects.create(
        organisation=negotiation.proposer,
        counterparty=negotiation.manager,
        title=f"{negotiation.reference}: {negotiation.title}"[:200],
        style_of_relationship=agreed_step.terms["style_of_relationship"],
        triggers=agreed_step.terms["triggers"],
        escalation=agreed_step.terms["escalation"],
        starts_on=on,
        ends_on=max(max(i.deadline for i in items), on + timedelta(days=365)),
        negotiation=negotiation,
        synthetic=negotiation.synthetic,
    )
    for item in items:
        if item.is_measure:
            _agree_measure(negotiation, accountability, item, on)
            continue
        try:
            target = framework.assign_target(
                indicator=item.indicator,
                units=[negotiation.proposer],
                kind=TargetKind.ASPIRATIONAL,
                level=item.level,
                deadline=item.deadline,
                set_by=negotiation.manager,
                description=f"Local target agreed in {negotiation.reference} ({negotiation.title})"
                + (f": {item.description}" if item.description else ""),
                milestones=[(m[0], m[1]) for m in item.milestones],
                illustrative=negotiation.synthetic,
                proposed_on=negotiation.opened_on,
                acting_user=None,
            )
            framework.agree_target(target=target, on=on, acting_user=None)
            target = framework.activate_target(target=target, on=on, acting_user=None)
        except FrameworkError as error:
            raise AgreementError(
                f"{item.indicator.code}: {'; '.join(error.messages)}", code="invalid"
            ) from None
        item.target = target
        item.save(update_fields=["target"])
        TrajectorySignOff.objects.create(
            target=target,
            unit=negotiation.proposer,
            baseline_period=item.baseline_period,
            baseline=item.baseline,
            proposed_on=proposal.on,
        )
        Goal.objects.create(
            agreement=accountability,
            organisation=negotiation.proposer,
            outcome=f"{item.indicator.name} {target.level_text} by {item.deadline:%-d %B %Y}"[:300],
            target=target,
            responsible_officer=item.responsible_officer,
            action_plan=item.action_plan,
            due_by=item.deadline,
        )
    negotiation.status = NegotiationStatus.AGREED
    negotiation.closed_on = on
    negotiation.save(update_fields=["status", "closed_on", "updated_at"])
    record_event(
        actor=None,
        action="agreements.conclude",
        subject=negotiation,
        summary=f"{negotiation.reference} signed by every side: {len(items)} target(s) active from {on}",
        data={"targets": [i.target.reference for i in items if i.target]},
    )


def _agree_measure(
    negotiation: Negotiation, accountability: AccountabilityAgreement, item: ProposedTarget, on: date
) -> None:
    """An agreed measure enters the controls register as a measure the unit faces (Box 2.1)."""
    indicator = item.indicator
    try:
        control = framework.register_control(
            spec=ControlSpec(
                code=f"MEASURE-{negotiation.reference}-{indicator.code}"[:80],
                title=f"Measure: {indicator.name} (agreed locally in {negotiation.reference})"[:300],
                kind=ControlKind.MEASURE,
                focus=indicator.focus,
                issuing_body=negotiation.manager,
                in_force_from=on,
                scope=ControlScope.UNITS,
                units=[negotiation.proposer],
                indicator=indicator,
                description=item.description,
                illustrative=negotiation.synthetic,
                source=f"LocalStat local agreement {negotiation.reference}",
            ),
            acting_user=None,
        )
    except FrameworkError as error:
        raise AgreementError(f"{indicator.code}: {'; '.join(error.messages)}", code="invalid") from None
    item.control = control
    item.save(update_fields=["control"])
    Goal.objects.create(
        agreement=accountability,
        organisation=negotiation.proposer,
        outcome=f"Monitor {indicator.name} (a measure) to {item.deadline:%-d %B %Y}"[:300],
        responsible_officer=item.responsible_officer,
        action_plan=item.action_plan,
        due_by=item.deadline,
    )


@transaction.atomic
def withdraw_negotiation(
    *, negotiation: Negotiation, reason: str, on: date | None = None, acting_user: Actor
) -> NegotiationStep:
    """Either side withdraws before every signature is in; the thread stays as it was."""
    negotiation = _lock(negotiation)
    if negotiation.status not in (NegotiationStatus.OPEN, NegotiationStatus.AWAITING_SIGNATURES):
        raise AgreementError(
            f"{negotiation.reference} is {negotiation.get_status_display().lower()}: it cannot be withdrawn.",
            code="invalid_transition",
        )
    if acting_user is None or can(acting_user, "agreements.propose", negotiation.proposer):
        side = negotiation.proposer
    elif can(acting_user, "agreements.agree", negotiation.proposer):
        side = negotiation.manager
    else:
        authorise(acting_user, "agreements.propose", [negotiation.proposer])  # refuses, naming the action
        raise AgreementError("Only the two sides may withdraw.", code="invalid")  # pragma: no cover
    if not reason.strip():
        raise AgreementError("Give the reason for withdrawing.", code="required")
    on = on or today()
    step = _add_step(
        negotiation,
        kind=StepKind.WITHDRAWAL,
        organisation=side,
        acting_user=acting_user,
        comment=reason,
        on=on,
    )
    negotiation.status = NegotiationStatus.WITHDRAWN
    negotiation.closed_on = on
    negotiation.save(update_fields=["status", "closed_on", "updated_at"])
    record_event(
        actor=acting_user,
        action="agreements.withdraw_negotiation",
        subject=negotiation,
        summary=f"{side.code} withdrew {negotiation.reference}: {reason.strip()[:200]}",
    )
    return step


# ---------------------------------------------------------------- Local PSAs
