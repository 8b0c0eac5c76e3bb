"""Near real time (report Annex A.2): approved returns re-judge their indicators at once.

The returns app announces approvals after they commit; this module refreshes the analytics copy of
the indicators touched and stores an update run of them: every unit's series of those indicators
with the national, parent and peer values and the funnel that go with them. A small approval (a
unit's return) is judged in the same request, so the unit's page shows it straight away; a bulk
approval is handed to the task worker so an import never waits for it. A bulk approval queues
only the indicators that no waiting (not yet started) update already covers: that update reads the
approved data when it starts, after this approval committed, so it judges the new returns too.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from localstat.assessment import analytics
from localstat.assessment.choices import RunScope, RunStatus
from localstat.assessment.models import AssessmentRun
from localstat.assessment.services import run_assessment
from localstat.framework.models import Indicator

log = logging.getLogger(__name__)

#: Approvals of more returns than this are judged by the worker, not in the approving request.
INLINE_RETURNS = 50
#: Below this many approved observations in all, an approval re-judges everything (a fraction of a
#: second), so positions and bands, which read every indicator of a unit, stay current too.
FULL_RUN_ROWS = 250_000


def _assessed_yet() -> bool:
    """Whether a run has completed; before the first one there is nothing to update (it judges all)."""
    return AssessmentRun.objects.filter(status=RunStatus.COMPLETE).exists()


def update_indicators(indicator_codes: list[str], *, trigger: str) -> AssessmentRun | None:
    """Refresh the copy of these indicators and judge them; None when nothing has been assessed yet."""
    if not indicator_codes or not _assessed_yet():
        return None  # no full run yet: the first one will judge everything
    analytics.refresh(indicator_codes)
    if analytics.total_rows() <= getattr(settings, "LOCALSTAT_FULL_RUN_ROWS", FULL_RUN_ROWS):
        return run_assessment(acting_user=None, trigger=trigger, scope=RunScope.FULL)
    return run_assessment(
        indicators=indicator_codes, acting_user=None, trigger=trigger, scope=RunScope.UPDATE
    )


@task()
def update_after_approval(indicator_codes: list[str]) -> int | None:
    run = update_indicators(indicator_codes, trigger="approval (background)")
    return run.pk if run else None


def on_returns_approved(
    sender: Any, *, return_ids: list[int], indicator_ids: list[int], **kwargs: Any
) -> None:
    mode = getattr(settings, "LOCALSTAT_ASSESS_ON_APPROVAL", "auto")
    if mode == "off" or not indicator_ids:
        return
    codes = sorted(Indicator.objects.filter(pk__in=indicator_ids).values_list("code", flat=True))
    if mode == "inline" or (mode == "auto" and len(return_ids) <= INLINE_RETURNS):
        try:
            update_indicators(codes, trigger=f"approval of {len(return_ids)} return(s)")
        except Exception:  # the approval has committed; a failed update must not turn it into an error page
            log.exception("Re-judging %s after an approval failed; the next run will judge them", codes)
        return
    if not _assessed_yet():
        return  # the first full run will judge these returns with everything else
    uncovered = sorted(set(codes) - _codes_waiting_for_update())
    if uncovered:
        update_after_approval.enqueue(uncovered)


def _codes_waiting_for_update() -> set[str]:
    """The indicators that queued, not yet started, background updates will re-judge.

    Such an update reads the approved data when the worker starts it, so it takes in any approval
    committed before then; an update already running may not, so only waiting ones count.
    """
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=update_after_approval.module_path,
        backend_name=update_after_approval.backend,
        queue_name=update_after_approval.queue_name,
    ).values_list("args_kwargs", flat=True)
    return {code for args_kwargs in waiting for code in _task_codes(args_kwargs)}


def _task_codes(args_kwargs: dict[str, Any]) -> list[str]:
    args, kwargs = args_kwargs.get("args") or [], args_kwargs.get("kwargs") or {}
    return list(args[0] if args else kwargs.get("indicator_codes", []))
