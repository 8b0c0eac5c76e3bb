"""The one import service: web form, file, API and command line all come in here.

An import is all-or-nothing. Every row is resolved and checked first (codes, collection, period,
statistic, rules, required items); if anything fails, :class:`ImportRejected` lists every problem as
``row R (line L), field F: reason`` and nothing is written in any table. Values identical to the
current ones are left alone, so importing the same data again writes nothing at all. New and changed
values are appended as new revisions (never overwritten) with who, when and why; a changed approved
value is a correction and needs a reason, and its return needs approval again.

Set-based throughout: the file is a Polars frame, existing values are read once into another and
compared by a join, and the new rows go to the database by ``COPY`` (PostgreSQL) or ``executemany``
(SQLite). No ORM object is made per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.db import transaction

from localstat.chain.access import Actor
from localstat.chain.models import Organisation
from localstat.core import bulk
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.returns import checks
from localstat.returns.choices import ReturnStatus, Source
from localstat.returns.errors import ImportRejected
from localstat.returns.files import FileRejected, Layout, RowError, parse_returns_file
from localstat.returns.models import Collection, ImportBatch, Observation, QualityWarning, Return, UnitToken
from localstat.returns.resolve import (
    RETURN_KEYS,
    ROW_KEYS,
    Items,
    attach_versions,
    errors_where,
    resolve_rows,
)
from localstat.returns.store import approve_return_ids, existing_returns, write_import
from localstat.returns.wording import number_expr

#: Called as the work goes on: ``progress(stage, done, total)`` with stage "validated" or "written".
Progress = Callable[[str, int, int], None]

OBS = Observation._meta.db_table
RET = Return._meta.db_table
WARN = QualityWarning._meta.db_table


@dataclass
class ImportResult:
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    derived: int = 0
    warnings: int = 0
    returns: int = 0
    approved: int = 0
    layout: str = ""
    dry_run: bool = False
    batch_id: int | None = None
    warning_messages: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "derived": self.derived,
            "warnings": self.warnings,
            "returns": self.returns,
            "approved": self.approved,
            "batch_id": self.batch_id,
            "dry_run": self.dry_run,
            "summary": self.summary,
        }


def import_file(*, content: bytes, name: str, **options: Any) -> ImportResult:
    """Read a CSV or XLSX file (long, wide or NHS layout) and import it; see :func:`import_observations`."""
    parsed = parse_returns_file(content, name)
    if parsed.errors and parsed.observations.height == 0:
        raise ImportRejected(parsed.errors)
    options["file_errors"] = parsed.errors
    if parsed.layout is Layout.NHS and options.get("collection") is None:
        # NHS England's file imports as it is: its collection is set up by the first one, atomically.
        from localstat.returns.nhs import ensure_nhs_collection

        with transaction.atomic():
            ensure_nhs_collection(parsed.observations)
            result = import_observations(
                observations=parsed.observations,
                rows=parsed.rows,
                layout=parsed.layout.value,
                file_name=name,
                **options,
            )
            if options.get("dry_run"):
                transaction.set_rollback(True)
            return result
    return import_observations(
        observations=parsed.observations,
        rows=parsed.rows,
        layout=parsed.layout.value,
        file_name=name,
        **options,
    )


def _current_values(indicator_ids: list[int]) -> pl.DataFrame:
    """The current revision of every stored value of these indicators, as one frame."""
    return bulk.read_frame(
        f"SELECT id, unit_id, indicator_id, period_start, revision, numerator, denominator "
        f'FROM "{OBS}" WHERE is_current AND indicator_id IN ({bulk.placeholders(indicator_ids)})',
        indicator_ids,
        {
            "old_id": pl.Int64,
            "unit_id": pl.Int64,
            "indicator_id": pl.Int64,
            "period_start": pl.Date,
            "old_revision": pl.Int64,
            "old_numerator": pl.Float64,
            "old_denominator": pl.Float64,
        },
    )


def _lockexisting_returns(rows: pl.DataFrame) -> pl.DataFrame:
    """The returns the rows belong to that exist already, locked until the import commits.

    A second writer of the same returns waits here, then reads the values the first one committed, so
    two simultaneous corrections become two revisions. Returns that do not exist yet are created by
    the write, already submitted.
    """
    returns = existing_returns(rows)
    bulk.lock_rows(RET, returns["return_id"].drop_nulls().to_list())
    return returns


def _compare(rows: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """Each row with its current stored value (if any) and whether it is new, changed or unchanged."""
    joined = rows.join(current, on=ROW_KEYS, how="left")
    same = pl.col("numerator").eq_missing(pl.col("old_numerator")) & pl.col("denominator").eq_missing(
        pl.col("old_denominator")
    )
    return joined.with_columns(
        change=pl.when(pl.col("old_id").is_null())
        .then(pl.lit("new"))
        .when(same)
        .then(pl.lit("unchanged"))
        .otherwise(pl.lit("changed"))
    )


def _derive(rows: pl.DataFrame, current: pl.DataFrame, items: Items) -> pl.DataFrame:
    """Derived items (such as AE4H, the sum over department types) from the components' stored values.

    For every return the file touches, each derived item is summed from its components' values as
    they will stand after this import: stored ones, with the file's in their place.
    """
    if items.derived.height == 0:
        return rows.clear()
    touched = rows.select(RETURN_KEYS).unique()
    components = items.derived.rename({"indicator_id": "derived_id", "component_id": "indicator_id"})
    stored = current.rename({"old_numerator": "numerator", "old_denominator": "denominator"}).select(
        *ROW_KEYS, "numerator", "denominator"
    )
    file_values = rows.select(*ROW_KEYS, "numerator", "denominator")
    after = pl.concat([stored.join(file_values, on=ROW_KEYS, how="anti"), file_values])
    summed = (
        touched.join(components, on="collection_id")
        .join(after, on=ROW_KEYS)
        .group_by(*RETURN_KEYS, "derived_id")
        .agg(
            pl.col("numerator").sum(),
            # A sum of counts has no denominator: null stays null rather than becoming 0.
            pl.when(pl.col("denominator").is_null().all())
            .then(None)
            .otherwise(pl.col("denominator").sum())
            .alias("denominator"),
        )
        .rename({"derived_id": "indicator_id"})
    )
    template = rows.select(
        "collection_id",
        "unit_id",
        "period_start",
        "unit",
        "collection",
        "service_id",
        "periodicity",
        "period_end",
        "deadline",
        "row",
        "line",
    ).unique(subset=RETURN_KEYS, keep="first")
    derived = summed.join(template, on=RETURN_KEYS).with_columns(
        indicator=pl.col("indicator_id").replace_strict(items.codes, default=None)
    )
    return attach_versions(derived, [])


def import_observations(
    *,
    observations: pl.DataFrame,
    rows: int | None = None,
    source: str = Source.COMMAND,
    acting_user: Actor,
    collection: Collection | None = None,
    only_unit: Organisation | None = None,
    token: UnitToken | None = None,
    approve: bool = False,
    reason: str = "",
    dry_run: bool = False,
    file_name: str = "",
    layout: str = "long",
    received_on_deadline: bool = False,
    as_of: date | None = None,
    progress: Progress | None = None,
    file_errors: Sequence[RowError] = (),
    announce: bool = True,
) -> ImportResult:
    """Import observations ``row, line, unit, indicator, period, numerator, denominator`` as returns.

    ``acting_user`` None is the system (the demo, a token's push, a task acting for its uploader);
    otherwise it must be allowed to submit (and with ``approve``, to approve) every unit's returns.
    ``only_unit`` limits a token to its unit. ``received_on_deadline`` records returns as received on
    their deadline, and approved (with ``approve``) on the day they were received: for loading history
    that arrived and was approved at the time, not late and not all at once today. ``as_of`` replaces the
    clock's today (the demo builds its history as of its own date). ``file_errors`` are the problems
    the file's reader found in rows it left out: they are listed with the service's own, so a refusal
    names every problem at once. ``announce`` False approves without telling the listeners of
    ``signals.returns_approved``: for loading history that nothing has judged yet (the demo's returns,
    before its first assessment run judges everything).
    """
    total = observations.height if rows is None else rows
    note = progress or (lambda stage, done, of: None)
    with transaction.atomic():
        result = _run(
            observations,
            total=total,
            source=source,
            acting_user=acting_user,
            collection=collection,
            only_unit=only_unit,
            token=token,
            approve=approve,
            reason=reason.strip(),
            dry_run=dry_run,
            file_name=file_name,
            layout=layout,
            received_on_deadline=received_on_deadline,
            as_of=as_of or today(),
            note=note,
            file_errors=list(file_errors),
            announce=announce,
        )
    return result


def _run(
    observations: pl.DataFrame,
    *,
    total: int,
    source: str,
    acting_user: Actor,
    collection: Collection | None,
    only_unit: Organisation | None,
    token: UnitToken | None,
    approve: bool,
    reason: str,
    dry_run: bool,
    file_name: str,
    layout: str,
    received_on_deadline: bool,
    as_of: date,
    note: Callable[[str, int, int], None],
    file_errors: list[RowError],
    announce: bool,
) -> ImportResult:
    now = bulk.utc_now()
    resolved = resolve_rows(
        observations,
        today=as_of,
        collection=collection,
        only_unit=only_unit,
        acting_user=acting_user,
        approve=approve,
    )
    # Every problem is listed at once: the reader's, the rows' resolution and each value's own checks.
    errors = [*file_errors, *resolved.errors]
    rows = resolved.rows
    errors += checks.statistic_errors(rows)
    if rows.height == 0 and errors:
        raise ImportRejected(errors)
    note("validated", total // 2, total)

    returns = existing_returns(rows) if dry_run else _lockexisting_returns(rows)
    rows = rows.join(returns, on=RETURN_KEYS, how="left")
    items = resolved.items
    # Every item of the collections in play: derived sums and required items read stored values too.
    scope = sorted(set(rows["indicator_id"].unique().to_list()) | set(items.frame["indicator_id"].to_list()))
    current = _current_values(scope)

    compared = _compare(rows, current)
    derived = _derive(rows, current, items)
    if derived.height:
        derived = _compare(derived.join(returns, on=RETURN_KEYS, how="left"), current).with_columns(
            is_derived=pl.lit(True)
        )
    compared = compared.with_columns(is_derived=pl.lit(False))
    everything = pl.concat([compared, derived], how="diagonal_relaxed") if derived.height else compared
    fresh = everything.filter(pl.col("change") != "unchanged")

    # Returns touched, with the values they will hold after this import.
    first_rows = rows.group_by(RETURN_KEYS).agg(
        pl.col("row").min(), pl.col("line").min(), pl.col("unit").first(), pl.col("collection").first()
    )
    touched_keys = fresh.select(RETURN_KEYS).unique()
    values_after = pl.concat(
        [
            current.join(everything.select(ROW_KEYS), on=ROW_KEYS, how="anti")
            .rename({"old_numerator": "numerator", "old_denominator": "denominator"})
            .select(*ROW_KEYS, "numerator", "denominator"),
            everything.select(*ROW_KEYS, "numerator", "denominator"),
        ]
    )
    in_touched = touched_keys.join(rows.select(RETURN_KEYS).unique(), on=RETURN_KEYS).join(
        values_after, on=["unit_id", "period_start"]
    )
    collection_ids = sorted(resolved.collections)
    # Keep only the indicators each collection asks for (a unit may answer several collections).
    in_touched = in_touched.join(
        items.frame.select("collection_id", "indicator_id"), on=["collection_id", "indicator_id"], how="semi"
    )
    all_in_file = (
        rows.select(RETURN_KEYS)
        .unique()
        .join(values_after, on=["unit_id", "period_start"])
        .join(
            items.frame.select("collection_id", "indicator_id"),
            on=["collection_id", "indicator_id"],
            how="semi",
        )
    )
    range_errors, range_warnings = checks.range_checks(fresh.filter(~pl.col("is_derived")), collection_ids)
    errors += range_errors
    # Corrections to approved data need a reason.
    if not reason:
        errors += errors_where(
            fresh.filter(~pl.col("is_derived")),
            (pl.col("change") == "changed") & (pl.col("status") == ReturnStatus.APPROVED),
            "numerator",
            pl.format(
                "changes the approved value {} / {} (revision {}) of {} {}: a correction needs a reason",
                number_expr("old_numerator"),
                number_expr("old_denominator").fill_null("–"),
                "old_revision",
                "indicator",
                pl.col("period_start"),
            ),
        )
    # A row left out (unreadable, or of no known unit or item) leaves its return incomplete, and the
    # return-wide checks would report its absence as one more problem: they run once every row is in.
    rule_warnings = checks.no_warnings()
    if not (file_errors or resolved.errors):
        errors += checks.required_errors(all_in_file, first_rows, items.frame)
        rule_errors, rule_warnings = checks.rule_checks(
            in_touched, first_rows.join(touched_keys, on=RETURN_KEYS), items.codes, collection_ids
        )
        errors += rule_errors
    if errors:
        raise ImportRejected(errors)

    outliers = _outliers(fresh.filter(~pl.col("is_derived")), values_after, items)
    warnings = pl.concat([range_warnings, rule_warnings, outliers])
    note("validated", total, total)

    count = dict(fresh.group_by("change").len().iter_rows())
    result = ImportResult(
        rows=total,
        new=int(count.get("new", 0)),
        changed=int(count.get("changed", 0)),
        unchanged=int(everything.filter(pl.col("change") == "unchanged").height),
        derived=int(derived.filter(pl.col("change") != "unchanged").height) if derived.height else 0,
        warnings=warnings.height,
        returns=touched_keys.height,
        layout=layout,
        dry_run=dry_run,
        warning_messages=warnings["message"].head(50).to_list(),
    )
    if approve:
        # Every return of the file not approved yet, and every one this import changes.
        waiting = rows.filter(pl.col("status").is_null() | (pl.col("status") != ReturnStatus.APPROVED))
        to_approve = pl.concat([waiting.select(RETURN_KEYS), fresh.select(RETURN_KEYS)]).unique()
        result.approved = to_approve.height
    if dry_run or (fresh.height == 0 and result.approved == 0):
        return result

    batch = ImportBatch.objects.create(
        source=source,
        file_name=file_name[:300],
        layout=layout,
        collection=collection,
        created_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,
        token=token,
        reason=reason,
        rows=total,
        new=result.new,
        changed=result.changed,
        unchanged=result.unchanged,
        warnings=result.warnings,
        approved=approve,
    )
    result.batch_id = batch.pk
    user_id = batch.created_by_id
    returns = write_import(
        fresh,
        warnings,
        returns,
        now=now,
        user_id=user_id,
        batch_id=batch.pk,
        reason=reason,
        received_on_deadline=received_on_deadline,
        as_of=as_of,
        total=total,
        note=note,
    )
    if approve and result.approved:
        ids = to_approve.join(returns, on=RETURN_KEYS)["return_id"].drop_nulls().to_list()
        approve_return_ids(ids, user_id=user_id, now=now, announce=announce, on_receipt=received_on_deadline)
    record_event(
        actor=acting_user,
        action="returns.import",
        subject=batch,
        summary=f"Imported {file_name or source}: {result.summary}"
        + (f", {result.derived} derived" if result.derived else "")
        + (f"; {result.approved} returns approved" if approve else ""),
        data={
            **result.as_dict(),
            "source": source,
            "token": token.prefix if token else None,
            "reason": reason,
        },
    )
    return result


def _outliers(fresh: pl.DataFrame, values_after: pl.DataFrame, items: Items) -> pl.DataFrame:
    screened = fresh.join(
        items.frame.filter(pl.col("screen_outliers")).select("collection_id", "indicator_id"),
        on=["collection_id", "indicator_id"],
        how="semi",
    )
    if screened.height == 0:
        return checks.no_warnings()
    # Values are compared on the scale of the definition the new values are read under.
    stat = screened.select("indicator_id", "statistic", "multiplier").unique(subset=["indicator_id"])
    history = (
        values_after.join(
            screened.select("unit_id", "indicator_id").unique(), on=["unit_id", "indicator_id"], how="semi"
        )
        .join(stat, on="indicator_id")
        .with_columns(value=checks.value_expr())
        .select("unit_id", "indicator_id", "period_start", "value")
    )
    return checks.outlier_warnings(history, screened)


__all__ = ["FileRejected", "ImportRejected", "ImportResult", "RowError", "import_file", "import_observations"]
