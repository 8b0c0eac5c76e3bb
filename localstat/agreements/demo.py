"""Demo step: local agreements negotiated through the services, as the people involved would.

- Education (synthetic): a primary school, ``NVC-S001``, proposes a local target on its KS2 attainment; its
  local authority, Northvale Council (``NVC``), challenges it with the engine's checks (not stretching:
  common-cause variation alone would reach it); the school revises it to a stretching level with a plan;
  both sign, and the head teacher signs off its trajectory. The school's own accountability agreement
  has goals with and without a named owner, plan and timescale, which the gaps report lists.
- Health (real NHS England data): Dorset County Hospital (``RBD``) agrees a local recovery trajectory for
  its type 1 A&E department with its area (``Q70``); tracked against approved values it is off track.
- Local government (synthetic): Northvale Council's Local PSA with the Government Office, the police as
  a named partner, three targets offered two points above expectation, which the checks find within
  common-cause variation; after the challenge two genuine stretch targets share a £2.4m reward grant
  (planning, whose own variation already reaches 100%, stays agreed outside it), a pump-priming grant and two
  freedoms; the department signs the grant, decides the freedoms, and the reward is assessed from the
  councils' approved quarterly returns.

Every level is set from the data the proposer could see on the day (the engine's checks), never from
what happened after.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from localstat.agreements import selectors, services
from localstat.agreements.models import Flexibility, LocalPSA, Negotiation, ProposedTarget, TrajectorySignOff
from localstat.chain import services as chain
from localstat.chain.choices import Role
from localstat.chain.models import Organisation, Service
from localstat.demo.pipeline import DEMO_PASSWORD, DemoContext, DemoStep
from localstat.framework.models import Indicator

SCHOOL, COUNCIL, OFFICE, PROVIDER, AREA = "NVC-S001", "NVC", "GO-DEMO", "RBD", "Q70"


def _person(
    context: DemoContext, username: str, full_name: str, roles: list[tuple[str, str]], description: str
) -> Any:
    user = chain.create_person(
        username=username,
        password=DEMO_PASSWORD,
        full_name=full_name,
        email=f"{username}@localstat.invalid",
        acting_user=None,
    )
    for code, role in roles:
        chain.add_membership(
            user=user, organisation=Organisation.objects.get(code=code), role=role, acting_user=None
        )
    code, role = roles[0]
    context.add_login(username=username, role=role, organisation_code=code, description=description)
    return user


def _people(context: DemoContext) -> dict[str, Any]:
    users = get_user_model().objects
    return {
        "head": _person(
            context,
            f"head.{SCHOOL}",
            "Hana Head",
            [(SCHOOL, Role.UNIT_MANAGER)],
            f"the head teacher of {SCHOOL}, proposing its local targets (synthetic)",
        ),
        "council": _person(
            context,
            f"manager.{COUNCIL}",
            "Nia Northvale",
            [(COUNCIL, Role.PERFORMANCE_MANAGER), (COUNCIL, Role.UNIT_MANAGER)],
            "Northvale Council: challenges its schools' local targets, and proposes its own Local PSA (synthetic)",
        ),
        "office": _person(
            context,
            f"manager.{OFFICE}",
            "Owen Office",
            [(OFFICE, Role.PERFORMANCE_MANAGER)],
            "the Government Office negotiating councils' Local PSAs (synthetic)",
        ),
        "mhclg": _person(
            context,
            "analyst.MHCLG",
            "Mina Ministry",
            [("MHCLG", Role.DEPARTMENT_ANALYST)],
            "MHCLG: signs Local PSA reward grants and decides their freedoms",
        ),
        "provider": users.get(username=f"unitmanager.{PROVIDER}"),
        "area": users.get(username=f"manager.{AREA}"),
    }


def _check(unit: Organisation, code: str, level: float, on: date) -> dict[str, Any]:
    indicator = Indicator.objects.select_related("current_version").get(code=code)
    return selectors.check_levels(unit, [selectors.ProposedLevel(1, indicator, level)], as_of=on)[1]


def _between(low: float, high: float, share: float, cap: float = 99.0) -> float:
    return round(min(low + share * (high - low), cap), 1)


def _terms() -> dict[str, str]:
    return {
        "style_of_relationship": "Half-termly challenge-and-support visits by the school improvement partner; the "
        "school leads its own improvement and asks for support when it needs it.",
        "triggers": "Two half-terms in a row off trajectory, or attainment below the national floor of 65%.",
        "escalation": "School improvement partner, then the Director of Children's Services, then a formal "
        "warning notice (intervention ladder).",
    }


def _school(context: DemoContext, people: dict[str, Any]) -> Negotiation:
    school = Organisation.objects.get(code=SCHOOL)
    education = Service.objects.get(code="education")
    proposed_on = date(2019, 3, 4)
    first = _check(school, "EDU_KS2_RWM", 50.0, proposed_on)
    # The school's first offer: halfway between its mean and its upper process limit.
    soft = _between(first["mean"], first["process_limit"], 0.5)
    negotiation = services.propose_targets(
        proposer=school,
        service=education,
        title="Reading, writing and maths at the end of primary",
        targets=[
            services.TargetSpec(
                indicator="EDU_KS2_RWM",
                level=soft,
                deadline=date(2020, 7, 17),
                description="Parents asked for better writing results at the last open evening.",
                responsible_officer="Mr Tom Achebe, Deputy Head (Curriculum)",
            )
        ],
        comment="Our local priority is writing; we propose a steady improvement.",
        on=proposed_on,
        synthetic=True,
        acting_user=people["head"],
    )
    item = selectors.items_of(negotiation.steps.get(number=1))[0]
    services.challenge_proposal(
        negotiation=negotiation,
        comment=f"The check says {item.get_verdict_display().lower()}: {item.reason} Show us a level that needs "
        "the new writing programme to reach it.",
        on=date(2019, 3, 11),
        acting_user=people["council"],
    )
    stretching = _between(item.process_limit, item.reach_limit, 0.4)
    services.revise_proposal(
        negotiation=negotiation,
        targets=[
            services.TargetSpec(
                indicator="EDU_KS2_RWM",
                level=stretching,
                deadline=date(2020, 7, 17),
                description="Parents asked for better writing results at the last open evening.",
                responsible_officer="Mr Tom Achebe, Deputy Head (Curriculum)",
                action_plan="Daily extended writing in Years 5 and 6; moderated half-termly with two "
                "Northvale schools; a writing lead funded from the pupil premium.",
            )
        ],
        comment=f"Raised to {stretching}%, with the writing programme as the plan.",
        on=date(2019, 3, 18),
        acting_user=people["head"],
    )
    services.agree_proposal(
        negotiation=negotiation,
        job_title="Head of School Improvement",
        on=date(2019, 3, 25),
        comment="Stretching, and the plan is credible.",
        acting_user=people["council"],
        **_terms(),
    )
    services.sign_agreement(
        negotiation=negotiation,
        side="proposer",
        job_title="Head Teacher",
        on=date(2019, 3, 26),
        acting_user=people["head"],
    )
    for sign_off in TrajectorySignOff.objects.filter(unit=school):
        services.sign_off_trajectory(sign_off=sign_off, on=date(2019, 3, 27), acting_user=people["head"])
    return negotiation


def _school_goals(people: dict[str, Any]) -> None:
    school = Organisation.objects.get(code=SCHOOL)
    plan = services.write_accountability_agreement(
        organisation=school,
        counterparty=Organisation.objects.get(code=COUNCIL),
        title="School improvement plan 2019/20 (synthetic)",
        style_of_relationship="Governors hold the head to account termly; the local authority challenges half-termly.",
        triggers="Any goal two half-terms behind its plan goes to the full governing body.",
        escalation="Chair of governors, then the local authority's school improvement partner.",
        starts_on=date(2019, 4, 1),
        ends_on=date(2020, 8, 31),
        synthetic=True,
        acting_user=people["head"],
    )
    goals = [
        (
            "Persistent absence below 8%",
            "Mrs Ruth Okafor",
            "Deputy Head (Pastoral)",
            "First-day calls; attendance panels with families each half-term.",
            date(2020, 7, 17),
        ),
        (
            "Attendance at 96% or more",
            "",
            "",
            "Weekly attendance awards; early help referrals.",
            date(2020, 7, 17),
        ),
        ("Exclusions halved", "Mr Dan Ilori", "Behaviour Lead", "", None),
    ]
    for outcome, officer, role, action_plan, due in goals:
        services.add_goal(
            agreement=plan,
            outcome=outcome,
            responsible_officer=officer,
            responsible_role=role,
            action_plan=action_plan,
            due_by=due,
            acting_user=people["head"],
        )


def _provider(people: dict[str, Any]) -> Negotiation:
    """A real provider's recovery trajectory for its type 1 department, from the shipped NHS data."""
    provider = Organisation.objects.get(code=PROVIDER)
    negotiation = services.propose_targets(
        proposer=provider,
        service=Service.objects.get(code="health"),
        title="Type 1 A&E: back to the 4-hour standard",
        targets=[
            services.TargetSpec(
                indicator="AE4H_T1",
                level=95,
                deadline=date(2019, 9, 30),
                responsible_officer="The Director of Operations",
                action_plan="Ambulatory emergency care seven days a week; a discharge lounge; escalation at 85%.",
            )
        ],
        comment="After a difficult summer we propose a monthly trajectory back to 95% by September 2019.",
        on=date(2018, 10, 1),
        acting_user=people["provider"],
    )
    services.agree_proposal(
        negotiation=negotiation,
        style_of_relationship="Monthly performance review with the area; the trust owns its recovery plan.",
        triggers="Two months below the trajectory, or any month below 85%.",
        escalation="Area director of performance, then NHS Improvement's regional team.",
        job_title="Director of Performance, Wessex",
        comment="The check calls 95% not stretching against the trust's whole record, which is right: this is a "
        "recovery trajectory back to the standard, agreed as such.",
        on=date(2018, 10, 15),
        acting_user=people["area"],
    )
    services.sign_agreement(
        negotiation=negotiation,
        side="proposer",
        job_title="Chief Executive",
        on=date(2018, 10, 16),
        acting_user=people["provider"],
    )
    for sign_off in TrajectorySignOff.objects.filter(unit=provider):
        services.sign_off_trajectory(sign_off=sign_off, on=date(2018, 10, 17), acting_user=people["provider"])
    return negotiation


