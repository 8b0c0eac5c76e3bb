"""The runs page compares two runs chosen from a list, in the words and formats of the other pages."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from localstat.assessment import analytics
from localstat.assessment.services import run_assessment
from localstat.assessment.tests.conftest import ATTENDANCES, MONTHS
from localstat.returns.imports import import_file


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _runs_before_and_after_carlton_corrects_march_to(numerator: int):
    first = run_assessment(acting_user=None)
    correction = (
        f"unit,indicator,period,numerator,denominator\nU3,AE4H,{MONTHS[-1]},{numerator},{ATTENDANCES}\n"
    )
    import_file(
        content=correction.encode(), name="fix.csv", approve=True, reason="Recounted", acting_user=None
    )
    analytics.refresh(["AE4H"])
    return first, run_assessment(acting_user=None)


def _compared(user, first, second) -> str:
    return _client(user).get(reverse("assessment_runs"), {"a": first.pk, "b": second.pk}).content.decode()


def _changes(html: str) -> dict[str, str]:
    table = re.search(r'data-testid="changes">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(
        r'<td class="govuk-table__cell ls-code">([^<]+)</td>.*?<td class="govuk-table__cell">(.*?)</td>',
        table,
        re.S,
    )
    return dict(rows)


def test_a_comparison_writes_values_in_the_indicators_format_and_codes_by_their_labels(assessed) -> None:
    first, second = _runs_before_and_after_carlton_corrects_march_to(7000)
    html = _compared(assessed.ada, first, second)
    carlton = _changes(html)["U3"]
    # 9,250 of 10,000 (92.5%) corrected to 7,000 (70.0%), as every other page writes them
    assert "Value: 92.5% → 70.0%" in carlton
    assert "Variation: Common cause variation → Special cause: concern" in carlton
    # and the nation's pooled value, which fell with it, is written the same way
    assert re.match(r"Value: \d+\.\d% → \d+\.\d%", _changes(html)["England"])
    assert not re.search(r"[a-z]+_[a-z]+|\d+\.\d{4,}", carlton)


def test_a_value_of_zero_is_written_as_a_value_not_a_dash(assessed) -> None:
    first, second = _runs_before_and_after_carlton_corrects_march_to(0)
    html = _compared(assessed.ada, first, second)
    assert "Value: 92.5% → 0.0%" in _changes(html)["U3"]


def test_the_runs_to_compare_are_chosen_from_a_list_of_the_recent_runs(assessed) -> None:
    first, second = _runs_before_and_after_carlton_corrects_march_to(7000)
    html = _client(assessed.ada).get(reverse("assessment_runs")).content.decode()
    picker = re.search(r'<select class="govuk-select" id="a" name="a">(.*?)</select>', html, re.S).group(1)
    assert set(re.findall(r'<option value="(\d+)"', picker)) == {str(first.pk), str(second.pk)}
    assert f"Run {second.pk}: as of 30 April 2019, every indicator" in picker


def test_a_run_that_does_not_exist_is_refused_with_a_clear_error(assessed) -> None:
    run = run_assessment(acting_user=None)
    client = _client(assessed.ada)
    response = client.get(reverse("assessment_runs"), {"a": run.pk, "b": run.pk + 100})
    html = response.content.decode()
    assert response.status_code == 400
    assert f"There is no run {run.pk + 100}: choose the second run from the list." in html
    assert "What changed" not in html
    words = client.get(reverse("assessment_runs"), {"a": "last", "b": run.pk}).content.decode()
    assert "The first run must be a run number: &#x27;last&#x27; is not one." in words
    assert (
        "Choose the second run to compare."
        in client.get(reverse("assessment_runs"), {"a": run.pk}).content.decode()
    )


def test_who_may_not_run_assessments_may_not_compare_runs(assessed) -> None:
    run = run_assessment(acting_user=None)
    response = _client(assessed.morgan).get(reverse("assessment_runs"), {"a": run.pk, "b": run.pk})
    assert response.status_code == 404
