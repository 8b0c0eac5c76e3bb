"""Every write of the inspection: keyword-only, atomic, authorised and audited.

``acting_user`` None is the system itself (the demo); a person is checked against
``inspection/permissions.py``. Nothing is edited after it is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from localstat.chain.access import Actor, authorise
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation
from localstat.chain.selectors import links_current_on
from localstat.core import clock
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.framework.models import Indicator
from localstat.inspection import selectors
from localstat.inspection.choices import (
    AuditOutcome,
    Breadth,
    CapacityScore,
    CapacitySource,
    CapacityStatus,
    Component,
    Depth,
    FindingKind,
    FindingRating,
    OverallJudgement,
)
from localstat.inspection.errors import InspectionError
from localstat.inspection.models import (
    AuditMark,
    CapacityAssessment,
    ComponentScore,
    Finding,
    Inspection,
    InspectionRules,
)
from localstat.inspection.prefill import prefill_for
from localstat.inspection.rules import parse_rules
from localstat.returns.models import Collection, Return


def _person(acting_user: Actor) -> Any:
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


def _is_inspectorate(organisation: Organisation) -> bool:
    return links_current_on(None).filter(organisation=organisation, role=ChainRole.INSPECTORATE).exists()


@transaction.atomic
def publish_inspection_rules(
    *, inspectorate: Organisation, text: str, note: str = "", acting_user: Actor
) -> InspectionRules:
    """Publish a new version of an inspectorate's scheduling rules (YAML, ``docs/inspection-rules.md``)."""
    authorise(acting_user, "inspection.publish_rules", [inspectorate])
    if not _is_inspectorate(inspectorate):
        raise InspectionError(f"{inspectorate.name} inspects no service, so it has no inspection rules.")
    rules = parse_rules(text)
    current = (
        InspectionRules.objects.select_for_update()
        .filter(inspectorate=inspectorate)
        .order_by("-version")
        .first()
    )
    if current is not None and current.text.strip() == text.strip():
        raise InspectionError(
            f"These rules are already published as version {current.version}: nothing changed.",
            code="unchanged",
        )
    version = (current.version if current else 0) + 1
    published = InspectionRules.objects.create(
        inspectorate=inspectorate,
        version=version,
        text=text,
        rules=rules.as_record(),
        note=note.strip()[:300],
        published_by=_person(acting_user),
    )
    record_event(
        actor=acting_user,
        action="inspection.publish_rules",
        subject=published,
        summary=f"Published {published}" + (f": {note.strip()}" if note.strip() else ""),
    )
    return published


@dataclass(frozen=True)
class FindingSpec:
    """One finding of an inspection."""

    kind: str
    subject: str
    rating: str
    evidence: str
    indicator: Indicator | None = None


def _check_findings(findings: Sequence[FindingSpec]) -> None:
    problems = []
    for number, finding in enumerate(findings, start=1):
        if finding.kind not in FindingKind.values:
            problems.append(f"Finding {number}: the kind must be a common standard or a local outcome.")
        if not finding.subject.strip():
            problems.append(f"Finding {number}: say what it is about.")
        if finding.rating not in FindingRating.values:
            problems.append(f"Finding {number}: rate it met, partly met or not met.")
        if not finding.evidence.strip():
            problems.append(f"Finding {number}: give the evidence for the rating.")
    if problems:
        raise InspectionError(problems, code="invalid")


