from __future__ import annotations

from datetime import date

import pytest

from localstat.chain.access import NotPermitted
from localstat.core.models import AuditEvent
from localstat.framework import selectors, services
from localstat.framework.choices import Focus, Periodicity, Polarity, Statistic
from localstat.framework.errors import FrameworkError
from localstat.framework.models import Indicator, IndicatorVersion
from localstat.framework.periods import Term


def _define(scenario, acting_user, **overrides):
    fields = {
        "code": "AE4H",
        "name": "A&E: patients seen within 4 hours",
        "service": scenario.health,
        "owner": scenario.dh,
        "valid_from": date(2016, 4, 1),
        "definition": "Attendances at A&E admitted, transferred or discharged within 4 hours of arrival.",
        "numerator_definition": "Attendances within 4 hours",
        "denominator_definition": "All attendances",
        "statistic": Statistic.PROPORTION,
        "multiplier": 100,
        "display_unit": "%",
        "polarity": Polarity.HIGHER,
        "periodicity": Periodicity.MONTH,
        "acting_user": acting_user,
    }
    return services.define_indicator(**{**fields, **overrides})


def test_a_department_analyst_defines_an_indicator_with_its_first_version(scenario) -> None:
    indicator = _define(scenario, scenario.ada)
    assert indicator.current_version.number == 1
    assert indicator.current_version.format_value(94.26) == "94.3%"
    assert AuditEvent.objects.filter(
        action="framework.define_indicator", subject_id=str(indicator.pk)
    ).exists()


def test_only_the_owning_department_defines_its_indicators(scenario) -> None:
    # Morgan manages units, and Ada belongs to DH, not to the Department for Education
    with pytest.raises(NotPermitted, match="morgan may not define"):
        _define(scenario, scenario.morgan)
    with pytest.raises(NotPermitted, match="for DFE"):
        _define(scenario, scenario.ada, code="KS2", service=scenario.education, owner=scenario.dfe)
    assert not Indicator.objects.exists()


def test_a_change_of_definition_is_a_new_version_and_the_old_one_keeps_its_meaning(scenario) -> None:
    # given AE4H defined from April 2016
    indicator = _define(scenario, scenario.ada)
    # when its definition changes from April 2018
    version = services.revise_indicator(
        indicator=indicator,
        valid_from=date(2018, 4, 1),
        definition="Attendances at type 1 departments only, within 4 hours.",
        reason="Type 1 only from 2018/19",
        acting_user=scenario.ada,
    )
    # then values for March 2018 still read version 1, and April 2018 onwards version 2
    indicator.refresh_from_db()
    assert (version.number, indicator.current_version) == (2, version)
    assert selectors.version_in_force(indicator, date(2018, 3, 1)).number == 1
    assert selectors.version_in_force(indicator, date(2018, 4, 1)).number == 2
    assert selectors.version_in_force(indicator, date(2015, 1, 1)) is None
    assert selectors.versions_in_force([indicator], date(2019, 1, 1))[indicator.pk] == version
    assert IndicatorVersion.objects.get(indicator=indicator, number=1).definition.startswith(
        "Attendances at A&E"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"valid_from": date(2018, 4, 1), "reason": "no change"}, "nothing in the definition changes"),
        ({"valid_from": date(2018, 4, 1), "reason": " ", "multiplier": 1000}, "say why"),
        ({"valid_from": date(2016, 4, 1), "reason": "x", "multiplier": 1000}, "must start after version 1"),
        (
            {"valid_from": date(2018, 4, 1), "reason": "x", "statistic": Statistic.COUNT},
            "a count has no denominator",
        ),
    ],
)
def test_a_bad_revision_is_refused_and_nothing_is_written(scenario, changes, message) -> None:
    indicator = _define(scenario, scenario.ada)
    with pytest.raises(FrameworkError, match=message):
        services.revise_indicator(indicator=indicator, acting_user=scenario.ada, **changes)
    assert indicator.versions.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": "ae4h"}, "capital letters"),
        ({"statistic": "median"}, "'median' is not a statistic"),
        ({"denominator_definition": ""}, "a proportion needs a denominator"),
        ({"periodicity": Periodicity.HALF_TERM}, "needs Health's school calendar"),
        ({"focus": "vibes"}, "is not a focus"),
    ],
)
def test_a_bad_definition_is_refused_with_the_reason(scenario, overrides, message) -> None:
    with pytest.raises(FrameworkError, match=message):
        _define(scenario, scenario.ada, **overrides)
    assert not Indicator.objects.exists()


def test_a_half_termly_indicator_uses_the_services_school_calendar(scenario) -> None:
    services.create_school_calendar(
        service=scenario.education,
        name="Eastshire schools",
        terms=[Term("Autumn 1", "2018/19", date(2018, 9, 3), date(2018, 10, 19))],
        acting_user=None,
    )
    indicator = _define(
        scenario,
        None,
        code="KS2_RWM",
        service=scenario.education,
        owner=scenario.dfe,
        periodicity=Periodicity.HALF_TERM,
        focus=Focus.OUTCOME,
    )
    calendar = selectors.school_calendar_for(indicator.service)
    assert [t.label for t in calendar.terms] == ["Autumn 1 2018/19"]
    assert selectors.school_calendar_for(scenario.health) is None


def test_existing_half_terms_cannot_be_overlapped(scenario) -> None:
    calendar = services.create_school_calendar(
        service=scenario.education,
        name="Eastshire schools",
        terms=[Term("Autumn 1", "2018/19", date(2018, 9, 3), date(2018, 10, 19))],
        acting_user=None,
    )
    with pytest.raises(FrameworkError, match="before Autumn 1 2018/19 ends"):
        services.add_school_terms(
            calendar=calendar,
            terms=[Term("Autumn 2", "2018/19", date(2018, 10, 15), date(2018, 12, 19))],
            acting_user=None,
        )
    assert calendar.terms.count() == 1


def test_internal_only_indicators_are_hidden_from_people_outside_the_chain(scenario) -> None:
    from django.contrib.auth.models import AnonymousUser

    _define(scenario, scenario.ada)
    _define(
        scenario,
        scenario.ada,
        code="AE_STAFF",
        name="A&E staff sickness",
        internal_only=True,
        focus=Focus.INPUT,
    )
    assert set(selectors.indicators_visible_to(AnonymousUser()).values_list("code", flat=True)) == {"AE4H"}
    assert set(selectors.indicators_visible_to(scenario.ada).values_list("code", flat=True)) == {
        "AE4H",
        "AE_STAFF",
    }


def test_equivalences_are_read_transitively(scenario) -> None:
    a = _define(scenario, None, code="A")
    b = _define(scenario, None, code="B")
    c = _define(scenario, None, code="C")
    services.record_equivalence(indicator=c, equivalent=b, reason="same count", acting_user=None)
    services.record_equivalence(indicator=a, equivalent=b, reason="same count", acting_user=None)
    classes = selectors.equivalence_classes()
    assert classes[a.pk] == classes[b.pk] == classes[c.pk] == a.pk
