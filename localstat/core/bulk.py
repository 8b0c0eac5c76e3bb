"""Set-based reads and writes of whole frames, with no ORM object per row.

PostgreSQL gets ``COPY … FROM STDIN`` fed with CSV that Polars writes (in Rust, not a Python loop per
row); SQLite gets ``executemany`` on its own connection. Reads come back as Polars frames. Every
function runs on Django's connection, so it takes part in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import polars as pl
from django.db import connection

#: Rows per COPY or executemany call, so progress can be reported as the write goes on.
CHUNK_ROWS = 50_000
#: Ids per ``IN (…)`` list on SQLite (it allows 32,766 parameters).
ID_CHUNK = 10_000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates and timestamps as the text Django stores in SQLite (UTC, no offset)."""
    conversions = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            conversions.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            column = pl.col(name)
            if dtype.time_zone is not None:
                column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            conversions.append(column.dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
        elif dtype == pl.Boolean:
            conversions.append(pl.col(name).cast(pl.Int8))
    return frame.with_columns(conversions) if conversions else frame


def insert_frame(
    table: str,
    frame: pl.DataFrame,
    *,
    ignore_conflicts: bool = False,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Insert every row of ``frame`` into ``table`` (columns by name); optionally skip conflicting rows."""
    if frame.height == 0:
        return
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    done = 0
    with connection.cursor() as cursor:
        if is_postgresql():
            raw = cursor.cursor
            target = table
            if ignore_conflicts:
                target = f"_incoming_{table}"
                raw.execute(
                    f'CREATE TEMP TABLE "{target}" ON COMMIT DROP AS SELECT {columns} FROM "{table}" WITH NO DATA'
                )
            for start in range(0, frame.height, CHUNK_ROWS):
                chunk = frame.slice(start, CHUNK_ROWS)
                with raw.copy(f'COPY "{target}" ({columns}) FROM STDIN (FORMAT csv)') as copy:
                    copy.write(
                        chunk.write_csv(include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.6f%:z")
                    )
                done += chunk.height
                if progress:
                    progress(done)
            if ignore_conflicts:
                raw.execute(
                    f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{target}" ON CONFLICT DO NOTHING'
                )
                raw.execute(f'DROP TABLE "{target}"')
            return
        raw = cursor.cursor
        marks = ", ".join("?" for _ in frame.columns)
        verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
        ready = _sqlite_ready(frame)
        for start in range(0, ready.height, CHUNK_ROWS):
            chunk = ready.slice(start, CHUNK_ROWS)
            raw.executemany(f'{verb} INTO "{table}" ({columns}) VALUES ({marks})', chunk.iter_rows())
            done += chunk.height
            if progress:
                progress(done)


def read_frame(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """Run a query (``%s`` placeholders) and return its rows as a frame with ``schema``."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    # Django's SQLite converters already turn DATE and TIMESTAMP columns into Python objects.
    return pl.DataFrame(rows, schema=schema, orient="row")


def placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values)) or "NULL"


def update_by_ids(table: str, ids: Sequence[int], assignments: dict[str, Any]) -> int:
    """``UPDATE table SET … WHERE id IN ids``: one statement on PostgreSQL, chunks on SQLite."""
    if not ids:
        return 0
    names = list(assignments)
    setter = ", ".join(f'"{name}" = %s' for name in names)
    values = [assignments[name] for name in names]
    changed = 0
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(f'UPDATE "{table}" SET {setter} WHERE id = ANY(%s)', [*values, list(ids)])
            return int(cursor.rowcount)
        for start in range(0, len(ids), ID_CHUNK):
            chunk = list(ids[start : start + ID_CHUNK])
            cursor.execute(
                f'UPDATE "{table}" SET {setter} WHERE id IN ({placeholders(chunk)})', [*values, *chunk]
            )
            changed += int(cursor.rowcount)
    return changed


def lock_rows(table: str, ids: Sequence[int]) -> None:
    """Lock rows for the rest of the transaction, in id order so two writers cannot deadlock.

    PostgreSQL only: SQLite's IMMEDIATE transactions already let one writer in at a time.
    """
    if not ids or not is_postgresql():
        return
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id FROM "{table}" WHERE id = ANY(%s) ORDER BY id FOR UPDATE', [sorted(ids)])


def utc_now() -> datetime:
    """The moment of record for a bulk write (created, submitted, approved at): the one clock's
    :func:`localstat.core.clock.now`, so a database built for a date records its writes on that date."""
    from localstat.core.clock import now

    return now()
