"""Demo step: the Care Quality Commission's published rules, its proportionate plan for the NHS
providers, and one inspection with a capacity assessment that moves a provider's next date.

The CQC's earlier inspection record and the inspection of Dorset County Hospital are synthetic:
invented for the demo, flagged ``synthetic`` and shown as such on every page. The plan's inputs
(bands, SPC concerns, data-quality warnings, returns' timeliness) are the demo's real NHS A&E data.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model

from localstat.assessment.models import Judgement
from localstat.assessment.selectors import versions_for
from localstat.chain.models import Organisation
from localstat.demo.pipeline import DemoContext, DemoStep
from localstat.inspection import selectors
from localstat.inspection.choices import Component, FindingKind, FindingRating, OverallJudgement
from localstat.inspection.prefill import prefill_for
from localstat.inspection.services import (
    FindingSpec,
    PastInspection,
    import_inspection_history,
    mark_returns_audited,
    publish_inspection_rules,
    record_inspection,
    self_assess_capacity,
    verify_capacity,
)

RULES_FILE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "inspection-rules.yaml"
DEMO_UNIT = "RBD"
SYNTHETIC = "Synthetic (LocalStat demo)"
#: The synthetic record's judgements by band: the chance of outstanding, good, requires improvement, inadequate.
JUDGEMENT_ODDS = {
    "excellent": (0.4, 0.55, 0.05, 0.0),
    "good": (0.1, 0.7, 0.2, 0.0),
    "fair": (0.0, 0.45, 0.5, 0.05),
    "weak": (0.0, 0.2, 0.6, 0.2),
    "poor": (0.0, 0.05, 0.55, 0.4),
    "": (0.05, 0.5, 0.4, 0.05),
}


def _history(context: DemoContext, cqc: Organisation) -> list[PastInspection]:
    """A synthetic earlier record: nine in ten providers inspected once between May 2014 and February 2019."""
    units = selectors.plan_units(cqc, context.as_of).select("unit_id", "band")
    rng = context.rng
    count = units.height
    inspected = rng.random(count) < 0.9
    first, last = date(2014, 5, 1), date(2019, 2, 28)
    offsets = rng.integers(0, (last - first).days, count)
    choices = np.array(OverallJudgement.values)
    bands = [band or "" for band in units["band"].to_list()]
    draws = [rng.choice(choices, p=JUDGEMENT_ODDS.get(band, JUDGEMENT_ODDS[""])) for band in bands]
    organisations = Organisation.objects.in_bulk(units["unit_id"].to_list())
    history = [
        PastInspection(
            unit=organisations[unit_id],
            visited_on=first + timedelta(days=int(offset)),
            judgement=str(judgement),
            summary=f"{SYNTHETIC}: an invented earlier inspection, judgement only.",
        )
        for unit_id, offset, judgement, chosen in zip(
            units["unit_id"].to_list(), offsets, draws, inspected, strict=True
        )
        if chosen and organisations[unit_id].code != DEMO_UNIT
    ]
    # The demo provider was last inspected in spring 2016, so it is overdue before today's inspection.
    history.append(
        PastInspection(
            unit=Organisation.objects.get(code=DEMO_UNIT),
            visited_on=date(2016, 3, 15),
            judgement=OverallJudgement.REQUIRES_IMPROVEMENT,
            summary=f"{SYNTHETIC}: an invented earlier inspection, judgement only.",
        )
    )
    return history


def _evidence(judgement: Judgement, version: Any) -> str:
    """The judgement's own numbers as an inspector would write them."""
    fmt = version.format_value
    evidence = judgement.evidence or {}
    parts = [
        f"{fmt(judgement.value)} in {judgement.period:%B %Y} against England's {fmt(judgement.national_value)}"
        if judgement.value is not None
        else f"no approved value for {judgement.period:%B %Y} yet"
        + (
            f" (its newest is for {date.fromisoformat(evidence['last_period']):%B %Y})"
            if evidence.get("last_period")
            else ""
        )
    ]
    if judgement.trend:
        parts.append(f"trend {judgement.trend.replace('_', ' ')}")
    if judgement.variation:
        parts.append(judgement.variation.replace("_", " ") + " on its SPC chart")
    if evidence.get("target_level") is not None:
        parts.append(f"target {fmt(evidence['target_level'])} by {evidence.get('target_deadline')}")
    return "; ".join(parts) + "."


def _rating(judgement: Judgement) -> str:
    if judgement.target_status in ("met", "on_track") or judgement.vs_national.endswith("better"):
        return FindingRating.MET
    if (
        judgement.vs_national.endswith("worse")
        or judgement.trend == "worsening"
        or judgement.variation == "special_cause_concern"
    ):
        return FindingRating.NOT_MET
    return FindingRating.PARTLY_MET


