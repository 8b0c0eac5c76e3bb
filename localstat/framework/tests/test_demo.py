"""The framework's demo step: the report's education chart on every school, and the rest of the framework."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from localstat.chain.models import Organisation
from localstat.demo.pipeline import DEMO_AS_OF
from localstat.demo.testing import module_demo
from localstat.framework import selectors, services
from localstat.framework.choices import ControlKind, ControlScope, Focus, TargetKind, TargetStatus
from localstat.framework.demo import DEMO_INDICATORS
from localstat.framework.errors import FrameworkError
from localstat.framework.models import PSA, Control, Indicator, Standard, Target
from localstat.framework.services import ControlSpec

pytestmark = pytest.mark.django_db
demo = module_demo(only=("returns",))


def _burden(*args: str) -> str:
    out = StringIO()
    call_command("burden", *args, stdout=out)
    return out.getvalue()


def test_every_demo_school_faces_207_controls_34_5_times_its_6_headline_psa_targets(demo) -> None:
    schools = Organisation.objects.filter(unit_type="school")
    assert schools.count() == 40
    totals = selectors.unit_totals(schools, DEMO_AS_OF)
    assert {(t.total, t.psa_related, t.headline, str(t.ratio)) for t in totals} == {(207, 40, 6, "34.5")}
    report = selectors.unit_burden(schools.get(code="NVC-S001"), DEMO_AS_OF)
    assert {r.key: (r.psa_related, r.not_psa_related) for r in report.by_body} == {
        "DFE": (31, 21),
        "OFSTED": (8, 139),
        "MHCLG": (1, 7),
    }
    assert report.illustrative


def test_the_burden_command_prints_the_total_and_the_ratio(demo) -> None:
    text = _burden("--unit", "NVC-S001")
    assert "Total controls: 207\n" in text
    assert "207 ÷ 6 = 34.5× the 6 headline PSA targets\n" in text
    assert "Illustrative" in text


def test_adding_a_control_to_a_school_makes_208_and_34_7_and_removing_it_restores_207(demo) -> None:
    school = Organisation.objects.get(code="SMC-S007")
    control = services.register_control(
        spec=ControlSpec(
            code="DFE-NEW-1",
            title="Return a new termly behaviour log",
            kind=ControlKind.COMPLIANCE,
            focus=Focus.PROCESS,
            issuing_body=Organisation.objects.get(code="DFE"),
            in_force_from=DEMO_AS_OF,
            scope=ControlScope.UNITS,
            units=[school],
        ),
        acting_user=None,
    )
    assert "Total controls: 208\n" in _burden("--unit", "SMC-S007")
    assert "208 ÷ 6 = 34.7× the 6 headline PSA targets" in _burden("--unit", "SMC-S007")
    assert "Total controls: 207\n" in _burden("--unit", "SMC-S006")
    services.remove_control(control=control, on=date(2019, 5, 1), reason="Dropped", acting_user=None)
    assert "Total controls: 207\n" in _burden("--unit", "SMC-S007", "--as-of", "2019-05-01")


def test_the_burden_over_time_shows_the_withdrawn_sda_targets(demo) -> None:
    body = json.loads(_burden("--unit", "NVC-S001", "--as-of", "2018-01-01", "--format", "json"))
    assert (body["total_controls"], body["headline_psa_targets"], body["ratio"]) == (219, 7, "31.3")
    series = json.loads(_burden("--unit", "NVC-S001", "--format", "json"))["over_time"]
    assert [(p["date"], p["total_controls"]) for p in series][-3:] == [
        ("2018-04-01", 207),
        ("2018-09-01", 207),
        ("2019-04-30", 207),
    ]


def test_the_burden_command_writes_csv_and_refuses_bad_input_clearly(demo) -> None:
    csv_text = _burden("--unit", "NVC-S001", "--format", "csv")
    assert csv_text.splitlines()[1].startswith("summary,total_controls,")
    assert ",207,40,167" in csv_text.splitlines()[1]
    with pytest.raises(CommandError, match="No organisation has the code 'NOPE'"):
        _burden("--unit", "NOPE")
    with pytest.raises(CommandError, match="DFE is a government department, not a front line unit"):
        _burden("--unit", "DFE")
    with pytest.raises(CommandError, match="--as-of must be an ISO date"):
        _burden("--unit", "NVC-S001", "--as-of", "yesterday")
    assert "Units reached: 40" in _burden("--issuing-body", "OFSTED")
    assert "every school (40)" in _burden("--unit-type", "school")


def test_the_demo_defines_the_indicators_the_returns_step_loads(demo) -> None:
    assert set(DEMO_INDICATORS) <= set(Indicator.objects.values_list("code", flat=True))
    ae4h = Indicator.objects.get(code="AE4H")
    version = ae4h.current_version
    assert (version.statistic, version.polarity, version.periodicity, version.multiplier) == (
        "proportion",
        "higher",
        "month",
        100,
    )
    assert not ae4h.synthetic
    assert Indicator.objects.get(code="EDU_STAFF_ABS").internal_only


def test_the_demo_holds_a_standard_exemptions_and_cascades(demo) -> None:
    standard = Standard.objects.get()
    assert (standard.indicator.code, standard.level_text) == ("EDU_PA", "≤ 10.0%")
    exempt = Organisation.objects.get(code="NVC-S001")
    with pytest.raises(FrameworkError, match="NVC-S001 \\(Meets the national standard"):
        services.assign_target(
            indicator=standard.indicator,
            units=[exempt],
            kind=TargetKind.FLOOR,
            level=8,
            deadline=date(2020, 7, 31),
            set_by=Organisation.objects.get(code="NVC"),
            acting_user=None,
        )
    national = Target.objects.get(reference="DH-PSA1-T1")
    assert national.cascaded.filter(status=TargetStatus.ACTIVE).count() == 9
    assert selectors.unit_burden(Organisation.objects.get(code="RBD"), DEMO_AS_OF).ratio_sentence == (
        "1 ÷ 1 = 1.0× the 1 headline PSA target"
    )
    shares = sorted(t.level for t in Target.objects.get(reference="HO-PSA1-T1").cascaded.all())
    assert len(shares) == 8
    assert shares[0] != shares[-1]


def test_a_psa_target_on_the_demos_process_measure_is_refused(demo) -> None:
    with pytest.raises(FrameworkError, match="EDU_OBS measures a process"):
        services.propose_psa_target(
            psa=PSA.objects.get(code="DFE-PSA1"),
            indicator=Indicator.objects.get(code="EDU_OBS"),
            kind=TargetKind.ASPIRATIONAL,
            level=100,
            deadline=date(2020, 7, 31),
            acting_user=None,
        )
    assert not Control.objects.filter(code__startswith="DFE-NEW").exists()


ILLUSTRATED_PAGES = [
    "/framework/units/NVC-S001/",
    "/framework/units/NVC-S001/burden/",
    "/framework/units/NVC-S001/burden/?as_of=2017-01-01",
    "/framework/managers/NVC/",
    "/framework/departments/DFE/",
    "/framework/controls/",
    "/framework/controls/?body=OFSTED",
    "/framework/burden/school/",
    "/framework/bodies/OFSTED/burden/",
]


def test_every_page_showing_the_demo_register_labels_it_illustrative(demo) -> None:
    from django.test import Client

    client = Client()
    for url in ILLUSTRATED_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "data-illustrative" in response.content.decode(), url


def test_a_schools_burden_page_reads_207_and_34_5(demo) -> None:
    from django.test import Client

    html = Client().get("/framework/units/NVC-S001/burden/").content.decode()
    assert "Total controls: 207" in html
    assert "207 ÷ 6 = 34.5× the 6 headline PSA targets" in html
