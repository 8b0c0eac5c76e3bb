"""Large uploads through the web run in the background, and the job page's counts advance."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from localstat.conftest import PASSWORD
from localstat.core import bulk
from localstat.returns import jobs
from localstat.returns.models import ImportJob, Observation
from localstat.returns.tests.conftest import csv

MONTHS = ["2018-10-01", "2018-11-01", "2018-12-01", "2019-01-01", "2019-02-01"]


def _counts(html: str) -> tuple[str, int, int]:
    status = re.search(r'data-job-status="([^"]+)"', html)
    validated = re.search(r'data-validated="(\d+)"', html)
    written = re.search(r'data-written="(\d+)"', html)
    assert status, html
    assert validated, html
    assert written, html
    return status.group(1), int(validated.group(1)), int(written.group(1))


def test_a_large_upload_returns_at_once_to_a_job_page_whose_counts_advance(
    ret, settings, monkeypatch
) -> None:
    # given uploads of more than 5 rows run in the background, written 4 rows at a time
    settings.LOCALSTAT_ASYNC_ROWS = 5
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.VAR_DIR = settings.VAR_DIR / "test-jobs"
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 4)
    admin = Client()
    assert admin.login(username="alex", password=PASSWORD)
    rows = [
        f"{u},ADM,{m},{100 + i},," for i, (u, m) in enumerate((u, m) for u in ("U1", "U2") for m in MONTHS)
    ]
    content = csv(*(r[:-1] for r in rows))
    # when a file of 10 rows is uploaded
    response = admin.post(
        reverse("returns:upload"),
        {"file": SimpleUploadedFile("admissions.csv", content), "collection": "AE-MONTHLY"},
    )
    # then the upload returns at once to the job's page, with nothing written yet
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("returns:job", args=[job.pk])
    page = reverse("returns:job", args=[job.pk])
    assert _counts(admin.get(page).content.decode()) == ("queued", 0, 0)
    assert Observation.objects.count() == 0

    # and while the worker runs, the page's counts advance
    seen: list[tuple[str, int, int]] = []
    publish = jobs.write_progress

    def publish_and_look(job_id: int, counts: dict) -> None:
        publish(job_id, counts)
        seen.append(_counts(admin.get(page).content.decode()))

    monkeypatch.setattr(jobs, "write_progress", publish_and_look)
    jobs.run_job(job.pk)
    validated = [v for _, v, _ in seen]
    written = [w for _, _, w in seen]
    assert validated == sorted(validated)
    assert written == sorted(written)
    assert {s for s, _, _ in seen} == {"running"}
    assert len(set(validated)) >= 3, seen  # 0, part-way, all 10
    assert validated[-1] == 10
    assert any(0 < w < 10 for w in written), written
    assert written[-1] == 10
    # and the finished job shows its result
    status, done_validated, done_written = _counts(admin.get(page).content.decode())
    assert (status, done_validated, done_written) == ("done", 10, 10)
    assert "10 new, 0 changed, 0 unchanged" in admin.get(page).content.decode()
    assert Observation.objects.count() == 10


def test_a_failing_background_import_lists_its_errors_and_writes_nothing(ret, settings) -> None:
    settings.LOCALSTAT_ASYNC_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    sam = Client()
    assert sam.login(username="sam", password=PASSWORD)
    content = csv("U1,ADM,2019-03-01,250,", "U2,ADM,2019-03-01,250,")
    sam.post(reverse("returns:upload"), {"file": SimpleUploadedFile("a.csv", content)})
    job = jobs.run_job(ImportJob.objects.get().pk)
    assert job.status == "failed"
    assert job.errors == ["row 2 (line 3), field unit: sam may not submit returns for U2"]
    html = sam.get(reverse("returns:job", args=[job.pk])).content.decode()
    assert "sam may not submit returns for U2" in html
    assert Observation.objects.count() == 0
    # someone else's job is not theirs to see
    olga = Client()
    assert olga.login(username="olga", password=PASSWORD)
    assert olga.get(reverse("returns:job", args=[job.pk])).status_code == 404
