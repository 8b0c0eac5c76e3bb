from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from localstat.framework import services
from localstat.framework.choices import (
    ControlKind,
    ControlScope,
    ExemptionGrounds,
    Focus,
    TargetKind,
    TargetStatus,
)
from localstat.framework.models import Control, Target
from localstat.framework.services import ControlSpec
from localstat.framework.tests.conftest import proportion


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _national(fw, status=TargetStatus.PROPOSED):
    target = services.propose_psa_target(
        psa=fw.psa,
        indicator=fw.ae4h,
        kind=TargetKind.FLOOR,
        level=95,
        deadline=date(2020, 3, 31),
        reference="DH-PSA1-T1",
        acting_user=None,
    )
    if status in (TargetStatus.AGREED, TargetStatus.ACTIVE):
        services.agree_target(target=target, acting_user=None)
    if status == TargetStatus.ACTIVE:
        services.activate_target(target=target, acting_user=None)
    return target


def _controls(fw, count, body=None, start=0):
    services.register_controls(
        specs=[
            ControlSpec(
                code=f"C-{n:03d}",
                title=f"Control {n}",
                kind=ControlKind.MEASURE,
                focus=Focus.PROCESS,
                issuing_body=body or fw.dh,
                in_force_from=date(2018, 4, 1),
                scope=ControlScope.UNITS,
                units=[fw.u1, fw.u2],
                psa=fw.psa if n % 2 else None,
                indicator=fw.triage if n < 3 else None,
            )
            for n in range(start, start + count)
        ],
        acting_user=None,
    )


@pytest.mark.parametrize(
    "name_args",
    [
        ("framework:home", []),
        ("framework:indicators", []),
        ("framework:indicator", ["AE4H"]),
        ("framework:psa", ["DH-PSA1"]),
        ("framework:department", ["DH"]),
        ("framework:manager", ["AN"]),
        ("framework:unit", ["U1"]),
        ("framework:unit_burden", ["U1"]),
        ("framework:body_burden", ["DH"]),
        ("framework:type_burden", ["nhs_provider"]),
        ("framework:controls", []),
    ],
)
def test_the_frameworks_pages_are_public(fw, name_args) -> None:
    _controls(fw, 3)
    name, args = name_args
    assert _client().get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("framework:department", "AN"),
        ("framework:manager", "U1"),
        ("framework:unit", "DH"),
        ("framework:unit", "ZZZ"),
    ],
)
def test_a_page_for_the_wrong_kind_of_body_is_not_found(fw, name, code) -> None:
    assert _client().get(reverse(name, args=[code])).status_code == 404


def test_internal_only_indicators_and_proposed_targets_stay_inside_the_chain(fw) -> None:
    proportion(code="AE_STAFF", name="A&E staff sickness", service=fw.health, owner=fw.dh, internal_only=True)
    _national(fw)
    public = _client().get(reverse("framework:indicators")).content.decode()
    assert "AE_STAFF" not in public
    assert _client().get(reverse("framework:indicator", args=["AE_STAFF"])).status_code == 404
    assert _client().get(reverse("framework:target", args=["DH-PSA1-T1"])).status_code == 404
    assert "AE_STAFF" in _client(fw.ada).get(reverse("framework:indicators")).content.decode()
    assert _client(fw.ada).get(reverse("framework:target", args=["DH-PSA1-T1"])).status_code == 200


