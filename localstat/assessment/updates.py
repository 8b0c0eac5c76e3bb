"""Near real time (report Annex A.2): approved returns re-judge their indicators at once.

The returns app announces approvals after they commit; this module refreshes the analytics copy of
the indicators touched and stores an update run of them: every unit's series of those indicators
with the national, parent and peer values and the funnel that go with them. A small approval (a
unit's return) is judged in the same request, so the unit's page shows it straight away; a bulk
approval is handed to the task worker so an import never waits for it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django_tasks import task

from localstat.assessment import analytics
from localstat.assessment.choices import RunScope
from localstat.assessment.models import AssessmentRun
from localstat.assessment.services import run_assessment
from localstat.framework.models import Indicator

log = logging.getLogger(__name__)

#: Approvals of more returns than this are judged by the worker, not in the approving request.
INLINE_RETURNS = 50
#: Below this many approved observations in all, an approval re-judges everything (a fraction of a
#: second), so positions and bands, which read every indicator of a unit, stay current too.
FULL_RUN_ROWS = 250_000


def update_indicators(indicator_codes: list[str], *, trigger: str) -> AssessmentRun | None:
    """Refresh the copy of these indicators and judge them; None when nothing has been assessed yet."""
    if not AssessmentRun.objects.exists() or not indicator_codes:
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
    update_after_approval.enqueue(codes)
