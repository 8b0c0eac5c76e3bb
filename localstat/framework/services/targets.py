"""PSAs and targets: proposing national targets, assigning targets to units, cascading.

The life cycle's steps are in ``lifecycle``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from localstat.chain.access import Actor, authorise
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.framework.choices import (
    Focus,
    Polarity,
    Statistic,
    TargetKind,
    TargetScope,
    TargetStatus,
)
from localstat.framework.errors import FrameworkError
from localstat.framework.models import (
    PSA,
    Indicator,
    Milestone,
    Standard,
    Target,
    TargetUnit,
)
from localstat.framework.periods import PeriodError, parse_period
from localstat.framework.selectors.exemptions import exemptions_in_force
from localstat.framework.selectors.indicators import school_calendar_for

Level = Decimal | float | int | str


def _department_in(organisation: Organisation, service: Service) -> bool:
    return (
        links_current_on(None)
        .filter(organisation=organisation, service=service, role=ChainRole.DEPARTMENT)
        .exists()
    )


@transaction.atomic
def create_psa(
    *,
    code: str,
    department: Organisation,
    service: Service,
    objective: str,
    outcome: str,
    starts_on: date,
    ends_on: date,
    illustrative: bool = False,
    acting_user: Actor,
) -> PSA:
    """Record a department's PSA: its objective and the outcome it seeks. Targets are added after."""
    authorise(acting_user, "framework.manage_indicators", [department])
    code = code.strip()
    if not code:
        raise FrameworkError("A PSA needs a code.", code="required")
    if PSA.objects.filter(code=code).exists():
        raise FrameworkError(f"A PSA with code {code} already exists.", code="duplicate")
    if not _department_in(department, service):
        raise FrameworkError(f"{department.code} is not the department for {service}.", code="invalid")
    if not objective.strip() or not outcome.strip():
        raise FrameworkError(f"{code}: a PSA needs an objective and the outcome it seeks.", code="required")
    if ends_on <= starts_on:
        raise FrameworkError(f"{code}: it ends ({ends_on}) before it starts ({starts_on}).", code="invalid")
    psa = PSA.objects.create(
        code=code,
        department=department,
        service=service,
        objective=objective.strip(),
        outcome=outcome.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        illustrative=illustrative,
    )
    record_event(actor=acting_user, action="framework.create_psa", subject=psa, summary=f"Created {psa}")
    return psa


def _level(value: Level, indicator: Indicator, what: str = "level") -> Decimal:
    try:
        level = Decimal(str(value).strip())
    except InvalidOperation:
        raise FrameworkError(
            f"{indicator.code}: the {what} {value!r} is not a number.", code="invalid"
        ) from None
    if not level.is_finite():
        raise FrameworkError(f"{indicator.code}: the {what} must be a finite number.", code="invalid")
    version = indicator.current_version
    assert version is not None
    if level < 0:
        raise FrameworkError(f"{indicator.code}: the {what} cannot be negative ({level}).", code="invalid")
    if version.statistic == Statistic.PROPORTION and level > version.multiplier:
        raise FrameworkError(
            f"{indicator.code} is a proportion out of {version.multiplier}: a {what} of {level} is impossible.",
            code="invalid",
        )
    return level.quantize(Decimal("0.0001"))


def _milestones(indicator: Indicator, milestones: Iterable[tuple[date | str, Level]], deadline: date) -> list:
    version = indicator.current_version
    assert version is not None
    calendar = school_calendar_for(indicator.service_id) if version.periodicity == "half_term" else None
    rows: dict[date, Decimal] = {}
    for start, value in milestones:
        try:
            period = parse_period(version.periodicity, str(start), calendar=calendar)
        except PeriodError as error:
            raise FrameworkError(f"{indicator.code} milestone: {error}", code="invalid") from None
        if period.start > deadline:
            raise FrameworkError(
                f"{indicator.code}: the milestone for {period.label} falls after the deadline ({deadline}).",
                code="invalid",
            )
        if period.start in rows:
            raise FrameworkError(
                f"{indicator.code}: two milestones for {period.label}; give one level per period.",
                code="invalid",
            )
        rows[period.start] = _level(value, indicator, "milestone level")
    return sorted(rows.items())


