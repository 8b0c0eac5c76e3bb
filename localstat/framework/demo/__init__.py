"""Demo step: the performance framework, built through the framework's services.

Indicators (the returns step loads data for exactly these codes; see ``indicators.DEMO_INDICATORS``):

- health, monthly, real NHS England data: ``AE4H`` (all A&E types), ``AE4H_T1`` (type 1), ``AE4H_T2``
  (type 2), ``AE4H_OTH`` (other types) — proportion seen within 4 hours, %, higher is better;
- education, synthetic: ``EDU_ATT`` (attendance, weekly), ``EDU_PA`` (persistent absence, half-termly,
  lower is better), ``EDU_KS2_RWM`` and ``EDU_GCSE_EM`` (attainment, half-termly), ``EDU_EXCL``
  (exclusions per 100 pupils, half-termly, lower), ``EDU_OBS`` (a process measure, half-termly),
  ``EDU_STAFF_ABS`` (internal only, half-termly), ``BVPI_ABS`` (financial year, equivalent to EDU_ATT);
- policing, synthetic, monthly: ``POL_CRIME`` and ``POL_BURG`` (per 1,000, lower), ``POL_SOLVED`` (%);
- local government, synthetic, quarterly: ``LG_RECYCLE``, ``LG_PLANNING``, ``LG_CTAX`` (%).

Half-terms follow the education service's synthetic school calendar (2015/16 to 2019/20).

PSAs (illustrative): the Department of Health's ``DH-PSA1`` (A&E ≥ 95%, cascaded by area Q70 to its nine
providers); the Department for Education's ``DFE-PSA1``–``3`` with the 6 headline targets of the report's
education chart, plus a persistent-absence floor target met in 2018, which made ``EDU_PA`` a standard
and exempts the schools that meet it; the Home Office's ``HO-PSA1`` (cascaded by the force with each
basic command unit's share); MHCLG's ``MHCLG-PSA1``. Every demo school faces the 207 controls of
``register`` (so its report reads 207 ÷ 6 = 34.5×).
"""

from __future__ import annotations

from datetime import date

from localstat.chain.models import Organisation, Service
from localstat.demo.pipeline import DemoContext, DemoStep
from localstat.framework import services
from localstat.framework.choices import TargetKind
from localstat.framework.demo.indicators import DEMO_INDICATORS, define_indicators, school_terms
from localstat.framework.demo.register import ILLUSTRATIVE_NOTE, register_education_controls
from localstat.framework.models import PSA, Indicator, Standard, Target

__all__ = ["DEMO_INDICATORS", "ILLUSTRATIVE_NOTE", "STEPS"]

PSA_START, PSA_END = date(2016, 4, 1), date(2021, 3, 31)
AGREED_ON = date(2016, 4, 1)
PROPOSED_ON = date(2016, 3, 1)


def _psa(code: str, department: Organisation, service: Service, objective: str, outcome: str) -> PSA:
    return services.create_psa(
        code=code,
        department=department,
        service=service,
        objective=objective,
        outcome=outcome,
        starts_on=PSA_START,
        ends_on=PSA_END,
        illustrative=True,
        acting_user=None,
    )


def _headline(
    psa: PSA,
    number: int,
    indicator: Indicator,
    kind: str,
    level: float,
    deadline: date,
    description: str,
    milestones: list[tuple[str, float]] | None = None,
) -> Target:
    target = services.propose_psa_target(
        psa=psa,
        indicator=indicator,
        kind=kind,
        level=level,
        deadline=deadline,
        reference=f"{psa.code}-T{number}",
        description=description,
        milestones=milestones or [],
        proposed_on=PROPOSED_ON,
        acting_user=None,
    )
    services.agree_target(target=target, on=AGREED_ON, acting_user=None)
    return services.activate_target(target=target, on=AGREED_ON, acting_user=None)


def _cascade(target: Target, manager: Organisation, on: date, shares: dict | None = None) -> list[Target]:
    made = services.cascade_target(
        target=target, manager=manager, shares=shares, on=on, acting_user=None
    ).targets
    for unit_target in made:
        services.agree_target(target=unit_target, on=on, acting_user=None)
        services.activate_target(target=unit_target, on=on, acting_user=None)
    return made


