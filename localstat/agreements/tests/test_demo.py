"""The agreements' demo step: the school's negotiation, the NHS trajectory, the Local PSA and the gaps report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import polars as pl
import pytest
from django.core.management import call_command

from localstat.agreements import selectors
from localstat.agreements.models import Goal, LocalPSA, Negotiation, RewardAssessment
from localstat.chain.models import Organisation
from localstat.demo.pipeline import DEMO_AS_OF, build_demo
from localstat.engine.agreements import RewardFormula, reward_earned
from localstat.framework.choices import TargetStatus


@pytest.fixture
def demo(db: None) -> None:
    build_demo(seed=2004, scale="small", progress=lambda message: None)


def test_the_demo_tells_the_agreements_story_and_its_numbers_hold(demo: None) -> None:
    # The school proposed a soft target, was challenged with the checks, revised to a stretching one, and signed
    school = Negotiation.objects.get(proposer__code="NVC-S001")
    steps = list(school.steps.order_by("number"))
    assert [s.kind for s in steps] == ["proposal", "challenge", "revision", "agreement"]
    assert steps[0].items.get().verdict == "not_stretching"
    assert steps[1].checks[0]["verdict"] == "not_stretching"
    agreed = steps[2].items.get()
    assert agreed.verdict == "stretching"
    assert agreed.process_limit < float(agreed.level) <= agreed.reach_limit
    assert agreed.target.status == TargetStatus.ACTIVE
    assert set(school.signatures.values_list("side", "name")) == {
        ("manager", "Nia Northvale"),
        ("proposer", "Hana Head"),
    }

    # Dorset County Hospital's real type 1 trajectory is off track on its latest approved month (February 2019)
    rbd = Organisation.objects.get(code="RBD")
    (status,) = [
        s for s in selectors.trajectory_status([rbd.pk], DEMO_AS_OF)[rbd.pk] if s.indicator == "AE4H_T1"
    ]
    assert (status.period, status.status, status.signed_off) == (date(2019, 2, 1), "off_track", True)
    assert status.value == pytest.approx(82.8, abs=0.05)

    # The Local PSA's first offer was within common-cause variation on every target; what was agreed
    # rewards only genuine stretch: each target with a share of the grant lies beyond its process limit
    local_psa = LocalPSA.objects.get(negotiation__proposer__code="NVC")
    offered = selectors.items_of(local_psa.negotiation.steps.get(number=1))
    assert {i.verdict for i in offered} == {"not_stretching"}
    agreed_items = selectors.items_of(selectors.latest_proposal(local_psa.negotiation))  # type: ignore[arg-type]
    rewarded = {i.indicator.code: i.verdict for i in agreed_items if i.reward_share}
    assert rewarded == {"LG_RECYCLE": "stretching", "LG_CTAX": "stretching"}
    # The reward is the engine's formula over the council's approved values for January–March 2019
    assessment = RewardAssessment.objects.get(local_psa=local_psa)
    frame = pl.DataFrame(
        {
            "target": [r["target"] for r in assessment.rows],
            "no_stretch": [r["no_stretch"] for r in assessment.rows],
            "stretch": [r["stretch"] for r in assessment.rows],
            "achieved": [r["achieved"] for r in assessment.rows],
            "share": [r["share"] for r in assessment.rows],
        }
    )
    assert {r["period"] for r in assessment.rows} == {"2019-01-01"}
    recomputed = reward_earned(frame, RewardFormula(threshold=0.6, cap=1.0))["earned"].sum()
    assert assessment.total == Decimal(str(round(recomputed, 2)))
    assert sum(r["share"] for r in assessment.rows) == pytest.approx(2_400_000)
    assert list(local_psa.flexibilities.values_list("status", flat=True).order_by("id")) == [
        "granted",
        "refused",
    ]

    # The gaps report: exactly the goals lacking a named owner, an action plan or a timescale
    lacking = {
        (g.organisation.code, g.outcome, tuple(g.missing))
        for g in selectors.goals_lacking(Organisation.objects.all())
    }
    assert lacking == {
        ("NVC-S001", "Attendance at 96% or more", ("a named responsible officer",)),
        ("NVC-S001", "Exclusions halved", ("an action plan", "a timescale")),
        (
            "NVC",
            "Major planning applications decided in 13 weeks ≥ 96.6% by 31 March 2019",
            ("a named responsible officer", "an action plan"),
        ),
    }
    record = selectors.accountability_record([Organisation.objects.get(code="NVC-S001").pk])
    assert (
        next(iter(record.values())).goals == Goal.objects.filter(organisation__code="NVC-S001").count() == 4
    )

    out = StringIO()
    call_command("agreements", "gaps", stdout=out, stderr=StringIO())
    assert out.getvalue().count("lacks") == 3
