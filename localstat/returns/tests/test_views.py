"""The pages: upload with every error and nothing written, warnings, approval, corrections, history."""

from __future__ import annotations

import io
import re

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from localstat.conftest import PASSWORD
from localstat.returns.choices import OnFailure, ReturnStatus, RuleKind, WarningStatus
from localstat.returns.imports import ImportResult
from localstat.returns.models import Observation, QualityWarning, Return
from localstat.returns.services import add_quality_rule
from localstat.returns.tests.conftest import csv, load


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["unit", "indicator", "period", "numerator", "denominator"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client: Client, content: bytes, name: str = "march.xlsx", **fields: str):
    return client.post(reverse("returns:upload"), {"file": SimpleUploadedFile(name, content), **fields})


def test_a_submitter_uploads_a_spreadsheet_with_errors_fixes_it_and_the_manager_approves(ret) -> None:
    add_quality_rule(
        collection=ret.collection,
        code="t1-plausible",
        description="Type 1 performance below 50% is unusual",
        kind=RuleKind.RANGE,
        indicator=ret.t1,
        minimum=50,
        on_failure=OnFailure.WARN,
        acting_user=None,
    )
    sam = _client(ret.sam)
    # given a spreadsheet with a bad cell and four rows the service refuses
    bad = _xlsx(
        [
            ["U1", "AE4H_T1", "2019-03-01", 400, 1000],
            ["U1", "ADM", "2019-03-01", "abc", None],
            ["U2", "AE4H_T1", "2019-03-01", 400, 1000],
            ["U1", "NOPE", "2019-03-01", 1, 2],
            ["U1", "AE4H_T2", "2019-03-01", 2960, 2574],
            ["U1", "AE4H_T1", "2019-02-01", 1100, 1000],
            ["U1", "AE4H_T2", "2019-03-15", 1, 2],
        ]
    )
    response = _upload(sam, bad)
    # then every error is listed at once, row by row, and nothing is written
    html = response.content.decode()
    errors = re.findall(r'<li><a href="#file">([^<]+)</a></li>', html)
    assert errors == [
        "row 2 (line 3), field numerator: &#x27;abc&#x27; is not a number",
        f"row 3 (line 4), field unit: {ret.sam.username} may not submit returns for U2",
        "row 4 (line 5), field indicator: &#x27;NOPE&#x27; is not an indicator code",
        "row 5 (line 6), field numerator: 2960 is more than the denominator 2574: "
        "a proportion&#x27;s part cannot exceed its whole",
        "row 6 (line 7), field numerator: 1100 is more than the denominator 1000: "
        "a proportion&#x27;s part cannot exceed its whole",
        "row 7 (line 8), field period: 2019-03-15 does not start a month: a month starts on its 1st",
    ]
    assert "Nothing was imported: 6 problems in the file" in html
    assert Observation.objects.count() == 0
    assert not Return.objects.exists()
    # when the fixed file is uploaded
    good = _xlsx(
        [
            ["U1", "AE4H_T1", "2019-03-01", 400, 1000],
            ["U1", "ADM", "2019-03-01", 250, None],
            ["U1", "AE4H_T2", "2019-03-01", 1, 2],
        ]
    )
    html = _upload(sam, good).content.decode()
    # then it is in, and the warning is shown
    assert "File imported" in html
    assert "40 for AE4H_T1 2019-03-01 is outside the range 50 to inf (rule t1-plausible)" in html
    march = Return.objects.get(unit=ret.u1, period_start="2019-03-01")
    assert march.status == ReturnStatus.SUBMITTED
    # and the manager sees it awaiting approval, confirms the warning and approves
    morgan = _client(ret.morgan)
    home = morgan.get(reverse("returns:home")).content.decode()
    assert f'data-return="{march.pk}"' in home.split('data-section="awaiting"')[1].split("</table>")[0]
    warning = QualityWarning.objects.get()
    morgan.post(reverse("returns:resolve_warning", args=[warning.pk]), {"status": WarningStatus.CONFIRMED})
    assert QualityWarning.objects.get().status == WarningStatus.CONFIRMED
    morgan.post(reverse("returns:approve", args=[march.pk]))
    march.refresh_from_db()
    assert march.status == ReturnStatus.APPROVED
    assert march.approved_by == ret.morgan