def build_framework(context: DemoContext) -> None:
    service = {s.code: s for s in Service.objects.all()}
    org = {
        o.code: o
        for o in Organisation.objects.filter(
            code__in=["DH", "DFE", "HO", "MHCLG", "OFSTED", "Q70", "NSP", "NVC", "SMC"]
        )
    }
    services.create_school_calendar(
        service=service["education"],
        name="Demo school calendar (synthetic)",
        terms=school_terms(2015, 2019),
        synthetic=True,
        acting_user=None,
    )
    ind = define_indicators(org, service)

    # Health: the 95% standard as a PSA floor target, cascaded by the demo's area to its providers.
    dh = _psa(
        "DH-PSA1",
        org["DH"],
        service["health"],
        "Improve access to urgent and emergency care",
        "Patients at A&E are admitted, transferred or discharged within four hours of arriving.",
    )
    ae = _headline(
        dh,
        1,
        ind["AE4H"],
        TargetKind.FLOOR,
        95,
        date(2020, 3, 31),
        "95% of patients seen within 4 hours in every provider (the national operational standard).",
        milestones=[("2017-09-01", 90), ("2018-03-01", 92), ("2019-03-01", 95)],
    )
    cascaded = _cascade(ae, org["Q70"], date(2016, 5, 3))

    # Education: the 6 headline PSA targets of the report's chart, and a met target that became a standard.
    psa1 = _psa(
        "DFE-PSA1",
        org["DFE"],
        service["education"],
        "Raise standards in primary schools",
        "Every child leaves primary school able to read, write and use mathematics well.",
    )
    psa2 = _psa(
        "DFE-PSA2",
        org["DFE"],
        service["education"],
        "Raise standards in secondary schools",
        "Young people leave school with good qualifications in English and mathematics.",
    )
    psa3 = _psa(
        "DFE-PSA3",
        org["DFE"],
        service["education"],
        "Every child in school, every day",
        "Children attend school regularly and are not excluded from it.",
    )
    deadline = date(2020, 7, 31)
    _headline(
        psa1, 1, ind["EDU_KS2_RWM"], TargetKind.FLOOR, 65, deadline, "Every primary school at 65% or more."
    )
    _headline(psa1, 2, ind["EDU_KS2_RWM"], TargetKind.ASPIRATIONAL, 85, deadline, "85% nationally (2.10).")
    _headline(
        psa2, 1, ind["EDU_GCSE_EM"], TargetKind.FLOOR, 40, deadline, "Every secondary school at 40% or more."
    )
    _headline(psa2, 2, ind["EDU_GCSE_EM"], TargetKind.ASPIRATIONAL, 70, deadline, "70% nationally.")
    _headline(psa3, 1, ind["EDU_ATT"], TargetKind.ASPIRATIONAL, 96, deadline, "96% attendance nationally.")
    _headline(
        psa3, 2, ind["EDU_EXCL"], TargetKind.ASPIRATIONAL, 2, deadline, "No more than 2 per 100 pupils."
    )
    absence = _headline(
        psa3, 3, ind["EDU_PA"], TargetKind.FLOOR, 10, date(2018, 7, 31), "Every school at 10% or less."
    )
    services.record_target_met(
        target=absence,
        on=date(2018, 9, 1),
        evidence="Illustrative: every school at or below 10% persistent absence in 2017/18.",
        acting_user=None,
    )
    standard = Standard.objects.get(target=absence)
    schools = list(Organisation.objects.filter(code__regex=r"^(NVC|SMC)-S\d{3}$").order_by("code"))
    for manager in (org["NVC"], org["SMC"]):
        meeting = [s for i, s in enumerate(schools) if s.geographic_parent_id == manager.pk and i % 4 == 0]
        services.exempt_units_meeting_standard(
            standard=standard,
            units=meeting,
            evidence="Illustrative: persistent absence at or below 10% in every half-term of 2017/18.",
            granted_by=manager,
            granted_on=date(2018, 9, 3),
            acting_user=None,
        )

    # Policing: a crime reduction target, cascaded with each basic command unit's share.
    ho = _psa(
        "HO-PSA1",
        org["HO"],
        service["policing"],
        "Reduce crime",
        "People are safer from crime, and burglary in particular, wherever they live.",
    )
    crime = _headline(
        ho,
        1,
        ind["POL_CRIME"],
        TargetKind.ASPIRATIONAL,
        5.5,
        date(2020, 3, 31),
        "No more than 5.5 recorded crimes per 1,000 people a month nationally.",
    )
    _headline(
        ho,
        2,
        ind["POL_BURG"],
        TargetKind.FLOOR,
        1.2,
        date(2020, 3, 31),
        "No more than 1.2 domestic burglaries per 1,000 households a month in any area.",
    )
    bcus = list(Organisation.objects.filter(code__regex=r"^NSP-B\d+$").order_by("code"))
    shares = {
        bcu: round(float(level), 1)
        for bcu, level in zip(bcus, context.rng.uniform(4.0, 7.5, len(bcus)), strict=True)
    }
    _cascade(crime, org["NSP"], date(2016, 6, 1), shares)

    # Local government: one outcome target.
    lg = _psa(
        "MHCLG-PSA1",
        org["MHCLG"],
        service["local-government"],
        "Cleaner, greener places",
        "Less household waste goes to landfill.",
    )
    _headline(
        lg, 1, ind["LG_RECYCLE"], TargetKind.ASPIRATIONAL, 50, date(2020, 3, 31), "50% recycled nationally."
    )

    psas = {p.code: p for p in (dh, psa1, psa2, psa3, ho, lg)}
    controls = register_education_controls(org, psas, ind)
    context.shared["framework"] = {"indicators": sorted(ind), "psas": sorted(psas)}
    context.progress(
        f"      framework: {len(ind)} indicators, {len(psas)} PSAs, {len(cascaded)} cascaded A&E targets in Q70, "
        f"{len(controls)} education controls on every school (illustrative)"
    )


STEPS = [
    DemoStep(
        name="framework",
        run=build_framework,
        description="Performance framework: indicators, PSAs, targets, standards and the controls register",
        after=("chain",),
    )
]
