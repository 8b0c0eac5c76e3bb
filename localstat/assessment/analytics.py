"""The columnar analytics copy of approved observations (PERFORMANCE.md).

The system of record is for transactions; runs read this copy instead: one Parquet file per
indicator with the current approved value of every series, ``unit, indicator, period, numerator,
denominator``, sorted series-major. Approving returns rewrites only the files of the indicators they
touched, so the copy stays current without rescanning the rest.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection

OBSERVATION_SCHEMA = {
    "unit": pl.String,
    "indicator": pl.String,
    "period": pl.Date,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
}

_APPROVED_SQL = """
    SELECT u.code, i.code, o.period_start, o.numerator, o.denominator
    FROM returns_observation o
    JOIN chain_organisation u ON u.id = o.unit_id
    JOIN framework_indicator i ON i.id = o.indicator_id
    WHERE o.approved_current AND i.code IN ({codes})
"""


def copy_dir() -> Path:
    """This database's analytics folder (created with its token on first use)."""
    from localstat.assessment.models import AnalyticsCopy

    copy = AnalyticsCopy.objects.order_by("created_at").first()
    if copy is None:
        copy = AnalyticsCopy.objects.create(token=secrets.token_hex(8))
    root = Path(getattr(settings, "LOCALSTAT_ANALYTICS_DIR", settings.VAR_DIR / "analytics"))
    return root / copy.token


def analytics_dir() -> Path:
    return copy_dir() / "observations"


def _path(indicator_code: str) -> Path:
    return analytics_dir() / f"{indicator_code}.parquet"


def approved_observations_from_database(indicator_codes: Iterable[str]) -> pl.DataFrame:
    """Current approved values of the indicators, read set-based (one query, no ORM objects)."""
    codes = sorted(set(indicator_codes))
    if not codes:
        return pl.DataFrame(schema=OBSERVATION_SCHEMA)
    placeholders = ", ".join(["%s"] * len(codes))
    with connection.cursor() as cursor:
        cursor.execute(_APPROVED_SQL.format(codes=placeholders), codes)
        rows = cursor.fetchall()
    frame = pl.DataFrame(rows, schema=list(OBSERVATION_SCHEMA), orient="row", infer_schema_length=None)
    return frame.cast(OBSERVATION_SCHEMA).sort("indicator", "unit", "period")  # type: ignore[arg-type]


def refresh(indicator_codes: Iterable[str]) -> dict[str, int]:
    """Rewrite the copy for these indicators from the database; returns rows written per indicator."""
    codes = sorted(set(indicator_codes))
    frame = approved_observations_from_database(codes)
    directory = analytics_dir()
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for code in codes:
        part = frame.filter(pl.col("indicator") == code)
        target = _path(code)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        part.write_parquet(temporary, statistics=True)
        temporary.replace(target)  # atomic: a run never reads a half-written file
        written[code] = part.height
    return written


def read(indicator_codes: Iterable[str]) -> pl.DataFrame:
    """The copy's rows for these indicators (an indicator never refreshed reads as none)."""
    paths = [_path(code) for code in sorted(set(indicator_codes)) if _path(code).exists()]
    if not paths:
        return pl.DataFrame(schema=OBSERVATION_SCHEMA)
    return pl.concat([pl.read_parquet(path) for path in paths]).cast(OBSERVATION_SCHEMA)  # type: ignore[arg-type]


def fingerprint(frame: pl.DataFrame) -> str:
    """A digest of the observations a run read, so two runs can be seen to share their input."""
    digest = hashlib.sha256()
    hashes = frame.sort("indicator", "unit", "period").hash_rows()
    digest.update(hashes.to_numpy().tobytes())
    digest.update(str(frame.height).encode())
    return digest.hexdigest()


def exists(indicator_code: str) -> bool:
    return _path(indicator_code).exists()


def _points_dir(run_id: int) -> Path:
    return copy_dir() / "runs" / str(run_id)


def write_points(run_id: int, points: pl.DataFrame) -> None:
    """Keep a run's per-point SPC types (for its charts) beside the copy, one file per run."""
    directory = _points_dir(run_id)
    directory.mkdir(parents=True, exist_ok=True)
    points.write_parquet(directory / "points.parquet")


def scan_points(run_id: int) -> pl.LazyFrame | None:
    """Every point a run judged, with its SPC point type (lazily; None when the run kept none)."""
    path = _points_dir(run_id) / "points.parquet"
    return pl.scan_parquet(path) if path.exists() else None


def read_points(run_id: int, *, unit: str | None, indicator: str) -> pl.DataFrame:
    points = scan_points(run_id)
    if points is None:
        return pl.DataFrame()
    frame = points.filter(pl.col("indicator") == indicator)
    frame = frame.filter(pl.col("unit").is_null() if unit is None else pl.col("unit") == unit)
    return frame.sort("period").collect()


def total_rows() -> int:
    """Rows in the whole copy, read from the files' metadata."""
    files = sorted(analytics_dir().glob("*.parquet"))
    if not files:
        return 0
    return int(pl.scan_parquet(files).select(pl.len()).collect().item())


def write_peers(run_id: int, peers: pl.DataFrame) -> None:
    """Keep the peer groups a run used (unit, peer), so its pages can highlight a unit's peers."""
    directory = _points_dir(run_id)
    directory.mkdir(parents=True, exist_ok=True)
    peers.write_parquet(directory / "peers.parquet")


def read_peers(run_id: int, unit: str) -> list[str]:
    path = _points_dir(run_id) / "peers.parquet"
    if not path.exists():
        return []
    return pl.scan_parquet(path).filter(pl.col("unit") == unit).select("peer").collect()["peer"].to_list()
