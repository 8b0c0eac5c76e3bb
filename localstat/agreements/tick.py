"""The agreements' time-based rule, run by ``localstat tick``: when a signed Local PSA has ended, its
reward is assessed from the approved values (seed 3.17: "at the end the reward earned is computed").

Idempotent: a Local PSA with an assessment made as of its end date or later is not assessed again; a
person may assess it again later (corrections approved after the end), and every assessment is kept.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, F, OuterRef

from localstat.agreements import services
from localstat.agreements.choices import NegotiationStatus
from localstat.agreements.models import LocalPSA, RewardAssessment
from localstat.returns.tick import TimeRule


def assess_ended_local_psas(as_of: date) -> str:
    assessed_at_end = RewardAssessment.objects.filter(
        local_psa=OuterRef("pk"), as_of__gte=F("local_psa__ends_on")
    )
    ended = list(
        LocalPSA.objects.filter(negotiation__status=NegotiationStatus.AGREED, ends_on__lt=as_of)
        .exclude(Exists(assessed_at_end))
        .select_related("negotiation__proposer")
        .order_by("ends_on", "id")
    )
    for local_psa in ended:
        services.assess_reward(local_psa=local_psa, as_of=as_of, acting_user=None)
    return f"{len(ended)} ended Local PSA reward(s) assessed"


RULES = [
    TimeRule(
        name="agreements.assess_ended_local_psas",
        run=assess_ended_local_psas,
        description="Assess the reward of every signed Local PSA that has ended",
        after=("overdue_returns",),
    )
]
