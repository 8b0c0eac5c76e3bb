"""Public reads: only ever from the latest published release of each service, never from live tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet

from localstat.assessment import analytics
from localstat.assessment.choices import Level
from localstat.assessment.explain import TREND_SHORT, Wording, judgement_sentences, pooled_from
from localstat.assessment.selectors import versions_for
from localstat.chain.access import permitted_organisations
from localstat.chain.models import Organisation, Service
from localstat.framework.models import Indicator, IndicatorVersion
from localstat.framework.periods import period_containing
from localstat.publication.charts import chart_key, judgement_chart
from localstat.publication.models import (
    PreReleaseAccess,
    Release,
    ReleaseChart,
    ReleasedJudgement,
    ReleasedPeer,
    ReleasedValue,
    ReleaseStatus,
)
from localstat.publication.opendata import league_frame
from localstat.publication.permissions import PUBLISH_RELEASE
from localstat.publication.services import chain_of

#: The plain-English headline of a comparison with England.
VS_ENGLAND = {
    "significantly_better": "Better than England",
    "better": "Better than England",
    "similar": "Similar to England",
    "worse": "Worse than England",
    "significantly_worse": "Worse than England",
}


def latest_releases() -> list[Release]:
    """The newest published release of each service: everything the public may see."""
    latest: dict[int, Release] = {}
    for release in (
        Release.objects.filter(status=ReleaseStatus.PUBLISHED)
        .select_related("service", "run")
        .order_by("service_id", "-number")
    ):
        latest.setdefault(release.service_id, release)
    return list(latest.values())


def published_units(query: str = "") -> QuerySet[Organisation]:
    """Organisations with a judgement in a latest release, matching ``query`` by name, code or town."""
    releases = latest_releases()
    found = Organisation.objects.filter(
        pk__in=ReleasedJudgement.objects.filter(release__in=releases).values("organisation")
    )
    query = query.strip()
    if query:
        found = found.filter(Q(code__icontains=query) | Q(name__icontains=query) | Q(town__icontains=query))
    return found.order_by("name", "code")


def period_words(periodicity: str, start: date) -> str:
    """A period as a person says it: "March 2019", "Week beginning 3 September 2018", "2018/19".

    >>> period_words("week", date(2018, 9, 3)), period_words("month", date(2019, 3, 1))
    ('Week beginning 3 September 2018', 'March 2019')
    """
    if periodicity == "half_term":  # its name is in the school's calendar; its first day says which
        return f"Half-term from {start.day} {start:%B %Y}"
    return period_containing(periodicity, start).label


def _chart_key(judgement: ReleasedJudgement) -> str:
    return chart_key(judgement.organisation_id, judgement.indicator_id)  # type: ignore[arg-type]


def _chart(release: Release, judgement: ReleasedJudgement, y_title: str) -> str:
    """The SPC chart of the release's run for this unit and indicator. A release draws them all when
    it is frozen (``charts.draw_release_charts``); this draws one a release made before that lacks.

    The points, limits and point types are the engine's, kept with the run the release froze, so
    the chart says exactly what the judgement says.
    """
    key = _chart_key(judgement)
    existing = ReleaseChart.objects.filter(release=release, key=key).values_list("svg", flat=True).first()
    if existing is not None:
        return existing
    points = analytics.read_points(
        release.run_id,
        unit=judgement.organisation.code,
        indicator=judgement.indicator.code,  # type: ignore[union-attr]
    )
    if points.height == 0:
        return ""
    svg = judgement_chart(judgement, points, y_title)
    try:
        with transaction.atomic():
            ReleaseChart.objects.create(release=release, key=key, svg=svg)
    except IntegrityError:
        pass  # another request rendered it first; theirs is the same chart
    return svg


def _unit_values(release: Release, organisation: Organisation) -> dict[int, pl.DataFrame]:
    """The unit's frozen values in ``release``, per indicator id, in period order, on the statistic's
    scale (numerator ÷ denominator × multiplier, or the count): one query for every indicator."""
    rows = (
        ReleasedValue.objects.filter(release=release, unit=organisation)
        .order_by("indicator_id", "period_start")
        .values_list(
            "indicator_id", "period_start", "numerator", "denominator", "indicator_version__multiplier"
        )
    )
    frame = pl.DataFrame(
        list(rows),
        schema={
            "indicator": pl.Int64,
            "period": pl.Date,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "multiplier": pl.Float64,
        },
        orient="row",
    ).select(
        "indicator",
        "period",
        pl.when(pl.col("denominator").is_null() | (pl.col("denominator") == 0))
        .then(pl.col("numerator"))
        .otherwise(pl.col("numerator") / pl.col("denominator") * pl.col("multiplier"))
        .alias("value"),
    )
    return {
        int(indicator): part.drop("indicator")
        for (indicator,), part in frame.partition_by("indicator", as_dict=True).items()
    }


def unit_page(organisation: Organisation) -> list[dict[str, Any]]:
    """Each published indicator of the unit: headline words, sentences, numbers and chart.

    A handful of queries per release that judges the unit, whatever its number of indicators or
    values; releases that do not judge it cost one query.
    """
    sections = []
    empty = pl.DataFrame(schema={"period": pl.Date, "value": pl.Float64})
    for release in latest_releases():
        judgements = list(
            ReleasedJudgement.objects.filter(release=release, organisation=organisation)
            .select_related("indicator", "parent", "organisation")
            .order_by("indicator__code")
        )
        if not judgements:
            continue
        ranks = unit_ranks(release, organisation)
        versions = versions_for(judgements)  # type: ignore[arg-type]
        values_of = _unit_values(release, organisation)
        charts = dict(
            ReleaseChart.objects.filter(
                release=release, key__in=[_chart_key(j) for j in judgements]
            ).values_list("key", "svg")
        )
        for judgement in judgements:
            version = versions[judgement.pk]
            fmt = version.format_value
            parent = judgement.parent
            wording = Wording(
                format_value=fmt,
                periodicity=version.periodicity,
                parent_name=f"its area ({parent.display_name})" if parent else "its area",
                trend_points=5 if release.run.parameters.get("profile") == "powerbi" else 7,
            )
            values = values_of.get(judgement.indicator_id, empty)
            chart = charts.get(_chart_key(judgement))
            if chart is None and values.height:
                chart = _chart(release, judgement, version.display_unit)
            sections.append(
                {
                    "release": release,
                    "j": judgement,
                    "headline": [
                        words
                        for words in (
                            VS_ENGLAND.get(judgement.vs_national, ""),
                            TREND_SHORT.get(judgement.trend, ""),
                        )
                        if words
                    ],
                    "value": fmt(judgement.value),
                    "interval": f"{fmt(judgement.lower_95)} to {fmt(judgement.upper_95)}"
                    if judgement.lower_95 is not None and judgement.upper_95 is not None
                    else "",
                    "national": fmt(judgement.national_value),
                    "area": fmt(judgement.parent_value) + pooled_from(judgement.evidence or {})
                    if judgement.parent_value is not None
                    else fmt(None),
                    "peers": fmt(judgement.peer_value),
                    "sentences": judgement_sentences(judgement, wording),
                    "standards": _standards(judgement, version),
                    "rank": ranks.get(judgement.indicator.code),
                    # The figure carries the chart's text alternative; the same numbers are in the
                    # sentences and the table of values, so the drawing itself is hidden from readers.
                    "chart": chart.replace("<svg", '<svg aria-hidden="true" focusable="false"', 1)
                    if chart and values.height
                    else "",
                    "period": period_words(version.periodicity, judgement.period),
                    "values": [
                        (period_words(version.periodicity, period), fmt(value))
                        for period, value in values.iter_rows()
                    ],
                    # When the judged period has no approved value yet, the newest one there is.
                    "latest": (
                        period_words(version.periodicity, values["period"][-1]),
                        fmt(values["value"][-1]),
                    )
                    if judgement.value is None and values.height
                    else None,
                }
            )
    return sections


#: A target's status, as a person would say it.
TARGET_WORDS = {
    "met": "Met",
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "missed": "Missed",
    "no_value": "No value for this period yet",
}
#: Against a national standard.
STANDARD_WORDS = {"met": "Meets the standard", "below": "Below the standard"}


def release_stamp() -> str:
    """Changes whenever a release is published (or one is removed): the key of every cached public page."""
    stamp = Release.objects.filter(status=ReleaseStatus.PUBLISHED).aggregate(
        n=Count("id"), last=Max("id"), at=Max("published_at"), made=Max("created_at")
    )
    made = stamp["made"].timestamp() if stamp["made"] else 0
    return f"{stamp['n']}.{stamp['last']}.{made}"


def can_read_before_publication(user: Any, release: Release) -> bool:
    """A named person with pre-release access, or someone who may publish it, may read a frozen release."""
    if user is None or not user.is_authenticated or release.frozen_at is None:
        return False
    if PreReleaseAccess.objects.filter(release=release, person=user).exists():
        return True
    return can_publish(user, release.service)


def can_publish(user: Any, service: Service) -> bool:
    """May ``user`` publish the service's releases: do they oversee its whole chain?"""
    if user is None or not user.is_authenticated:
        return False
    chain = {organisation.pk for organisation in chain_of(service)}
    allowed = permitted_organisations(user, PUBLISH_RELEASE.code).filter(pk__in=chain).count()
    return bool(chain) and allowed == len(chain)


