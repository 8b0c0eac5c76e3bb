"""What a briefing says, read from the data: exceptions that need challenge and successes to recognise.

Baltimore's rule (Box 4.1) and Box 5.4: the challenger is briefed before the meeting on the host unit
and on the body as a whole. The items come from the assessment's current judgements (SPC signals,
target and trajectory status, comparison with peers), the returns (overdue returns), the agreements
(agreed trajectories) and the regime (open interventions; earned freedoms to recognise). Every item
keeps the numbers behind it, and its headline is the sentence the page, the PDF and the agenda print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Min, Q

from localstat.assessment.choices import Level
from localstat.assessment.explain import Wording, spc_sentence
from localstat.assessment.models import Judgement
from localstat.assessment.selectors import version_of, versions_for
from localstat.chain.models import Organisation
from localstat.framework.models import Indicator
from localstat.returns.choices import ReturnStatus
from localstat.returns.models import Return
from localstat.review.choices import ItemKind, Scope
from localstat.review.staleness import is_stale

#: Reading order within a scope: the sharpest exceptions first, successes last.
KIND_ORDER = {kind: n for n, kind in enumerate(ItemKind.values)}


@dataclass
class ItemSpec:
    """One briefing item before it is stored."""

    key: str
    scope: str
    kind: str
    organisation_id: int
    indicator_id: int | None
    headline: str
    detail: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    sort_name: str = ""


def _wording(judgement: Judgement, version: Any) -> Wording:
    return Wording(format_value=version.format_value, periodicity=version.periodicity)


def _latest_period(judgement: Judgement) -> date | None:
    """The period of the series' latest value: the evidence's last period, else the period judged."""
    last = (judgement.evidence or {}).get("last_period")
    if last:
        return date.fromisoformat(str(last))
    return judgement.period if judgement.value is not None else None


def _judgement_items(judgements: list[Judgement], host_id: int, body_id: int) -> list[ItemSpec]:
    versions = versions_for(judgements)
    items: list[ItemSpec] = []
    late: dict[int | None, list[tuple[Judgement, date | None]]] = {}
    for j in judgements:
        version = versions[j.pk]
        fmt = version.format_value
        who = j.organisation.display_name if j.organisation_id else "England"
        if j.organisation_id == body_id:
            who = f"{who} as a whole"
        scope = Scope.HOST if j.organisation_id == host_id else Scope.BODY
        latest = _latest_period(j)
        if is_stale(version.periodicity, latest, j.period):
            # Its old values are not this period's performance, nor good practice: missing or late data.
            late.setdefault(j.organisation_id, []).append((j, latest))
            continue
        name = j.indicator.name
        evidence = {
            "judgement_id": j.pk,
            "period": str(j.period),
            "value": j.value,
            "variation": j.variation,
            "assurance": j.assurance,
            "target_status": j.target_status,
            "vs_peers": j.vs_peers,
            "peer_value": j.peer_value,
            **{
                k: (j.evidence or {}).get(k)
                for k in ("spc_mean", "spc_lpl", "spc_upl", "target_level", "milestone")
            },
        }

        def add(
            kind: str,
            headline: str,
            detail: str,
            _j: Judgement = j,
            _scope: str = scope,
            _evidence: dict[str, Any] = evidence,
        ) -> None:
            items.append(
                ItemSpec(
                    key=f"{kind}:{_j.organisation_id}:{_j.indicator_id}",
                    scope=_scope,
                    kind=kind,
                    organisation_id=_j.organisation_id,  # type: ignore[arg-type]
                    indicator_id=_j.indicator_id,
                    headline=headline,
                    detail=detail,
                    evidence=_evidence,
                    sort_name=f"{_j.organisation.code}:{_j.indicator.code}",
                )
            )

        sentence = spc_sentence(j.variation, j.spc_rule, j.evidence or {}, _wording(j, version))
        if j.variation == "special_cause_concern":
            add(ItemKind.SPECIAL_CAUSE_CONCERN, f"{who}: {name} shows a special-cause concern.", sentence)
        if j.assurance == "consistent_fail" or j.target_status in ("off_track", "missed"):
            level = (j.evidence or {}).get("target_level")
            target = f" of {fmt(level)}" if level is not None else ""
            how = {
                "off_track": "is off track for its target",
                "missed": "missed its target",
            }.get(j.target_status, "will consistently miss its target")
            add(
                ItemKind.OFF_TRAJECTORY,
                f"{who}: {name} {how}{target}.",
                "The process limits lie wholly on the wrong side of the target."
                if j.assurance == "consistent_fail"
                else "Significantly below this period's milestone.",
            )
        if j.vs_peers == "significantly_worse":
            add(
                ItemKind.PEER_OUTLIER,
                f"{who}: {name} is significantly worse than its most similar units ({fmt(j.value)} against {fmt(j.peer_value)}).",
                "",
            )
        if j.variation == "special_cause_improvement":
            add(ItemKind.SUCCESS, f"{who}: {name} shows a special-cause improvement.", sentence)
        elif j.vs_peers == "significantly_better":
            add(
                ItemKind.SUCCESS,
                f"{who}: {name} is significantly better than its most similar units ({fmt(j.value)} against {fmt(j.peer_value)}).",
                "",
            )
        elif j.assurance == "consistent_pass":
            add(ItemKind.SUCCESS, f"{who}: {name} will consistently meet its target.", sentence)
    return items + _late_data_items(late, host_id, body_id)


def _late_data_items(
    late: dict[int | None, list[tuple[Judgement, date | None]]], host_id: int, body_id: int
) -> list[ItemSpec]:
    """One item per unit whose series have no value recent enough to judge as current performance."""
    items = []
    for organisation_id, found in late.items():
        organisation = found[0][0].organisation
        who = organisation.display_name if organisation_id else "England"
        if organisation_id == body_id:
            who = f"{who} as a whole"
        known = [latest for _, latest in found if latest is not None]
        newest = max(known) if known else None
        current = max(j.period for j, _ in found)
        names = "; ".join(j.indicator.name for j, _ in found)
        since = f"no approved value since {newest:%B %Y}" if newest else "no approved value"
        items.append(
            ItemSpec(
                key=f"{ItemKind.LATE_DATA}:{organisation_id}:",
                scope=Scope.HOST if organisation_id == host_id else Scope.BODY,
                kind=ItemKind.LATE_DATA,
                organisation_id=organisation_id,  # type: ignore[arg-type]
                indicator_id=None,
                headline=(
                    f"{who}: {since} on {len(found)} indicator{'s' if len(found) != 1 else ''} judged for "
                    f"{current:%B %Y}, so its performance is not known."
                ),
                detail=f"Missing or late: {names}. Older values are not shown as current performance.",
                evidence={
                    "judgement_ids": [j.pk for j, _ in found],
                    "indicators": [j.indicator.code for j, _ in found],
                    "latest_periods": [str(latest) if latest else None for _, latest in found],
                    "period": str(current),
                },
                sort_name=organisation.code if organisation_id else "",
            )
        )
    return items


def _overdue_return_items(units: dict[int, Organisation], host_id: int, as_of: date) -> list[ItemSpec]:
    rows = (
        Return.objects.filter(unit_id__in=list(units), status=ReturnStatus.AWAITING, deadline__lt=as_of)
        .values("unit_id")
        .annotate(n=Count("pk"), oldest=Min("deadline"))
        .order_by("unit_id")
    )
    items = []
    for row in rows:
        unit = units[row["unit_id"]]
        count = row["n"]
        items.append(
            ItemSpec(
                key=f"{ItemKind.OVERDUE_RETURN}:{unit.pk}:",
                scope=Scope.HOST if unit.pk == host_id else Scope.BODY,
                kind=ItemKind.OVERDUE_RETURN,
                organisation_id=unit.pk,
                indicator_id=None,
                headline=f"{unit.display_name}: {count} return{'s' if count != 1 else ''} overdue, the oldest due on {row['oldest']:%d %B %Y}.",
                evidence={"returns": count, "oldest_deadline": str(row["oldest"])},
                sort_name=unit.code,
            )
        )
    return items


def _regime_items(units: dict[int, Organisation], host_id: int, as_of: date) -> list[ItemSpec]:
    """The regime's consequences: open interventions need challenge; earned freedoms are recognised."""
    from localstat.regime.choices import FreedomBasis
    from localstat.regime.selectors import active_freedoms, open_interventions

    items = []
    for organisation_id, interventions in open_interventions(list(units), as_of).items():
        unit = units[organisation_id]
        for intervention in interventions:
            level = intervention.get_level_display().split(":")[0]
            items.append(
                ItemSpec(
                    key=f"{ItemKind.OPEN_INTERVENTION}:{unit.pk}:{intervention.pk}",
                    scope=Scope.HOST if unit.pk == host_id else Scope.BODY,
                    kind=ItemKind.OPEN_INTERVENTION,
                    organisation_id=unit.pk,
                    indicator_id=None,
                    headline=(
                        f"{unit.display_name}: open intervention at the {level.lower()} level since "
                        f"{intervention.opened_on:%d %B %Y}: {intervention.title}."
                    ),
                    detail=f"Due for review on {intervention.review_on:%d %B %Y}.",
                    evidence={
                        "intervention_id": intervention.pk,
                        "level": intervention.level,
                        "opened_on": str(intervention.opened_on),
                        "review_on": str(intervention.review_on),
                    },
                    sort_name=unit.code,
                )
            )
    for organisation_id, freedoms in active_freedoms(list(units), as_of).items():
        unit = units[organisation_id]
        for freedom in freedoms:
            if freedom.basis != FreedomBasis.EARNED:
                continue
            items.append(
                ItemSpec(
                    key=f"{ItemKind.SUCCESS}:{unit.pk}:freedom:{freedom.pk}",
                    scope=Scope.HOST if unit.pk == host_id else Scope.BODY,
                    kind=ItemKind.SUCCESS,
                    organisation_id=unit.pk,
                    indicator_id=freedom.indicator_id,
                    headline=f"{unit.display_name}: earned the freedom {freedom.title} on {freedom.starts_on:%d %B %Y}.",
                    evidence={
                        "freedom_id": freedom.pk,
                        "kind": freedom.kind,
                        "starts_on": str(freedom.starts_on),
                    },
                    sort_name=unit.code,
                )
            )
    return items


