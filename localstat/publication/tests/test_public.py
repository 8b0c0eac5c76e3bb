"""The public pages read the latest published release only: nothing approved later leaks."""

import io
import json
from datetime import UTC, date, datetime

import polars as pl
from django.test import Client
from ninja.testing import TestClient

from localstat.api.publication import router
from localstat.assessment.services import run_assessment
from localstat.framework.models import Indicator
from localstat.publication.models import ReleaseChart
from localstat.publication.opendata import TABLES
from localstat.publication.services import publish_release, schedule_release
from localstat.returns.imports import import_file

NOON = datetime(2019, 4, 30, 12, 0, tzinfo=UTC)
#: Ashford's April 2019 value, approved after the first release: 43.21%, shown as 43.2%.
LATE_CSV = b"unit,indicator,period,numerator,denominator\nU1,AE4H,2019-04-01,4321,10000\n"


def release(assessed, title: str):
    scheduled = schedule_release(service=assessed.health, title=title, publish_at=NOON, acting_user=None)
    return publish_release(release=scheduled, acting_user=None, now=NOON)


def public_texts(client: Client) -> dict[str, str]:
    """Every public page, download and anonymous API response that could show Ashford's values."""
    urls = [
        "/",
        "/search/?q=Ashford",
        "/search/?q=U1",
        "/units/U1/",
        "/units/U1/compare/",
        "/units/U2/compare/",
        "/areas/",
        "/areas/AN/",
        "/league-tables/",
        "/league-tables/AE4H/",
        "/data/",
        "/releases/",
        "/releases/health/1/",
        "/api/assessment/judgements",
        "/api/assessment/judgements/U1/AE4H",
        "/api/organisations/U1",
    ]
    urls += [f"/releases/health/1/{table}.{fmt}" for table in TABLES for fmt in ("csv", "json")]
    urls += [f"/data/health/latest/{table}.csv" for table in TABLES]
    texts = {url: client.get(url, follow=True).content.decode() for url in urls}
    api = TestClient(router)
    for url in ("/units", "/units/U1", "/values?service=health&limit=5000", "/judgements?service=health"):
        texts[f"/api/public{url}"] = json.dumps(api.get(url).json())
    parquet = client.get("/releases/health/1/values.parquet").content
    texts["values.parquet"] = pl.read_parquet(io.BytesIO(parquet)).write_csv()
    return texts


def test_the_unit_page_says_it_in_plain_english_first_then_the_numbers_and_chart(assessed, published) -> None:
    page = Client().get("/units/U1/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "A&amp;E: seen within 4 hours" in text
    headline = text.index('data-testid="headline"')
    assert any(words in text[headline : headline + 300] for words in ("than England", "Similar to England"))
    assert text.index('data-testid="headline"') < text.index("<svg")
    assert "95% interval" in text
    assert f"{assessed.health.name} release 1 (April 2019)" in text
    assert "93.8%" in text  # March 2019, the latest released value
    assert "pooled from 2 of its 2 units" in text  # its area's value, and what it is made of
    assert ReleaseChart.objects.filter(release=published).count() == 4  # drawn with the release
    Client().get("/units/U1/")
    assert ReleaseChart.objects.filter(release=published).count() == 4  # and never again


def test_search_finds_published_units_by_name_code_or_town_and_the_home_page_links_to_it(
    assessed, published
) -> None:
    client = Client()
    home = client.get("/").content.decode()
    assert 'action="/search/"' in home
    assert "How are your local public services doing?" in home
    for query in ("ashf", "u1", assessed.u1.town or "Ashford"):
        assert 'href="/units/U1/"' in client.get("/search/", {"q": query}).content.decode()
    assert 'href="/units/U1/"' not in client.get("/search/", {"q": "nowhere-at-all"}).content.decode()


def test_nothing_is_public_before_the_first_release(assessed) -> None:
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    assert Client().get("/units/U1/").status_code == 404
    assert 'href="/units/U1/"' not in Client().get("/search/?q=U1").content.decode()


def test_a_value_approved_after_a_release_appears_nowhere_public_until_the_next_release(
    assessed, published
) -> None:
    client = Client()
    before = public_texts(client)
    # Ashford's April value shows as 43.2% on a page and as a row for 2019-04-01 in the data.
    assert not any("43.2%" in text or "2019-04-01" in text for text in before.values())

    import_file(content=LATE_CSV, name="late.csv", approve=True, acting_user=None)
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="after the approval")

    leaked = [url for url, text in public_texts(client).items() if "43.2%" in text or "2019-04-01" in text]
    assert leaked == []

    release(assessed, "April 2019, with Ashford's April value")
    assert "43.2%" in client.get("/units/U1/").content.decode()
    assert "2019-04-01" in client.get("/data/health/latest/values.csv?unit=U1", follow=True).content.decode()
    assert 4321 in [v["numerator"] for v in TestClient(router).get("/values?service=health&unit=U1").json()]


def test_internal_only_indicators_are_never_published(assessed) -> None:
    Indicator.objects.filter(pk=assessed.indicator.pk).update(internal_only=True)
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    first = release(assessed, "Internal data only")
    assert (first.values, first.judgements) == (0, 0)
    assert Client().get("/units/U1/").status_code == 404
    assert "A&amp;E: seen within 4 hours" not in Client().get("/search/?q=U").content.decode()
