"""Local PSAs (seed 3.17–3.21, Box 3.1): stretch targets, reward grant and shares, freedoms, the reward earned."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from localstat.agreements import selectors, services
from localstat.agreements.choices import NegotiationStatus
from localstat.agreements.errors import AgreementError
from localstat.agreements.models import Flexibility, LocalPSA, Negotiation
from localstat.chain.access import NotPermitted

PSA = services.LocalPSASpec(
    starts_on=date(2018, 4, 1),
    ends_on=date(2019, 3, 31),
    reward_grant=1_000_000,
    pump_priming_grant=150_000,
    flexibilities=[("Pool the urgent care budgets with the council", "Separate NHS and social care budgets")],
)


def _propose(assessed: Any, **target: Any) -> Negotiation:
    fields = {
        "indicator": "AE4H",
        "level": 95,
        "deadline": date(2019, 3, 31),
        "no_stretch_level": 90,
        "reward_share": "0.5",
    } | target
    return services.propose_targets(
        proposer=assessed.u1,
        service=assessed.health,
        title="Ashford urgent care Local PSA",
        targets=[services.TargetSpec(**fields)],
        partners=[(assessed.u2, "Bramley takes diverted ambulances")],
        local_psa=PSA,
        on=date(2018, 3, 1),
        acting_user=assessed.uma,
    )


def _sign(assessed: Any, negotiation: Negotiation) -> None:
    services.agree_proposal(
        negotiation=negotiation,
        style_of_relationship="Quarterly review",
        triggers="Two quarters off trajectory",
        escalation="Area, then the department",
        job_title="Director of Performance",
        on=date(2018, 3, 20),
        acting_user=assessed.morgan,
    )
    services.sign_agreement(
        negotiation=negotiation,
        side="proposer",
        job_title="Chief Executive",
        on=date(2018, 3, 21),
        acting_user=assessed.uma,
    )


def test_a_reward_grant_needs_the_departments_signature_too(assessed: Any) -> None:
    negotiation = _propose(assessed)
    _sign(assessed, negotiation)
    negotiation.refresh_from_db()
    # Both sides have signed, but the reward grant waits for the department, and the department is told so
    assert negotiation.status == NegotiationStatus.AWAITING_SIGNATURES
    waiting = dict(selectors.waiting_for(assessed.ada))
    assert waiting["To sign a reward grant for the department"] == [negotiation]
    assert dict(selectors.waiting_for(assessed.morgan))["To sign a reward grant for the department"] == []
    with pytest.raises(NotPermitted):
        services.sign_agreement(
            negotiation=negotiation, side="department", job_title="x", acting_user=assessed.morgan
        )
    services.sign_agreement(
        negotiation=negotiation,
        side="department",
        job_title="Deputy Director, Local Delivery",
        on=date(2018, 3, 28),
        acting_user=assessed.ada,
    )
    negotiation.refresh_from_db()
    assert negotiation.status == NegotiationStatus.AGREED
    assert negotiation.partners.get().organisation.code == "U2"


def test_the_reward_is_the_share_times_the_stretch_achieved(assessed: Any) -> None:
    # Given a stretch from 90% (no stretch) to 95%, half of a £1m grant, signed by all three
    negotiation = _propose(assessed)
    _sign(assessed, negotiation)
    services.sign_agreement(
        negotiation=negotiation, side="department", job_title="DD", acting_user=assessed.ada
    )
    local_psa = LocalPSA.objects.get(negotiation=negotiation)
    # When the department assesses the reward on 30 April 2019 (March 2019: 93.8%)
    assessment = services.assess_reward(
        local_psa=local_psa, as_of=date(2019, 4, 30), acting_user=assessed.ada
    )
    # Then (93.8 − 90) ÷ (95 − 90) = 76% of the stretch earns 76% of £500,000
    (row,) = assessment.rows
    assert row["stretch_fraction"] == pytest.approx(0.76)
    assert row["period"] == "2019-03-01"
    assert assessment.total == Decimal("380000.00")
    assert "below 60% of its stretch earns nothing" in assessment.formula
    # and the unit cannot assess its own reward
    with pytest.raises(NotPermitted):
        services.assess_reward(local_psa=local_psa, acting_user=assessed.uma)


def test_below_sixty_percent_of_the_stretch_earns_nothing(assessed: Any) -> None:
    # 93.8% is 56% of the way from 90% to 96.8%
    negotiation = _propose(assessed, level="96.8")
    _sign(assessed, negotiation)
    services.sign_agreement(
        negotiation=negotiation, side="department", job_title="DD", acting_user=assessed.ada
    )
    assessment = services.assess_reward(
        local_psa=LocalPSA.objects.get(negotiation=negotiation),
        as_of=date(2019, 4, 30),
        acting_user=assessed.ada,
    )
    assert assessment.total == Decimal("0.00")
    assert assessment.rows[0]["reason"].startswith("55.9% of the stretch, below the 60% threshold")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"no_stretch_level": None}, "the no-stretch level"),
        ({"no_stretch_level": 96}, "goes beyond the no-stretch level"),
        ({"reward_share": "1.5"}, "between 0 and 1"),
    ],
)
def test_a_stretch_target_states_its_no_stretch_level_and_share(
    assessed: Any, target: dict, message: str
) -> None:
    with pytest.raises(AgreementError, match=message):
        _propose(assessed, **target)
    assert LocalPSA.objects.count() == 0
    assert Flexibility.objects.count() == 0


def test_the_department_decides_each_freedom_once_with_its_reason(assessed: Any) -> None:
    negotiation = _propose(assessed)
    flexibility = Flexibility.objects.get(local_psa__negotiation=negotiation)
    with pytest.raises(NotPermitted):
        services.decide_flexibility(
            flexibility=flexibility, grant=True, reason="ok", acting_user=assessed.uma
        )
    services.decide_flexibility(
        flexibility=flexibility,
        grant=True,
        reason="Pooling is allowed under section 31.",
        acting_user=assessed.ada,
    )
    with pytest.raises(AgreementError, match="already granted"):
        services.decide_flexibility(
            flexibility=flexibility, grant=False, reason="No", acting_user=assessed.ada
        )
    with pytest.raises(AgreementError, match="barrier"):
        services.request_flexibility(
            local_psa=negotiation.local_psa, description="Fewer returns", barrier="", acting_user=assessed.uma
        )


def test_the_tick_assesses_an_ended_local_psa_once(assessed: Any) -> None:
    from localstat.agreements.models import RewardAssessment
    from localstat.agreements.tick import assess_ended_local_psas

    negotiation = _propose(assessed)
    _sign(assessed, negotiation)
    # Not yet signed by the department: nothing to assess
    assert assess_ended_local_psas(date(2019, 4, 30)) == "0 ended Local PSA reward(s) assessed"
    services.sign_agreement(
        negotiation=negotiation, side="department", job_title="DD", acting_user=assessed.ada
    )
    # Before its end (31 March 2019) nothing; after it, once
    assert assess_ended_local_psas(date(2019, 3, 31)) == "0 ended Local PSA reward(s) assessed"
    assert assess_ended_local_psas(date(2019, 4, 30)) == "1 ended Local PSA reward(s) assessed"
    assert assess_ended_local_psas(date(2019, 5, 1)) == "0 ended Local PSA reward(s) assessed"
    assessment = RewardAssessment.objects.get()
    assert (assessment.as_of, assessment.total, assessment.assessed_by) == (
        date(2019, 4, 30),
        Decimal("380000.00"),
        None,
    )


def test_only_the_overseeing_department_signs_decides_and_assesses_a_local_psa(assessed: Any) -> None:
    from localstat.agreements.models import RewardAssessment, Signature
    from localstat.chain import services as chain
    from localstat.chain.choices import Role
    from localstat.chain.models import Organisation

    # given another department's analyst (Education's), and the unit's and area's own managers
    other = chain.create_person(username="edna", password="x", full_name="Edna", acting_user=None)
    chain.add_membership(
        user=other,
        organisation=Organisation.objects.get(code="DFE"),
        role=Role.DEPARTMENT_ANALYST,
        acting_user=None,
    )
    negotiation = _propose(assessed)
    _sign(assessed, negotiation)
    flexibility = Flexibility.objects.get(local_psa__negotiation=negotiation)
    # when each of them tries the department's part, then each is refused and nothing is recorded
    for person in (other, assessed.uma, assessed.morgan):
        with pytest.raises(NotPermitted):
            services.sign_agreement(
                negotiation=negotiation, side="department", job_title="x", acting_user=person
            )
        with pytest.raises(NotPermitted):
            services.decide_flexibility(flexibility=flexibility, grant=True, reason="ok", acting_user=person)
    negotiation.refresh_from_db()
    assert negotiation.status == NegotiationStatus.AWAITING_SIGNATURES
    assert not Signature.objects.filter(negotiation=negotiation, side="department").exists()
    assert Flexibility.objects.get(pk=flexibility.pk).decided_on is None
    # and once the department has signed, only it assesses the reward
    services.sign_agreement(
        negotiation=negotiation,
        side="department",
        job_title="Deputy Director",
        on=date(2018, 3, 28),
        acting_user=assessed.ada,
    )
    for person in (other, assessed.uma, assessed.morgan):
        with pytest.raises(NotPermitted):
            services.assess_reward(
                local_psa=LocalPSA.objects.get(negotiation=negotiation),
                as_of=date(2019, 4, 30),
                acting_user=person,
            )
    assert not RewardAssessment.objects.exists()


def test_a_reward_target_the_check_finds_not_stretching_cannot_be_agreed(assessed: Any) -> None:
    # Given Ashford's series to February 2018 (mean 83.0%, upper process limit 84.6%), a Local PSA
    # offering 84% against a no-stretch 83%: common-cause variation alone would reach it
    negotiation = _propose(assessed, level="84", no_stretch_level="83")
    assert negotiation.steps.get().items.get().verdict == "not_stretching"
    # When the area agrees it, it is refused, saying which target and why, and nothing is written
    with pytest.raises(AgreementError, match="AE4H not stretching") as refused:
        _sign(assessed, negotiation)
    assert refused.value.code == "not_stretching"
    negotiation.refresh_from_db()
    assert (negotiation.status, negotiation.steps.count(), negotiation.signatures.count()) == (
        NegotiationStatus.OPEN,
        1,
        0,
    )
    # But once revised beyond the process limit, it is agreed
    services.revise_proposal(
        negotiation=negotiation,
        targets=[
            services.TargetSpec(
                indicator="AE4H",
                level="86",
                deadline=date(2019, 3, 31),
                no_stretch_level="83",
                reward_share="0.5",
            )
        ],
        comment="Raised beyond the process limit.",
        on=date(2018, 3, 10),
        acting_user=assessed.uma,
    )
    _sign(assessed, negotiation)
    negotiation.refresh_from_db()
    assert negotiation.status == NegotiationStatus.AWAITING_SIGNATURES
