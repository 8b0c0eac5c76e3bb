"""Open data: every public table of a release as CSV, JSON and Parquet, at URLs that never change."""

import io
import json
from datetime import date

import polars as pl
import pytest
from django.test import Client

from localstat.assessment.services import run_assessment
from localstat.publication.opendata import FORMATS, TABLES
from localstat.publication.tests.conftest import publish
from localstat.returns.imports import import_file

LATE = b"unit,indicator,period,numerator,denominator\nU1,AE4H,2019-04-01,4321,10000\n"


def read(content: bytes, fmt: str) -> pl.DataFrame:
    if fmt == "csv":
        return pl.read_csv(io.BytesIO(content), infer_schema_length=None)
    if fmt == "json":
        return pl.DataFrame(json.loads(content))
    return pl.read_parquet(io.BytesIO(content))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_downloads_in_every_format_with_the_dictionarys_columns(published, table, fmt) -> None:
    response = Client().get(f"/releases/health/1/{table}.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == FORMATS[fmt]
    assert f'filename="health-release-1-{table}.{fmt}"' in response["Content-Disposition"]
    frame = read(response.content, fmt)
    assert frame.columns == [column.name for column in TABLES[table].columns]
    assert frame.height > 0


def test_the_three_formats_carry_the_same_numbers(published) -> None:
    files = {fmt: Client().get(f"/releases/health/1/values.{fmt}?unit=U1").content for fmt in FORMATS}
    csv, parquet = read(files["csv"], "csv"), read(files["parquet"], "parquet")
    assert csv.height == parquet.height == 24
    assert (
        csv["value"].to_list()
        == parquet["value"].to_list()
        == [r["value"] for r in json.loads(files["json"])]
    )
    assert parquet.filter(pl.col("period_start") == date(2019, 3, 1))["value"].item() == pytest.approx(93.8)


def test_a_download_filters_by_unit_indicator_or_area(published) -> None:
    area = read(Client().get("/releases/health/1/judgements.csv?area=AN").content, "csv")
    assert sorted(area["organisation_code"].to_list()) == ["U1", "U2"]
    league = read(Client().get("/releases/health/1/league-table.csv?indicator=AE4H").content, "csv")
    assert league["unit_code"].to_list() == ["U4", "U1", "U3", "U2"]
    assert league["best_rank"].to_list() == [1, 2, 3, 4]


def test_a_releases_files_never_change_and_latest_follows_the_newest_release(with_context, published) -> None:
    first = Client().get("/releases/health/1/values.csv").content
    import_file(content=LATE, name="late.csv", approve=True, acting_user=None)
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    publish(with_context, "April 2019 again", note="Ashford's April value added.")

    assert Client().get("/releases/health/1/values.csv").content == first
    second = Client().get("/releases/health/2/values.csv").content
    assert b"2019-04-01" in second
    assert b"2019-04-01" not in first
    latest = Client().get("/data/health/latest/values.csv?unit=U1")
    assert latest.status_code == 302
    assert latest["Location"] == "/releases/health/2/values.csv?unit=U1"


def test_unknown_tables_formats_and_releases_are_not_found(published) -> None:
    for url in (
        "/releases/health/1/secrets.csv",
        "/releases/health/1/values.xlsx",
        "/releases/health/9/values.csv",
    ):
        assert Client().get(url).status_code == 404


def test_the_data_pages_link_every_file_and_explain_every_column(published) -> None:
    data = Client().get("/data/").content.decode()
    for table in TABLES:
        for fmt in FORMATS:
            assert f'href="/releases/health/1/{table}.{fmt}"' in data
    dictionary = Client().get("/data/dictionary/").content.decode()
    for table in TABLES.values():
        for column in table.columns:
            assert f"<code>{column.name}</code>" in dictionary