def _check_not_ratcheting(indicator: Indicator, level: Decimal, *, national: bool) -> None:
    standard = Standard.objects.filter(indicator=indicator).select_related("indicator_version").first()
    if standard is None:
        return
    if national:
        raise FrameworkError(
            f"{indicator.code} is a standard ({standard.level_text} since {standard.established_on:%-d %B %Y}): "
            "it is maintained and monitored, not ratcheted with a new national target (seed 3.12).",
            code="ratchet",
        )
    polarity = standard.indicator_version.polarity
    beyond = (polarity == Polarity.HIGHER and level > standard.level) or (
        polarity == Polarity.LOWER and level < standard.level
    )
    if beyond:
        raise FrameworkError(
            f"{indicator.code} has the standard {standard.level_text}: a unit target beyond it would ratchet the "
            "standard (seed 3.12); set it at the standard or below.",
            code="ratchet",
        )


def _check_outcome(indicator: Indicator, what: str = "A PSA target") -> None:
    if indicator.focus != Focus.OUTCOME:
        article = "an" if indicator.focus in (Focus.INPUT, Focus.OUTPUT) else "a"
        raise FrameworkError(
            f"{what} must be about an outcome (seed 2.9, 3.4), and {indicator.code} measures {article} "
            f"{indicator.get_focus_display().lower()}: register it as a control instead, or choose an outcome indicator.",
            code="not_outcome",
        )


def _reference(prefix: str) -> str:
    """The next free ``PREFIX<n>``; a long prefix is shortened so the reference fits."""
    prefix = prefix[: MAX_REFERENCE - 6]
    number = Target.objects.filter(reference__startswith=prefix).count() + 1
    while Target.objects.filter(reference=f"{prefix}{number}").exists():
        number += 1
    return f"{prefix}{number}"


#: The longest target reference (``Target.reference``), leaving room for its control's ``TARGET-`` code.
MAX_REFERENCE = 60


def cascaded_reference(target: Target, unit: Organisation) -> str:
    """``DH-PSA1-T1-RBD``, or a numbered reference when that would be too long."""
    reference = f"{target.reference}-{unit.code}"
    if len(reference) <= MAX_REFERENCE:
        return reference
    return _reference(f"{target.reference[: MAX_REFERENCE - 12]}-C")


def _new_target(
    *,
    reference: str | None,
    default_prefix: str,
    indicator: Indicator,
    psa: PSA | None,
    parent: Target | None,
    kind: str,
    scope: str,
    level: Decimal,
    deadline: date,
    description: str,
    set_by: Organisation,
    milestones: list,
    illustrative: bool,
    proposed_on: date,
) -> Target:
    if kind not in TargetKind.values:
        raise FrameworkError(f"{kind!r} is not a kind of target: use floor or aspirational.", code="invalid")
    if reference is not None:
        reference = reference.strip()
        if not reference:
            raise FrameworkError("A target reference cannot be blank.", code="required")
        if len(reference) > MAX_REFERENCE or any(c.isspace() for c in reference):
            raise FrameworkError(
                f"A target reference is at most {MAX_REFERENCE} characters with no spaces, not {reference!r}.",
                code="invalid",
            )
        if Target.objects.filter(reference=reference).exists():
            raise FrameworkError(f"A target with reference {reference} already exists.", code="duplicate")
    assert indicator.current_version is not None
    target = Target.objects.create(
        reference=reference or _reference(default_prefix),
        psa=psa,
        parent=parent,
        indicator=indicator,
        indicator_version=indicator.current_version,
        kind=kind,
        scope=scope,
        level=level,
        deadline=deadline,
        description=description.strip(),
        set_by=set_by,
        proposed_on=proposed_on,
        illustrative=illustrative,
    )
    Milestone.objects.bulk_create([Milestone(target=target, period_start=s, level=v) for s, v in milestones])
    return target


