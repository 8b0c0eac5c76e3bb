"""Reading returns from files: three layouts, one long frame, every problem named by row, line and field.

The layouts are recognised by their header:

- long: ``unit,indicator,period,numerator,denominator`` (``period`` is the ISO date the period starts;
  the same columns ``localstat engine assess`` reads);
- wide: ``unit,indicator,measure,<period>…`` with ``measure`` ∈ {numerator, denominator}, one column per
  period start;
- NHS A&E: ``period,org_code,type,attendances,breaches,admissions``; each row gives ``AE4H_T1``,
  ``AE4H_T2`` or ``AE4H_OTH`` (numerator = attendances − breaches, denominator = attendances) and the
  admissions count ``AE_ADM_<type>``.

Everything here is vectorised with Polars: a file of a million rows is checked column by column, never
row by row in Python. What it cannot know (whether a unit or indicator exists) is checked by the import
service against the database.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import polars as pl

LONG_COLUMNS = ["unit", "indicator", "period", "numerator", "denominator"]
WIDE_KEYS = ["unit", "indicator", "measure"]
NHS_COLUMNS = ["period", "org_code", "type", "attendances", "breaches", "admissions"]
NHS_TYPES = {"1": "T1", "2": "T2", "other": "OTH"}
#: The indicator a whole NHS provider-month is summed into from its stored per-type values.
NHS_ALL_TYPES = "AE4H"
OBSERVATION_SCHEMA = {
    "row": pl.Int64,
    "line": pl.Int64,
    "unit": pl.String,
    "indicator": pl.String,
    "period": pl.Date,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
}
MAX_ERRORS_LISTED = 1000


class Layout(StrEnum):
    LONG = "long"
    WIDE = "wide"
    NHS = "nhs"


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in an uploaded file, located as a person would look for it."""

    row: int
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        if self.row == 0:
            return f"line {self.line}, field {self.field}: {self.reason}"
        return f"row {self.row} (line {self.line}), field {self.field}: {self.reason}"


