"""Reading and writing the engine's files: formats by extension, precision, order, carried columns."""

from __future__ import annotations

import math

import polars as pl
import pytest

from localstat.engine.io import read_frame, write_frame


def test_csv_is_read_as_written_keeping_leading_zeros(tmp_path):
    # Given a CSV with a zero-padded code and a value written with a trailing zero
    path = tmp_path / "returns.csv"
    path.write_text("unit,value,note\n007,1.50,first\n010,2,\n")
    # When it is read
    frame = read_frame(path)
    # Then every cell is the text the user wrote, and an empty cell is null
    assert frame.rows() == [("007", "1.50", "first"), ("010", "2", None)]


def test_floats_are_written_at_full_precision(tmp_path):
    # Given floats that need all 17 significant digits, or none, or an exponent
    path = tmp_path / "out.csv"
    values = [0.1 + 0.2, 1 / 3, 2.0, 1e-20, 123456789.12345679, math.pi]
    write_frame(pl.DataFrame({"x": values}), path)
    # Then reading the text back gives exactly the same numbers
    assert [float(v) for v in read_frame(path)["x"]] == values


def test_csv_input_columns_are_carried_through_verbatim(tmp_path):
    # Given an input read as text, with a computed column appended
    source = tmp_path / "in.csv"
    source.write_text("code,value\n0042,1.500\n0001,2.25\n")
    frame = read_frame(source).with_columns(doubled=pl.col("value").cast(pl.Float64) * 2)
    # When it is written and read again
    out = tmp_path / "out.csv"
    write_frame(frame, out)
    # Then the input's cells are byte-for-byte as given, in the same row order
    assert out.read_text() == "code,value,doubled\n0042,1.500,3.0\n0001,2.25,4.5\n"


def test_parquet_round_trips_types_and_row_order(tmp_path):
    frame = pl.DataFrame({"unit": ["b", "a", "c"], "count": [3, 1, 2], "rate": [0.5, None, 1.25]})
    path = tmp_path / "data.parquet"
    write_frame(frame, path)
    assert read_frame(path).equals(frame)
    write_frame(frame, tmp_path / "data.pq")
    assert read_frame(tmp_path / "data.pq").equals(frame)


def test_nulls_are_written_as_empty_csv_cells(tmp_path):
    path = tmp_path / "out.csv"
    write_frame(pl.DataFrame({"a": [1.0, None], "b": [None, "x"]}), path)
    assert path.read_text() == "a,b\n1.0,\n,x\n"


@pytest.mark.parametrize("name", ["data.xlsx", "data", "data.json"])
def test_an_unknown_extension_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match="unknown file type"):
        write_frame(pl.DataFrame({"a": [1]}), tmp_path / name)
    with pytest.raises(ValueError, match="unknown file type"):
        read_frame(tmp_path / name)


def test_a_missing_input_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        read_frame(tmp_path / "absent.csv")


def test_a_file_that_is_not_its_format_is_a_clear_error(tmp_path):
    path = tmp_path / "fake.parquet"
    path.write_text("not parquet at all")
    with pytest.raises(ValueError, match="cannot be read as parquet"):
        read_frame(path)


def test_writing_into_a_missing_directory_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        write_frame(pl.DataFrame({"a": [1]}), tmp_path / "nowhere" / "out.csv")


def test_a_failed_write_leaves_neither_a_partial_file_nor_a_temporary(tmp_path):
    # Given a frame Parquet cannot hold (an object column)
    path = tmp_path / "out.parquet"
    frame = pl.DataFrame({"a": [object()]}, schema={"a": pl.Object})
    # When writing fails
    with pytest.raises(Exception):  # noqa: B017 - Polars' own error type is the detail
        write_frame(frame, path)
    # Then nothing is left behind
    assert list(tmp_path.iterdir()) == []


def test_an_existing_output_is_replaced_whole(tmp_path):
    path = tmp_path / "out.csv"
    write_frame(pl.DataFrame({"a": list(range(100))}), path)
    write_frame(pl.DataFrame({"b": [1]}), path)
    assert path.read_text() == "b\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
