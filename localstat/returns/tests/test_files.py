"""Reading returns files: layouts recognised by their header, and every problem named."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from localstat.demo.nhs import ATTENDANCES_CSV
from localstat.returns.files import FileRejected, Layout, read_returns_file


def _errors(content: bytes, name: str = "f.csv") -> list[str]:
    with pytest.raises(FileRejected) as caught:
        read_returns_file(content, name)
    return [str(error) for error in caught.value.errors]


def test_the_long_layout_reads_one_observation_per_row() -> None:
    parsed = read_returns_file(
        b"unit,indicator,period,numerator,denominator\nU1,AE4H,2019-03-01,950,1000\nU1,ADM,2019-03-01,12,\n"
    )
    assert parsed.layout is Layout.LONG
    assert parsed.observations.select("unit", "indicator", "period", "numerator", "denominator").rows() == [
        ("U1", "AE4H", date(2019, 3, 1), 950.0, 1000.0),
        ("U1", "ADM", date(2019, 3, 1), 12.0, None),
    ]


def test_every_bad_cell_is_listed_with_its_row_line_and_field() -> None:
    content = (
        b"unit,indicator,period,numerator,denominator\nU1,AE4H,2019-03-01,950,1000\n,AE4H,2019-13-01,-5,abc\n"
    )
    assert _errors(content) == [
        "row 2 (line 3), field denominator: 'abc' is not a number",
        "row 2 (line 3), field numerator: -5 is negative",
        "row 2 (line 3), field period: '2019-13-01' is not an ISO date such as 2019-03-01",
        "row 2 (line 3), field unit: is required",
    ]


def test_a_value_given_twice_in_one_file_is_an_error_naming_the_first_line() -> None:
    content = b"unit,indicator,period,numerator,denominator\nU1,AE4H,2019-03-01,950,1000\nU1,AE4H,2019-03-01,951,1000\n"
    assert _errors(content) == ["row 2 (line 3), field period: U1 AE4H 2019-03-01 is already given on line 2"]


def test_the_wide_layout_pairs_numerators_and_denominators_by_period() -> None:
    content = (
        b"unit,indicator,measure,2019-01-01,2019-02-01\n"
        b"U1,AE4H,numerator,900,920\n"
        b"U1,AE4H,denominator,1000,1000\n"
    )
    parsed = read_returns_file(content)
    assert parsed.layout is Layout.WIDE
    rows = sorted(parsed.observations.select("period", "numerator", "denominator", "line").rows())
    assert rows == [(date(2019, 1, 1), 900.0, 1000.0, 2), (date(2019, 2, 1), 920.0, 1000.0, 2)]


def test_a_wide_column_that_is_not_a_period_is_named() -> None:
    content = b"unit,indicator,measure,January\nU1,AE4H,numerator,900\n"
    assert _errors(content) == [
        "line 1, field January: column 'January' is not a period start date such as 2019-03-01"
    ]


def test_the_nhs_layout_gives_the_four_hour_proportion_and_admissions_per_type() -> None:
    content = b"period,org_code,type,attendances,breaches,admissions\n2019-03-01,RBD,1,4000,600,1200\n2019-03-01,RBD,other,500,0,0\n"
    parsed = read_returns_file(content, "ae.csv")
    assert parsed.layout is Layout.NHS
    assert sorted(
        parsed.observations.select("indicator", "numerator", "denominator").rows(), key=str
    ) == sorted(
        [
            ("AE4H_T1", 3400.0, 4000.0),
            ("AE4H_OTH", 500.0, 500.0),
            ("AE_ADM_T1", 1200.0, None),
            ("AE_ADM_OTH", 0.0, None),
        ],
        key=str,
    )


def test_more_breaches_than_attendances_is_an_error_on_breaches() -> None:
    content = b"period,org_code,type,attendances,breaches,admissions\n2019-03-01,RBD,1,100,101,5\n"
    assert _errors(content) == [
        "row 1 (line 2), field breaches: 101 breaches is more than the 100 attendances"
    ]


def test_more_admissions_than_attendances_is_allowed() -> None:
    # The real file has such a row: admissions are counted differently and carry no rule against attendances.
    content = b"period,org_code,type,attendances,breaches,admissions\n2019-03-01,RBD,1,100,10,150\n"
    assert read_returns_file(content).observations.height == 2


def test_the_real_nhs_file_reads_whole() -> None:
    parsed = read_returns_file(ATTENDANCES_CSV.read_bytes(), ATTENDANCES_CSV.name)
    assert parsed.rows == 12765
    assert (
        parsed.observations.filter(parsed.observations["indicator"].str.starts_with("AE4H_")).height == 12765
    )
    assert parsed.observations["unit"].n_unique() == 274


def test_an_unknown_header_says_which_layouts_are_read() -> None:
    (error,) = _errors(b"school,score\nS1,3\n")
    assert error.startswith("line 1, field header: the header matches no layout")
    assert "found 'school,score'" in error


def test_a_spreadsheet_reads_like_its_csv() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["unit", "indicator", "period", "numerator", "denominator"])
    sheet.append(["U1", "AE4H", date(2019, 3, 1), 950, 1000])
    sheet.append(["U2", "AE4H", "2019-03-01", "x", 1000])
    buffer = io.BytesIO()
    book.save(buffer)
    assert _errors(buffer.getvalue(), "returns.xlsx") == [
        "row 2 (line 3), field numerator: 'x' is not a number"
    ]


def test_an_empty_file_and_a_header_alone_are_clear_errors() -> None:
    assert _errors(b"") == ["line 1, field file: the file is empty"]
    assert _errors(b"unit,indicator,period,numerator,denominator\n") == [
        "line 2, field file: the file has a header but no rows"
    ]