class FileRejected(ValueError):
    """The file cannot be imported; ``errors`` says every reason found."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors)
        shown = "\n".join(str(error) for error in self.errors[:MAX_ERRORS_LISTED])
        more = len(self.errors) - MAX_ERRORS_LISTED
        super().__init__(shown + (f"\n… and {more} more" if more > 0 else ""))


@dataclass
class ParsedFile:
    layout: Layout
    rows: int
    observations: pl.DataFrame
    errors: list[RowError] = field(default_factory=list)


def _read_table(content: bytes, name: str) -> pl.DataFrame:
    """Every cell as text, with ``row`` (1-based data row) and ``line`` (file line, header = 1)."""
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        frame = _read_xlsx(content)
    elif suffix in {".csv", ".txt", ""}:
        try:
            frame = pl.read_csv(io.BytesIO(content), infer_schema=False, truncate_ragged_lines=False)
        except pl.exceptions.ComputeError as error:
            raise FileRejected(
                [RowError(0, 1, "file", f"not a readable CSV file ({str(error).splitlines()[0]})")]
            ) from error
        except pl.exceptions.NoDataError as error:
            raise FileRejected([RowError(0, 1, "file", "the file is empty")]) from error
    else:
        raise FileRejected([RowError(0, 1, "file", f"files ending {suffix} are not read: use .csv or .xlsx")])
    known = {*LONG_COLUMNS, *WIDE_KEYS, *NHS_COLUMNS}
    frame = frame.rename(
        {c: c.strip().lower() if c.strip().lower() in known else c.strip() for c in frame.columns}
    )
    index = pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
    return frame.with_columns(row=index, line=index + 1)


def _read_xlsx(content: bytes) -> pl.DataFrame:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileRejected([RowError(0, 1, "file", "not a readable .xlsx workbook")]) from error
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise FileRejected([RowError(0, 1, "file", "the first sheet is empty")])
    names = [str(cell).strip() if cell is not None else "" for cell in header]

    def text(cell: object) -> str | None:
        if cell is None:
            return None
        if hasattr(cell, "date") and hasattr(cell, "isoformat"):
            return cell.date().isoformat() if hasattr(cell, "hour") else cell.isoformat()  # type: ignore[no-any-return]
        if isinstance(cell, float) and cell.is_integer():
            return str(int(cell))
        return str(cell)

    body = [[text(cell) for cell in row] for row in rows]
    width = len(names)
    return (
        pl.DataFrame(
            {name: [row[i] if i < len(row) else None for row in body] for i, name in enumerate(names)},
            schema=dict.fromkeys(names, pl.String),
        )
        if width
        else pl.DataFrame()
    )


def detect_layout(columns: list[str]) -> Layout:
    present = [c for c in columns if c not in {"row", "line"}]
    if present[:5] == LONG_COLUMNS or (set(LONG_COLUMNS) <= set(present) and len(present) == 5):
        return Layout.LONG
    if set(NHS_COLUMNS) <= set(present):
        return Layout.NHS
    if present[:3] == WIDE_KEYS and len(present) > 3:
        return Layout.WIDE
    raise FileRejected(
        [
            RowError(
                0,
                1,
                "header",
                "the header matches no layout LocalStat reads: expected "
                f"'{','.join(LONG_COLUMNS)}', '{','.join(WIDE_KEYS)},<period>…' or '{','.join(NHS_COLUMNS)}'; "
                f"found '{','.join(present)}'",
            )
        ]
    )


def _errors_where(
    frame: pl.DataFrame, condition: pl.Expr, field_name: str, reason: pl.Expr | str
) -> list[RowError]:
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    bad = frame.filter(condition).select("row", "line", reason_expr.alias("reason"))
    return [RowError(row, line, field_name, why) for row, line, why in bad.iter_rows()]


def _number(
    frame: pl.DataFrame, column: str, errors: list[RowError], *, required: bool, whole: bool = False
) -> pl.Expr:
    raw = pl.col(column).str.strip_chars()
    value = raw.str.replace_all(",", "").cast(pl.Float64, strict=False)
    empty = raw.is_null() | (raw == "")
    if required:
        errors += _errors_where(frame, empty, column, "is required")
    errors += _errors_where(frame, ~empty & value.is_null(), column, pl.format("'{}' is not a number", raw))
    errors += _errors_where(
        frame, value.is_not_null() & ~value.is_finite(), column, "must be a finite number"
    )
    errors += _errors_where(frame, value < 0, column, pl.format("{} is negative", raw))
    if whole:
        errors += _errors_where(
            frame,
            value.is_not_null() & (value != value.round(0)),
            column,
            pl.format("{} is not a whole number", raw),
        )
    return value


def _period(frame: pl.DataFrame, column: str, errors: list[RowError]) -> pl.Expr:
    raw = pl.col(column).str.strip_chars()
    value = raw.str.to_date("%Y-%m-%d", strict=False)
    errors += _errors_where(frame, raw.is_null() | (raw == ""), column, "is required")
    errors += _errors_where(
        frame,
        raw.is_not_null() & (raw != "") & value.is_null(),
        column,
        pl.format("'{}' is not an ISO date such as 2019-03-01", raw),
    )
    return value


def _code(frame: pl.DataFrame, column: str, errors: list[RowError]) -> pl.Expr:
    raw = pl.col(column).str.strip_chars()
    errors += _errors_where(frame, raw.is_null() | (raw == ""), column, "is required")
    return raw


def _long(frame: pl.DataFrame, errors: list[RowError]) -> pl.DataFrame:
    numerator = _number(frame, "numerator", errors, required=True)
    denominator = _number(frame, "denominator", errors, required=False)
    out = frame.select(
        "row",
        "line",
        unit=_code(frame, "unit", errors),
        indicator=_code(frame, "indicator", errors),
        period=_period(frame, "period", errors),
        numerator=numerator,
        denominator=denominator,
    )
    return out


def _wide(frame: pl.DataFrame, errors: list[RowError]) -> pl.DataFrame:
    period_columns = [c for c in frame.columns if c not in {*WIDE_KEYS, "row", "line"}]
    for column in period_columns:
        try:
            pl.Series([column]).str.to_date("%Y-%m-%d", strict=True)
        except pl.exceptions.InvalidOperationError:
            errors.append(
                RowError(0, 1, column, f"column '{column}' is not a period start date such as 2019-03-01")
            )
    measure = pl.col("measure").str.strip_chars().str.to_lowercase()
    errors += _errors_where(
        frame,
        measure.is_null() | ~measure.is_in(["numerator", "denominator"]),
        "measure",
        pl.format("'{}' is not numerator or denominator", pl.col("measure").fill_null("")),
    )
    keyed = frame.with_columns(
        unit=_code(frame, "unit", errors), indicator=_code(frame, "indicator", errors), measure=measure
    )
    duplicated = keyed.filter(pl.struct("unit", "indicator", "measure").is_duplicated())
    errors += [
        RowError(row, line, "measure", f"a second {m} row for {u} {i}")
        for row, line, u, i, m in duplicated.filter(
            pl.col("row") != pl.col("row").min().over("unit", "indicator", "measure")
        )
        .select("row", "line", "unit", "indicator", "measure")
        .iter_rows()
    ]
    if errors:
        return pl.DataFrame(schema=OBSERVATION_SCHEMA)
    long = keyed.unpivot(
        index=["row", "line", "unit", "indicator", "measure"],
        on=period_columns,
        variable_name="period",
        value_name="value",
    )
    long = long.filter(pl.col("value").is_not_null() & (pl.col("value").str.strip_chars() != ""))
    checked: list[RowError] = []
    value = long.select(pl.col("value").str.replace_all(",", "").cast(pl.Float64, strict=False)).to_series()
    bad = long.filter(value.is_null() | (value < 0))
    checked += [
        RowError(r, ln, p, f"'{v}' is not a non-negative number")
        for r, ln, p, v in bad.select("row", "line", "period", "value").iter_rows()
    ]
    errors += checked
    long = long.with_columns(value=value, period=pl.col("period").str.to_date("%Y-%m-%d"))
    wide = long.pivot(
        on="measure", index=["unit", "indicator", "period"], values="value", aggregate_function="first"
    )
    lines = long.group_by("unit", "indicator", "period").agg(pl.col("row").min(), pl.col("line").min())
    out = wide.join(lines, on=["unit", "indicator", "period"])
    for measure_name in ("numerator", "denominator"):
        if measure_name not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias(measure_name))
    errors += _errors_where(
        out,
        pl.col("numerator").is_null(),
        "measure",
        pl.format("no numerator for {} {} {}", "unit", "indicator", "period"),
    )
    return out.select(list(OBSERVATION_SCHEMA))


def _nhs(frame: pl.DataFrame, errors: list[RowError]) -> pl.DataFrame:
    attendances = _number(frame, "attendances", errors, required=True, whole=True)
    breaches = _number(frame, "breaches", errors, required=True, whole=True)
    admissions = _number(frame, "admissions", errors, required=False, whole=True)
    kind = pl.col("type").str.strip_chars().str.to_lowercase()
    errors += _errors_where(
        frame,
        kind.is_null() | ~kind.is_in(list(NHS_TYPES)),
        "type",
        pl.format("'{}' is not 1, 2 or other", pl.col("type").fill_null("")),
    )
    errors += _errors_where(
        frame,
        breaches > attendances,
        "breaches",
        pl.format(
            "{} breaches is more than the {} attendances",
            pl.col("breaches").str.strip_chars(),
            pl.col("attendances").str.strip_chars(),
        ),
    )
    suffix = kind.replace_strict(NHS_TYPES, default=None)
    base = frame.select(
        "row",
        "line",
        unit=_code(frame, "org_code", errors),
        period=_period(frame, "period", errors),
        suffix=suffix,
        attendances=attendances,
        breaches=breaches,
        admissions=admissions,
    )
    four_hour = base.select(
        "row",
        "line",
        "unit",
        pl.format("AE4H_{}", "suffix").alias("indicator"),
        "period",
        numerator=pl.col("attendances") - pl.col("breaches"),
        denominator=pl.col("attendances"),
    )
    admitted = base.filter(pl.col("admissions").is_not_null()).select(
        "row",
        "line",
        "unit",
        pl.format("AE_ADM_{}", "suffix").alias("indicator"),
        "period",
        numerator=pl.col("admissions"),
        denominator=pl.lit(None, dtype=pl.Float64),
    )
    return pl.concat([four_hour, admitted]).select(list(OBSERVATION_SCHEMA))


def parse_returns_file(content: bytes, name: str = "upload.csv") -> ParsedFile:
    """Read a file into observations, keeping going past bad rows so every problem can be listed.

    ``errors`` lists every row found wrong (row, line, field, why); ``observations`` holds only the rows
    that read cleanly, so the import service can check those against the database and add its own
    errors to the list. Only a file that cannot be read at all (not a table, an unknown header, no rows)
    raises :class:`FileRejected` here.

    >>> parsed = parse_returns_file(b"unit,indicator,period,numerator,denominator\\nRBD,AE4H,2019-03-01,abc,10\\nRBD,AE4H,2019-02-01,9,10\\n")
    >>> [str(e) for e in parsed.errors], parsed.observations["row"].to_list()
    (["row 1 (line 2), field numerator: 'abc' is not a number"], [2])
    """
    frame = _read_table(content, name)
    layout = detect_layout(frame.columns)
    errors: list[RowError] = []
    if frame.height == 0:
        raise FileRejected([RowError(0, 2, "file", "the file has a header but no rows")])
    if layout is Layout.LONG:
        observations = _long(frame, errors)
    elif layout is Layout.WIDE:
        observations = _wide(frame, errors)
    else:
        observations = _nhs(frame, errors)
    if errors:
        # A row with any bad cell gives no observation: its other cells are not checked twice.
        bad_rows = pl.Series("row", sorted({e.row for e in errors if e.row > 0}), dtype=pl.Int64)
        observations = observations.filter(~pl.col("row").is_in(bad_rows))
    keys = ["unit", "indicator", "period"]
    repeated = observations.filter(pl.struct(keys).is_duplicated())
    if repeated.height:
        first = repeated.group_by(keys).agg(pl.col("line").min().alias("first_line"))
        later = repeated.join(first, on=keys).filter(pl.col("line") != pl.col("first_line"))
        errors += [
            RowError(
                row, line, "period", f"{unit} {indicator} {period} is already given on line {first_line}"
            )
            for row, line, unit, indicator, period, first_line in later.select(
                "row", "line", *keys, "first_line"
            ).iter_rows()
        ]
        observations = observations.join(later.select("row", "line"), on=["row", "line"], how="anti")
    return ParsedFile(layout=layout, rows=frame.height, observations=observations, errors=sorted(errors))


def read_returns_file(content: bytes, name: str = "upload.csv") -> ParsedFile:
    """Read a file into observations ``row, line, unit, indicator, period, numerator, denominator``.

    Raises :class:`FileRejected` listing every problem when any row is wrong.

    >>> parsed = read_returns_file(b"unit,indicator,period,numerator,denominator\\nRBD,AE4H,2019-03-01,9000,10000\\n")
    >>> parsed.layout, parsed.rows, parsed.observations["numerator"].to_list()
    (<Layout.LONG: 'long'>, 1, [9000.0])
    >>> read_returns_file(b"unit,indicator,period,numerator,denominator\\nRBD,AE4H,March,x,10\\n")
    Traceback (most recent call last):
    ...
    localstat.returns.files.FileRejected: row 1 (line 2), field numerator: 'x' is not a number
    row 1 (line 2), field period: 'March' is not an ISO date such as 2019-03-01
    """
    parsed = parse_returns_file(content, name)
    if parsed.errors:
        raise FileRejected(parsed.errors)
    return parsed


def count_rows(content: bytes, name: str) -> int:
    """How many data rows a file has, cheaply (for choosing between doing it now or in the background).

    >>> count_rows(b"unit,indicator\\nU1,A\\nU2,B", "f.csv")
    2
    """
    if Path(name).suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True)
        except Exception:  # not a workbook: the reader says so properly
            return 0
        return max((book.worksheets[0].max_row or 1) - 1, 0)
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") or not content else 1)
    return max(lines - 1, 0)
