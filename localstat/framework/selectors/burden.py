"""The burden of external controls on front line units (seed 2.23–2.27, Box 2.1, chart 2.7).

A unit's burden on a date is every control in force then that applies to it and that it did not set
for itself, counted by issuing body, kind, focus and PSA-relation, against the headline PSA targets of
the services it is a front line unit in. Every function here runs a fixed number of queries, however
many units or controls there are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet

from localstat.chain.choices import ChainRole, UnitType
from localstat.chain.models import ChainLink, Organisation
from localstat.chain.selectors import links_current_on
from localstat.framework.choices import ControlKind, ControlScope, Focus, TargetScope
from localstat.framework.models import Control, ControlUnit, Target
from localstat.framework.models.targets import AGREED_STATUSES
from localstat.framework.selectors.indicators import equivalence_classes


def controls_in_force(as_of: date) -> QuerySet[Control]:
    return Control.objects.filter(
        Q(removed_on__isnull=True) | Q(removed_on__gt=as_of), in_force_from__lte=as_of
    ).select_related("issuing_body", "psa", "indicator")


def headline_targets(as_of: date) -> QuerySet[Target]:
    """National PSA targets agreed by ``as_of`` and not yet met or missed then (what 'headline' means in 2.24)."""
    return Target.objects.filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=as_of),
        psa__isnull=False,
        scope=TargetScope.NATIONAL,
        status__in=AGREED_STATUSES,
        agreed_on__lte=as_of,
    )


def ratio(total: int, headline: int) -> Decimal | None:
    """``total ÷ headline`` to one decimal place, half up: 207 ÷ 6 = 34.5, 208 ÷ 6 = 34.7."""
    if headline == 0:
        return None
    return (Decimal(total) / Decimal(headline)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ratio_sentence(total: int, headline: int) -> str:
    """The report's comparison, e.g. ``207 ÷ 6 = 34.5× the 6 headline PSA targets``."""
    value = ratio(total, headline)
    if value is None:
        return f"{total} controls, and no headline PSA targets to compare them with"
    noun = "target" if headline == 1 else "targets"
    return f"{total} ÷ {headline} = {value}× the {headline} headline PSA {noun}"


@dataclass
class Row:
    """One line of a breakdown: a key, its label, and counts split by PSA-relation."""

    key: str
    label: str
    total: int = 0
    psa_related: int = 0

    @property
    def not_psa_related(self) -> int:
        return self.total - self.psa_related


@dataclass
class Overlap:
    """Controls that ask for the same indicator (or one recorded as equivalent) of the same units."""

    indicators: list[str]
    controls: list[Control]

    @property
    def bodies(self) -> list[str]:
        return sorted({c.issuing_body.code for c in self.controls})


