"""What the briefing, the follow-up note and the meeting-room display show, and their PDFs.

The page, the PDF and the command line read the same context from here, so the PDF shows exactly
the exceptions the page does. PDFs are drawn by WeasyPrint from the same templates, with the SVG
charts inline; charts come from the assessment's per-run cache, never rendered per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Max
from django.template.loader import render_to_string

from localstat.assessment import selectors as assessment
from localstat.assessment.choices import Level
from localstat.assessment.explain import TREND_SHORT, VARIATION_SHORT
from localstat.assessment.models import Judgement
from localstat.core.clock import today
from localstat.framework.models import Indicator
from localstat.returns.models import Observation
from localstat.review.choices import ItemKind, Scope
from localstat.review.models import Briefing, BriefingItem, Meeting
from localstat.review.selectors import agenda_for
from localstat.review.staleness import is_stale

#: At most this many charts in a briefing: the host's and the body's own exceptions come first.
MAX_CHARTS = 6


def _charts_for(items: list[BriefingItem]) -> dict[int, str]:
    """SVG charts for the first few items that come from a judgement, by item id."""
    wanted: dict[int, int] = {}
    for item in items:
        judgement_id = (item.evidence or {}).get("judgement_id")
        if judgement_id and judgement_id not in wanted.values() and len(wanted) < MAX_CHARTS:
            wanted[item.pk] = judgement_id
    judgements = Judgement.objects.filter(pk__in=list(wanted.values())).select_related(
        "organisation", "indicator", "run"
    )
    by_id = {j.pk: j for j in judgements}
    charts = {}
    for item_id, judgement_id in wanted.items():
        judgement = by_id.get(judgement_id)
        if judgement is None:
            continue
        svg = assessment.spc_chart_svg(judgement, assessment.spc_points(judgement))
        if svg:
            charts[item_id] = svg
    return charts


@dataclass
class BriefingView:
    meeting: Meeting
    briefing: Briefing
    host_exceptions: list[BriefingItem]
    body_exceptions: list[BriefingItem]
    successes: list[BriefingItem]
    charts: dict[int, str]

    @property
    def exceptions(self) -> list[BriefingItem]:
        return self.host_exceptions + self.body_exceptions

    @property
    def probes(self) -> list[BriefingItem]:
        return [i for i in self.exceptions if i.probe]


def briefing_view(briefing: Briefing, *, charts: bool = True) -> BriefingView:
    items = list(briefing.items.select_related("organisation", "indicator", "marked_by"))
    exceptions = [i for i in items if i.kind != ItemKind.SUCCESS]
    prioritised = [i for i in exceptions if i.scope == Scope.HOST] + [
        i for i in exceptions if i.scope == Scope.BODY and i.organisation_id == briefing.meeting.cycle.body_id
    ]
    return BriefingView(
        meeting=briefing.meeting,
        briefing=briefing,
        host_exceptions=[i for i in exceptions if i.scope == Scope.HOST],
        body_exceptions=[i for i in exceptions if i.scope == Scope.BODY],
        successes=[i for i in items if i.kind == ItemKind.SUCCESS],
        charts=_charts_for(prioritised + exceptions) if charts else {},
    )


def follow_up_context(meeting: Meeting) -> dict[str, Any]:
    actions = list(meeting.actions.select_related("owner", "organisation").order_by("due_on", "pk"))
    return {
        "meeting": meeting,
        "cycle": meeting.cycle,
        "agenda": agenda_for(meeting),
        "questions": list(meeting.questions.select_related("organisation")),
        "actions": actions,
        "commitments": list(meeting.commitments.select_related("organisation")),
        "recognitions": list(meeting.recognitions.select_related("organisation")),
        "data_required": [a for a in actions if a.data_required],
    }


def pdf(template: str, context: dict[str, Any]) -> bytes:
    """A PDF of a print template (WeasyPrint; fonts and Pango come from Debian, see .ci/run)."""
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=None).write_pdf()  # type: ignore[no-any-return]


def briefing_pdf(briefing: Briefing) -> bytes:
    return pdf("review/briefing_print.html", {"view": briefing_view(briefing), "print": True})


def follow_up_pdf(meeting: Meeting) -> bytes:
    return pdf("review/follow_up_print.html", {**follow_up_context(meeting), "print": True})


@dataclass
class DisplayTile:
    organisation: Any
    indicator: Indicator
    value: str
    period: date | None
    variation: str
    trend: str
    concern: bool
    improvement: bool
    stale: bool = False


def display_context(meeting: Meeting | None, cycle: Any) -> dict[str, Any]:
    """The meeting-room display: each unit's latest approved value on the body's indicators, with the
    engine's signals, and the host's and body's charts."""
    units = list(cycle.units.order_by("code"))
    tier = list(
        Judgement.objects.filter(is_current=True, level=Level.TIER, organisation=cycle.body)
        .select_related("indicator", "organisation", "run")
        .order_by("indicator__code")[:4]
    )
    indicators = [j.indicator for j in tier]
    unit_ids = [u.pk for u in units]
    latest = (
        Observation.objects.filter(
            approved_current=True, unit_id__in=unit_ids, indicator_id__in=[i.pk for i in indicators]
        )
        .values("unit_id", "indicator_id")
        .annotate(period=Max("period_start"))
    )
    wanted = {(r["unit_id"], r["indicator_id"]): r["period"] for r in latest}
    values: dict[tuple[int, int], tuple[Any, date]] = {}
    if wanted:
        for row in Observation.objects.filter(
            approved_current=True,
            unit_id__in=unit_ids,
            indicator_id__in=[i.pk for i in indicators],
            period_start__in=set(wanted.values()),
        ).values(
            "unit_id", "indicator_id", "period_start", "numerator", "denominator", "indicator_version_id"
        ):
            key = (row["unit_id"], row["indicator_id"])
            if wanted.get(key) == row["period_start"]:
                values[key] = (row, row["period_start"])
    judgements = {
        (j.organisation_id, j.indicator_id): j
        for j in Judgement.objects.filter(
            is_current=True, level=Level.UNIT, organisation_id__in=unit_ids, indicator__in=indicators
        )
    }
    versions = {i.pk: assessment.version_of(i, today()) for i in indicators}
    # The period the run judged the body for: a unit whose latest value is far older is late, not current.
    current = {j.indicator_id: j.period for j in tier}
    rows = []
    for indicator in indicators:
        version = versions[indicator.pk]
        tiles = []
        for unit in units:
            found = values.get((unit.pk, indicator.pk))
            judgement = judgements.get((unit.pk, indicator.pk))
            if found is not None and is_stale(version.periodicity, found[1], current.get(indicator.pk)):
                tiles.append(
                    DisplayTile(
                        organisation=unit,
                        indicator=indicator,
                        value="No recent data",
                        period=found[1],
                        variation="",
                        trend="",
                        concern=False,
                        improvement=False,
                        stale=True,
                    )
                )
                continue
            number = None
            if found is not None:
                row = found[0]
                if version.statistic == "count" or not row["denominator"]:
                    number = row["numerator"]
                else:
                    number = row["numerator"] / row["denominator"] * float(version.multiplier)
            variation = judgement.variation if judgement else ""
            tiles.append(
                DisplayTile(
                    organisation=unit,
                    indicator=indicator,
                    value=version.format_value(number),
                    period=found[1] if found else None,
                    variation=VARIATION_SHORT.get(variation, ""),
                    trend=TREND_SHORT.get(judgement.trend, "") if judgement else "",
                    concern=variation == "special_cause_concern",
                    improvement=variation == "special_cause_improvement",
                )
            )
        rows.append({"indicator": indicator, "tiles": tiles})
    charts = []
    for judgement in tier[:1]:
        charts.append(assessment.spc_chart_svg(judgement, assessment.spc_points(judgement)))
    if meeting is not None and tier:
        host = (
            Judgement.objects.filter(is_current=True, organisation=meeting.host, indicator=tier[0].indicator)
            .select_related("organisation", "indicator", "run")
            .first()
        )
        if host is not None:
            charts.append(assessment.spc_chart_svg(host, assessment.spc_points(host)))
    return {"cycle": cycle, "meeting": meeting, "rows": rows, "charts": [c for c in charts if c]}


def data_stamp(cycle: Any) -> str:
    """Changes whenever new data for the cycle's units is approved or judged: the display reloads on it."""
    approved = Observation.objects.filter(
        approved_current=True, unit_id__in=cycle.units.values("pk")
    ).aggregate(at=Max("approved_at"))["at"]
    run = assessment.latest_run()
    judged = Judgement.objects.filter(is_current=True, organisation=cycle.body).aggregate(run=Max("run_id"))[
        "run"
    ]
    return f"{approved.isoformat() if approved else '-'}:{run.pk if run else '-'}:{judged or '-'}"
