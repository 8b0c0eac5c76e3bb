from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from localstat.assessment.models import ChartImage
from localstat.assessment.services import run_assessment


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def run(assessed):
    return run_assessment(acting_user=None)


def test_a_manager_reads_a_units_summary_with_icons_position_and_band(assessed, run) -> None:
    html = _client(assessed.morgan).get(reverse("organisation_performance", args=["U1"])).content.decode()
    assert 'data-indicator="AE4H"' in html
    assert "Special cause: improvement" in html
    assert "Band:" in html


def test_the_judgement_page_explains_itself_and_draws_the_chart_once(assessed, run) -> None:
    client = _client(assessed.morgan)
    url = reverse("judgement_detail", args=["U1", "AE4H"])
    html = client.get(url).content.decode()
    reasons = re.search(r'data-testid="reasons">(.*?)</ul>', html, re.S).group(1)
    assert "In March 2019 the value was 93.8%" in reasons
    assert "improving, beyond chance" in reasons
    assert "<svg" in html
    assert ChartImage.objects.count() == 1
    client.get(url)
    assert ChartImage.objects.count() == 1  # rendered once per run, not per request


def test_a_units_judgements_are_not_found_outside_its_chain(assessed, run) -> None:
    assert _client(assessed.sam).get(reverse("organisation_performance", args=["U1"])).status_code == 200
    assert _client(assessed.sam).get(reverse("organisation_performance", args=["U2"])).status_code == 404
    assert _client(assessed.morgan).get(reverse("judgement_detail", args=["U3", "AE4H"])).status_code == 404
    assert Client().get(reverse("organisation_performance", args=["U1"])).status_code == 302


def test_the_indicator_page_ranks_only_the_units_you_may_see(assessed, run) -> None:
    morgan = _client(assessed.morgan).get(reverse("indicator_judgements", args=["AE4H"])).content.decode()
    assert set(re.findall(r'data-org-code="([^"]+)"', morgan)) == {"U1", "U2"}
    ada = (
        _client(assessed.ada)
        .get(reverse("indicator_judgements", args=["AE4H"]), {"highlight": "U1"})
        .content.decode()
    )
    assert set(re.findall(r'data-org-code="([^"]+)"', ada)) == {"U1", "U2", "U3", "U4"}
    assert "<svg" in ada


def test_a_tier_bodys_page_shows_its_units_and_its_record(assessed, run) -> None:
    html = _client(assessed.ada).get(reverse("organisation_performance", args=["AN"])).content.decode()
    assert "Its record as an intermediate-tier body" in html
    assert "Ashford Hospital" in html
    assert "Carlton Hospital" not in html


def test_only_those_who_may_run_assessments_see_the_runs(assessed, run) -> None:
    assert _client(assessed.ada).get(reverse("assessment_runs")).status_code == 200
    assert _client(assessed.morgan).get(reverse("assessment_runs")).status_code == 404


def test_explain_prints_the_judgement_and_its_reasons(assessed, run, capsys) -> None:
    call_command("explain", "--unit", "U1", "--indicator", "AE4H")
    out = capsys.readouterr().out
    assert "Variation: Special cause: improvement" in out
    assert "- In March 2019 the value was 93.8%" in out


def test_assess_command_reports_the_run(assessed, capsys) -> None:
    call_command("assess")
    assert re.match(
        r"Run \d+ as of 2019-04-30: 1 indicators, 96 observations, 7 judgements", capsys.readouterr().out
    )


def test_performance_leads_each_person_to_their_own_place(assessed, run) -> None:
    assert _client(assessed.ada).get(reverse("performance_home")).url == reverse("assessment_runs")
    assert _client(assessed.morgan).get(reverse("performance_home")).url == reverse(
        "organisation_performance", args=["AN"]
    )
    assert _client(assessed.sam).get(reverse("performance_home")).url == reverse(
        "organisation_performance", args=["U1"]
    )


def test_the_summary_gives_the_reasons_for_the_position(assessed, run) -> None:
    html = _client(assessed.sam).get(reverse("organisation_performance", args=["U1"])).content.decode()
    assert "1 of its 1 indicator with process limits is showing a special-cause improvement." in html


def test_list_pages_read_definitions_once_not_per_row(assessed, run, django_assert_max_num_queries) -> None:
    client = _client(assessed.ada)
    # four units in the league table: reading each row's definition separately took 16 queries
    with django_assert_max_num_queries(13):
        client.get(reverse("indicator_judgements", args=["AE4H"]))
    with django_assert_max_num_queries(12):
        client.get(reverse("organisation_performance", args=["AN"]))


