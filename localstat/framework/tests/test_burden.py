from __future__ import annotations

from datetime import date

import pytest

from localstat.chain import services as chain_services
from localstat.chain.access import NotPermitted
from localstat.chain.choices import ChainRole, OrganisationKind
from localstat.framework import selectors, services
from localstat.framework.choices import ControlKind, ControlScope, Focus, TargetKind
from localstat.framework.errors import FrameworkError
from localstat.framework.models import Control
from localstat.framework.services import ControlSpec
from localstat.framework.tests.conftest import proportion

ON = date(2019, 4, 30)


@pytest.fixture
def schools(fw):
    """Elm School (S1) faces DfE and Ofsted controls; the DfE has a PSA with two headline targets."""
    ofsted = chain_services.create_organisation(
        code="OFSTED", name="Ofsted", kind=OrganisationKind.INSPECTORATE, acting_user=None
    )
    chain_services.place_in_chain(
        organisation=ofsted,
        service=fw.education,
        role=ChainRole.INSPECTORATE,
        valid_from=date(2016, 4, 1),
        acting_user=None,
    )
    psa = services.create_psa(
        code="DFE-PSA1",
        department=fw.dfe,
        service=fw.education,
        objective="Raise standards",
        outcome="Children leave primary school able to read, write and add up.",
        starts_on=date(2018, 4, 1),
        ends_on=date(2021, 3, 31),
        acting_user=None,
    )
    attendance = proportion(code="ATT", name="Attendance", service=fw.education, owner=fw.dfe)
    absence = proportion(code="BV_ABS", name="Half days missed", service=fw.education, owner=fw.dfe)
    services.record_equivalence(
        indicator=attendance, equivalent=absence, reason="one is 100 minus the other", acting_user=None
    )
    for number, level in ((1, 65), (2, 85)):
        target = services.propose_psa_target(
            psa=psa,
            indicator=fw.ks2,
            kind=TargetKind.FLOOR,
            level=level,
            deadline=date(2020, 7, 31),
            reference=f"DFE-PSA1-T{number}",
            acting_user=None,
        )
        services.agree_target(target=target, on=ON, acting_user=None)

    def control(
        code,
        body,
        kind=ControlKind.MEASURE,
        *,
        psa_related=False,
        indicator=None,
        start=date(2018, 9, 1),
        **more,
    ):
        spec = ControlSpec(
            code=code,
            title=f"{code} title",
            kind=kind,
            focus=more.pop("focus", Focus.OUTPUT),
            issuing_body=body,
            in_force_from=start,
            scope=more.pop("scope", ControlScope.UNIT_TYPE),
            unit_type=more.pop("unit_type", "school"),
            psa=psa if psa_related else None,
            indicator=indicator,
            **more,
        )
        return services.register_control(spec=spec, acting_user=None)

    control("DFE-1", fw.dfe, psa_related=True, indicator=attendance)
    control("DFE-2", fw.dfe, ControlKind.TARGET, psa_related=True, level=96, focus=Focus.OUTCOME)
    control("DFE-3", fw.dfe)
    control("OF-1", ofsted, ControlKind.COMPLIANCE, focus=Focus.PROCESS)
    control("OF-2", ofsted, ControlKind.COMPLIANCE, focus=Focus.PROCESS, psa_related=True)
    control("BV-1", fw.dfe, indicator=absence)
    control("OLD-1", fw.dfe, start=date(2017, 1, 1))
    services.remove_control(
        control=Control.objects.get(code="OLD-1"),
        on=date(2018, 12, 1),
        reason="SDA targets removed",
        acting_user=None,
    )
    control("SELF-1", fw.s1, scope=ControlScope.UNITS, unit_type="", units=[fw.s1])
    control("EDU-ALL", fw.dfe, scope=ControlScope.SERVICE, unit_type="", service=fw.education)
    control("U1-ONLY", fw.dh, scope=ControlScope.UNITS, unit_type="", units=[fw.u1])
    return ofsted


def test_a_units_burden_counts_every_outside_control_by_body_kind_focus_and_psa(fw, schools) -> None:
    report = selectors.unit_burden(fw.s1, ON)
    assert report.total == 7
    assert (report.psa_related, report.not_psa_related) == (3, 4)
    assert report.headline == 2
    assert report.ratio_sentence == "7 ÷ 2 = 3.5× the 2 headline PSA targets"
    assert [(r.key, r.total, r.psa_related) for r in report.by_body] == [("DFE", 5, 2), ("OFSTED", 2, 1)]
    assert [(r.key, r.total) for r in report.by_kind] == [("target", 1), ("measure", 4), ("compliance", 2)]
    assert [(r.key, r.total) for r in report.by_focus] == [("output", 4), ("process", 2), ("outcome", 1)]


def test_controls_a_unit_sets_itself_are_not_burden(fw, schools) -> None:
    report = selectors.unit_burden(fw.s1, ON)
    assert "SELF-1" not in {c.code for c in report.controls}
    assert [c.code for c in report.self_set] == ["SELF-1"]