@transaction.atomic
def propose_psa_target(
    *,
    psa: PSA,
    indicator: Indicator,
    kind: str,
    level: Level,
    deadline: date,
    reference: str | None = None,
    description: str = "",
    milestones: Iterable[tuple[date | str, Level]] = (),
    illustrative: bool = False,
    proposed_on: date | None = None,
    acting_user: Actor,
) -> Target:
    """Propose one of a PSA's national (headline) targets. PSAs are outcome-only (seed 2.9, 3.4)."""
    authorise(acting_user, "framework.propose_target", [psa.department])
    indicator = Indicator.objects.select_related("current_version").get(pk=indicator.pk)
    _check_outcome(indicator)
    if indicator.service_id != psa.service_id:
        raise FrameworkError(
            f"{indicator.code} measures {indicator.service}, but {psa.code} is a PSA for {psa.service}.",
            code="invalid",
        )
    if indicator.internal_only:
        raise FrameworkError(
            f"{indicator.code} is internal management data, never published; a PSA target is public.",
            code="invalid",
        )
    value = _level(level, indicator)
    _check_not_ratcheting(indicator, value, national=True)
    if deadline <= psa.starts_on:
        raise FrameworkError(
            f"The deadline {deadline} is before {psa.code} starts ({psa.starts_on}).", code="invalid"
        )
    target = _new_target(
        reference=reference,
        default_prefix=f"{psa.code}-T",
        indicator=indicator,
        psa=psa,
        parent=None,
        kind=kind,
        scope=TargetScope.NATIONAL,
        level=value,
        deadline=deadline,
        description=description,
        set_by=psa.department,
        milestones=_milestones(indicator, milestones, deadline),
        illustrative=illustrative or psa.illustrative,
        proposed_on=proposed_on or today(),
    )
    record_event(
        actor=acting_user,
        action="framework.propose_psa_target",
        subject=target,
        summary=f"Proposed {target.reference} on {psa.code}: {indicator.code} {target.level_text} by {deadline}",
        data={"kind": kind, "level": str(value), "deadline": str(deadline)},
    )
    return target


def _exempt_message(exemptions_by_unit: Mapping[Organisation, list]) -> str:
    parts = []
    for unit, exemptions in sorted(exemptions_by_unit.items(), key=lambda item: item[0].code):
        exemption = exemptions[0]
        parts.append(f"{unit.code} ({exemption.description}; exemption {exemption.pk})")
    return "; ".join(parts)


@transaction.atomic
def assign_target(
    *,
    indicator: Indicator,
    units: Sequence[Organisation],
    kind: str,
    level: Level,
    deadline: date,
    set_by: Organisation,
    psa: PSA | None = None,
    parent: Target | None = None,
    reference: str | None = None,
    description: str = "",
    milestones: Iterable[tuple[date | str, Level]] = (),
    illustrative: bool = False,
    proposed_on: date | None = None,
    acting_user: Actor,
) -> Target:
    """Propose a target for a set of units. A unit exempt from further targets on the indicator is refused,
    naming the exemption (seed 3.12, 3.22)."""
    units = list(dict.fromkeys(units))
    if not units:
        raise FrameworkError("Name at least one unit for the target.", code="required")
    authorise(acting_user, "framework.propose_target", units)
    indicator = Indicator.objects.select_related("current_version", "service").get(pk=indicator.pk)
    service = indicator.service
    if psa is not None:
        _check_outcome(indicator)
        if psa.service_id != indicator.service_id:
            raise FrameworkError(
                f"{indicator.code} measures {service}, but {psa.code} is a PSA for {psa.service}.",
                code="invalid",
            )
    unit_links = {
        link.organisation_id: link
        for link in links_current_on(None).filter(
            organisation__in=units, service=service, role=ChainRole.FRONT_LINE_UNIT
        )
    }
    outside = sorted(u.code for u in units if u.pk not in unit_links)
    if outside:
        raise FrameworkError(
            f"{', '.join(outside)} {'is not a front line unit' if len(outside) == 1 else 'are not front line units'} "
            f"in {service}, so {indicator.code} targets cannot be set for {'it' if len(outside) == 1 else 'them'}.",
            code="invalid",
        )
    managers = {link.accountable_to_id for link in unit_links.values()}
    if not _department_in(set_by, service) and managers != {set_by.pk}:
        raise FrameworkError(
            f"{set_by.code} is neither {service}'s department nor the performance manager of every unit named.",
            code="invalid",
        )
    proposed_on = proposed_on or today()
    exempt: dict[Organisation, list] = {}
    for exemption in exemptions_in_force(units=units, indicator=indicator, as_of=proposed_on):
        exempt.setdefault(exemption.unit, []).append(exemption)
    if exempt:
        raise FrameworkError(
            f"No further targets on {indicator.code} for an exempt unit: {_exempt_message(exempt)}.",
            code="exempt",
        )
    value = _level(level, indicator)
    _check_not_ratcheting(indicator, value, national=False)
    target = _new_target(
        reference=reference,
        default_prefix=f"{set_by.code}-{indicator.code}-",
        indicator=indicator,
        psa=psa,
        parent=parent,
        kind=kind,
        scope=TargetScope.UNITS,
        level=value,
        deadline=deadline,
        description=description,
        set_by=set_by,
        milestones=_milestones(indicator, milestones, deadline),
        illustrative=illustrative,
        proposed_on=proposed_on,
    )
    TargetUnit.objects.bulk_create([TargetUnit(target=target, unit=unit) for unit in units])
    record_event(
        actor=acting_user,
        action="framework.assign_target",
        subject=target,
        summary=f"Proposed {target.reference}: {indicator.code} {target.level_text} by {deadline} for "
        f"{', '.join(u.code for u in units[:10])}{'…' if len(units) > 10 else ''}",
        data={
            "units": [u.code for u in units],
            "level": str(value),
            "parent": parent.reference if parent else None,
        },
    )
    return target