def publishable_services(user: Any) -> list[Service]:
    return [s for s in Service.objects.filter(indicators__isnull=False).distinct() if can_publish(user, s)]


def readable_release(user: Any, service_code: str, number: int) -> Release | None:
    """The release, if ``user`` may read it: everyone once published; before then, only the people
    with pre-release access to a frozen release."""
    release = (
        Release.objects.select_related("service", "run")
        .filter(service__code=service_code, number=number)
        .first()
    )
    if release is None:
        return None
    if release.status == ReleaseStatus.PUBLISHED:
        return release
    return release if can_read_before_publication(user or AnonymousUser(), release) else None


def release_history() -> list[dict[str, Any]]:
    """Each service's releases, newest first: the published ones with their correction notes, and
    the ones announced for a later time."""
    by_service: dict[int, dict[str, Any]] = {}
    for release in Release.objects.select_related("service").order_by("service__name", "-number"):
        entry = by_service.setdefault(release.service_id, {"service": release.service, "releases": []})
        entry["releases"].append(release)
    return list(by_service.values())


def polarities(release: Release) -> dict[str, str]:
    """Each judged indicator's polarity (code → higher, lower or neutral) for the release's period."""
    return {entry.indicator.code: entry.version.polarity for entry in indicators_of(release)}


@dataclass(frozen=True)
class IndicatorEntry:
    release: Release
    indicator: Indicator
    version: IndicatorVersion
    period: Any
    units: int