@dataclass
class BurdenReport:
    """The burden on one subject (a unit, a unit type or an issuing body's reach) on one date."""

    subject: str
    as_of: date
    controls: list[Control]
    headline: int
    overlaps: list[Overlap] = field(default_factory=list)
    self_set: list[Control] = field(default_factory=list)
    units: int = 1

    @property
    def total(self) -> int:
        return len(self.controls)

    @property
    def psa_related(self) -> int:
        return sum(1 for c in self.controls if c.psa_id is not None)

    @property
    def not_psa_related(self) -> int:
        return self.total - self.psa_related

    @property
    def ratio(self) -> Decimal | None:
        return ratio(self.total, self.headline)

    @property
    def ratio_sentence(self) -> str:
        return ratio_sentence(self.total, self.headline)

    @property
    def illustrative(self) -> bool:
        return any(c.illustrative for c in self.controls)

    @property
    def overlapping(self) -> int:
        """How many controls overlap another: the 'duplicated' part of the burden."""
        return sum(len(o.controls) for o in self.overlaps)

    def _rows(self, key: str, labels: dict[str, str]) -> list[Row]:
        rows: dict[str, Row] = {}
        for control in self.controls:
            value = getattr(control, key)
            row = rows.setdefault(value, Row(value, labels.get(value, value)))
            row.total += 1
            row.psa_related += control.psa_id is not None
        order = list(labels)
        return sorted(
            rows.values(), key=lambda r: (order.index(r.key) if r.key in order else len(order), r.key)
        )

    @property
    def by_body(self) -> list[Row]:
        rows: dict[str, Row] = {}
        for control in self.controls:
            body = control.issuing_body
            row = rows.setdefault(body.code, Row(body.code, body.display_name))
            row.total += 1
            row.psa_related += control.psa_id is not None
        return sorted(rows.values(), key=lambda r: (-r.total, r.key))

    @property
    def by_kind(self) -> list[Row]:
        return self._rows("kind", {k: v.split(" (")[0] for k, v in ControlKind.choices})

    @property
    def by_focus(self) -> list[Row]:
        return self._rows("focus", dict(Focus.choices))

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON (the CLI and the API)."""

        def rows(items: list[Row]) -> list[dict[str, object]]:
            return [
                {
                    "key": r.key,
                    "label": r.label,
                    "total": r.total,
                    "psa_related": r.psa_related,
                    "not_psa_related": r.not_psa_related,
                }
                for r in items
            ]

        return {
            "subject": self.subject,
            "as_of": self.as_of.isoformat(),
            "total_controls": self.total,
            "headline_psa_targets": self.headline,
            "ratio": None if self.ratio is None else str(self.ratio),
            "ratio_sentence": self.ratio_sentence,
            "psa_related": self.psa_related,
            "not_psa_related": self.not_psa_related,
            "illustrative": self.illustrative,
            "units": self.units,
            "by_issuing_body": rows(self.by_body),
            "by_kind": rows(self.by_kind),
            "by_focus": rows(self.by_focus),
            "overlaps": [
                {"indicators": o.indicators, "bodies": o.bodies, "controls": [c.code for c in o.controls]}
                for o in self.overlaps
            ],
            "self_set_controls_not_counted": len(self.self_set),
        }


def _frontline_services(unit: Organisation, as_of: date) -> list[int]:
    return list(
        links_current_on(as_of)
        .filter(organisation=unit, role=ChainRole.FRONT_LINE_UNIT)
        .values_list("service_id", flat=True)
    )


def _applying_to(unit: Organisation, services: list[int]) -> Q:
    condition = Q(scope=ControlScope.SERVICE, service_id__in=services) | Q(
        scope=ControlScope.UNITS, pk__in=ControlUnit.objects.filter(unit=unit).values("control")
    )
    if unit.unit_type:
        condition |= Q(scope=ControlScope.UNIT_TYPE, unit_type=unit.unit_type)
    return condition


def _overlaps(controls: list[Control], unit_sets: dict[int, set[int]] | None = None) -> list[Overlap]:
    """Group controls on equivalent indicators whose units overlap (all of them, for one unit's report)."""
    classes = equivalence_classes()
    groups: dict[int, list[Control]] = defaultdict(list)
    for control in controls:
        if control.indicator_id is not None:
            groups[classes.get(control.indicator_id, control.indicator_id)].append(control)
    found = []
    for members in groups.values():
        if len(members) < 2:
            continue
        if unit_sets is not None:
            members = [
                c for c in members if any(unit_sets[c.pk] & unit_sets[o.pk] for o in members if o.pk != c.pk)
            ]
            if len(members) < 2:
                continue
        members.sort(key=lambda c: (c.issuing_body.code, c.code))
        found.append(Overlap(sorted({c.indicator.code for c in members}), members))
    return sorted(found, key=lambda o: o.indicators)


def unit_burden(unit: Organisation, as_of: date) -> BurdenReport:
    """One unit's burden on ``as_of``."""
    services = _frontline_services(unit, as_of)
    applying = list(
        controls_in_force(as_of).filter(_applying_to(unit, services)).order_by("issuing_body__code", "code")
    )
    external = [c for c in applying if c.issuing_body_id != unit.pk]
    return BurdenReport(
        subject=f"{unit.display_name} ({unit.code})" if unit.name else unit.code,
        as_of=as_of,
        controls=external,
        headline=headline_targets(as_of).filter(psa__service_id__in=services).count(),
        overlaps=_overlaps(external),
        self_set=[c for c in applying if c.issuing_body_id == unit.pk],
    )


@dataclass
class BurdenPoint:
    on: date
    total: int
    psa_related: int
    headline: int

    @property
    def ratio(self) -> Decimal | None:
        return ratio(self.total, self.headline)


def unit_burden_over_time(unit: Organisation, as_of: date, since: date | None = None) -> list[BurdenPoint]:
    """The unit's burden on every date it changed up to ``as_of`` (and on ``as_of``), from ``since``.

    The unit's place in the chain is taken as on ``as_of``.
    """
    services = _frontline_services(unit, as_of)
    controls = list(
        Control.objects.filter(_applying_to(unit, services), in_force_from__lte=as_of)
        .exclude(issuing_body=unit)
        .only("in_force_from", "removed_on", "psa_id")
    )
    targets = list(
        headline_targets(as_of).filter(psa__service_id__in=services).only("agreed_on", "closed_on")
    ) + list(
        Target.objects.filter(
            psa__isnull=False, scope=TargetScope.NATIONAL, psa__service_id__in=services, closed_on__lte=as_of
        ).only("agreed_on", "closed_on")
    )
    dates = {as_of}
    for control in controls:
        dates.add(control.in_force_from)
        if control.removed_on and control.removed_on <= as_of:
            dates.add(control.removed_on)
    for target in targets:
        if target.agreed_on:
            dates.add(target.agreed_on)
        if target.closed_on:
            dates.add(target.closed_on)
    if since is not None:
        dates = {d for d in dates if d >= since} | {since}
    points = []
    for on in sorted(dates):
        live = [c for c in controls if c.in_force_from <= on and (c.removed_on is None or c.removed_on > on)]
        headline = sum(
            1
            for t in targets
            if t.agreed_on and t.agreed_on <= on and (t.closed_on is None or t.closed_on > on)
        )
        points.append(BurdenPoint(on, len(live), sum(1 for c in live if c.psa_id is not None), headline))
    return points


@dataclass
class UnitTotal:
    unit: Organisation
    total: int
    psa_related: int
    headline: int
    illustrative: bool = False

    @property
    def ratio(self) -> Decimal | None:
        return ratio(self.total, self.headline)


class _Index:
    """Every control in force on a date with the set of units it reaches: built in four queries."""

    def __init__(self, as_of: date, units: Iterable[Organisation] | None = None) -> None:
        self.as_of = as_of
        links = links_current_on(as_of).filter(role=ChainRole.FRONT_LINE_UNIT).select_related("organisation")
        if units is not None:
            links = links.filter(organisation__in=[u.pk for u in units])
        self.units: dict[int, Organisation] = {}
        self.services_of: dict[int, set[int]] = defaultdict(set)
        for link in links:
            self.units[link.organisation_id] = link.organisation
            self.services_of[link.organisation_id].add(link.service_id)
        self.controls = list(controls_in_force(as_of).order_by("issuing_body__code", "code"))
        listed: dict[int, set[int]] = defaultdict(set)
        for control_id, unit_id in ControlUnit.objects.filter(
            control__in=[c.pk for c in self.controls if c.scope == ControlScope.UNITS]
        ).values_list("control_id", "unit_id"):
            listed[control_id].add(unit_id)
        by_type: dict[str, set[int]] = defaultdict(set)
        by_service: dict[int, set[int]] = defaultdict(set)
        for pk, unit in self.units.items():
            if unit.unit_type:
                by_type[unit.unit_type].add(pk)
            for service_id in self.services_of[pk]:
                by_service[service_id].add(pk)
        self.reach: dict[int, set[int]] = {}
        for control in self.controls:
            if control.scope == ControlScope.UNIT_TYPE:
                reached = by_type[control.unit_type]
            elif control.scope == ControlScope.SERVICE:
                reached = by_service[control.service_id]
            else:
                reached = listed[control.pk] & set(self.units)
            self.reach[control.pk] = reached - {control.issuing_body_id}
        self.headline_by_service = Counter(headline_targets(as_of).values_list("psa__service_id", flat=True))

    def headline_for(self, unit_id: int) -> int:
        return sum(self.headline_by_service[s] for s in self.services_of[unit_id])


def _totals(index: _Index) -> list[UnitTotal]:
    totals: dict[int, list[int]] = {pk: [0, 0, 0] for pk in index.units}
    for control in index.controls:
        for unit_id in index.reach[control.pk]:
            totals[unit_id][0] += 1
            totals[unit_id][1] += control.psa_id is not None
            totals[unit_id][2] += control.illustrative
    return sorted(
        (
            UnitTotal(index.units[pk], total, psa, index.headline_for(pk), illustrative > 0)
            for pk, (total, psa, illustrative) in totals.items()
        ),
        key=lambda t: t.unit.code,
    )


def unit_totals(units: Iterable[Organisation], as_of: date) -> list[UnitTotal]:
    """Each unit's total, PSA-related count and headline targets on ``as_of`` (a fixed number of queries)."""
    return _totals(_Index(as_of, units))


def unit_type_burden(unit_type: str, as_of: date) -> tuple[BurdenReport, list[UnitTotal]]:
    """Every control reaching at least one unit of ``unit_type``, and each such unit's total."""
    units = Organisation.objects.filter(
        unit_type=unit_type,
        pk__in=links_current_on(as_of).filter(role=ChainRole.FRONT_LINE_UNIT).values("organisation"),
    )
    index = _Index(as_of, units)
    reaching = [c for c in index.controls if index.reach[c.pk]]
    totals = _totals(index)
    headline = max((t.headline for t in totals), default=0)
    label = UnitType(unit_type).label if unit_type in UnitType.values else unit_type
    report = BurdenReport(
        subject=f"every {label.lower()} ({len(index.units)})",
        as_of=as_of,
        controls=reaching,
        headline=headline,
        overlaps=_overlaps(reaching, index.reach),
        units=len(index.units),
    )
    return report, totals


def issuing_body_burden(body: Organisation, as_of: date) -> BurdenReport:
    """The controls ``body`` issues that are in force, and where they overlap other bodies' controls."""
    index = _Index(as_of)
    own = [c for c in index.controls if c.issuing_body_id == body.pk]
    own_classes = {c.indicator_id for c in own if c.indicator_id}
    classes = equivalence_classes()
    wanted = {classes.get(pk, pk) for pk in own_classes}
    candidates = [
        c for c in index.controls if c.indicator_id and classes.get(c.indicator_id, c.indicator_id) in wanted
    ]
    overlaps = [
        o for o in _overlaps(candidates, index.reach) if any(c.issuing_body_id == body.pk for c in o.controls)
    ]
    reached = set().union(*(index.reach[c.pk] for c in own)) if own else set()
    headline = max((index.headline_for(pk) for pk in reached), default=0)
    return BurdenReport(
        subject=f"controls issued by {body.display_name} ({body.code})",
        as_of=as_of,
        controls=own,
        headline=headline,
        overlaps=overlaps,
        units=len(reached),
    )


def burden_across_chain(department: Organisation, as_of: date) -> list[UnitTotal]:
    """Each front line unit in the department's chains, with its burden (for the department's page)."""
    services = (
        links_current_on(as_of).filter(organisation=department, role=ChainRole.DEPARTMENT).values("service")
    )
    tier = links_current_on(as_of).filter(
        service__in=services, accountable_to=department, role=ChainRole.INTERMEDIATE_TIER
    )
    unit_ids = ChainLink.objects.filter(
        pk__in=links_current_on(as_of).filter(
            service__in=services,
            role=ChainRole.FRONT_LINE_UNIT,
            accountable_to__in=tier.values("organisation"),
        )
    ).values("organisation")
    return unit_totals(Organisation.objects.filter(pk__in=unit_ids), as_of)