LPSA_TARGETS = [
    ("LG_RECYCLE", "0.40", "Mr Sam Greene, Head of Waste Services", "Food waste collections borough-wide."),
    ("LG_CTAX", "0.35", "Ms Priya Shah, Director of Finance", "Direct debit by default; early reminders."),
    ("LG_PLANNING", "0.25", "", ""),
]
#: The shares after the challenge: planning's process limit lies past 100%, so no level can stretch it
#: and it leaves the reward grant (an agreed target still); the other two share the whole grant.
REVISED_SHARES = {"LG_RECYCLE": Decimal("0.55"), "LG_CTAX": Decimal("0.45"), "LG_PLANNING": Decimal("0")}


def _stretched(item: ProposedTarget) -> services.TargetSpec:
    """The council's revision of a target after the challenge: a fifth of the way from the process
    limit to the best value's reach where a level below 100% can get there, with its revised share."""
    share = REVISED_SHARES[item.indicator.code]
    assert item.process_limit is not None
    assert item.reach_limit is not None
    level = item.level
    if share:
        assert item.process_limit < 100, f"{item.indicator.code}: no level below 100% is a stretch"
        level = Decimal(str(_between(item.process_limit, item.reach_limit, 0.2)))
    return services.TargetSpec(
        indicator=item.indicator.code,
        level=level,
        deadline=item.deadline,
        no_stretch_level=item.no_stretch_level,
        reward_share=share,
        responsible_officer=item.responsible_officer,
        action_plan=item.action_plan,
    )


