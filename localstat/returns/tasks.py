"""Background tasks of the returns (run by ``localstat db_worker``, which ``localstat serve`` starts)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: int) -> str:
    from localstat.returns.jobs import run_job

    return str(run_job(job_id).status)
