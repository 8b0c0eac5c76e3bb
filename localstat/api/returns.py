"""Returns over the API: a unit's systems push values with the unit's bearer token.

``localstat token create --unit CODE`` makes a token; send it as ``Authorization: Bearer …``. A token
submits for its own unit only. The values go through the same import service as files and forms:
all or nothing, identical values write nothing, large pushes run in the background.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from localstat.returns.choices import Source
from localstat.returns.errors import ImportRejected
from localstat.returns.imports import import_observations
from localstat.returns.jobs import job_progress, start_import_job
from localstat.returns.models import Collection, ImportJob, Return, UnitToken
from localstat.returns.selectors import collections_with_users
from localstat.returns.services import token_for_key

router = Router(tags=["returns"])


class UnitTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> UnitToken | None:
        return token_for_key(token)


class ValueIn(Schema):
    unit: str = Field(examples=["RBD"])
    indicator: str = Field(examples=["AE4H_T1"])
    period: date = Field(description="The first day of the period.", examples=["2019-03-01"])
    numerator: float
    denominator: float | None = None


class PushIn(Schema):
    collection: str | None = Field(
        default=None, description="The collection answered (default: found per row)."
    )
    reason: str = Field(default="", description="Why approved values are corrected (needed to change them).")
    values: list[ValueIn]


class PushOut(Schema):
    rows: int
    new: int
    changed: int
    unchanged: int
    derived: int
    warnings: int
    returns: int
    summary: str
    warning_messages: list[str]


class RowErrorOut(Schema):
    row: int
    field: str
    reason: str
    message: str


class RejectedOut(Schema):
    detail: str
    errors: list[RowErrorOut]


class JobOut(Schema):
    id: int
    status: str
    rows_total: int
    validated: int
    written: int
    summary: str | None
    errors: list[str]


class ReturnOut(Schema):
    id: int
    collection: str
    unit: str
    period_start: date
    period_end: date
    deadline: date
    status: str
    received_on: date | None


class CollectionOut(Schema):
    code: str
    name: str
    periodicity: str
    deadline_days: int
    items: list[str]
    issuers: list[str]
    synthetic: bool


def _job(job: ImportJob) -> dict[str, object]:
    progress = job_progress(job)
    return {
        "id": job.pk,
        "status": job.status,
        "rows_total": job.rows_total,
        "validated": progress["validated"],
        "written": progress["written"],
        "summary": job.result.get("summary"),
        "errors": job.errors,
    }


@router.post(
    "/values",
    auth=UnitTokenAuth(),
    response={200: PushOut, 202: JobOut, 404: RejectedOut, 422: RejectedOut},
    summary="Submit values for the token's unit (all or nothing)",
)
def push_values(request: HttpRequest, payload: PushIn) -> Status:
    token: UnitToken = request.auth  # type: ignore[attr-defined]
    collection = None
    if payload.collection:
        collection = Collection.objects.filter(code=payload.collection).first()
        if collection is None:
            return Status(404, {"detail": f"No collection {payload.collection!r}.", "errors": []})
    if len(payload.values) > settings.LOCALSTAT_ASYNC_ROWS:
        # The long layout, so the worker reads it as it reads any uploaded file.
        columns = ["unit", "indicator", "period", "numerator", "denominator"]
        content = pl.DataFrame([v.model_dump() for v in payload.values]).select(columns).write_csv().encode()
        job = start_import_job(
            content=content,
            name="api-push.csv",
            rows=len(payload.values),
            source=Source.API,
            options={"collection": payload.collection, "reason": payload.reason},
            token=token,
            acting_user=None,
        )
        return Status(202, _job(job))
    count = len(payload.values)
    frame = pl.DataFrame(
        {
            "row": list(range(1, count + 1)),
            "line": list(range(1, count + 1)),
            "unit": [v.unit.strip() for v in payload.values],
            "indicator": [v.indicator.strip() for v in payload.values],
            "period": [v.period for v in payload.values],
            "numerator": [v.numerator for v in payload.values],
            "denominator": [v.denominator for v in payload.values],
        },
        schema={
            "row": pl.Int64,
            "line": pl.Int64,
            "unit": pl.String,
            "indicator": pl.String,
            "period": pl.Date,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
        },
    )
    try:
        result = import_observations(
            observations=frame,
            source=Source.API,
            acting_user=None,
            collection=collection,
            only_unit=token.unit,
            token=token,
            reason=payload.reason,
            layout="api",
            file_name=f"API push by token {token.prefix}…",
        )
    except ImportRejected as rejected:
        return Status(
            422,
            {
                "detail": f"Nothing was imported: {len(rejected.errors)} problem(s).",
                "errors": [
                    {
                        "row": e.row,
                        "field": e.field,
                        "reason": e.reason,
                        "message": f"values[{e.row - 1}].{e.field}: {e.reason}",
                    }
                    for e in rejected.errors
                ],
            },
        )
    return Status(200, {**result.as_dict(), "warning_messages": result.warning_messages})


@router.get("/jobs/{job_id}", auth=UnitTokenAuth(), response=JobOut, summary="A background push's progress")
def get_job(request: HttpRequest, job_id: int) -> dict[str, object]:
    token: UnitToken = request.auth  # type: ignore[attr-defined]
    job = get_object_or_404(ImportJob, pk=job_id, token__unit=token.unit)
    return _job(job)


@router.get("/returns", auth=UnitTokenAuth(), response=list[ReturnOut], summary="The token's unit's returns")
def list_returns(request: HttpRequest, status: str | None = None) -> list[dict[str, object]]:
    token: UnitToken = request.auth  # type: ignore[attr-defined]
    returns = (
        Return.objects.filter(unit=token.unit).select_related("collection", "unit").order_by("-period_start")
    )
    if status:
        returns = returns.filter(status=status)
    return [
        {
            "id": r.pk,
            "collection": r.collection.code,
            "unit": r.unit.code,
            "period_start": r.period_start,
            "period_end": r.period_end,
            "deadline": r.deadline,
            "status": r.status,
            "received_on": r.received_on,
        }
        for r in returns
    ]


@router.get(
    "/collections", response=list[CollectionOut], summary="Every collection and the bodies that use it"
)
def list_collections(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "periodicity": c.periodicity,
            "deadline_days": c.deadline_days,
            "items": [item.indicator.code for item in c.items.all()],
            "issuers": [o.code for o in c.issuers.all()],
            "synthetic": c.synthetic,
        }
        for c in collections_with_users()
    ]