def _local_psa(people: dict[str, Any]) -> Negotiation:
    council = Organisation.objects.get(code=COUNCIL)
    proposed_on = date(2017, 10, 2)
    specs = []
    for code, share, officer, plan in LPSA_TARGETS:
        check = _check(council, code, 50.0, proposed_on)
        # The LPSA convention: the stretch is a fixed improvement on the expected (no-stretch) level.
        no_stretch = round(check["mean"], 1)
        specs.append(
            services.TargetSpec(
                indicator=code,
                level=round(min(no_stretch + 2.0, 99.0), 1),
                deadline=date(2019, 3, 31),
                no_stretch_level=no_stretch,
                reward_share=share,
                responsible_officer=officer,
                action_plan=plan,
            )
        )
    negotiation = services.propose_targets(
        proposer=council,
        service=Service.objects.get(code="local-government"),
        title="Northvale Local PSA: cleaner streets and well-run services",
        targets=specs,
        partners=[
            (Organisation.objects.get(code="NSP"), "Key partner: joint enforcement against fly-tipping")
        ],
        local_psa=services.LocalPSASpec(
            starts_on=date(2017, 10, 1),
            ends_on=date(2019, 3, 31),
            reward_grant=2_400_000,
            pump_priming_grant=750_000,
            flexibilities=[
                (
                    "Pool the crime and disorder reduction budgets with the police",
                    "Separate ring-fenced funding streams for each partner",
                ),
                (
                    "Set its own frequency for residual waste collections",
                    "Statutory guidance on weekly collections",
                ),
            ],
        ),
        comment="Each target two points above the level we would expect without the Local PSA.",
        on=proposed_on,
        synthetic=True,
        acting_user=people["council"],
    )
    items = selectors.items_of(negotiation.steps.get(number=1))
    verdicts = "; ".join(f"{i.indicator.code} {i.get_verdict_display().lower()}" for i in items)
    services.challenge_proposal(
        negotiation=negotiation,
        comment=f"The checks: {verdicts}. Two points is within the council's own quarter-to-quarter variation; "
        "a reward needs a real stretch.",
        on=date(2017, 10, 16),
        acting_user=people["office"],
    )
    revised = [_stretched(i) for i in items]
    services.revise_proposal(
        negotiation=negotiation,
        targets=revised,
        comment="Recycling and council tax raised beyond their process limits, funded by the pump-priming grant; "
        "planning stays an agreed target outside the reward grant, since its own variation already reaches "
        "100% and no level could be a stretch.",
        on=date(2017, 11, 1),
        acting_user=people["council"],
    )
    services.agree_proposal(
        negotiation=negotiation,
        style_of_relationship="Quarterly review with the Government Office; the council and its partners lead delivery.",
        triggers="Two quarters below trajectory on any stretch target.",
        escalation="Government Office director, then MHCLG's Local PSA team.",
        job_title="Director, Government Office for the Demo Region",
        on=date(2017, 11, 20),
        acting_user=people["office"],
    )
    services.sign_agreement(
        negotiation=negotiation,
        side="proposer",
        job_title="Chief Executive",
        on=date(2017, 11, 21),
        acting_user=people["council"],
    )
    services.sign_agreement(
        negotiation=negotiation,
        side="department",
        job_title="Deputy Director, Local PSAs",
        on=date(2017, 12, 1),
        acting_user=people["mhclg"],
    )
    for sign_off in TrajectorySignOff.objects.filter(unit=council):
        services.sign_off_trajectory(sign_off=sign_off, on=date(2017, 12, 4), acting_user=people["council"])
    pooling, frequency = Flexibility.objects.filter(local_psa__negotiation=negotiation).order_by("id")
    services.decide_flexibility(
        flexibility=pooling,
        grant=True,
        reason="The partners' budgets may be pooled for the agreement's term.",
        on=date(2017, 12, 1),
        acting_user=people["mhclg"],
    )
    services.decide_flexibility(
        flexibility=frequency,
        grant=False,
        reason="The weekly collection guidance stays; to be revisited at mid-term.",
        on=date(2017, 12, 1),
        acting_user=people["mhclg"],
    )
    return negotiation


