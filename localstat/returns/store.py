"""Writing an import: new revisions appended, their returns created or updated, warnings stored.

Called by :mod:`localstat.returns.imports` once every check has passed, inside its transaction. Rows go
to the database by ``COPY`` (PostgreSQL) or ``executemany`` (SQLite) through :mod:`bulk`; returns are
updated by id lists, one statement per chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import DateTimeField, F, OuterRef, Subquery
from django.db.models.functions import Cast

from localstat.core import bulk
from localstat.returns.choices import ReturnStatus
from localstat.returns.models import Observation, QualityWarning, Return
from localstat.returns.signals import returns_approved

OBS = Observation._meta.db_table
RET = Return._meta.db_table
WARN = QualityWarning._meta.db_table
RETURN_KEYS = ["collection_id", "unit_id", "period_start"]


def existing_returns(rows: pl.DataFrame) -> pl.DataFrame:
    """The returns of the rows' (collection, unit, period) keys, with ``return_id`` and ``status`` (null if none)."""
    keys = rows.select(RETURN_KEYS).unique()
    collection_ids = keys["collection_id"].unique().to_list()
    found = bulk.read_frame(
        f'SELECT id, collection_id, unit_id, period_start, status FROM "{RET}" '
        f"WHERE collection_id IN ({bulk.placeholders(collection_ids)}) AND period_start BETWEEN %s AND %s",
        [*collection_ids, keys["period_start"].min(), keys["period_start"].max()],
        {
            "return_id": pl.Int64,
            "collection_id": pl.Int64,
            "unit_id": pl.Int64,
            "period_start": pl.Date,
            "status": pl.String,
        },
    )
    return keys.join(found, on=RETURN_KEYS, how="left")


def create_returns(
    fresh: pl.DataFrame, *, now: Any, user_id: int | None, as_of: date, on_deadline: bool
) -> pl.DataFrame:
    """Insert the returns that new values need, as submitted; their keys with their new ids."""
    keys = fresh.filter(pl.col("return_id").is_null()).select(*RETURN_KEYS, "period_end", "deadline")
    keys = keys.unique(subset=RETURN_KEYS)
    if keys.height == 0:
        return pl.DataFrame(schema={**{k: keys.schema[k] for k in RETURN_KEYS}, "new_return_id": pl.Int64})
    received = pl.lit(as_of)
    if on_deadline:
        received = pl.when(pl.col("deadline") < as_of).then(pl.col("deadline")).otherwise(received)
    bulk.insert_frame(
        RET,
        keys.sort(RETURN_KEYS).with_columns(
            status=pl.lit(ReturnStatus.SUBMITTED.value),
            received_on=received,
            submitted_at=pl.lit(now),
            submitted_by_id=pl.lit(user_id, dtype=pl.Int64),
            sent_back_reason=pl.lit(""),
            created_at=pl.lit(now),
            updated_at=pl.lit(now),
        ),
        ignore_conflicts=True,
    )
    made = existing_returns(keys).select(*RETURN_KEYS, new_return_id="return_id")
    # A return another writer created meanwhile is locked now, like the ones that existed before.
    bulk.lock_rows(RET, made["new_return_id"].to_list())
    return made


