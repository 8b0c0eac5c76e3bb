"""The league tables a release froze are ranked once per process, not again for every public page."""

from typing import Any

from django.test import Client

from localstat.publication import opendata, selectors


def test_the_league_tables_of_a_release_are_ranked_once_for_every_page_that_shows_them(
    published, monkeypatch
) -> None:
    calls: list[int] = []
    ranked = opendata.league_frame

    def counting(release: Any, *args: Any) -> Any:
        calls.append(release.pk)
        return ranked(release, *args)

    monkeypatch.setattr(selectors, "league_frame", counting)
    selectors._LEAGUES.clear()
    client = Client()
    for path in ("/units/U1/", "/units/U2/", "/league-tables/AE4H/", "/releases/health/1/league-table.csv"):
        assert client.get(path).status_code == 200
    assert calls == [published.pk]
    assert "2 of 4" in client.get("/units/U1/").content.decode()
