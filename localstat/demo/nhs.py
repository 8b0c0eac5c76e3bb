"""The real NHS England A&E data shipped with LocalStat (Open Government Licence v3.0).

``data/nhs-ae/README.md`` describes both files and where they come from.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

NHS_DIR = Path(__file__).resolve().parent / "data" / "nhs-ae"
ATTENDANCES_CSV = NHS_DIR / "ae_attendances.csv"
ORGANISATIONS_CSV = NHS_DIR / "organisations.csv"

ORGANISATIONS_SOURCE = (
    "NHS Digital Organisation Data Service, NHS trusts (etr), c. 2017, Open Government Licence v3.0"
)
CODE_ONLY_SOURCE = (
    "NHS England A&E attendances (the trust list does not cover this code, so no name is shown)"
)

#: NHS England regions of the period, as ``organisations.csv`` codes them.
NHS_REGIONS = {
    "Y54": "NHS England North",
    "Y55": "NHS England Midlands and East",
    "Y56": "NHS England London",
    "Y57": "NHS England South",
}


#: Words a name keeps in lower case unless they begin it.
_SMALL_WORDS = {"and", "of", "the", "upon", "on", "in", "for"}
#: Words the register writes in capitals that are initials.
_INITIALS = {"nhs", "ii", "gp"}


def proper_name(raw: str) -> str:
    """A name the register writes in capitals, as people write it: "Guy's and St Thomas' NHS
    Foundation Trust", not "Guy'S And St Thomas' Nhs Foundation Trust".

    >>> proper_name("GUY'S AND ST THOMAS' NHS FOUNDATION TRUST")
    "Guy's and St Thomas' NHS Foundation Trust"
    >>> proper_name("THE ROYAL WOLVERHAMPTON NHS TRUST")
    'The Royal Wolverhampton NHS Trust'
    >>> proper_name("WESTON-SUPER-MARE")
    'Weston-Super-Mare'
    """

    def word(match: re.Match[str]) -> str:
        text = match.group(0).lower()
        if text in _INITIALS:
            return text.upper()
        if text in _SMALL_WORDS and match.start() > 0:
            return text
        return text[:1].upper() + text[1:]

    return re.sub(r"[A-Za-z][A-Za-z'’]*", word, raw.strip())


@dataclass(frozen=True)
class Provider:
    code: str
    name: str
    region: str
    area: str
    town: str
    postcode: str
    opened: date | None


def named_providers() -> list[Provider]:
    with ORGANISATIONS_CSV.open(newline="") as handle:
        return [
            Provider(
                code=row["code"],
                name=row["name"],
                region=row["nhs_region"],
                area=row["area"],
                town=row["town"],
                postcode=row["postcode"],
                opened=date.fromisoformat(row["opened"]) if row["opened"] else None,
            )
            for row in csv.DictReader(handle)
        ]


def attendance_rows() -> list[dict[str, str]]:
    with ATTENDANCES_CSV.open(newline="") as handle:
        return list(csv.DictReader(handle))


def provider_codes_in_attendances() -> list[str]:
    return sorted({row["org_code"] for row in attendance_rows()})


def attendances_by_provider(first: date, last: date) -> dict[str, tuple[int, int]]:
    """Total attendances and type 1 attendances per provider for months ``first`` to ``last`` inclusive."""
    totals: dict[str, tuple[int, int]] = {}
    for row in attendance_rows():
        month = date.fromisoformat(row["period"])
        if first <= month <= last:
            total, type1 = totals.get(row["org_code"], (0, 0))
            count = int(row["attendances"])
            totals[row["org_code"]] = (total + count, type1 + (count if row["type"] == "1" else 0))
    return totals