def write_import(
    fresh: pl.DataFrame,
    warnings: pl.DataFrame,
    returns: pl.DataFrame,
    *,
    now: Any,
    user_id: int | None,
    batch_id: int,
    reason: str,
    received_on_deadline: bool,
    as_of: date,
    total: int,
    note: Callable[[str, int, int], None],
) -> pl.DataFrame:
    """Append the new revisions, create or update their returns, store the warnings.

    Returns every return the import concerns, ``collection_id, unit_id, period_start, return_id``.
    """
    made = create_returns(fresh, now=now, user_id=user_id, as_of=as_of, on_deadline=received_on_deadline)
    existing_touched = fresh["return_id"].drop_nulls().unique().to_list()
    fresh = fresh.join(made, on=RETURN_KEYS, how="left").with_columns(
        return_id=pl.coalesce("return_id", "new_return_id")
    )
    returns = pl.concat(
        [
            returns.select(*RETURN_KEYS, "return_id", "status"),
            made.select(*RETURN_KEYS, return_id="new_return_id", status=pl.lit(None, dtype=pl.String)),
        ]
    ).filter(pl.col("return_id").is_not_null())
    # Superseded revisions stop being current; the new ones are appended.
    bulk.update_by_ids(
        OBS, fresh.filter(pl.col("old_id").is_not_null())["old_id"].to_list(), {"is_current": False}
    )
    rows = fresh.select(
        return_record_id="return_id",
        unit_id="unit_id",
        indicator_id="indicator_id",
        indicator_version_id="version_id",
        period_start="period_start",
        revision=(pl.col("old_revision").fill_null(0) + 1),
        numerator="numerator",
        denominator="denominator",
        derived="is_derived",
        is_current=pl.lit(True),
        approved_current=pl.lit(False),
        created_at=pl.lit(now),
        created_by_id=pl.lit(user_id, dtype=pl.Int64),
        reason=pl.when(pl.col("change") == "changed").then(pl.lit(reason)).otherwise(pl.lit("")),
        batch_id=pl.lit(batch_id, dtype=pl.Int64),
    )
    # In key order, so each index is appended to rather than scattered into.
    rows = rows.sort("unit_id", "indicator_id", "period_start")
    # Progress in the file's rows: a row may give several values (the NHS layout gives two).
    bulk.insert_frame(
        OBS, rows, progress=lambda done: note("written", done * total // max(rows.height, 1), total)
    )

    bulk.update_by_ids(
        RET,
        existing_touched,
        {
            "status": ReturnStatus.SUBMITTED.value,
            "submitted_at": now,
            "submitted_by_id": user_id,
            "sent_back_reason": "",
            "updated_at": now,
        },
    )
    # Returns that were awaiting data (noted overdue by the tick) are received now.
    awaiting = returns.filter(
        pl.col("return_id").is_in(existing_touched) & (pl.col("status") == ReturnStatus.AWAITING)
    )
    record_receipt(awaiting["return_id"].to_list(), as_of=as_of, on_deadline=received_on_deadline)

    if warnings.height:
        revisions = rows.select("unit_id", "indicator_id", "period_start", "revision")
        located = warnings.join(returns.select(*RETURN_KEYS, "return_id"), on=RETURN_KEYS).join(
            revisions, on=["unit_id", "indicator_id", "period_start"], how="left"
        )
        bulk.insert_frame(
            WARN,
            located.select(
                return_record_id="return_id",
                indicator_id="indicator_id",
                revision="revision",
                check_kind="check_kind",
                rule="rule",
                message=pl.col("message").str.slice(0, 500),
                status=pl.lit("open"),
                note=pl.lit(""),
                batch_id=pl.lit(batch_id, dtype=pl.Int64),
                created_at=pl.lit(now),
            ),
        )
    note("written", total, total)
    return returns


def record_receipt(return_ids: list[int], *, as_of: date, on_deadline: bool) -> None:
    """A return's first values fix when it was received, which decides whether it was on time.

    Loading history (``on_deadline``) records returns already past their deadline as received on it.
    """
    for start in range(0, len(return_ids), bulk.ID_CHUNK):
        chunk = return_ids[start : start + bulk.ID_CHUNK]
        if on_deadline:
            Return.objects.filter(pk__in=chunk, received_on__isnull=True, deadline__lt=as_of).update(
                received_on=F("deadline")
            )
        Return.objects.filter(pk__in=chunk, received_on__isnull=True).update(received_on=as_of)


def approve_return_ids(
    return_ids: list[int], *, user_id: int | None, now: Any, announce: bool = True, on_receipt: bool = False
) -> None:
    """Approve returns: their current values become the approved ones, the returns are locked.

    The values a correction replaces stay approved until the correction itself is approved. Once
    the transaction commits, ``signals.returns_approved`` tells whoever listens which indicators
    changed (unless ``announce`` is False: history loaded before anything listens for it).
    ``on_receipt`` (loading history) records each return as approved on the day it was received, so
    what a past meeting or release could have seen is read from the history as it happened.
    """
    indicator_ids: set[int] = set()
    for start in range(0, len(return_ids), bulk.ID_CHUNK):
        chunk = return_ids[start : start + bulk.ID_CHUNK]
        Observation.objects.filter(
            return_record_id__in=chunk, approved_current=True, is_current=False
        ).update(approved_current=False)
        Observation.objects.filter(
            return_record_id__in=chunk, is_current=True, approved_at__isnull=True
        ).update(approved_current=True, approved_at=now, approved_by_id=user_id)
        Return.objects.filter(pk__in=chunk).update(
            status=ReturnStatus.APPROVED,
            approved_at=now,
            approved_by_id=user_id,
            sent_back_reason="",
            updated_at=now,
        )
        if on_receipt:
            received = Cast(
                Subquery(Return.objects.filter(pk=OuterRef("return_record_id")).values("received_on")[:1]),
                DateTimeField(),
            )
            Observation.objects.filter(
                return_record_id__in=chunk, approved_at=now, return_record__received_on__isnull=False
            ).update(approved_at=received)
            Return.objects.filter(pk__in=chunk, received_on__isnull=False).update(
                approved_at=Cast(F("received_on"), DateTimeField())
            )
        indicator_ids.update(
            Observation.objects.filter(return_record_id__in=chunk, approved_current=True)
            .values_list("indicator_id", flat=True)
            .distinct()
        )
    approved = list(return_ids)
    if not announce:
        return
    transaction.on_commit(
        lambda: returns_approved.send(sender=Return, return_ids=approved, indicator_ids=sorted(indicator_ids))
    )
