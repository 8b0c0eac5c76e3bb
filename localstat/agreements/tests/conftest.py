"""The agreements' additions to the named scenario: the assessment's two years of approved A&E returns
(``assessed``: Ashford, U1, climbs from 80.0% to 93.8%), and a helper that takes a proposal to signed."""

from __future__ import annotations

from datetime import date
from typing import Any

from localstat.agreements import services
from localstat.agreements.models import Negotiation
from localstat.assessment.tests.conftest import assessed  # noqa: F401  (the fixture, shared)

PROPOSED_ON = date(2019, 4, 1)


def propose_ae(scenario: Any, level: float = 96.5, **extra: Any) -> Negotiation:
    """Uma proposes for Ashford a local A&E target on the 4-hour standard."""
    return services.propose_targets(
        proposer=scenario.u1,
        service=scenario.health,
        title="Four-hour A&E waits at Ashford",
        targets=[
            services.TargetSpec(
                indicator="AE4H",
                level=level,
                deadline=date(2020, 3, 31),
                responsible_officer=extra.pop("officer", "Dr Rhona Patel, Clinical Director for Urgent Care"),
                action_plan=extra.pop("plan", ""),
            )
        ],
        comment="Local priority: waits in the evening peak.",
        on=PROPOSED_ON,
        acting_user=scenario.uma,
        **extra,
    )


def agree_and_sign(scenario: Any, negotiation: Negotiation, on: date = date(2019, 4, 20)) -> Negotiation:
    services.agree_proposal(
        negotiation=negotiation,
        style_of_relationship="Monthly challenge-and-support review; the trust leads its own recovery.",
        triggers="Two months off trajectory, or any month below 90%.",
        escalation="Area director, then the Department of Health.",
        job_title="Director of Performance, North",
        on=on,
        acting_user=scenario.morgan,
    )
    services.sign_agreement(
        negotiation=negotiation, side="proposer", job_title="Chief Executive", on=on, acting_user=scenario.uma
    )
    negotiation.refresh_from_db()
    return negotiation