@transaction.atomic
def record_inspection(
    *,
    unit: Organisation,
    visited_on: date,
    judgement: str,
    summary: str,
    scope: str,
    findings: Sequence[FindingSpec],
    support_offered: str = "",
    depth: str | None = None,
    breadth: Sequence[str] | None = None,
    publish: bool = False,
    synthetic: bool = False,
    acting_user: Actor,
) -> Inspection:
    """Record an inspection of a unit: scope, findings against the standards and local outcomes, the
    overall judgement and the support offered. Depth and breadth default to what the plan set."""
    authorise(acting_user, "inspection.inspect", [unit])
    inspectorate = selectors.inspectorate_for(unit, visited_on)
    if inspectorate is None:
        raise InspectionError(f"No inspectorate inspects {unit.name}'s service.", code="invalid")
    problems = []
    if visited_on > today():
        problems.append(f"The visit date {visited_on} is in the future: record an inspection once made.")
    if judgement not in OverallJudgement.values:
        problems.append("Give the overall judgement: outstanding, good, requires improvement or inadequate.")
    if not summary.strip():
        problems.append("Summarise what the inspection found.")
    if not scope.strip():
        problems.append("Say what the inspection looked at (its scope).")
    if not findings:
        problems.append("Record at least one finding against the standards or the local outcomes.")
    if depth is not None and depth not in Depth.values:
        problems.append(f"Depth must be one of {', '.join(Depth.values)}.")
    unknown = [word for word in breadth or [] if word not in Breadth.values]
    if unknown:
        problems.append(f"Unknown breadth {', '.join(unknown)} (known: {', '.join(Breadth.values)}).")
    if problems:
        raise InspectionError(problems, code="invalid")
    _check_findings(findings)
    snapshot: dict[str, Any] = {}
    rules = None
    try:
        plan = selectors.inspection_plan(inspectorate, visited_on)
    except selectors.NoRulesPublished:
        plan = None
    if plan is not None:
        rules = plan.rules
        row = selectors.plan_row(plan, unit)
        if row is not None:
            snapshot = {
                "as_of": visited_on.isoformat(),
                "rules_version": rules.version,
                "tier": row["tier"],
                "points": row["points"],
                "due": row["due"].isoformat(),
                "depth": row["depth"],
                "breadth": row["breadth"],
                "reasons": row["reasons"],
            }
    inspection = Inspection.objects.create(
        inspectorate=inspectorate,
        unit=unit,
        service_id=links_current_on(visited_on)
        .filter(organisation=unit, service__in=selectors.inspected_services(inspectorate, visited_on))
        .values_list("service_id", flat=True)
        .first(),
        visited_on=visited_on,
        depth=depth or snapshot.get("depth") or Depth.STANDARD,
        breadth=list(breadth or snapshot.get("breadth") or [Breadth.CORE_OUTCOMES, Breadth.CAPACITY]),
        scope=scope.strip(),
        judgement=judgement,
        summary=summary.strip(),
        support_offered=support_offered.strip(),
        plan=snapshot,
        rules=rules,
        synthetic=synthetic,
        published_at=clock.now() if publish else None,
        created_by=_person(acting_user),
    )
    Finding.objects.bulk_create(
        Finding(
            inspection=inspection,
            kind=f.kind,
            indicator=f.indicator,
            subject=f.subject.strip(),
            rating=f.rating,
            evidence=f.evidence.strip(),
            position=position,
        )
        for position, f in enumerate(findings)
    )
    record_event(
        actor=acting_user,
        action="inspection.record_inspection",
        subject=inspection,
        summary=f"Inspected {unit.code} on {visited_on}: {OverallJudgement(judgement).label}",
        data={"findings": len(findings), "published": publish},
    )
    return inspection


@transaction.atomic
def publish_inspection(*, inspection: Inspection, acting_user: Actor) -> Inspection:
    """Publish an inspection's outcome (its judgement, summary and findings) to the public."""
    authorise(acting_user, "inspection.inspect", [inspection.unit])
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.published_at is not None:
        raise InspectionError(f"{locked} was already published on {locked.published_at:%d %B %Y}.")
    locked.published_at = clock.now()
    locked.save(update_fields=["published_at"])
    record_event(
        actor=acting_user,
        action="inspection.publish_inspection",
        subject=locked,
        summary=f"Published {locked}",
    )
    return locked


ScoreSpec = Mapping[str, tuple[int, str]]


def _check_scores(scores: ScoreSpec) -> None:
    problems = []
    for component in Component:
        if component.value not in scores:
            problems.append(f"{component.label}: give a score.")
            continue
        score, evidence = scores[component.value]
        if score not in CapacityScore.values:
            problems.append(f"{component.label}: the score must be 1, 2, 3 or 4 (got {score!r}).")
        if not str(evidence).strip():
            problems.append(f"{component.label}: give the evidence for the score.")
    extra = sorted(set(scores) - set(Component.values))
    if extra:
        problems.append(f"Unknown component(s) {', '.join(extra)}.")
    if problems:
        raise InspectionError(problems, code="invalid")


def _store(
    *,
    unit: Organisation,
    scores: ScoreSpec,
    source: str,
    status: str,
    assessed_on: date,
    acting_user: Actor,
    inspection: Inspection | None = None,
    verifies: CapacityAssessment | None = None,
    note: str = "",
    synthetic: bool = False,
) -> CapacityAssessment:
    _check_scores(scores)
    if assessed_on > today():
        raise InspectionError(f"The assessment date {assessed_on} is in the future.", code="invalid")
    prefill = {c: p.as_record() for c, p in prefill_for(unit, assessed_on).items()}
    assessment = CapacityAssessment.objects.create(
        unit=unit,
        source=source,
        status=status,
        assessed_on=assessed_on,
        inspection=inspection,
        verifies=verifies,
        prefill=prefill,
        note=note.strip(),
        synthetic=synthetic,
        assessed_by=_person(acting_user),
    )
    ComponentScore.objects.bulk_create(
        ComponentScore(assessment=assessment, component=c, score=scores[c][0], evidence=scores[c][1].strip())
        for c in Component.values
    )
    return assessment


