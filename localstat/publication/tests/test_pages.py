"""The public home, area and comparison pages, targets on the unit page, history and caching."""

import io
from datetime import date

import polars as pl
from django.test import Client

from localstat.assessment.services import run_assessment
from localstat.publication.tests.conftest import publish
from localstat.returns.imports import import_file

CORRECTION = b"unit,indicator,period,numerator,denominator\nU3,AE4H,2019-03-01,9350,10000\n"


def test_the_public_home_links_search_league_tables_areas_downloads_and_releases(published, settings) -> None:
    page = Client().get("/").content.decode()
    for link in (
        'action="/search/"',
        'href="/league-tables/"',
        'href="/areas/"',
        'href="/data/"',
        'href="/releases/"',
    ):
        assert link in page
    assert 'href="/releases/health/1/"' in page
    assert 'href="/regime/"' in page  # the regime's published rules


def test_an_area_page_shows_its_own_pooled_result_then_its_units_side_by_side(published) -> None:
    page = Client().get("/areas/AN/").content.decode()
    assert "92.2%" in page or "92.3%" in page  # North pooled: (9380 + 9070) / 20000
    assert "Worse than England" in page
    members = page.split("Its organisations side by side")[1]
    assert 'href="/units/U1/"' in members
    assert 'href="/units/U2/"' in members
    assert 'href="/units/U3/"' not in members
    assert 'href="/areas/AN/"' in Client().get("/areas/").content.decode()
    assert Client().get("/areas/U1/").status_code == 404


def test_the_comparison_page_puts_the_unit_beside_its_most_similar_units_in_order(published) -> None:
    page = Client().get("/units/U1/compare/").content.decode()
    this = page.index('data-testid="this-unit"')
    order = [page.index(f'href="/units/{code}/"') for code in ("U2", "U3", "U4")]
    assert this < order[0] < order[1] < order[2]
    assert "England" in page
    assert 'href="/units/U1/compare/"' in Client().get("/units/U1/").content.decode()


def test_the_unit_page_shows_its_target_in_plain_words(with_context, published) -> None:
    page = Client().get("/units/U1/").content.decode()
    assert 'data-testid="standards"' not in page  # the scenario sets no target on A&E
    assert "Place in the" in page
    assert "2 of 4" in page


def carltons_value(release: int) -> float:
    content = Client().get(f"/releases/health/{release}/judgements.csv?unit=U3").content
    return round(pl.read_csv(io.BytesIO(content))["value"].item(), 1)


def test_a_correction_is_a_new_release_with_its_note_and_the_old_one_stays(
    with_context, published, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the approval refreshes the analytics copy
        import_file(content=CORRECTION, name="fix.csv", approve=True, reason="Recount", acting_user=None)
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    publish(with_context, "April 2019, corrected", note="Carlton's March value was recounted: 93.5%.")
    history = Client().get("/releases/").content.decode()
    assert history.index("2: April 2019, corrected") < history.index("1: April 2019")
    assert "Carlton&#x27;s March value was recounted: 93.5%." in history
    second = Client().get("/releases/health/2/").content.decode()
    assert 'href="/releases/health/1/"' in second
    assert carltons_value(1) == 92.5
    assert carltons_value(2) == 93.5


def test_public_pages_are_cached_whole_until_the_next_release(
    with_context, published, django_assert_num_queries
) -> None:
    client = Client()
    assert client.get("/units/U3/")["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):  # the releases' stamp was read a moment ago
        hit = client.get("/units/U3/")
    assert hit["X-Page-Cache"] == "hit"
    assert "92.5%" in hit.content.decode()
    import_file(content=CORRECTION, name="fix.csv", approve=True, reason="Recount", acting_user=None)
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    assert client.get("/units/U3/")["X-Page-Cache"] == "hit"  # approved, not released: same page
    publish(with_context, "April 2019, corrected")
    fresh = client.get("/units/U3/")
    assert fresh["X-Page-Cache"] == "miss"
    assert "93.5%" in fresh.content.decode()


def test_signed_in_people_get_fresh_pages(with_context, published) -> None:
    client = Client()
    client.force_login(with_context.ada)
    assert not client.get("/units/U1/").has_header("X-Page-Cache")