def test_a_department_analyst_agrees_a_target_from_its_page_and_others_find_no_such_page(fw) -> None:
    target = _national(fw)
    page = _client(fw.ada).get(reverse("framework:target", args=[target.reference])).content.decode()
    assert reverse("framework:target_step", args=[target.reference, "agree"]) in page
    assert (
        _client(fw.morgan).get(reverse("framework:target_step", args=[target.reference, "agree"])).status_code
        == 404
    )
    response = _client(fw.ada).post(
        reverse("framework:target_step", args=[target.reference, "agree"]), {"on": "2019-04-30"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.status, target.agreed_on) == (TargetStatus.AGREED, date(2019, 4, 30))


def test_recording_met_without_evidence_shows_the_problem_and_changes_nothing(fw) -> None:
    target = _national(fw, TargetStatus.ACTIVE)
    url = reverse("framework:target_step", args=[target.reference, "met"])
    response = _client(fw.ada).post(url, {"on": "2020-04-01", "evidence": ""})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    target.refresh_from_db()
    assert target.status == TargetStatus.ACTIVE
    response = _client(fw.ada).post(url, {"on": "2019-04-30", "evidence": "95.2%"})
    assert "its outcome comes after that" in response.content.decode()
    response = _client(fw.ada).post(url, {"on": "2020-04-01", "evidence": "95.2% in March 2020"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == TargetStatus.MET


def test_a_performance_manager_cascades_from_its_page_with_a_share_and_exempt_units_left_out(fw) -> None:
    target = _national(fw, TargetStatus.AGREED)
    services.grant_exemption(
        unit=fw.u2, service=fw.health, grounds=ExemptionGrounds.EARNED_FREEDOM, evidence="x", acting_user=None
    )
    url = reverse("framework:cascade", args=[target.reference, "AN"])
    assert _client(fw.ada).get(url).status_code == 404
    page = _client(fw.morgan).get(url).content.decode()
    assert "Earned freedom: no further targets" in page
    assert 'value="U2"' not in page
    response = _client(fw.morgan).post(url, {"units": ["U1"], "share_U1": "93.5"})
    assert response.status_code == 302
    (unit_target,) = Target.objects.filter(parent=target)
    assert (unit_target.units.get().code, str(unit_target.level)) == ("U1", "93.5000")
    manager_page = _client(fw.morgan).get(reverse("framework:manager", args=["AN"])).content.decode()
    assert "1 of 2" in manager_page


def test_the_burden_page_has_a_chart_a_table_and_the_ratio(fw) -> None:
    _national(fw, TargetStatus.ACTIVE)
    _controls(fw, 5)
    page = _client().get(reverse("framework:unit_burden", args=["U1"])).content.decode()
    assert "<svg" in page
    assert 'role="img"' in page
    assert "Total controls: 5" in page
    assert "5 ÷ 1 = 5.0× the 1 headline PSA target" in page
    assert re.search(r'data-row="DH".*?<td[^>]*>5</td>', page, re.S)


def test_the_burden_page_refuses_a_bad_date_clearly(fw) -> None:
    response = _client().get(reverse("framework:unit_burden", args=["U1"]), {"as_of": "31/12/2018"})
    assert response.status_code == 400
    assert "'31/12/2018' is not a date: write it as YYYY-MM-DD" in html.unescape(response.content.decode())


def test_the_burden_report_downloads_as_csv_and_json(fw) -> None:
    _controls(fw, 2)
    csv_text = (
        _client().get(reverse("framework:unit_burden", args=["U1"]), {"format": "csv"}).content.decode()
    )
    assert "summary,total_controls," in csv_text
    body = _client().get(reverse("framework:unit_burden", args=["U1"]), {"format": "json"}).json()
    assert body["total_controls"] == 2


def test_a_bad_controls_upload_lists_every_problem_and_writes_nothing(fw) -> None:
    upload = SimpleUploadedFile(
        "controls.csv",
        b"code,title,kind,focus,issuing_body,applies_to,in_force_from\n"
        b"DH-1,Log,compliance,process,DH,service:health,2019-01-01\n"
        b"DH-2,Log,rule,process,DH,service:health,2019-01-01\n",
    )
    response = _client(fw.ada).post(reverse("framework:controls_import"), {"file": upload})
    assert response.status_code == 400
    assert (
        "row 2 (line 3), field kind: &#x27;rule&#x27; is not target, measure or compliance"
        in response.content.decode()
    )
    assert not Control.objects.exists()


def test_only_someone_who_manages_controls_can_import_or_remove_them(fw) -> None:
    _controls(fw, 1)
    assert _client(fw.morgan).get(reverse("framework:controls_import")).status_code == 404
    assert _client(fw.morgan).get(reverse("framework:control_remove", args=["C-000"])).status_code == 404
    response = _client(fw.ada).post(
        reverse("framework:control_remove", args=["C-000"]), {"on": "2019-01-01", "reason": "Duplicate"}
    )
    assert response.status_code == 302
    assert Control.objects.get().removed_on == date(2019, 1, 1)


PAGES = [
    ("framework:indicators", []),
    ("framework:controls", []),
    ("framework:department", ["DH"]),
    ("framework:manager", ["AN"]),
    ("framework:unit", ["U1"]),
    ("framework:home", []),
    ("framework:type_burden", ["nhs_provider"]),
]


def _queries(client, name, args) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(name, args=args)).status_code == 200
    return len(captured.captured_queries)


def test_list_pages_take_the_same_number_of_queries_however_long_they_are(
    fw, django_assert_max_num_queries
) -> None:
    # given a little of everything
    _controls(fw, 2)
    target = _national(fw, TargetStatus.AGREED)
    services.cascade_target(target=target, manager=fw.north, units=[fw.u1], acting_user=None)
    client = _client(fw.ada)
    client.get(reverse("framework:home"))
    few = {name: _queries(client, name, args) for name, args in PAGES}
    # when there is much more of it
    _controls(fw, 40, start=100)
    for n in range(15):
        proportion(code=f"X{n}", name=f"Extra {n}", service=fw.health, owner=fw.dh)
    services.cascade_target(target=target, manager=fw.north, units=[fw.u2], acting_user=None)
    # then every list page takes the same number of queries, and never many
    for name, args in PAGES:
        with django_assert_max_num_queries(24):
            assert _queries(client, name, args) == few[name], name


def test_administration_shows_the_framework_read_only(fw) -> None:
    _national(fw)
    client = _client(fw.alex)
    assert client.get(reverse("admin:framework_target_changelist")).status_code == 200
    page = client.get(reverse("admin:framework_indicator_changelist")).content.decode()
    assert "AE4H" in page
    assert client.get(reverse("admin:framework_target_add")).status_code == 403
