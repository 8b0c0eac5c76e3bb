"""Writing indicators and school calendars. A change of definition is a new version, never an edit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from localstat.chain.access import Actor, authorise
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core.audit import record_event
from localstat.framework.choices import Focus, Periodicity, Polarity, Statistic
from localstat.framework.errors import FrameworkError
from localstat.framework.models import (
    Indicator,
    IndicatorEquivalence,
    IndicatorVersion,
    SchoolCalendar,
    SchoolTerm,
)
from localstat.framework.models.indicators import indicator_code_validator
from localstat.framework.periods import PeriodError, Term, TermCalendar

#: The fields of a definition: changing any of them makes a new version.
VERSIONED_FIELDS = (
    "definition",
    "numerator_definition",
    "denominator_definition",
    "statistic",
    "multiplier",
    "display_unit",
    "decimal_places",
    "polarity",
    "periodicity",
)


def _check_choice(value: str, choices: type, what: str) -> None:
    if value not in choices.values:  # type: ignore[attr-defined]
        raise FrameworkError(
            f"{value!r} is not a {what}: use one of {', '.join(choices.values)}.",  # type: ignore[attr-defined]
            code="invalid",
        )


def _check_definition(code: str, fields: dict[str, object], service: Service) -> None:
    _check_choice(str(fields["statistic"]), Statistic, "statistic")
    _check_choice(str(fields["polarity"]), Polarity, "polarity")
    _check_choice(str(fields["periodicity"]), Periodicity, "periodicity")
    if not str(fields["definition"]).strip():
        raise FrameworkError(f"{code}: say what the indicator measures (its definition).", code="required")
    if not str(fields["numerator_definition"]).strip():
        raise FrameworkError(f"{code}: define the numerator (what is counted).", code="required")
    multiplier = fields["multiplier"]
    if not isinstance(multiplier, int) or multiplier < 1:
        raise FrameworkError(f"{code}: the multiplier must be a whole number, 1 or more.", code="invalid")
    has_denominator = bool(str(fields["denominator_definition"]).strip())
    if fields["statistic"] == Statistic.COUNT:
        if has_denominator or multiplier != 1:
            raise FrameworkError(f"{code}: a count has no denominator and a multiplier of 1.", code="invalid")
    elif not has_denominator:
        label = Statistic(str(fields["statistic"])).label.split(" (")[0].lower()
        raise FrameworkError(f"{code}: a {label} needs a denominator definition.", code="required")
    if (
        fields["periodicity"] == Periodicity.HALF_TERM
        and not SchoolCalendar.objects.filter(service=service).exists()
    ):
        raise FrameworkError(
            f"{code}: a half-termly indicator needs {service}'s school calendar; set the calendar first.",
            code="invalid",
        )


@transaction.atomic
def define_indicator(
    *,
    code: str,
    name: str,
    service: Service,
    owner: Organisation,
    valid_from: date,
    definition: str,
    numerator_definition: str,
    statistic: str,
    polarity: str,
    periodicity: str,
    denominator_definition: str = "",
    multiplier: int = 1,
    display_unit: str = "",
    decimal_places: int = 1,
    focus: str = Focus.OUTCOME,
    internal_only: bool = False,
    synthetic: bool = False,
    acting_user: Actor,
) -> Indicator:
    """Define an indicator and its first version."""
    authorise(acting_user, "framework.manage_indicators", [owner])
    code = code.strip()
    try:
        indicator_code_validator(code)
    except ValidationError as error:
        raise FrameworkError(f"{code!r}: {error.messages[0]}", code="invalid") from None
    if Indicator.objects.filter(code=code).exists():
        raise FrameworkError(
            f"An indicator with code {code} already exists; revise it instead.", code="duplicate"
        )
    if not name.strip():
        raise FrameworkError(f"{code}: an indicator needs a name.", code="required")
    _check_choice(focus, Focus, "focus (input, output, process or outcome)")
    fields: dict[str, object] = {
        "definition": definition,
        "numerator_definition": numerator_definition,
        "denominator_definition": denominator_definition,
        "statistic": statistic,
        "multiplier": multiplier,
        "display_unit": display_unit,
        "decimal_places": decimal_places,
        "polarity": polarity,
        "periodicity": periodicity,
    }
    _check_definition(code, fields, service)
    indicator = Indicator.objects.create(
        code=code,
        name=name.strip(),
        service=service,
        owner=owner,
        focus=focus,
        internal_only=internal_only,
        synthetic=synthetic,
    )
    version = IndicatorVersion.objects.create(indicator=indicator, number=1, valid_from=valid_from, **fields)
    indicator.current_version = version
    indicator.save(update_fields=["current_version", "updated_at"])
    record_event(
        actor=acting_user,
        action="framework.define_indicator",
        subject=indicator,
        summary=f"Defined indicator {code}: {name}",
        data={"version": 1, "valid_from": str(valid_from), **{k: str(v) for k, v in fields.items()}},
    )
    return indicator


@transaction.atomic
def revise_indicator(
    *,
    indicator: Indicator,
    valid_from: date,
    reason: str,
    definition: str | None = None,
    numerator_definition: str | None = None,
    denominator_definition: str | None = None,
    statistic: str | None = None,
    multiplier: int | None = None,
    display_unit: str | None = None,
    decimal_places: int | None = None,
    polarity: str | None = None,
    periodicity: str | None = None,
    acting_user: Actor,
) -> IndicatorVersion:
    """Record a new definition from ``valid_from``. Values recorded under the old one keep their meaning."""
    authorise(acting_user, "framework.manage_indicators", [indicator.owner])
    indicator = (
        Indicator.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=indicator.pk)
    )
    current = indicator.current_version
    assert current is not None, "every indicator is defined with a first version"
    proposed = {
        "definition": definition,
        "numerator_definition": numerator_definition,
        "denominator_definition": denominator_definition,
        "statistic": statistic,
        "multiplier": multiplier,
        "display_unit": display_unit,
        "decimal_places": decimal_places,
        "polarity": polarity,
        "periodicity": periodicity,
    }
    fields = {name: getattr(current, name) if value is None else value for name, value in proposed.items()}
    changed = [name for name in VERSIONED_FIELDS if fields[name] != getattr(current, name)]
    if not changed:
        raise FrameworkError(
            f"{indicator.code}: nothing in the definition changes, so there is no new version.",
            code="invalid",
        )
    if not reason.strip():
        raise FrameworkError(
            f"{indicator.code}: say why the definition changes; the reason is kept with the version.",
            code="required",
        )
    if valid_from <= current.valid_from:
        raise FrameworkError(
            f"{indicator.code}: a new version must start after version {current.number} "
            f"(from {current.valid_from}), not on {valid_from}.",
            code="invalid",
        )
    _check_definition(indicator.code, fields, indicator.service)
    version = IndicatorVersion.objects.create(
        indicator=indicator,
        number=current.number + 1,
        valid_from=valid_from,
        change_reason=reason.strip(),
        **fields,
    )
    indicator.current_version = version
    indicator.save(update_fields=["current_version", "updated_at"])
    record_event(
        actor=acting_user,
        action="framework.revise_indicator",
        subject=indicator,
        summary=f"{indicator.code} version {version.number} from {valid_from}: {', '.join(changed)} changed",
        data={
            "version": version.number,
            "valid_from": str(valid_from),
            "reason": reason,
            "changes": {name: [str(getattr(current, name)), str(fields[name])] for name in changed},
        },
    )
    return version


@transaction.atomic
def update_indicator_details(
    *, indicator: Indicator, name: str | None = None, internal_only: bool | None = None, acting_user: Actor
) -> Indicator:
    """Rename an indicator or change whether it is published; neither changes what its values mean."""
    authorise(acting_user, "framework.manage_indicators", [indicator.owner])
    before = {"name": indicator.name, "internal_only": indicator.internal_only}
    if name is not None:
        if not name.strip():
            raise FrameworkError(f"{indicator.code}: an indicator needs a name.", code="required")
        indicator.name = name.strip()
    if internal_only is not None:
        indicator.internal_only = internal_only
    after = {"name": indicator.name, "internal_only": indicator.internal_only}
    if after != before:
        indicator.save(update_fields=["name", "internal_only", "updated_at"])
        record_event(
            actor=acting_user,
            action="framework.update_indicator_details",
            subject=indicator,
            summary=f"{indicator.code}: details changed",
            data={"before": before, "after": after},
        )
    return indicator


@transaction.atomic
def record_equivalence(
    *, indicator: Indicator, equivalent: Indicator, reason: str, acting_user: Actor
) -> IndicatorEquivalence:
    """Record that two indicators ask for the same thing, so controls on them are reported as overlapping."""
    authorise(acting_user, "framework.manage_indicators", [indicator.owner])
    if indicator.pk == equivalent.pk:
        raise FrameworkError(f"{indicator.code} is trivially equivalent to itself.", code="invalid")
    if not reason.strip():
        raise FrameworkError("Say why the two indicators ask for the same thing.", code="required")
    low, high = sorted((indicator, equivalent), key=lambda i: i.pk)
    equivalence, created = IndicatorEquivalence.objects.get_or_create(
        indicator=low, equivalent=high, defaults={"reason": reason.strip()}
    )
    if created:
        record_event(
            actor=acting_user,
            action="framework.record_equivalence",
            subject=equivalence,
            summary=f"{low.code} and {high.code} recorded as equivalent",
            data={"reason": reason},
        )
    return equivalence


def _department_of(service: Service) -> list[Organisation]:
    departments = (
        links_current_on(None).filter(service=service, role=ChainRole.DEPARTMENT).values("organisation")
    )
    return list(Organisation.objects.filter(pk__in=departments))


@transaction.atomic
def create_school_calendar(
    *,
    service: Service,
    name: str,
    terms: Sequence[Term],
    synthetic: bool = False,
    acting_user: Actor,
) -> SchoolCalendar:
    """Give an education service its school calendar: the half-terms its half-termly indicators use."""
    authorise(acting_user, "framework.manage_indicators", _department_of(service))
    if SchoolCalendar.objects.filter(service=service).exists():
        raise FrameworkError(f"{service} already has a school calendar; add terms to it.", code="duplicate")
    calendar = SchoolCalendar.objects.create(service=service, name=name.strip(), synthetic=synthetic)
    add_school_terms(calendar=calendar, terms=terms, acting_user=acting_user)
    return calendar


@transaction.atomic
def add_school_terms(*, calendar: SchoolCalendar, terms: Sequence[Term], acting_user: Actor) -> int:
    """Add half-terms to a calendar. Existing half-terms never change: values may already refer to them."""
    authorise(acting_user, "framework.manage_indicators", _department_of(calendar.service))
    existing = [
        Term(t.name, t.academic_year, t.start, t.end)
        for t in SchoolTerm.objects.select_for_update().filter(calendar=calendar)
    ]
    for term in terms:
        if not term.name.strip() or not term.academic_year.strip():
            raise FrameworkError("Every half-term needs a name and an academic year.", code="required")
    try:
        TermCalendar(calendar.name, (*existing, *terms))
    except PeriodError as error:
        raise FrameworkError(f"{calendar.name}: {error}", code="invalid") from None
    SchoolTerm.objects.bulk_create(
        [
            SchoolTerm(
                calendar=calendar, name=t.name, academic_year=t.academic_year, start=t.start, end=t.end
            )
            for t in terms
        ]
    )
    record_event(
        actor=acting_user,
        action="framework.add_school_terms",
        subject=calendar,
        summary=f"{len(terms)} half-terms added to {calendar.name}",
        data={"terms": [[t.label, str(t.start), str(t.end)] for t in terms]},
    )
    return len(terms)