def build_agreements(context: DemoContext) -> None:
    people = _people(context)
    school = _school(context, people)
    _school_goals(people)
    provider = _provider(people)
    lpsa = _local_psa(people)
    assessment = services.assess_reward(
        local_psa=LocalPSA.objects.get(negotiation=lpsa), as_of=context.as_of, acting_user=people["mhclg"]
    )
    school_item = selectors.items_of(selectors.latest_proposal(school))[0]  # type: ignore[arg-type]
    lacking = selectors.goals_lacking(Organisation.objects.all()).count()
    statuses = selectors.trajectory_status([Organisation.objects.get(code=PROVIDER).pk], context.as_of)
    (provider_status,) = [s for s in next(iter(statuses.values())) if s.indicator == "AE4H_T1"]
    progress = ", ".join(
        f"{r['indicator']} {r['stretch_fraction']:.0%} of its stretch" for r in assessment.rows if r["share"]
    )
    context.progress(
        f"      {school.reference}: {SCHOOL} KS2 {school_item.level:.1f}% agreed ({school_item.get_verdict_display().lower()}); "
        f"{provider.reference}: {PROVIDER} type 1 trajectory {provider_status.status.replace('_', ' ')}; "
        f"{lpsa.reference}: Local PSA reward £{assessment.total:,.0f} of £2,400,000 ({progress}); "
        f"{lacking} goal(s) without an owner, plan or timescale"
    )
    context.shared["agreements"] = {"school": school, "provider": provider, "local_psa": lpsa}


STEPS = [
    DemoStep(
        name="agreements",
        run=build_agreements,
        description="Local agreements: a school's negotiated target, an NHS trajectory, a Local PSA",
        after=("returns",),
    )
]