def indicators_of(release: Release) -> list[IndicatorEntry]:
    """The indicators a release judges units on, with the definition in force on the judged period."""
    rows = list(
        ReleasedJudgement.objects.filter(release=release, level=Level.UNIT)
        .values("indicator", "period")
        .annotate(units=Count("id"))
        .order_by("indicator", "-period")
    )
    latest: dict[int, dict[str, Any]] = {}
    for row in rows:
        latest.setdefault(row["indicator"], row)
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in=latest).prefetch_related("versions")}
    entries = []
    for indicator_id, row in latest.items():
        indicator = indicators[indicator_id]
        versions = sorted(indicator.versions.all(), key=lambda v: v.valid_from, reverse=True)
        version = next((v for v in versions if v.valid_from <= row["period"]), versions[-1])
        entries.append(IndicatorEntry(release, indicator, version, row["period"], row["units"]))
    return sorted(entries, key=lambda e: e.indicator.name)


def published_indicators() -> list[IndicatorEntry]:
    """Every indicator of the latest releases, by service then name."""
    return [entry for release in latest_releases() for entry in indicators_of(release)]


def find_indicator(code: str) -> IndicatorEntry | None:
    """The indicator's entry in its service's latest release (reading that release alone)."""
    service = Indicator.objects.filter(code=code).values_list("service_id", flat=True).first()
    release = next((r for r in latest_releases() if r.service_id == service), None)
    if release is None:
        return None
    return next((entry for entry in indicators_of(release) if entry.indicator.code == code), None)


def _interval(fmt: Any, lower: float | None, upper: float | None) -> str:
    return f"{fmt(lower)} to {fmt(upper)}" if lower is not None and upper is not None else ""


