"""Demo step: assess the demo's approved returns, so every page shows real judgements."""

from __future__ import annotations

from localstat.assessment.services import run_assessment
from localstat.demo.pipeline import DemoContext, DemoStep


def assess_demo(context: DemoContext) -> None:
    run = run_assessment(as_of=context.as_of, acting_user=None, trigger="localstat demo")
    context.progress(
        f"      run {run.pk}: {len(run.indicators)} indicators, {run.observations} observations, "
        f"{run.judgements.count()} judgements in {sum(run.timings.values()):.2f} s"
    )
    context.shared["assessment_run"] = run


STEPS = [
    DemoStep(
        name="assessment",
        run=assess_demo,
        description="Assessment of the approved returns",
        after=("returns",),
    )
]
