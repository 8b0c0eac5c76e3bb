"""The performance framework over the API: indicators, targets (with their life cycle), controls, burden.

Reads are public, showing what the caller may see (internal-only indicators and proposed targets only
inside the chain). Writes use the signed-in session and the same services, permissions and errors as
the pages: a refusal is a 400 with the reason, a missing permission a 403, and nothing is written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from localstat.chain.access import NotPermitted
from localstat.chain.models import Organisation, Service
from localstat.core.clock import today
from localstat.framework import selectors, services
from localstat.framework.choices import ControlKind, ControlScope, Focus, TargetKind, TargetStatus
from localstat.framework.errors import FrameworkError
from localstat.framework.models import PSA, Control, Indicator, IndicatorVersion, Target

router = Router(tags=["framework"])


class VersionOut(Schema):
    number: int
    valid_from: date
    definition: str
    numerator_definition: str
    denominator_definition: str
    statistic: str
    multiplier: int
    display_unit: str
    polarity: str
    periodicity: str
    change_reason: str


class IndicatorOut(Schema):
    code: str
    name: str
    service: str
    owner: str
    focus: str
    internal_only: bool
    synthetic: bool
    version: VersionOut = Field(description="The current definition.")


class IndicatorDetailOut(IndicatorOut):
    versions: list[VersionOut]
    equivalent_to: list[str]
    standard: str | None = Field(description="The standard's level, e.g. '≥ 95.0%', if it has one.")


class MilestoneIO(Schema):
    period_start: date
    level: Decimal


class TargetOut(Schema):
    reference: str
    psa: str | None
    parent: str | None
    indicator: str
    indicator_version: int
    kind: str
    scope: str
    level: Decimal
    level_text: str
    deadline: date
    units: list[str]
    set_by: str
    status: str
    proposed_on: date
    agreed_on: date | None
    active_from: date | None
    closed_on: date | None
    milestones: list[MilestoneIO]


class TargetIn(Schema):
    reference: str | None = Field(
        default=None, description="Default: made from the PSA or setter and indicator."
    )
    indicator: str = Field(examples=["AE4H"])
    kind: TargetKind
    level: Decimal
    deadline: date
    psa: str | None = Field(default=None, description="The PSA; with no units, a national (headline) target.")
    units: list[str] = Field(default_factory=list, description="Unit codes; empty for a national target.")
    set_by: str | None = Field(default=None, description="The performance manager (unit targets).")
    milestones: list[MilestoneIO] = Field(default_factory=list)
    description: str = ""


class StepIn(Schema):
    step: str = Field(description="agree, activate, met or missed", examples=["agree"])
    on: date | None = Field(default=None, description="Default: today.")
    evidence: str = Field(default="", description="Needed for met and missed.")


class ControlOut(Schema):
    code: str
    title: str
    kind: str
    focus: str
    issuing_body: str
    framework: str
    psa: str | None
    indicator: str | None
    level: Decimal | None
    applies_to: str
    units: list[str]
    in_force_from: date
    removed_on: date | None
    removal_reason: str
    illustrative: bool


class ControlIn(Schema):
    code: str
    title: str
    kind: ControlKind
    focus: Focus
    issuing_body: str
    in_force_from: date
    scope: ControlScope
    unit_type: str = ""
    service: str | None = None
    units: list[str] = Field(default_factory=list)
    framework: str = ""
    psa: str | None = None
    indicator: str | None = None
    level: Decimal | None = None
    description: str = ""


class RowOut(Schema):
    key: str
    label: str
    total: int
    psa_related: int
    not_psa_related: int


class OverlapOut(Schema):
    indicators: list[str]
    bodies: list[str]
    controls: list[str]


class BurdenOut(Schema):
    subject: str
    as_of: date
    total_controls: int
    headline_psa_targets: int
    ratio: Decimal | None
    ratio_sentence: str
    psa_related: int
    not_psa_related: int
    illustrative: bool
    by_issuing_body: list[RowOut]
    by_kind: list[RowOut]
    by_focus: list[RowOut]
    overlaps: list[OverlapOut]


def _version(version: IndicatorVersion) -> dict[str, object]:
    return {name: getattr(version, name) for name in VersionOut.model_fields}


def _indicator(indicator: Indicator) -> dict[str, object]:
    assert indicator.current_version is not None
    return {
        "code": indicator.code,
        "name": indicator.name,
        "service": indicator.service.code,
        "owner": indicator.owner.code,
        "focus": indicator.focus,
        "internal_only": indicator.internal_only,
        "synthetic": indicator.synthetic,
        "version": _version(indicator.current_version),
    }


def _target(target: Target) -> dict[str, object]:
    return {
        "reference": target.reference,
        "psa": target.psa.code if target.psa else None,
        "parent": target.parent.reference if target.parent else None,
        "indicator": target.indicator.code,
        "indicator_version": target.indicator_version.number,
        "kind": target.kind,
        "scope": target.scope,
        "level": target.level,
        "level_text": target.level_text,
        "deadline": target.deadline,
        "units": [u.code for u in target.units.all()],
        "set_by": target.set_by.code,
        "status": target.status,
        "proposed_on": target.proposed_on,
        "agreed_on": target.agreed_on,
        "active_from": target.active_from,
        "closed_on": target.closed_on,
        "milestones": [{"period_start": m.period_start, "level": m.level} for m in target.milestones.all()],
    }


def _control(control: Control) -> dict[str, object]:
    return {
        "code": control.code,
        "title": control.title,
        "kind": control.kind,
        "focus": control.focus,
        "issuing_body": control.issuing_body.code,
        "framework": control.framework,
        "psa": control.psa.code if control.psa else None,
        "indicator": control.indicator.code if control.indicator else None,
        "level": control.level,
        "applies_to": control.applies_to_text,
        "units": [u.code for u in control.units.all()],
        "in_force_from": control.in_force_from,
        "removed_on": control.removed_on,
        "removal_reason": control.removal_reason,
        "illustrative": control.illustrative,
    }


def _refused(error: FrameworkError | NotPermitted) -> HttpError:
    if isinstance(error, NotPermitted):
        return HttpError(403, str(error))
    return HttpError(400, "; ".join(error.messages))


def _organisations(codes: list[str], what: str) -> list[Organisation]:
    found = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise HttpError(400, f"{what}: no organisation has the code {', '.join(repr(c) for c in missing)}.")
    return [found[c] for c in codes]


@router.get("/indicators", response=list[IndicatorOut], summary="Indicators the caller may see")
def list_indicators(request: HttpRequest, service: str | None = None) -> list[dict[str, object]]:
    indicators = selectors.indicators_visible_to(request.user).order_by("code")
    if service:
        indicators = indicators.filter(service__code=service)
    return [_indicator(i) for i in indicators]


@router.get("/indicators/{code}", response=IndicatorDetailOut, summary="An indicator with every version")
def get_indicator(request: HttpRequest, code: str) -> dict[str, object]:
    indicator = get_object_or_404(selectors.indicators_visible_to(request.user), code=code)
    classes = selectors.equivalence_classes()
    group = classes.get(indicator.pk)
    equivalents = (
        list(
            Indicator.objects.filter(
                pk__in=[pk for pk, root in classes.items() if root == group and pk != indicator.pk]
            )
            .order_by("code")
            .values_list("code", flat=True)
        )
        if group is not None
        else []
    )
    standard = selectors.standards().filter(indicator=indicator).first()
    return {
        **_indicator(indicator),
        "versions": [_version(v) for v in indicator.versions.order_by("number")],
        "equivalent_to": equivalents,
        "standard": standard.level_text if standard else None,
    }


class TargetFilters(Schema):
    indicator: str | None = None
    psa: str | None = None
    unit: str | None = Field(default=None, description="Targets placed on this unit.")
    status: TargetStatus | None = None
    national: bool | None = Field(default=None, description="true: national (headline) targets only.")


@router.get("/targets", response=list[TargetOut], summary="Targets the caller may see")
def list_targets(request: HttpRequest, filters: Query[TargetFilters]) -> list[dict[str, object]]:
    targets = selectors.targets_visible_to(request.user).order_by("reference")
    if filters.indicator:
        targets = targets.filter(indicator__code=filters.indicator)
    if filters.psa:
        targets = targets.filter(psa__code=filters.psa)
    if filters.unit:
        targets = targets.filter(target_units__unit__code=filters.unit)
    if filters.status:
        targets = targets.filter(status=filters.status)
    if filters.national is not None:
        targets = targets.filter(scope="national" if filters.national else "units")
    return [_target(t) for t in targets]


@router.get("/targets/{reference}", response=TargetOut, summary="One target")
def get_target(request: HttpRequest, reference: str) -> dict[str, object]:
    return _target(get_object_or_404(selectors.targets_visible_to(request.user), reference=reference))


@router.post(
    "/targets",
    response={201: TargetOut},
    auth=django_auth,
    summary="Propose a target: national on a PSA (no units), or for units (refused for an exempt unit)",
)
def propose_target(request: HttpRequest, payload: TargetIn) -> Status:
    indicator = Indicator.objects.filter(code=payload.indicator).first()
    if indicator is None:
        raise HttpError(400, f"indicator: no indicator has the code {payload.indicator!r}.")
    psa = None
    if payload.psa:
        psa = PSA.objects.filter(code=payload.psa).first()
        if psa is None:
            raise HttpError(400, f"psa: no PSA has the code {payload.psa!r}.")
    milestones = [(m.period_start, m.level) for m in payload.milestones]
    try:
        if payload.units:
            if not payload.set_by:
                raise HttpError(
                    400, "set_by: name the performance manager (or department) setting the target."
                )
            (set_by,) = _organisations([payload.set_by], "set_by")
            target = services.assign_target(
                indicator=indicator,
                units=_organisations(payload.units, "units"),
                kind=payload.kind,
                level=payload.level,
                deadline=payload.deadline,
                set_by=set_by,
                psa=psa,
                reference=payload.reference,
                description=payload.description,
                milestones=milestones,
                acting_user=request.user,
            )
        else:
            if psa is None:
                raise HttpError(400, "units: name the units, or the PSA for a national target.")
            target = services.propose_psa_target(
                psa=psa,
                indicator=indicator,
                kind=payload.kind,
                level=payload.level,
                deadline=payload.deadline,
                reference=payload.reference,
                description=payload.description,
                milestones=milestones,
                acting_user=request.user,
            )
    except (FrameworkError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(201, _target(selectors.targets_visible_to(request.user).get(pk=target.pk)))


@router.post(
    "/targets/{reference}/steps",
    response=TargetOut,
    auth=django_auth,
    summary="Move a target one step on its life cycle: agree, activate, met or missed",
)
def step_target(request: HttpRequest, reference: str, payload: StepIn) -> dict[str, object]:
    target = get_object_or_404(selectors.targets_visible_to(request.user), reference=reference)
    steps = {
        "agree": services.agree_target,
        "activate": services.activate_target,
        "met": services.record_target_met,
        "missed": services.record_target_missed,
    }
    if payload.step not in steps:
        raise HttpError(400, f"step: {payload.step!r} is not agree, activate, met or missed.")
    extra = {"evidence": payload.evidence} if payload.step in ("met", "missed") else {}
    try:
        steps[payload.step](target=target, on=payload.on, acting_user=request.user, **extra)  # type: ignore[operator]
    except (FrameworkError, NotPermitted) as error:
        raise _refused(error) from None
    return _target(selectors.targets_visible_to(request.user).get(pk=target.pk))


class ControlFilters(Schema):
    issuing_body: str | None = None
    unit: str | None = Field(default=None, description="Controls counted in this unit's burden on as_of.")
    as_of: date | None = Field(default=None, description="Only controls in force on this date.")


@router.get("/controls", response=list[ControlOut], summary="The controls register")
def list_controls(request: HttpRequest, filters: Query[ControlFilters]) -> list[dict[str, object]]:
    if filters.unit:
        unit = get_object_or_404(Organisation, code=filters.unit)
        report = selectors.unit_burden(unit, filters.as_of or today())
        controls = selectors.controls_register().filter(pk__in=[c.pk for c in report.controls])
    else:
        body = get_object_or_404(Organisation, code=filters.issuing_body) if filters.issuing_body else None
        controls = selectors.controls_register(issuing_body=body, as_of=filters.as_of, include_removed=False)
    if filters.issuing_body and filters.unit:
        controls = controls.filter(issuing_body__code=filters.issuing_body)
    return [_control(c) for c in controls]


@router.post("/controls", response={201: ControlOut}, auth=django_auth, summary="Register a control")
def register_control(request: HttpRequest, payload: ControlIn) -> Status:
    (body,) = _organisations([payload.issuing_body], "issuing_body")
    service = None
    if payload.service:
        service = Service.objects.filter(code=payload.service).first()
        if service is None:
            raise HttpError(400, f"service: no service has the code {payload.service!r}.")
    psa = PSA.objects.filter(code=payload.psa).first() if payload.psa else None
    if payload.psa and psa is None:
        raise HttpError(400, f"psa: no PSA has the code {payload.psa!r}.")
    indicator = Indicator.objects.filter(code=payload.indicator).first() if payload.indicator else None
    if payload.indicator and indicator is None:
        raise HttpError(400, f"indicator: no indicator has the code {payload.indicator!r}.")
    spec = services.ControlSpec(
        code=payload.code,
        title=payload.title,
        kind=payload.kind,
        focus=payload.focus,
        issuing_body=body,
        in_force_from=payload.in_force_from,
        scope=payload.scope,
        unit_type=payload.unit_type,
        service=service,
        units=_organisations(payload.units, "units"),
        framework=payload.framework,
        psa=psa,
        indicator=indicator,
        level=payload.level,
        description=payload.description,
    )
    try:
        control = services.register_control(spec=spec, acting_user=request.user)
    except (FrameworkError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(201, _control(selectors.controls_register().get(pk=control.pk)))


@router.get("/units/{code}/burden", response=BurdenOut, summary="A unit's burden of external controls")
def unit_burden(request: HttpRequest, code: str, as_of: date | None = None) -> dict[str, object]:
    unit = get_object_or_404(Organisation, code=code)
    if not unit.is_unit:
        raise HttpError(404, f"{code} is not a front line unit.")
    return selectors.unit_burden(unit, as_of or today()).as_dict()
