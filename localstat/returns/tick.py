"""Time-based rules, evaluated by ``localstat tick`` (and every minute by ``localstat serve``).

Each app may have a ``tick.py`` with ``RULES = [TimeRule(...)]``; they run in ``INSTALLED_APPS``
order after the rules they name in ``after``. Every rule takes the as-of date from the one clock and
is idempotent: running the tick twice for the same date changes nothing the second time. The first
rule is this app's: returns past their deadline with no values are noted as overdue.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl
from django.apps import apps
from django.db import transaction

from localstat.core import bulk
from localstat.core.audit import record_event
from localstat.framework.periods import PeriodError, periods_between
from localstat.framework.selectors import school_calendar_for
from localstat.returns.choices import ReturnStatus
from localstat.returns.models import Collection, CollectionUnit, Return


@dataclass(frozen=True)
class TimeRule:
    name: str
    run: Callable[[date], str]
    description: str
    after: tuple[str, ...] = ()


def discover_rules() -> list[TimeRule]:
    rules: list[TimeRule] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("localstat."):
            continue
        module_name = f"{config.name}.tick"
        if importlib.util.find_spec(module_name) is None:
            continue
        rules.extend(getattr(importlib.import_module(module_name), "RULES", []))
    by_name = {rule.name: rule for rule in rules}
    ordered: list[TimeRule] = []

    def place(rule: TimeRule) -> None:
        if rule in ordered:
            return
        for name in rule.after:
            if name in by_name:
                place(by_name[name])
        ordered.append(rule)

    for rule in rules:
        place(rule)
    return ordered


def run_tick(as_of: date) -> list[tuple[str, str]]:
    """Every time rule for ``as_of``, in order: (rule name, what it did)."""
    return [(rule.name, rule.run(as_of)) for rule in discover_rules()]


def _expected(collection: Collection, as_of: date) -> pl.DataFrame:
    """Every (unit, period) the collection has asked for whose deadline has passed by ``as_of``."""
    calendar = school_calendar_for(collection.service_id) if collection.periodicity == "half_term" else None
    try:
        periods = periods_between(collection.periodicity, collection.first_period, as_of, calendar=calendar)
    except PeriodError:
        return pl.DataFrame()
    due = [
        (p.start, p.end, p.end + timedelta(days=collection.deadline_days))
        for p in periods
        if p.start >= collection.first_period and p.end + timedelta(days=collection.deadline_days) < as_of
    ]
    if not due:
        return pl.DataFrame()
    units = pl.DataFrame(
        list(
            CollectionUnit.objects.filter(collection=collection).values_list(
                "unit_id", "unit__opened", "unit__closed"
            )
        ),
        schema={"unit_id": pl.Int64, "opened": pl.Date, "closed": pl.Date},
        orient="row",
    )
    frame = pl.DataFrame(
        due, schema={"period_start": pl.Date, "period_end": pl.Date, "deadline": pl.Date}, orient="row"
    )
    # A unit is asked only for the periods it was open in.
    return (
        units.join(frame, how="cross")
        .filter(
            (pl.col("opened").is_null() | (pl.col("period_end") >= pl.col("opened")))
            & (pl.col("closed").is_null() | (pl.col("period_start") <= pl.col("closed")))
        )
        .select("unit_id", "period_start", "period_end", "deadline")
        .with_columns(collection_id=pl.lit(collection.pk, dtype=pl.Int64))
    )


@transaction.atomic
def note_overdue_returns(as_of: date) -> str:
    """Returns past their deadline with no values: recorded as awaiting data and noted overdue once."""
    now = bulk.utc_now()
    created = 0
    for collection in Collection.objects.all():
        expected = _expected(collection, as_of)
        if expected.height == 0:
            continue
        existing = bulk.read_frame(
            f'SELECT unit_id, period_start FROM "{Return._meta.db_table}" WHERE collection_id = %s',
            [collection.pk],
            {"unit_id": pl.Int64, "period_start": pl.Date},
        )
        missing = expected.join(existing, on=["unit_id", "period_start"], how="anti")
        if missing.height:
            bulk.insert_frame(
                Return._meta.db_table,
                missing.with_columns(
                    status=pl.lit(ReturnStatus.AWAITING.value),
                    overdue_noted_on=pl.lit(as_of),
                    sent_back_reason=pl.lit(""),
                    created_at=pl.lit(now),
                    updated_at=pl.lit(now),
                ),
                ignore_conflicts=True,
            )
            created += missing.height
    noted = Return.objects.filter(
        status=ReturnStatus.AWAITING, deadline__lt=as_of, overdue_noted_on__isnull=True
    ).update(overdue_noted_on=as_of, updated_at=now)
    overdue = Return.objects.filter(status=ReturnStatus.AWAITING, deadline__lt=as_of).count()
    if created or noted:
        record_event(
            actor=None,
            action="returns.note_overdue_returns",
            subject=Collection.objects.order_by("pk").first() or Return(),
            summary=f"Tick {as_of}: {created + noted} returns newly overdue; {overdue} overdue in all",
            data={"as_of": str(as_of), "created": created, "noted": noted, "overdue": overdue},
        )
    return f"{overdue} returns overdue ({created + noted} newly noted)"


RULES = [
    TimeRule(
        name="overdue_returns",
        run=note_overdue_returns,
        description="Returns past their deadline with no values",
    )
]