def test_a_correction_through_the_form_is_a_new_revision_and_both_values_stay_visible(ret) -> None:
    load(csv("U1,AE4H_T1,2019-03-01,900,1000", "U1,ADM,2019-03-01,250,"), approve=True)
    march = Return.objects.get(unit=ret.u1, period_start="2019-03-01")
    sam = _client(ret.sam)
    form_url = reverse("returns:edit", args=[march.pk])
    # a change to an approved value without a reason is refused, in the GOV.UK error summary
    response = sam.post(
        form_url, {"AE4H_T1__numerator": "910", "AE4H_T1__denominator": "1000", "ADM__numerator": "250"}
    )
    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html
    assert "a correction needs a reason" in html
    assert Observation.objects.filter(indicator=ret.t1).count() == 1
    # with a reason it is saved as revision 2 and the return awaits approval again
    response = sam.post(
        form_url,
        {
            "AE4H_T1__numerator": "910",
            "AE4H_T1__denominator": "1000",
            "ADM__numerator": "250",
            "reason": "Recount",
        },
    )
    assert response.status_code == 302
    march.refresh_from_db()
    assert march.status == ReturnStatus.SUBMITTED
    history = sam.get(reverse("returns:history", args=[march.pk, "AE4H_T1"])).content.decode()
    assert re.findall(r'data-revision="(\d)"', history) == ["1", "2"]
    assert "900" in history
    assert "910" in history
    assert "Recount" in history


def _inputs(html: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'<input class="govuk-input[^"]*" id="[^"]*" name="([^"]+)" type="text" value="([^"]*)"', html
        )
    )


def test_a_stored_zero_is_shown_in_the_form_and_survives_a_resubmission(ret) -> None:
    load(csv("U1,AE4H_T1,2019-03-01,900,1000", "U1,ADM,2019-03-01,0,"), approve=True)
    march = Return.objects.get(unit=ret.u1, period_start="2019-03-01")
    sam = _client(ret.sam)
    form_url = reverse("returns:edit", args=[march.pk])
    # the form shows the 0 (not an empty box, which means "nothing to give") and whole numbers as written
    shown = _inputs(sam.get(form_url).content.decode())
    assert shown["ADM__numerator"] == "0"
    assert shown["AE4H_T1__numerator"] == "900"
    assert shown["AE4H_T1__denominator"] == "1000"
    # and sending the form back as shown changes nothing: the 0 is still the approved value
    response = sam.post(form_url, shown)
    assert response.status_code == 302
    adm = Observation.objects.get(indicator=ret.adm, unit=ret.u1)
    assert (adm.numerator, adm.revision, adm.is_current) == (0, 1, True)
    march.refresh_from_db()
    assert march.status == ReturnStatus.APPROVED


def test_every_form_shows_a_value_of_zero_and_leaves_only_none_empty() -> None:
    class Numbers(forms.Form):
        whole = forms.IntegerField(initial=0)
        decimal = forms.FloatField(initial=0.0)
        text = forms.CharField(initial=0, widget=forms.Textarea)
        nothing = forms.IntegerField(initial=None)

    form = Numbers()
    rendered = {name: render_to_string("includes/field.html", {"field": form[name]}) for name in form.fields}
    assert 'value="0"' in rendered["whole"]
    assert 'value="0.0"' in rendered["decimal"]
    assert ">0</textarea>" in rendered["text"]
    assert 'value=""' in rendered["nothing"]


def test_a_corrected_return_shows_its_approval_history_periods_and_counts_as_a_person_reads_them(ret) -> None:
    load(csv("U1,AE4H_T1,2019-03-01,900,1000", "U1,ADM,2019-03-01,1413,"), approve=True)
    march = Return.objects.get(unit=ret.u1, period_start="2019-03-01")
    sam = _client(ret.sam)
    detail_url = reverse("returns:detail", args=[march.pk])
    html = sam.get(detail_url).content.decode()
    assert "A&amp;E monthly: March 2019</h1>" in html
    assert "2019-03-01" not in html
    assert ">1,413</td>" in html
    assert "1413.0" not in html
    approval = re.search(r"<dd [^>]*data-approval>(.*?)</dd>", html).group(1)
    assert approval.startswith("Approved 30 April 2019")
    # when a correction sends it back to submitted, the page says the approval came before it
    response = sam.post(
        reverse("returns:edit", args=[march.pk]),
        {
            "AE4H_T1__numerator": "910",
            "AE4H_T1__denominator": "1000",
            "ADM__numerator": "1413",
            "reason": "Recount",
        },
    )
    assert response.status_code == 302
    html = sam.get(detail_url).content.decode()
    approval = re.search(r"<dd [^>]*data-approval>(.*?)</dd>", html).group(1)
    assert re.fullmatch(
        r"Approved 30 April 2019 \d\d:\d\d, then corrected on 30 April 2019 \d\d:\d\d by Sam: "
        r"the correction awaits approval, and the values approved before stay in use until then",
        approval,
    ), approval
    home = _client(ret.morgan).get(reverse("returns:home")).content.decode()
    assert f'href="{detail_url}">March 2019</a>' in home