def test_judgement_words_are_shown_by_their_labels_not_their_codes_run_together(assessed, run) -> None:
    pages = [
        _client(assessed.ada).get(reverse("organisation_performance", args=[code])).content.decode()
        for code in ("U1", "U2", "U3", "U4")
    ]
    pages.append(_client(assessed.ada).get(reverse("indicator_judgements", args=["AE4H"])).content.decode())
    text = " ".join(pages)
    joined = re.findall(r"Significantly(?:better|worse)|Notcompared|Offtrack|Ontrack|Atrisk|Novalue", text)
    assert joined == []
    assert re.search(r">\s*(Significantly better|Significantly worse|Better|Worse|Similar)\s*<", text)


def test_the_stored_position_evidence_keeps_each_shares_denominator(assessed, run) -> None:
    from localstat.assessment.models import UnitAssessment

    evidence = UnitAssessment.objects.get(is_current=True, organisation=assessed.u1).evidence
    # given one indicator, compared with England and with process limits, and no target
    assert evidence["judged_national"] == 1
    assert evidence["judged_variation"] == 1
    assert evidence["judged_targets"] == 0


def test_a_stale_series_shows_when_it_last_had_a_value_not_old_judgements_as_current(assessed, run) -> None:
    from localstat.assessment.models import Judgement

    # given U2's judgement marked stale: its latest value ten months before the period judged
    u2 = Judgement.objects.get(is_current=True, organisation=assessed.u2)
    u2.evidence = {**u2.evidence, "last_period": "2018-05-01", "stale": True, "periods_without_value": 10}
    u2.value = None
    u2.save()
    html = _client(assessed.ada).get(reverse("organisation_performance", args=["U2"])).content.decode()
    assert "No value since May 2018" in html
    assert "Not judged now: its latest value is 10 periods old" in html
    fresh = _client(assessed.ada).get(reverse("organisation_performance", args=["U1"])).content.decode()
    assert "No value since" not in fresh


def test_a_run_marks_each_series_stale_or_not_in_its_evidence(assessed, run) -> None:
    from localstat.assessment.models import Judgement

    evidence = Judgement.objects.get(is_current=True, organisation=assessed.u1).evidence
    assert (evidence["stale"], evidence["periods_without_value"]) == (False, 0)


def test_the_judgement_page_says_how_many_units_the_areas_value_pools(assessed, run) -> None:
    html = _client(assessed.morgan).get(reverse("judgement_detail", args=["U1", "AE4H"])).content.decode()
    reasons = re.search(r'data-testid="reasons">(.*?)</ul>', html, re.S).group(1)
    assert re.search(r"than its area \(North\) \([0-9.]+%, pooled from 2 of its 2 units\)", reasons)


def test_a_unit_is_not_compared_with_an_area_value_pooled_only_from_its_own_return(assessed) -> None:
    from datetime import date

    from localstat.assessment import analytics
    from localstat.assessment.models import Judgement
    from localstat.core.clock import set_reference_date
    from localstat.returns.imports import import_file

    # given only Ashford's April 2019 return approved in North (Bramley's not in yet)
    set_reference_date(date(2019, 5, 31), reason="April's returns are due")
    april = b"unit,indicator,period,numerator,denominator\nU1,AE4H,2019-04-01,9300,10000\n"
    import_file(content=april, name="april.csv", approve=True, acting_user=None)
    analytics.refresh(["AE4H"])
    run_assessment(acting_user=None)
    u1 = Judgement.objects.get(is_current=True, organisation=assessed.u1)
    # then North's value is Ashford's own, and Ashford is not compared with it
    assert (u1.period, u1.parent_value, u1.value) == (date(2019, 4, 1), 93.0, 93.0)
    assert u1.vs_parent == "not_compared"
    html = _client(assessed.morgan).get(reverse("judgement_detail", args=["U1", "AE4H"])).content.decode()
    reasons = re.search(r'data-testid="reasons">(.*?)</ul>', html, re.S).group(1)
    assert "its area (North) (93.0%)" not in reasons
    assert (
        "It is not compared with its area (North): that value (93.0%) is pooled from 1 of its 2 units, "
        "this one&#x27;s own" in reasons
    )