@dataclass
class Cascade:
    """What a cascade made: a unit target per unit, and the units left out because they are exempt."""

    targets: list[Target] = field(default_factory=list)
    exempt: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def cascade_target(
    *,
    target: Target,
    manager: Organisation,
    units: Sequence[Organisation] | None = None,
    shares: Mapping[Organisation, Level] | None = None,
    on: date | None = None,
    acting_user: Actor,
) -> Cascade:
    """A performance manager cascades a national PSA target into a target for each of its units: the same
    level, or each unit's share (``shares``). With ``units`` left out, every unit the manager manages in
    the service gets one, except exempt units, which the result lists; a unit named explicitly that is
    exempt is refused (see :func:`assign_target`)."""
    target = (
        Target.objects.select_for_update(of=("self",)).select_related("indicator", "psa").get(pk=target.pk)
    )
    if not target.is_headline:
        raise FrameworkError(
            f"{target.reference} is not a national PSA target; only those are cascaded.", code="invalid"
        )
    if target.status not in (TargetStatus.AGREED, TargetStatus.ACTIVE):
        raise FrameworkError(
            f"{target.reference} is {target.get_status_display().lower()}: cascade it once it is agreed.",
            code="invalid",
        )
    on = on or today()
    managed_links = links_current_on(None).filter(
        accountable_to=manager, service_id=target.indicator.service_id, role=ChainRole.FRONT_LINE_UNIT
    )
    managed = {o.pk: o for o in Organisation.objects.filter(pk__in=managed_links.values("organisation"))}
    result = Cascade()
    if units is None:
        chosen = sorted(managed.values(), key=lambda o: o.code)
        for exemption in exemptions_in_force(units=chosen, indicator=target.indicator, as_of=on):
            result.exempt.setdefault(exemption.unit.code, exemption.description)
        chosen = [u for u in chosen if u.code not in result.exempt]
    else:
        chosen = list(dict.fromkeys(units))
        foreign = sorted(u.code for u in chosen if u.pk not in managed)
        if foreign:
            raise FrameworkError(
                f"{manager.code} does not manage {', '.join(foreign)} in {target.indicator.service}.",
                code="invalid",
            )
    if not chosen:
        raise FrameworkError(f"{manager.code} has no unit to cascade {target.reference} to.", code="invalid")
    authorise(acting_user, "framework.cascade_target", chosen)
    already = set(
        TargetUnit.objects.filter(target__parent=target, unit__in=chosen).values_list("unit__code", flat=True)
    )
    if already:
        raise FrameworkError(
            f"{target.reference} is already cascaded to {', '.join(sorted(already))}.", code="duplicate"
        )
    shares = shares or {}
    unknown = sorted(u.code for u in shares if u not in chosen)
    if unknown:
        raise FrameworkError(
            f"Shares given for units not in the cascade: {', '.join(unknown)}.", code="invalid"
        )
    milestones = [(m.period_start, m.level) for m in target.milestones.all()]
    for unit in chosen:
        share = shares.get(unit)
        result.targets.append(
            assign_target(
                indicator=target.indicator,
                units=[unit],
                kind=target.kind,
                level=target.level if share is None else share,
                deadline=target.deadline,
                set_by=manager,
                psa=target.psa,
                parent=target,
                reference=cascaded_reference(target, unit),
                description=f"Cascaded from {target.reference} by {manager.code}"
                + (" (the unit's share)" if share is not None else ""),
                milestones=milestones if share is None else (),
                illustrative=target.illustrative,
                proposed_on=on,
                acting_user=None,
            )
        )
    record_event(
        actor=acting_user,
        action="framework.cascade_target",
        subject=target,
        summary=f"{manager.code} cascaded {target.reference} to {len(result.targets)} unit(s)"
        + (f"; {len(result.exempt)} exempt" if result.exempt else ""),
        data={"units": [t.reference for t in result.targets], "exempt": result.exempt},
    )
    return result