def _trajectory_items(units: dict[int, Organisation], host_id: int, as_of: date) -> list[ItemSpec]:
    """Agreed targets at risk or off track against their trajectory (the agreements' selector)."""
    from localstat.agreements.selectors import trajectory_status

    found = trajectory_status(list(units), as_of)
    codes = {status.indicator for statuses in found.values() for status in statuses}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    versions = {code: version_of(i, as_of) for code, i in indicators.items()}
    items = []
    for organisation_id, statuses in found.items():
        unit = units[organisation_id]
        for status in statuses:
            if status.status not in ("off_track", "at_risk"):
                continue
            indicator = indicators.get(status.indicator)
            fmt = (
                versions[status.indicator].format_value
                if indicator
                else (lambda v: "–" if v is None else f"{v:.1f}")
            )
            if status.period is not None and is_stale(
                versions[status.indicator].periodicity if indicator else "month", status.period, as_of
            ):
                continue  # a value this old is late data, not this period's standing
            words = "off track" if status.status == "off_track" else "at risk"
            when = f" in {status.period:%B %Y}" if status.period else ""
            items.append(
                ItemSpec(
                    key=f"{ItemKind.OFF_TRAJECTORY}:{unit.pk}:target:{status.target_id}",
                    scope=Scope.HOST if unit.pk == host_id else Scope.BODY,
                    kind=ItemKind.OFF_TRAJECTORY,
                    organisation_id=unit.pk,
                    indicator_id=indicator.pk if indicator else None,
                    headline=(
                        f"{unit.display_name}: {indicator.name if indicator else status.indicator} is {words} "
                        f"against the trajectory of target {status.reference}{when} ({fmt(status.value)} against "
                        f"that period's milestone of {fmt(status.milestone)})."
                    ),
                    evidence={
                        "target_id": status.target_id,
                        "reference": status.reference,
                        "status": status.status,
                        "period": str(status.period) if status.period else None,
                        "value": status.value,
                        "milestone": status.milestone,
                        "level": status.level,
                        "deadline": str(status.deadline),
                    },
                    sort_name=f"{unit.code}:{status.indicator}",
                )
            )
    return items


def briefing_items(
    *, body: Organisation, units: list[Organisation], host: Organisation, as_of: date
) -> list[ItemSpec]:
    """Every exception and success for the host unit and the body as a whole, host first."""
    by_id = {u.pk: u for u in units}
    judgements = list(
        Judgement.objects.filter(is_current=True)
        .filter(Q(level=Level.UNIT, organisation_id__in=list(by_id)) | Q(level=Level.TIER, organisation=body))
        .select_related("organisation", "indicator", "run")
        .order_by("organisation__code", "indicator__code")
    )
    items = (
        _judgement_items(judgements, host.pk, body.pk)
        + _overdue_return_items(by_id, host.pk, as_of)
        + _trajectory_items(by_id, host.pk, as_of)
        + _regime_items(by_id, host.pk, as_of)
    )
    items.sort(key=lambda i: (i.scope != Scope.HOST, KIND_ORDER[i.kind], i.sort_name))
    return items
