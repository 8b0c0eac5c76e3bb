"""A release draws its charts when it is frozen, so no visitor waits for one to be drawn."""

from __future__ import annotations

from django.test import Client

from localstat.assessment import charts as assessment_charts
from localstat.publication.charts import chart_key, draw_release_charts
from localstat.publication.models import ReleaseChart, ReleasedJudgement


def test_publishing_a_release_draws_every_units_chart_before_anyone_reads_it(published, monkeypatch) -> None:
    # given the published release of the four units' A&E judgements
    units = ReleasedJudgement.objects.filter(release=published, level="unit")
    assert units.count() == 4
    # then each unit's SPC chart is already kept with the release
    kept = dict(ReleaseChart.objects.filter(release=published).values_list("key", "svg"))
    assert set(kept) == {chart_key(j.organisation_id, j.indicator_id) for j in units}
    ashford = units.get(organisation__code="U1")
    assert "Ashford" in kept[chart_key(ashford.organisation_id, ashford.indicator_id)]

    # and a unit page shows it without drawing anything
    def refuse(*args, **kwargs):
        raise AssertionError("a chart was drawn on a visitor's request")

    monkeypatch.setattr(assessment_charts, "spc_chart", refuse)
    page = Client().get("/units/U1/").content.decode()
    assert "statistical process control chart" in page


def test_drawing_again_draws_only_what_is_missing(published) -> None:
    assert draw_release_charts(published) == 0
    ReleaseChart.objects.filter(release=published).order_by("key").first().delete()
    assert draw_release_charts(published) == 1
    assert ReleaseChart.objects.filter(release=published).count() == 4