@transaction.atomic
def assess_capacity(
    *,
    unit: Organisation,
    scores: ScoreSpec,
    acting_user: Actor,
    assessed_on: date | None = None,
    inspection: Inspection | None = None,
    note: str = "",
    synthetic: bool = False,
) -> CapacityAssessment:
    """An inspector scores the five components of a unit's performance management capacity."""
    authorise(acting_user, "inspection.inspect", [unit])
    if inspection is not None and inspection.unit_id != unit.pk:
        raise InspectionError(f"That inspection was of {inspection.unit.code}, not {unit.code}.")
    assessment = _store(
        unit=unit,
        scores=scores,
        source=CapacitySource.INSPECTOR,
        status=CapacityStatus.CONFIRMED,
        assessed_on=assessed_on or (inspection.visited_on if inspection else today()),
        acting_user=acting_user,
        inspection=inspection,
        note=note,
        synthetic=synthetic,
    )
    record_event(
        actor=acting_user,
        action="inspection.assess_capacity",
        subject=assessment,
        summary=f"Scored {unit.code}'s capacity: {assessment.overall_score} of 4",
        data={c: scores[c][0] for c in Component.values},
    )
    return assessment


@transaction.atomic
def self_assess_capacity(
    *,
    unit: Organisation,
    scores: ScoreSpec,
    acting_user: Actor,
    assessed_on: date | None = None,
    note: str = "",
    synthetic: bool = False,
) -> CapacityAssessment:
    """A unit scores its own capacity; it counts once an inspector verifies it."""
    authorise(acting_user, "inspection.self_assess", [unit])
    assessment = _store(
        unit=unit,
        scores=scores,
        source=CapacitySource.SELF_ASSESSMENT,
        status=CapacityStatus.AWAITING_VERIFICATION,
        assessed_on=assessed_on or today(),
        acting_user=acting_user,
        note=note,
        synthetic=synthetic,
    )
    record_event(
        actor=acting_user,
        action="inspection.self_assess_capacity",
        subject=assessment,
        summary=f"{unit.code} self-assessed its capacity: {assessment.overall_score} of 4",
        data={c: scores[c][0] for c in Component.values},
    )
    return assessment


@transaction.atomic
def verify_capacity(
    *,
    self_assessment: CapacityAssessment,
    scores: ScoreSpec,
    acting_user: Actor,
    note: str = "",
    inspection: Inspection | None = None,
) -> CapacityAssessment:
    """An inspector verifies a unit's self-assessment, keeping or changing each score with evidence.

    The self-assessment is kept as the unit wrote it; the verification is a new assessment that points
    at it, and it is the verification that counts (``selectors.latest_capacity``).
    """
    unit = self_assessment.unit
    authorise(acting_user, "inspection.inspect", [unit])
    locked = CapacityAssessment.objects.select_for_update().get(pk=self_assessment.pk)
    if (
        locked.source != CapacitySource.SELF_ASSESSMENT
        or locked.status != CapacityStatus.AWAITING_VERIFICATION
    ):
        raise InspectionError(
            f"{locked} is {locked.get_status_display().lower()}: only a self-assessment awaiting "
            "verification can be verified.",
            code="invalid",
        )
    verification = _store(
        unit=unit,
        scores=scores,
        source=CapacitySource.INSPECTOR,
        status=CapacityStatus.VERIFIED,
        assessed_on=inspection.visited_on if inspection else today(),
        acting_user=acting_user,
        inspection=inspection,
        verifies=locked,
        note=note,
        synthetic=locked.synthetic,
    )
    locked.status = CapacityStatus.VERIFIED
    locked.save(update_fields=["status"])
    changed = {
        s.component: (s.score, scores[s.component][0])
        for s in locked.scores.all()
        if s.score != scores[s.component][0]
    }
    record_event(
        actor=acting_user,
        action="inspection.verify_capacity",
        subject=verification,
        summary=f"Verified {unit.code}'s self-assessment"
        + (f", changing {len(changed)} score(s)" if changed else " as scored"),
        data={"changed": {c: list(v) for c, v in changed.items()}},
    )
    return verification