def test_an_upload_counts_its_rows_in_words() -> None:
    html = render_to_string(
        "returns/upload.html",
        {"form": None, "errors": [], "result": ImportResult(rows=1, returns=1, derived=0, warnings=1)},
    )
    assert "1 row; 1 return submitted for approval; 0 derived values; 1 warning to confirm or query." in html


def test_the_form_puts_each_error_on_its_field(ret) -> None:
    march = Return.objects.create(
        collection=ret.collection,
        unit=ret.u1,
        period_start="2019-03-01",
        period_end="2019-03-31",
        deadline="2019-04-20",
    )
    html = (
        _client(ret.sam)
        .post(
            reverse("returns:edit", args=[march.pk]),
            {"AE4H_T1__numerator": "1100", "AE4H_T1__denominator": "1000", "ADM__numerator": "3"},
        )
        .content.decode()
    )
    assert (
        '<a href="#id_AE4H_T1__numerator">AE4H_T1 numerator: 1100 is more than the denominator 1000' in html
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("olga", 404), ("charlie", 403), ("ines", 403)],
)
def test_only_the_unit_itself_opens_its_form(ret, who, status) -> None:
    march = Return.objects.create(
        collection=ret.collection,
        unit=ret.u1,
        period_start="2019-03-01",
        period_end="2019-03-31",
        deadline="2019-04-20",
    )
    # Olga submits for the sibling unit: U1's return does not exist for her; Charlie and Ines may see it
    assert _client(getattr(ret, who)).get(reverse("returns:edit", args=[march.pk])).status_code == status


def test_a_manager_of_another_area_cannot_approve_and_anonymous_is_sent_to_sign_in(
    ret, django_user_model
) -> None:
    load(csv("U1,ADM,2019-03-01,250,"))
    march = Return.objects.get(unit=ret.u1)
    from localstat.chain.choices import Role
    from localstat.chain.services import add_membership, create_person

    south = create_person(username="sol", password=PASSWORD, full_name="Sol", acting_user=None)
    add_membership(user=south, organisation=ret.south, role=Role.PERFORMANCE_MANAGER, acting_user=None)
    assert _client(south).post(reverse("returns:approve", args=[march.pk])).status_code == 404
    assert Client().post(reverse("returns:approve", args=[march.pk])).status_code == 302
    assert Return.objects.get(pk=march.pk).status == ReturnStatus.SUBMITTED


def test_a_send_back_needs_a_reason_and_shows_it(ret) -> None:
    load(csv("U1,ADM,2019-03-01,250,"))
    march = Return.objects.get(unit=ret.u1)
    morgan = _client(ret.morgan)
    morgan.post(reverse("returns:send_back", args=[march.pk]), {"reason": ""})
    assert Return.objects.get(pk=march.pk).status == ReturnStatus.SUBMITTED
    morgan.post(reverse("returns:send_back", args=[march.pk]), {"reason": "Admissions look low"})
    assert (
        "Admissions look low"
        in _client(ret.sam).get(reverse("returns:detail", args=[march.pk])).content.decode()
    )


def test_the_returns_page_lists_overdue_returns_in_few_queries(ret, django_assert_max_num_queries) -> None:
    from datetime import date

    from localstat.returns.tick import note_overdue_returns

    note_overdue_returns(date(2019, 4, 30))
    morgan = _client(ret.morgan)
    with django_assert_max_num_queries(14):
        html = morgan.get(reverse("returns:home")).content.decode()
    overdue = html.split('data-section="overdue"')[1].split("</table>")[0]
    # North manages U1 and U2: 12 months each (April 2018 to March 2019) are past their deadline
    assert len(re.findall("data-return=", overdue)) == 24
    unit_page = _client(ret.sam).get(reverse("returns:unit", args=["U1"])).content.decode()
    assert "12 returns overdue" in unit_page


def test_the_collections_page_shows_who_uses_each_collection(ret, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(6):
        html = Client().get(reverse("returns:collections")).content.decode()
    assert 'data-collection="AE-MONTHLY"' in html


def test_an_nhs_file_without_its_indicators_is_refused_with_the_reason(ret) -> None:
    content = b"period,org_code,type,attendances,breaches,admissions\n2019-03-01,U1,1,100,10,20\n"
    html = _upload(_client(ret.alex), content, "ae.csv").content.decode()
    assert "An NHS A&amp;E file needs the health chain" in html
    assert Observation.objects.count() == 0
