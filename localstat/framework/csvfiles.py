"""CSV files of the controls register and of targets: the columns, reading with located errors, writing.

An error names the data row (the first row after the header is row 1), the line of the file it starts
on, and the field: ``row 3 (line 4), field level: 'ninety' is not a number``. Imports live in
``services.imports``; this module only reads and writes text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from localstat.framework.models import Control, Target

CONTROL_COLUMNS = [
    "code",
    "title",
    "kind",
    "focus",
    "issuing_body",
    "framework",
    "psa",
    "indicator",
    "level",
    "applies_to",
    "in_force_from",
    "removed_on",
    "removal_reason",
    "illustrative",
    "description",
    "source",
]
CONTROL_REQUIRED = ["code", "title", "kind", "focus", "issuing_body", "applies_to", "in_force_from"]

TARGET_COLUMNS = [
    "reference",
    "psa",
    "parent",
    "indicator",
    "kind",
    "level",
    "deadline",
    "units",
    "set_by",
    "milestones",
    "description",
    "status",
    "proposed_on",
    "agreed_on",
    "active_from",
    "closed_on",
]
TARGET_REQUIRED = ["reference", "indicator", "kind", "level", "deadline", "set_by"]


@dataclass
class CsvRow:
    number: int
    line: int
    values: dict[str, str]

    def error(self, field: str, reason: str) -> str:
        return f"row {self.number} (line {self.line}), field {field}: {reason}"

    def get(self, field: str) -> str:
        return (self.values.get(field) or "").strip()


class CsvProblems(ValueError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


def read_rows(content: bytes | str, columns: list[str], required: list[str]) -> list[CsvRow]:
    """Every data row, or :class:`CsvProblems` for a file that cannot be read as this kind of CSV."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise CsvProblems(
                [f"line 1: the file is not UTF-8 text (byte {error.start + 1}); save it as CSV UTF-8"]
            ) from None
    content = content.removeprefix("\ufeff")
    if not content.strip():
        raise CsvProblems(["line 1: the file is empty; it needs a header row: " + ",".join(columns)])
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as error:
        raise CsvProblems([f"line 1: {error}"]) from None
    problems = [f"header (line 1), field {c}: the column is missing" for c in required if c not in header]
    problems += [
        f"header (line 1), field {c}: unknown column (expected some of {', '.join(columns)})"
        for c in header
        if c and c not in columns
    ]
    repeated = sorted({c for c in header if c and header.count(c) > 1})
    problems += [f"header (line 1), field {c}: the column is given twice" for c in repeated]
    if problems:
        raise CsvProblems(problems)
    rows: list[CsvRow] = []
    line = reader.line_num + 1
    try:
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                line = reader.line_num + 1
                continue
            if len(record) > len(header):
                problems.append(
                    f"row {number} (line {line}), field {header[-1]}: {len(record)} values for {len(header)} columns"
                )
            rows.append(CsvRow(number, line, dict(zip(header, record, strict=False))))
            line = reader.line_num + 1
    except csv.Error as error:
        problems.append(f"line {reader.line_num}: {error}")
    if problems:
        raise CsvProblems(problems)
    return rows


def parse_date(row: CsvRow, field: str, errors: list[str], *, required: bool = False) -> date | None:
    text = row.get(field)
    if not text:
        if required:
            errors.append(row.error(field, "a date is required (YYYY-MM-DD)"))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(row.error(field, f"{text!r} is not a date (YYYY-MM-DD)"))
        return None


def parse_bool(row: CsvRow, field: str, errors: list[str]) -> bool:
    text = row.get(field).lower()
    if text in ("", "0", "false", "no", "n"):
        return False
    if text in ("1", "true", "yes", "y"):
        return True
    errors.append(row.error(field, f"{row.get(field)!r} is not yes or no"))
    return False


def split_codes(text: str) -> list[str]:
    """``A; B C`` → ``[A, B, C]``: codes separated by semicolons, commas or spaces."""
    return [code for code in text.replace(";", " ").replace(",", " ").split() if code]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def applies_to_text(control: Control, unit_codes: Iterable[str]) -> str:
    if control.scope == "unit_type":
        return f"unit_type:{control.unit_type}"
    if control.scope == "service":
        assert control.service is not None
        return f"service:{control.service.code}"
    return "units:" + " ".join(sorted(unit_codes))


def control_record(control: Control, unit_codes: Iterable[str]) -> dict[str, str]:
    return {
        "code": control.code,
        "title": control.title,
        "kind": control.kind,
        "focus": control.focus,
        "issuing_body": control.issuing_body.code,
        "framework": control.framework,
        "psa": control.psa.code if control.psa else "",
        "indicator": control.indicator.code if control.indicator else "",
        "level": _text(control.level),
        "applies_to": applies_to_text(control, unit_codes),
        "in_force_from": _text(control.in_force_from),
        "removed_on": _text(control.removed_on),
        "removal_reason": control.removal_reason,
        "illustrative": _text(control.illustrative),
        "description": control.description,
        "source": control.source,
    }


def target_record(target: Target) -> dict[str, str]:
    return {
        "reference": target.reference,
        "psa": target.psa.code if target.psa else "",
        "parent": target.parent.reference if target.parent else "",
        "indicator": target.indicator.code,
        "kind": target.kind,
        "level": _text(target.level),
        "deadline": _text(target.deadline),
        "units": " ".join(sorted(u.code for u in target.units.all())),
        "set_by": target.set_by.code,
        "milestones": "; ".join(
            f"{m.period_start.isoformat()}={_text(m.level)}" for m in target.milestones.all()
        ),
        "description": target.description,
        "status": target.status,
        "proposed_on": _text(target.proposed_on),
        "agreed_on": _text(target.agreed_on),
        "active_from": _text(target.active_from),
        "closed_on": _text(target.closed_on),
    }


def write_csv(columns: list[str], records: Iterable[dict[str, str]]) -> Iterator[str]:
    """The file line by line (for a streaming download or a command's output)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(record)
        yield buffer.getvalue()