def _findings(unit: Organisation) -> list[FindingSpec]:
    """Findings against the common standards from the unit's real judgements, and one local outcome."""
    judgements = list(
        Judgement.objects.filter(is_current=True, organisation=unit)
        .select_related("indicator")
        .order_by("indicator__code")
    )
    versions = versions_for(judgements)
    findings = [
        FindingSpec(
            kind=FindingKind.COMMON_STANDARD,
            indicator=j.indicator,
            subject=j.indicator.name,
            rating=_rating(j),
            evidence=_evidence(j, versions[j.pk]),
        )
        for j in judgements[:6]
    ]
    findings.append(
        FindingSpec(
            kind=FindingKind.LOCAL_OUTCOME,
            subject="Patients discharged before midday (the trust's local priority)",
            rating=FindingRating.PARTLY_MET,
            evidence=f"{SYNTHETIC}: 28% before midday against the trust's own aim of 35%.",
        )
    )
    return findings


def inspect_demo(context: DemoContext) -> None:
    users = get_user_model().objects
    inspector = users.get(username="inspector")
    unit_manager = users.get(username=f"unitmanager.{DEMO_UNIT}")
    cqc = Organisation.objects.get(code="CQC")
    unit = Organisation.objects.get(code=DEMO_UNIT)
    rules = publish_inspection_rules(
        inspectorate=cqc,
        text=RULES_FILE.read_text(encoding="utf-8"),
        note="First published rules (LocalStat demo)",
        acting_user=inspector,
    )
    added = import_inspection_history(
        inspectorate=cqc,
        inspections=_history(context, cqc),
        synthetic=True,
        source="the CQC's earlier record (synthetic, invented for the demo)",
        acting_user=inspector,
    )
    before = selectors.plan_row(selectors.inspection_plan(cqc, context.as_of), unit)
    prefill = prefill_for(unit, context.as_of)
    robust = prefill[Component.ROBUST_DATA].suggested or 3
    own = self_assess_capacity(
        unit=unit,
        scores={
            Component.ROBUST_DATA: (robust, prefill[Component.ROBUST_DATA].evidence),
            Component.LEADERSHIP: (3, f"{SYNTHETIC}: the board reviews A&E performance weekly."),
            Component.ACCOUNTABILITY: (3, f"{SYNTHETIC}: each divisional director owns a trajectory."),
            Component.REVIEW: (3, f"{SYNTHETIC}: monthly performance reviews with the area team."),
            Component.REWARDS_SANCTIONS: (2, f"{SYNTHETIC}: recognition exists; sanctions are informal."),
        },
        assessed_on=context.as_of,
        note=f"{SYNTHETIC}.",
        synthetic=True,
        acting_user=unit_manager,
    )
    inspection = record_inspection(
        unit=unit,
        visited_on=context.as_of,
        judgement=OverallJudgement.REQUIRES_IMPROVEMENT,
        scope="A&E waiting times against the four-hour standard, the trust's local priority on discharge, "
        "and its performance management capacity.",
        summary=f"{SYNTHETIC}: four-hour A&E waits are worsening against the standard; the trust's data are "
        "timely and verified, and its reviews need sharper follow-up of actions.",
        findings=_findings(unit),
        support_offered=f"{SYNTHETIC}: a peer review of discharge planning with a trust in the top band.",
        synthetic=True,
        publish=True,
        acting_user=inspector,
    )
    verification = verify_capacity(
        self_assessment=own,
        scores={c: (s.score, s.evidence) for c, s in ((s.component, s) for s in own.scores.all())}
        | {
            Component.REVIEW: (
                2,
                f"{SYNTHETIC}: review actions were not followed up in two of five meetings.",
            )
        },
        inspection=inspection,
        note=f"{SYNTHETIC}.",
        acting_user=inspector,
    )
    mark_returns_audited(
        unit=unit,
        period_start=date(context.as_of.year - 1, 4, 1),
        period_end=date(context.as_of.year, 3, 31),
        outcome="verified",
        findings=f"{SYNTHETIC}: a sample of 40 attendances traced to the returns without error.",
        inspection=inspection,
        acting_user=inspector,
    )
    after = selectors.plan_row(selectors.inspection_plan(cqc, context.as_of), unit)
    plan = selectors.inspection_plan(cqc, context.as_of).schedule
    tiers = plan.group_by("tier").len().sort("tier").rows()
    context.progress(
        f"      CQC rules v{rules.version}; {added} past inspections (synthetic); plan of {plan.height} units: "
        + ", ".join(f"{n} {tier}" for tier, n in tiers)
    )
    if before is not None and after is not None:
        context.progress(
            f"      {DEMO_UNIT} inspected {context.as_of} with capacity {verification.overall_score} of 4: "
            f"next inspection {before['due']} ({before['tier']}) → {after['due']} ({after['tier']})"
        )


STEPS = [
    DemoStep(
        name="inspection",
        run=inspect_demo,
        description="Inspection: the CQC's published rules, proportionate plan and an inspection",
        after=("assessment",),
    )
]