def test_adding_a_control_changes_the_count_and_the_ratio(fw, schools) -> None:
    services.register_control(
        spec=ControlSpec(
            code="DFE-4",
            title="A new return",
            kind=ControlKind.MEASURE,
            focus=Focus.PROCESS,
            issuing_body=fw.dfe,
            in_force_from=ON,
            scope=ControlScope.UNIT_TYPE,
            unit_type="school",
        ),
        acting_user=None,
    )
    assert selectors.unit_burden(fw.s1, ON).ratio_sentence == "8 ÷ 2 = 4.0× the 2 headline PSA targets"


def test_a_removed_control_counts_before_its_removal_and_not_after(fw, schools) -> None:
    assert "OLD-1" in {c.code for c in selectors.unit_burden(fw.s1, date(2018, 11, 30)).controls}
    assert "OLD-1" not in {c.code for c in selectors.unit_burden(fw.s1, date(2018, 12, 1)).controls}
    points = selectors.unit_burden_over_time(fw.s1, ON)
    assert [(p.on, p.total, p.headline) for p in points] == [
        (date(2017, 1, 1), 1, 0),
        (date(2018, 9, 1), 8, 0),
        (date(2018, 12, 1), 7, 0),
        (date(2019, 4, 30), 7, 2),
    ]


def test_controls_on_the_same_or_an_equivalent_indicator_are_reported_together(fw, schools) -> None:
    (overlap,) = selectors.unit_burden(fw.s1, ON).overlaps
    assert overlap.indicators == ["ATT", "BV_ABS"]
    assert [c.code for c in overlap.controls] == ["BV-1", "DFE-1"]


def test_an_issuing_body_report_shows_its_controls_and_their_overlaps(fw, schools) -> None:
    report = selectors.issuing_body_burden(fw.dfe, ON)
    assert {c.code for c in report.controls} == {"DFE-1", "DFE-2", "DFE-3", "BV-1", "EDU-ALL"}
    assert report.units == 1
    assert [o.indicators for o in report.overlaps] == [["ATT", "BV_ABS"]]
    assert selectors.issuing_body_burden(schools, ON).overlaps == []


def test_a_unit_type_report_gives_each_units_total(fw, schools, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(8):
        report, totals = selectors.unit_type_burden("school", ON)
    assert (report.total, report.units) == (7, 1)
    assert [(t.unit.code, t.total, t.headline, str(t.ratio)) for t in totals] == [("S1", 7, 2, "3.5")]


def test_burden_across_a_chain_takes_the_same_queries_for_many_units(
    fw, schools, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(8):
        totals = selectors.burden_across_chain(fw.dh, ON)
    assert [(t.unit.code, t.total) for t in totals] == [("U1", 1), ("U2", 0), ("U3", 0), ("U4", 0)]


def test_a_control_with_broken_rules_is_refused_with_every_reason(fw) -> None:
    spec = ControlSpec(
        code="BAD",
        title="",
        kind=ControlKind.COMPLIANCE,
        focus="vibes",
        issuing_body=fw.dfe,
        in_force_from=ON,
        scope=ControlScope.UNITS,
        indicator=fw.ks2,
        level=3,
    )
    with pytest.raises(FrameworkError) as refused:
        services.register_control(spec=spec, acting_user=None)
    message = refused.value.message
    for expected in (
        "title: a control needs a title",
        "focus: 'vibes' is not",
        "indicator: a compliance requirement",
        "level: only a target",
        "applies_to: name at least one unit",
    ):
        assert expected in message
    assert not Control.objects.exists()


def test_an_issuing_body_registers_and_removes_its_own_controls_only(fw, schools) -> None:
    spec = ControlSpec(
        code="DH-9",
        title="Report trolley waits",
        kind=ControlKind.MEASURE,
        focus=Focus.PROCESS,
        issuing_body=fw.dh,
        in_force_from=ON,
        scope=ControlScope.SERVICE,
        service=fw.health,
    )
    with pytest.raises(NotPermitted):
        services.register_control(spec=spec, acting_user=fw.morgan)
    control = services.register_control(spec=spec, acting_user=fw.ada)
    with pytest.raises(NotPermitted):
        services.remove_control(control=control, on=date(2019, 6, 1), reason="x", acting_user=fw.ines)
    with pytest.raises(FrameworkError, match="came into force on 2019-04-30; remove it after that"):
        services.remove_control(control=control, on=ON, reason="x", acting_user=fw.ada)
    services.remove_control(
        control=control, on=date(2019, 6, 1), reason="Duplicates the SitRep", acting_user=fw.ada
    )
    control.refresh_from_db()
    assert (control.removed_on, control.removal_reason) == (date(2019, 6, 1), "Duplicates the SitRep")
    with pytest.raises(FrameworkError, match="already removed"):
        services.remove_control(control=control, on=date(2019, 7, 1), reason="x", acting_user=fw.ada)


def test_a_ratio_is_rounded_half_up_to_one_decimal() -> None:
    from localstat.framework.selectors.burden import ratio_sentence

    assert ratio_sentence(207, 6) == "207 ÷ 6 = 34.5× the 6 headline PSA targets"
    assert ratio_sentence(208, 6) == "208 ÷ 6 = 34.7× the 6 headline PSA targets"
    assert ratio_sentence(5, 1) == "5 ÷ 1 = 5.0× the 1 headline PSA target"
    assert ratio_sentence(5, 0) == "5 controls, and no headline PSA targets to compare them with"
