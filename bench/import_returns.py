"""Benchmark: a million long-layout rows through the import service, next to a plain bulk load.

    .venv/bin/python bench/import_returns.py                 # SQLite, then PostgreSQL if reachable
    .venv/bin/python bench/import_returns.py --database postgresql --rows 1000000 --runs 3

Each run builds its own throwaway database (a temporary SQLite file, or the PostgreSQL database
``localstat_bench``, dropped afterwards): a chain of units, indicators and one monthly collection
asking every unit for every indicator. Then, in the same process and on the same table:

- **baseline**: the rows as finished observations, loaded by ``COPY … FROM STDIN`` (PostgreSQL) or
  ``executemany`` (SQLite) into ``returns_observation`` with its indexes, in a transaction rolled back;
- **import**: the CSV file through ``localstat.returns.imports.import_file`` (parse, resolve codes,
  periods and the collection, check, compare with stored values by a join, create the returns, write);
- **re-import**: the same file again, which must write nothing (``0 new, 0 changed, N unchanged``).

It prints medians of ``--runs`` runs (the tables are emptied between runs) and the ratio of the
import's rate to the baseline's, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("LOCALSTAT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_NAME = "localstat_bench"


def _setup_django(database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "localstat.settings"
    os.environ["LOCALSTAT_TODAY"] = "2019-04-30"
    if database == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            admin.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["LOCALSTAT_VAR_DIR"] = tempfile.mkdtemp(prefix="localstat-bench-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _build(units: int, indicators: int) -> tuple[list[str], list[str]]:
    from datetime import date

    from localstat.chain import services as chain
    from localstat.chain.choices import ChainRole, OrganisationKind, UnitType
    from localstat.framework import services as framework
    from localstat.framework.choices import Periodicity, Polarity, Statistic
    from localstat.returns.services import ItemSpec, create_collection

    start = date(2009, 1, 1)
    service = chain.create_service(code="bench", name="Benchmark service", acting_user=None)
    department = chain.create_organisation(
        code="BENCH-DEPT", kind=OrganisationKind.DEPARTMENT, acting_user=None
    )
    chain.place_in_chain(
        organisation=department,
        service=service,
        role=ChainRole.DEPARTMENT,
        valid_from=start,
        acting_user=None,
    )
    tier = chain.create_organisation(code="BENCH-TIER", kind=OrganisationKind.HEALTH_AREA, acting_user=None)
    chain.place_in_chain(
        organisation=tier,
        service=service,
        role=ChainRole.INTERMEDIATE_TIER,
        accountable_to=department,
        valid_from=start,
        acting_user=None,
    )
    unit_codes = [f"B{i:05d}" for i in range(units)]
    made = []
    for code in unit_codes:
        unit = chain.create_organisation(
            code=code, kind=OrganisationKind.UNIT, unit_type=UnitType.NHS_PROVIDER, acting_user=None
        )
        chain.place_in_chain(
            organisation=unit,
            service=service,
            role=ChainRole.FRONT_LINE_UNIT,
            accountable_to=tier,
            valid_from=start,
            acting_user=None,
        )
        made.append(unit)
    indicator_codes = [f"BENCH_{i:02d}" for i in range(indicators)]
    items = [
        ItemSpec(
            framework.define_indicator(
                code=code,
                name=code,
                service=service,
                owner=department,
                valid_from=start,
                definition="Benchmark proportion",
                numerator_definition="part",
                denominator_definition="whole",
                statistic=Statistic.PROPORTION,
                multiplier=100,
                polarity=Polarity.HIGHER,
                periodicity=Periodicity.MONTH,
                acting_user=None,
            )
        )
        for code in indicator_codes
    ]
    create_collection(
        code="BENCH",
        name="Benchmark collection",
        issuer=department,
        service=service,
        periodicity=Periodicity.MONTH,
        deadline_days=20,
        first_period=start,
        items=items,
        units=made,
        acting_user=None,
    )
    return unit_codes, indicator_codes


def _file(unit_codes: list[str], indicator_codes: list[str], months: int, seed: int) -> bytes:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    periods = pl.date_range(
        pl.date(2010, 1, 1), pl.date(2010, 1, 1).dt.offset_by(f"{months - 1}mo"), "1mo", eager=True
    )
    frame = (
        pl.DataFrame({"unit": unit_codes})
        .join(pl.DataFrame({"indicator": indicator_codes}), how="cross")
        .join(pl.DataFrame({"period": periods}), how="cross")
    )
    denominator = rng.integers(200, 5000, frame.height)
    numerator = np.floor(denominator * rng.uniform(0.7, 0.99, frame.height)).astype(np.int64)
    return (
        frame.with_columns(numerator=pl.Series(numerator), denominator=pl.Series(denominator))
        .write_csv()
        .encode()
    )


def _baseline(content: bytes) -> float:
    """The same rows as finished observations, bulk-loaded into the observation table, then rolled back."""
    import polars as pl
    from django.db import connection, transaction

    from localstat.core import bulk
    from localstat.returns.models import Observation

    frame = pl.read_csv(content, try_parse_dates=True)
    rows = frame.select(
        return_record_id=pl.lit(1, dtype=pl.Int64),
        unit_id=pl.col("unit").rank("dense").cast(pl.Int64),
        indicator_id=pl.col("indicator").rank("dense").cast(pl.Int64),
        indicator_version_id=pl.lit(1, dtype=pl.Int64),
        period_start="period",
        revision=pl.lit(1, dtype=pl.Int64),
        numerator=pl.col("numerator").cast(pl.Float64),
        denominator=pl.col("denominator").cast(pl.Float64),
        derived=pl.lit(False),
        is_current=pl.lit(True),
        approved_current=pl.lit(False),
        created_at=pl.lit(bulk.utc_now()),
        reason=pl.lit(""),
    )
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "sqlite":
            # Foreign keys are checked at commit; this load is rolled back, so say so up front.
            connection.cursor().execute("PRAGMA defer_foreign_keys = ON")
        bulk.insert_frame(Observation._meta.db_table, rows)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def _empty() -> None:
    from django.db import connection

    from localstat.returns.models import ImportBatch, Observation, QualityWarning, Return

    with connection.cursor() as cursor:
        for model in (QualityWarning, Observation, Return, ImportBatch):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}"')


def run(database: str, rows: int, runs: int) -> dict[str, float]:
    _setup_django(database)
    from localstat.returns.imports import import_file

    units, indicators = 1000, 10
    months = max(1, rows // (units * indicators))
    unit_codes, indicator_codes = _build(units, indicators)
    content = _file(unit_codes, indicator_codes, months, seed=2004)
    total = units * indicators * months
    print(f"{database}: {total:,} rows, {len(content) / 1e6:.0f} MB of CSV, {runs} run(s)", file=sys.stderr)
    base, first, again = [], [], []
    for number in range(runs):
        _empty()
        base.append(_baseline(content))
        started = time.perf_counter()
        result = import_file(content=content, name="bench.csv", acting_user=None)
        first.append(time.perf_counter() - started)
        assert result.new == total, result.summary
        started = time.perf_counter()
        repeat = import_file(content=content, name="bench.csv", acting_user=None)
        again.append(time.perf_counter() - started)
        assert repeat.summary == f"0 new, 0 changed, {total} unchanged", repeat.summary
        print(
            f"  run {number + 1}: baseline {base[-1]:.1f} s, import {first[-1]:.1f} s, re-import {again[-1]:.1f} s",
            file=sys.stderr,
        )
    figures = {
        "rows": float(total),
        "baseline_s": statistics.median(base),
        "import_s": statistics.median(first),
        "reimport_s": statistics.median(again),
    }
    if database == "postgresql":
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database == "both":
        # Each database in its own process: Django is set up once per process.
        print(
            "| database | rows | baseline rows/s | import rows/s | import ÷ baseline | re-import (unchanged) s |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for database in ("sqlite", "postgresql"):
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--database",
                    database,
                    "--rows",
                    str(args.rows),
                    "--runs",
                    str(args.runs),
                    "--child",
                ],
                stdout=subprocess.PIPE,
                text=True,
                check=False,
            )
            print(
                done.stdout.strip() or f"| {database} | failed (exit {done.returncode}) | | | | |", flush=True
            )
        return
    figures = run(args.database, args.rows, args.runs)
    rows = figures["rows"]
    line = (
        f"| {args.database} | {rows:,.0f} | {rows / figures['baseline_s']:,.0f} | {rows / figures['import_s']:,.0f} "
        f"| {figures['baseline_s'] / figures['import_s']:.2f} | {figures['reimport_s']:.1f} |"
    )
    if not args.child:
        print(
            "| database | rows | baseline rows/s | import rows/s | import ÷ baseline | re-import (unchanged) s |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(line, flush=True)


if __name__ == "__main__":
    main()
