"""Benchmark: from a manager's approval to the unit's page showing the new judgement, on the demo.

    .venv/bin/python bench/assessment/approval_latency.py [--runs 9]

It builds the demo in a throwaway SQLite database (the real NHS A&E returns, assessed), then for each
of area Q70's providers whose March 2019 return awaits approval: the manager approves it (the web
form's service, in a transaction, as the page does) and the unit's judgement page is requested; the
time from the start of the approval to the page holding a judgement from a run started by that
approval is the latency. The reference, measured in the same process, is a full assessment run of
every indicator: what a nightly batch would take before any page could show the change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="approvals to time (at most the 9 Q70 providers)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "localstat.settings"
    os.environ.pop("DATABASE_URL", None)
    os.environ["LOCALSTAT_VAR_DIR"] = tempfile.mkdtemp(prefix="localstat-latency-")
    os.environ["LOCALSTAT_PLAIN_STATIC"] = "1"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from localstat.assessment.models import AssessmentRun, Judgement
    from localstat.assessment.services import run_assessment
    from localstat.demo.pipeline import build_demo
    from localstat.returns.choices import ReturnStatus
    from localstat.returns.models import Return
    from localstat.returns.services import approve_return

    call_command("migrate", verbosity=0)
    print("Building the demo…", file=sys.stderr)
    build_demo(progress=lambda message: None)
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(username="manager.Q70")
    client = Client()
    client.force_login(manager)
    waiting = list(
        Return.objects.filter(
            status=ReturnStatus.SUBMITTED,
            unit__chain_links__accountable_to__code="Q70",
            collection__code="NHS-AE",
        )
        .select_related("unit")
        .order_by("unit__code")[: args.runs]
    )
    if not waiting:
        sys.exit("No Q70 return awaits approval in the demo: nothing to time.")
    latencies, approvals = [], []
    for ret in waiting:
        last_run = AssessmentRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
        started = time.perf_counter()
        with transaction.atomic():
            approve_return(return_record=ret, acting_user=manager)
        approved = time.perf_counter()
        response = client.get(reverse("judgement_detail", args=[ret.unit.code, "AE4H"]))
        shown = Judgement.objects.filter(
            is_current=True, organisation=ret.unit, indicator__code="AE4H", run_id__gt=last_run
        ).exists()
        finished = time.perf_counter()
        if response.status_code != 200 or not shown:
            sys.exit(
                f"{ret.unit.code}: the page did not show a new judgement (status {response.status_code})."
            )
        approvals.append(approved - started)
        latencies.append(finished - started)
    full = []
    for _ in range(3):
        started = time.perf_counter()
        run_assessment(acting_user=None, trigger="benchmark reference")
        full.append(time.perf_counter() - started)
    median, reference = statistics.median(latencies), statistics.median(full)
    print(f"approvals timed:               {len(latencies)} (Q70 providers' March 2019 returns)")
    print(f"approval incl. re-judging:     median {statistics.median(approvals) * 1000:.0f} ms")
    print(f"approval → page shows it:      median {median * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    print(f"reference, full run of all:    median {reference * 1000:.0f} ms")
    print(f"ratio latency / full run:      {median / reference:.2f}")


if __name__ == "__main__":
    main()
