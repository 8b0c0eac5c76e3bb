"""The inspection's time rule: ``localstat tick`` notes the units whose next inspection date has passed.

Idempotent: a unit is noted once for each due date (an inspection gives it a new one), so a second
tick on the same day, or the next day, notes nothing new. Each tick that notes any is audited.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from django.db import transaction

from localstat.core import bulk
from localstat.core.audit import record_event
from localstat.inspection import selectors
from localstat.inspection.models import OverdueInspection
from localstat.returns.tick import TimeRule


@transaction.atomic
def note_overdue_inspections(as_of: date) -> str:
    """Every inspectorate's plan at ``as_of``: the overdue units not yet noted for their due date."""
    noted = overdue = 0
    for inspectorate in selectors.inspectorates().order_by("code"):
        try:
            plan = selectors.inspection_plan(inspectorate, as_of)
        except selectors.NoRulesPublished:
            continue
        late = plan.schedule.filter(pl.col("overdue")).select(
            pl.col("unit_id").cast(pl.Int64), pl.col("due").alias("due_on"), "tier"
        )
        overdue += late.height
        if late.height == 0:
            continue
        already = bulk.read_frame(
            f'SELECT unit_id, due_on FROM "{OverdueInspection._meta.db_table}" WHERE inspectorate_id = %s',
            [inspectorate.pk],
            {"unit_id": pl.Int64, "due_on": pl.Date},
        )
        new = late.join(already, on=["unit_id", "due_on"], how="anti")
        if new.height == 0:
            continue
        bulk.insert_frame(
            OverdueInspection._meta.db_table,
            new.with_columns(
                inspectorate_id=pl.lit(inspectorate.pk, dtype=pl.Int64),
                rules_id=pl.lit(plan.rules.pk, dtype=pl.Int64),
                noted_on=pl.lit(as_of),
                created_at=pl.lit(bulk.utc_now()),
            ),
            ignore_conflicts=True,
        )
        noted += new.height
        record_event(
            actor=None,
            action="inspection.note_overdue",
            subject=inspectorate,
            summary=f"Tick {as_of}: {new.height} units newly overdue for inspection; {late.height} overdue in all",
            data={"as_of": str(as_of), "noted": new.height, "overdue": late.height, "rules": plan.rules.pk},
        )
    return f"{overdue} units overdue for inspection ({noted} newly noted)"


RULES = [
    TimeRule(
        name="inspection_overdue",
        run=note_overdue_inspections,
        description="Note the units whose next inspection date under the published plan has passed",
        after=("regime_evaluate",),
    )
]