def far_from_their_place(frame: pl.DataFrame) -> int:
    """How many ranked units could be a quarter of the table or more from the place their value alone
    gives them: their best or worst rank that far from their point rank (not merely a range that wide,
    which for a unit placed mid-range is twice the distance it may move either way)."""
    ranked = frame.filter(pl.col("rank").is_not_null())
    quarter = max(1, ranked.height // 4)
    return ranked.filter(
        pl.max_horizontal(pl.col("rank") - pl.col("best_rank"), pl.col("worst_rank") - pl.col("rank"))
        >= quarter
    ).height


def league_table(entry: IndicatorEntry) -> dict[str, Any]:
    """The league table of one indicator in its latest release: ranked units first (rank 1 the best),
    each with the range of ranks its interval allows, then the units with no value for the period."""
    release, code = entry.release, entry.indicator.code
    fmt = entry.version.format_value
    frame = release_league(release).filter(pl.col("indicator_code") == code)
    words = dict(
        ReleasedJudgement.objects.filter(
            release=release, indicator=entry.indicator, level=Level.UNIT
        ).values_list("organisation__code", "vs_national")
    )
    england = (
        ReleasedJudgement.objects.filter(release=release, indicator=entry.indicator, level=Level.NATIONAL)
        .values_list("value", flat=True)
        .first()
    )
    rows = [
        {
            **row,
            "display_name": row["unit_name"] or row["unit_code"],
            "shown": fmt(row["value"]),
            "interval": _interval(fmt, row["lower_95"], row["upper_95"]),
            "vs_england": VS_ENGLAND.get(words.get(row["unit_code"]) or "", ""),
            "certain": row["best_rank"] == row["worst_rank"],
        }
        for row in frame.iter_rows(named=True)
    ]
    ranked = [row for row in rows if row["rank"] is not None]
    return {
        "entry": entry,
        "ranked": ranked,
        "unranked": [row for row in rows if row["rank"] is None],
        "n": ranked[0]["ranked"] if ranked else 0,
        "england": fmt(england) if england is not None else "",
        "wide": far_from_their_place(frame),
    }


def areas() -> list[dict[str, Any]]:
    """The intermediate-tier bodies with their own pooled results in a latest release, by service."""
    found = []
    for release in latest_releases():
        bodies = Organisation.objects.filter(
            pk__in=ReleasedJudgement.objects.filter(release=release, level=Level.TIER).values("organisation")
        ).order_by("name", "code")
        if bodies:
            found.append({"release": release, "service": release.service, "areas": list(bodies)})
    return found


def _row(judgement: ReleasedJudgement, fmt: Any) -> dict[str, Any]:
    organisation = judgement.organisation
    return {
        "organisation": organisation,
        "name": organisation.display_name if organisation else "England",
        "code": organisation.code if organisation else "",
        "value": fmt(judgement.value),
        "interval": _interval(fmt, judgement.lower_95, judgement.upper_95),
        "vs_england": VS_ENGLAND.get(judgement.vs_national, ""),
        "trend": TREND_SHORT.get(judgement.trend, ""),
        "target": TARGET_WORDS.get(judgement.target_status, ""),
        "level": judgement.level,
    }


def _side_by_side(release: Release, judgements: list[ReleasedJudgement]) -> list[dict[str, Any]]:
    """Judgements grouped by indicator, each group a table of rows in the order given."""
    versions = versions_for(judgements)  # type: ignore[arg-type]
    tables: dict[int, dict[str, Any]] = {}
    for judgement in judgements:
        version = versions[judgement.pk]
        table = tables.setdefault(
            judgement.indicator_id,
            {"indicator": judgement.indicator, "period": judgement.period, "version": version, "rows": []},
        )
        table["rows"].append(_row(judgement, version.format_value))
    return sorted(tables.values(), key=lambda t: t["indicator"].name)


def area_page(area: Organisation) -> dict[str, Any] | None:
    """An area's own pooled results, then its members (units, or the areas under a region) side by side."""
    for release in latest_releases():
        own = list(
            ReleasedJudgement.objects.filter(release=release, organisation=area, level=Level.TIER)
            .select_related("indicator", "organisation", "parent")
            .order_by("indicator__name")
        )
        if not own:
            continue
        members = list(
            ReleasedJudgement.objects.filter(release=release, parent=area)
            .select_related("indicator", "organisation")
            .order_by("indicator__name", "organisation__name", "organisation__code")
        )
        national = list(
            ReleasedJudgement.objects.filter(
                release=release, level=Level.NATIONAL, indicator__in=[j.indicator_id for j in own]
            ).select_related("indicator")
        )
        pooled = _side_by_side(release, own + national)
        versions = versions_for(own)  # type: ignore[arg-type]
        for table in pooled:
            own_judgement = next(j for j in own if j.indicator_id == table["indicator"].pk)
            wording = Wording(
                format_value=versions[own_judgement.pk].format_value,
                periodicity=versions[own_judgement.pk].periodicity,
                parent_name="its region",
            )
            table["sentences"] = judgement_sentences(own_judgement, wording)
        return {
            "release": release,
            "pooled": pooled,
            "members": _side_by_side(release, members),
            "parent": own[0].parent,
            "member_count": len({j.organisation_id for j in members}),
        }
    return None


def comparison(unit: Organisation) -> dict[str, Any] | None:
    """A unit beside its most similar units (in the order the release's run found them) and England."""
    for release in latest_releases():
        peers = list(
            ReleasedPeer.objects.filter(release=release, unit=unit).select_related("peer").order_by("rank")
        )
        mine = ReleasedJudgement.objects.filter(release=release, organisation=unit, level=Level.UNIT)
        if not mine.exists():
            continue
        order = {unit.pk: 0} | {p.peer_id: p.rank for p in peers}
        judgements = list(
            ReleasedJudgement.objects.filter(
                release=release, level=Level.UNIT, organisation__in=list(order)
            ).select_related("indicator", "organisation")
        )
        judgements.sort(key=lambda j: order[j.organisation_id])
        national = list(
            ReleasedJudgement.objects.filter(release=release, level=Level.NATIONAL).select_related(
                "indicator"
            )
        )
        return {
            "release": release,
            "peers": [p.peer for p in peers],
            "tables": _side_by_side(release, judgements + national),
        }
    return None


def _standards(judgement: ReleasedJudgement, version: IndicatorVersion) -> list[dict[str, str]]:
    """The unit's target and standard for the indicator as the release froze them, in plain words."""
    evidence = judgement.evidence or {}
    fmt = version.format_value
    bound = {"higher": "at least", "lower": "at most"}.get(version.polarity, "")
    found = []
    if evidence.get("standard") is not None:
        found.append(
            {
                "kind": "National standard",
                "level": f"{bound} {fmt(evidence['standard'])}".strip(),
                "status": STANDARD_WORDS.get(judgement.vs_standard, "Not judged for this period"),
            }
        )
    if evidence.get("target_level") is not None:
        deadline = evidence.get("target_deadline")
        by = ""
        if deadline:
            by = f" by {date.fromisoformat(deadline):%-d %B %Y}"
        found.append(
            {
                "kind": "National target" if evidence.get("target_scope") == "national" else "Its own target",
                "level": f"{bound} {fmt(evidence['target_level'])}{by}".strip(),
                "status": TARGET_WORDS.get(judgement.target_status, "Not judged for this period"),
            }
        )
    return found


#: League tables of frozen releases, each computed once per process: what a release froze never
#: changes, so unit pages and league tables filter one ranked frame rather than rank every unit again.
_LEAGUES: dict[tuple[int, str, str], pl.DataFrame] = {}
#: How many releases' league tables a process keeps (a few kilobytes each).
LEAGUES_KEPT = 32


def release_league(release: Release) -> pl.DataFrame:
    """Every league table of ``release`` (``opendata.league_frame`` of all its indicators)."""
    if release.frozen_at is None:
        return league_frame(release, None, polarities(release))
    # The times as well as the id: a test database may give a new release an old one's id.
    key = (release.pk, release.created_at.isoformat(), release.frozen_at.isoformat())
    found = _LEAGUES.get(key)
    if found is None:
        found = league_frame(release, None, polarities(release))
        while len(_LEAGUES) >= LEAGUES_KEPT:
            _LEAGUES.pop(next(iter(_LEAGUES)), None)
        _LEAGUES[key] = found
    return found


def unit_ranks(release: Release, unit: Organisation) -> dict[str, dict[str, Any]]:
    """Indicator code → the unit's rank, best and worst rank and n in each league table of a release."""
    frame = release_league(release).filter((pl.col("unit_code") == unit.code) & pl.col("rank").is_not_null())
    return {row["indicator_code"]: row for row in frame.iter_rows(named=True)}


def has_peers(release: Release, unit: Organisation) -> bool:
    return ReleasedPeer.objects.filter(release=release, unit=unit).exists()


def pre_release_for(user: Any) -> list[Release]:
    """Frozen, not yet published releases that ``user`` is named for (or may publish), soonest first."""
    candidates = Release.objects.filter(
        status=ReleaseStatus.SCHEDULED, frozen_at__isnull=False
    ).select_related("service", "run")
    return sorted(
        (release for release in candidates if can_read_before_publication(user, release)),
        key=lambda release: release.publish_at,
    )