@transaction.atomic
def mark_returns_audited(
    *,
    unit: Organisation,
    period_start: date,
    period_end: date,
    outcome: str,
    findings: str,
    acting_user: Actor,
    collection: Collection | None = None,
    inspection: Inspection | None = None,
) -> AuditMark:
    """An inspector marks a unit's returns for a period as audited, with the findings (seed 5.14)."""
    authorise(acting_user, "inspection.inspect", [unit])
    problems = []
    if period_end < period_start:
        problems.append("The period ends before it starts.")
    if period_end > today():
        problems.append("The period runs into the future: audit returns already made.")
    if outcome not in AuditOutcome.values:
        problems.append("Give the outcome: verified, verified with reservations, or not verified.")
    if not findings.strip():
        problems.append("Write the findings of the audit.")
    if problems:
        raise InspectionError(problems, code="invalid")
    returns = Return.objects.filter(
        unit=unit, period_start__gte=period_start, period_start__lte=period_end, received_on__isnull=False
    )
    if collection is not None:
        returns = returns.filter(collection=collection)
    count = returns.count()
    if not count:
        raise InspectionError(
            f"{unit.code} made no returns"
            + (f" to {collection.code}" if collection else "")
            + f" for periods starting {period_start} to {period_end}: there is nothing to audit.",
            code="invalid",
        )
    mark = AuditMark.objects.create(
        unit=unit,
        collection=collection,
        period_start=period_start,
        period_end=period_end,
        returns=count,
        outcome=outcome,
        findings=findings.strip(),
        inspection=inspection,
        marked_by=_person(acting_user),
    )
    record_event(
        actor=acting_user,
        action="inspection.mark_returns_audited",
        subject=mark,
        summary=f"Audited {count} of {unit.code}'s returns, {period_start} to {period_end}: "
        f"{AuditOutcome(outcome).label}",
    )
    return mark


@dataclass(frozen=True)
class PastInspection:
    """One inspection from an inspectorate's own record, before LocalStat: when and the judgement."""

    unit: Organisation
    visited_on: date
    judgement: str
    summary: str = ""


@transaction.atomic
def import_inspection_history(
    *,
    inspectorate: Organisation,
    inspections: Sequence[PastInspection],
    acting_user: Actor,
    synthetic: bool = False,
    source: str = "",
) -> int:
    """Load an inspectorate's past inspections (date and judgement) so the plan and the backtest know them.

    All or nothing: every row is checked first. Rows already on record (same unit and date) are skipped,
    so loading the same file twice adds nothing. Returns how many were added.
    """
    units = {past.unit.pk: past.unit for past in inspections}
    authorise(acting_user, "inspection.inspect", units.values())
    inspected = set(
        links_current_on(None)
        .filter(
            service__in=selectors.inspected_services(inspectorate, today()), organisation_id__in=list(units)
        )
        .values_list("organisation_id", flat=True)
    )
    problems = []
    for number, past in enumerate(inspections, start=1):
        if past.unit.pk not in inspected:
            problems.append(f"Row {number}: {inspectorate.code} does not inspect {past.unit.code}.")
        if past.visited_on > today():
            problems.append(f"Row {number}: {past.visited_on} is in the future.")
        if past.judgement not in OverallJudgement.values:
            problems.append(
                f"Row {number}: judgement {past.judgement!r} is not one of {', '.join(OverallJudgement.values)}."
            )
    if problems:
        raise InspectionError(problems[:50], code="invalid")
    existing = set(Inspection.objects.filter(unit_id__in=list(units)).values_list("unit_id", "visited_on"))
    services = dict(
        links_current_on(None)
        .filter(
            organisation_id__in=list(units), service__in=selectors.inspected_services(inspectorate, today())
        )
        .values_list("organisation_id", "service_id")
    )
    note = source.strip() or "the inspectorate's own record"
    new = [
        Inspection(
            inspectorate=inspectorate,
            unit=past.unit,
            service_id=services[past.unit.pk],
            visited_on=past.visited_on,
            depth=Depth.STANDARD,
            breadth=[],
            scope=f"Loaded from {note}; scope not recorded.",
            judgement=past.judgement,
            summary=past.summary.strip() or f"Loaded from {note}.",
            plan={},
            synthetic=synthetic,
            published_at=clock.now(),
            created_by=_person(acting_user),
        )
        for past in inspections
        if (past.unit.pk, past.visited_on) not in existing
    ]
    Inspection.objects.bulk_create(new)
    record_event(
        actor=acting_user,
        action="inspection.import_inspection_history",
        subject=inspectorate,
        summary=f"Loaded {len(new)} past inspections by {inspectorate.code} from {note}",
        data={"rows": len(inspections), "added": len(new), "synthetic": synthetic},
    )
    return len(new)
