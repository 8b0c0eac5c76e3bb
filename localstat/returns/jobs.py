"""Large uploads in the background: a job row, a task for the worker, and counts that advance.

Counts are written to a small file beside the database while the worker runs (the import itself is one
transaction, which another connection cannot see into, and SQLite lets one writer in at a time); the
job page reads it, and the job row takes the final result.

A job's own times (``created_at``, ``finished_at``) are the wall clock's: they measure how long the worker
took. The moments of record inside the import (submitted, approved) come from the one clock
(:func:`localstat.core.clock.now`), through the import service.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from localstat.core.audit import record_event
from localstat.returns.choices import JobStatus
from localstat.returns.files import FileRejected
from localstat.returns.imports import import_file
from localstat.returns.models import Collection, ImportJob, UnitToken


def _progress_path(job_id: int) -> Path:
    return Path(settings.VAR_DIR) / "jobs" / f"import-{job_id}.json"


def write_progress(job_id: int, counts: dict[str, Any]) -> None:
    path = _progress_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(counts))
    os.replace(temporary, path)


def job_progress(job: ImportJob) -> dict[str, Any]:
    """The job's counts: live from the worker while it runs, from the job row once it has finished."""
    counts = {"validated": 0, "written": 0, "total": job.rows_total, "stage": job.status}
    if job.status in (JobStatus.DONE, JobStatus.FAILED):
        done = job.rows_total if job.status == JobStatus.DONE else 0
        return {**counts, "validated": job.rows_total, "written": done}
    with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
        counts.update(json.loads(_progress_path(job.pk).read_text()))
    return counts


@transaction.atomic
def start_import_job(
    *,
    content: bytes,
    name: str,
    rows: int,
    source: str,
    options: dict[str, Any],
    token: UnitToken | None = None,
    acting_user: Any,
) -> ImportJob:
    """Queue a large upload for the worker; the caller sends the person to the job's page at once."""
    from localstat.returns.tasks import run_import_job

    job = ImportJob.objects.create(
        source=source,
        file_name=name[:300],
        content=content,
        options=options,
        created_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,
        token=token,
        rows_total=rows,
    )
    record_event(
        actor=acting_user,
        action="returns.start_import_job",
        subject=job,
        summary=f"Queued {name} ({rows:,} rows) for the worker",
    )
    transaction.on_commit(lambda: run_import_job.enqueue(job_id=job.pk))
    return job


def run_job(job_id: int) -> ImportJob:
    """What the worker does: the import, with its counts published as it goes."""
    job = ImportJob.objects.select_related("token__unit").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    counts = {"validated": 0, "written": 0, "total": job.rows_total, "stage": JobStatus.RUNNING.value}
    write_progress(job.pk, counts)

    def progress(stage: str, done: int, total: int) -> None:
        counts[stage] = done
        counts["total"] = total
        write_progress(job.pk, counts)

    options = dict(job.options)
    collection = Collection.objects.filter(code=options.pop("collection", None) or "").first()
    user = get_user_model().objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    try:
        result = import_file(
            content=bytes(job.content),
            name=job.file_name,
            source=job.source,
            acting_user=user,
            collection=collection,
            only_unit=job.token.unit if job.token else None,
            token=job.token,
            approve=bool(options.get("approve")),
            reason=str(options.get("reason", "")),
            progress=progress,
        )
    except FileRejected as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, errors=[str(e) for e in error.errors], finished_at=timezone.now()
        )
    except ValidationError as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, errors=list(error.messages), finished_at=timezone.now()
        )
    else:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE, result=result.as_dict(), rows_total=result.rows, finished_at=timezone.now()
        )
    _progress_path(job.pk).unlink(missing_ok=True)
    job.refresh_from_db()
    return job
