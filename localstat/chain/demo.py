"""Demo step: the delivery chains, their context and one login per role.

Health is real: the Department of Health, its 14 NHS areas (under the 4 NHS England regions) as the
intermediate tier, each managing its named providers, and the A&E file's other 104 codes under one
holding body. Education, policing and local government are synthetic and say so.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from localstat.chain import services
from localstat.chain.choices import ChainRole, OrganisationKind, Role, UnitType
from localstat.chain.models import Organisation, Service
from localstat.chain.regional import build_regional_chain
from localstat.demo import nhs
from localstat.demo.pipeline import DEMO_PASSWORD, DemoContext, DemoStep
from localstat.demo.synthetic import place_names

CHAIN_START = date(2016, 4, 1)
SYNTHETIC = "Synthetic: invented for the LocalStat demo"
HOLDER_CODE = "NHS-UNRECORDED"

#: The demo's manager login looks after the Wessex area (Q70): nine providers from Dorset to Portsmouth.
DEMO_AREA = "Q70"
DEMO_PROVIDER = "RBD"


def _organisation(code: str, **fields: object) -> Organisation:
    return services.create_organisation(code=code, acting_user=None, **fields)  # type: ignore[arg-type]


def _place(
    org: Organisation, service: Service, role: str, above: Organisation | None, start: date = CHAIN_START
) -> None:
    services.place_in_chain(
        organisation=org, service=service, role=role, accountable_to=above, valid_from=start, acting_user=None
    )


def _services() -> dict[str, Service]:
    rows = [
        ("health", "Health", "NHS providers performance-managed by NHS areas for the Department of Health."),
        (
            "education",
            "Education",
            "Schools performance-managed by their local authorities (synthetic in the demo).",
        ),
        (
            "policing",
            "Policing",
            "Basic command units performance-managed by their force (synthetic in the demo).",
        ),
        (
            "local-government",
            "Local government",
            "Councils performance-managed by a Government Office (synthetic in the demo).",
        ),
    ]
    return {
        code: services.create_service(code=code, name=name, description=text, acting_user=None)
        for code, name, text in rows
    }


def _health(service: Service, context: DemoContext) -> dict[str, Organisation]:
    department = _organisation("DH", name="Department of Health", kind=OrganisationKind.DEPARTMENT)
    _place(department, service, ChainRole.DEPARTMENT, None)
    inspectorate = _organisation("CQC", name="Care Quality Commission", kind=OrganisationKind.INSPECTORATE)
    _place(inspectorate, service, ChainRole.INSPECTORATE, None)

    regions = {
        code: _organisation(code, name=name, kind=OrganisationKind.REGION, source=nhs.ORGANISATIONS_SOURCE)
        for code, name in nhs.NHS_REGIONS.items()
    }
    providers = nhs.named_providers()
    areas: dict[str, Organisation] = {}
    for area_code, region_code in sorted({(p.area, p.region) for p in providers}):
        # The data gives the area's code but not its name: show the code, never an invented name.
        area = _organisation(
            area_code,
            kind=OrganisationKind.HEALTH_AREA,
            geographic_parent=regions[region_code],
            source=nhs.ORGANISATIONS_SOURCE,
        )
        _place(area, service, ChainRole.INTERMEDIATE_TIER, department)
        areas[area_code] = area
    holder = _organisation(
        HOLDER_CODE,
        name="Holder of providers whose commissioner the data does not record",
        kind=OrganisationKind.HOLDING_BODY,
        synthetic=True,
        source="Demo construct: the A&E file does not say who manages these 104 providers",
    )
    _place(holder, service, ChainRole.INTERMEDIATE_TIER, department)

    for provider in providers:
        unit = _organisation(
            provider.code,
            name=nhs.proper_name(provider.name),
            kind=OrganisationKind.UNIT,
            unit_type=UnitType.NHS_PROVIDER,
            geographic_parent=areas[provider.area],
            opened=provider.opened,
            town=nhs.proper_name(provider.town),
            postcode=provider.postcode,
            source=nhs.ORGANISATIONS_SOURCE,
        )
        _place(
            unit,
            service,
            ChainRole.FRONT_LINE_UNIT,
            areas[provider.area],
            max(CHAIN_START, provider.opened or CHAIN_START),
        )
    named = {p.code for p in providers}
    code_only = [code for code in nhs.provider_codes_in_attendances() if code not in named]
    for code in code_only:
        unit = _organisation(
            code, kind=OrganisationKind.UNIT, unit_type=UnitType.NHS_PROVIDER, source=nhs.CODE_ONLY_SOURCE
        )
        _place(unit, service, ChainRole.FRONT_LINE_UNIT, holder)

    # Real context from the real data: each provider's A&E volume in 2018/19 and its type 1 share.
    volumes = nhs.attendances_by_provider(date(2018, 4, 1), date(2019, 3, 1))
    units = {o.code: o for o in Organisation.objects.filter(code__in=list(volumes))}
    attendances = services.define_context_variable(
        code="ae-attendances",
        name="A&E attendances in the year",
        unit_of_measure="attendances",
        acting_user=None,
        description="All A&E attendances, April to March, from NHS England's published counts.",
    )
    type1 = services.define_context_variable(
        code="ae-type1-share",
        name="Share of A&E attendances at a major (type 1) department",
        unit_of_measure="%",
        acting_user=None,
        description="Type 1 attendances as a percentage of all A&E attendances in the year.",
    )
    services.record_context_values(
        variable=attendances,
        period_start=date(2018, 4, 1),
        acting_user=None,
        values={units[code]: float(total) for code, (total, _) in volumes.items()},
    )
    services.record_context_values(
        variable=type1,
        period_start=date(2018, 4, 1),
        acting_user=None,
        values={units[code]: round(100.0 * t1 / total, 2) for code, (total, t1) in volumes.items() if total},
    )
    context.progress(
        f"      health: {len(areas)} areas, {len(providers)} named providers, {len(code_only)} shown by code only"
    )
    return {
        "department": department,
        "inspectorate": inspectorate,
        **{f"area:{k}": v for k, v in areas.items()},
    }


def _synthetic_context(
    context: DemoContext, units: list[Organisation], variables: list[tuple[str, str, str, float, float]]
) -> None:
    """Synthetic context values drawn from a seeded generator: (code, name, unit, low, high)."""
    for code, name, measure, low, high in variables:
        variable = services.define_context_variable(
            code=code,
            name=name,
            unit_of_measure=measure,
            synthetic=True,
            acting_user=None,
            description="Synthetic: drawn at random for the demo.",
        )
        draws = context.rng.uniform(low, high, size=len(units))
        services.record_context_values(
            variable=variable,
            period_start=date(2018, 4, 1),
            acting_user=None,
            values={unit: float(np.round(value, 1)) for unit, value in zip(units, draws, strict=True)},
        )


def _education(service: Service, context: DemoContext, per_council: int = 20) -> dict[str, Organisation]:
    department = _organisation("DFE", name="Department for Education", kind=OrganisationKind.DEPARTMENT)
    _place(department, service, ChainRole.DEPARTMENT, None)
    inspectorate = _organisation("OFSTED", name="Ofsted", kind=OrganisationKind.INSPECTORATE)
    _place(inspectorate, service, ChainRole.INSPECTORATE, None)
    councils = {}
    for code, name in [("NVC", "Northvale Council"), ("SMC", "Southmere Council")]:
        council = _organisation(
            code,
            name=name,
            kind=OrganisationKind.COUNCIL,
            unit_type=UnitType.COUNCIL,
            synthetic=True,
            source=SYNTHETIC,
        )
        _place(council, service, ChainRole.INTERMEDIATE_TIER, department)
        councils[code] = council
    schools: list[Organisation] = []
    names = iter(place_names(len(councils) * per_council, context.rng))
    for code, council in councils.items():
        for i in range(per_council):
            phase = "Secondary" if i % 5 == 4 else "Primary"
            school = _organisation(
                f"{code}-S{i + 1:03d}",
                name=f"{next(names)} {phase} School",
                kind=OrganisationKind.UNIT,
                unit_type=UnitType.SCHOOL,
                synthetic=True,
                source=SYNTHETIC,
                geographic_parent=council,
            )
            _place(school, service, ChainRole.FRONT_LINE_UNIT, council)
            schools.append(school)
    _synthetic_context(
        context,
        schools,
        [
            ("pupils", "Pupils on roll", "pupils", 90, 1400),
            ("fsm-percent", "Pupils eligible for free school meals", "%", 3, 45),
            ("rurality", "Rurality index", "0–100", 0, 100),
        ],
    )
    context.progress(f"      education: {len(councils)} councils, {len(schools)} schools (synthetic)")
    return {"department": department, **councils}


def _policing(service: Service, context: DemoContext) -> dict[str, Organisation]:
    department = _organisation("HO", name="Home Office", kind=OrganisationKind.DEPARTMENT)
    _place(department, service, ChainRole.DEPARTMENT, None)
    inspectorate = _organisation(
        "HMICFRS",
        name="HM Inspectorate of Constabulary and Fire & Rescue Services",
        kind=OrganisationKind.INSPECTORATE,
    )
    _place(inspectorate, service, ChainRole.INSPECTORATE, None)
    force = _organisation(
        "NSP",
        name="Northvale and Southmere Police",
        kind=OrganisationKind.POLICE_FORCE,
        synthetic=True,
        source=SYNTHETIC,
    )
    _place(force, service, ChainRole.INTERMEDIATE_TIER, department)
    bcus = []
    for i, name in enumerate(
        [
            "Northvale Central",
            "Northvale East",
            "Northvale West",
            "Northvale Rural",
            "Southmere Central",
            "Southmere Harbour",
            "Southmere North",
            "Southmere Rural",
        ],
        start=1,
    ):
        bcu = _organisation(
            f"NSP-B{i}",
            name=f"{name} Basic Command Unit",
            kind=OrganisationKind.UNIT,
            unit_type=UnitType.BASIC_COMMAND_UNIT,
            synthetic=True,
            source=SYNTHETIC,
            geographic_parent=force,
        )
        _place(bcu, service, ChainRole.FRONT_LINE_UNIT, force)
        bcus.append(bcu)
    _synthetic_context(
        context,
        bcus,
        [
            ("population", "Resident population", "people", 60_000, 320_000),
            ("deprivation", "Index of multiple deprivation (average score)", "score", 8, 40),
            ("night-time-economy", "Licensed premises per 1,000 people", "premises", 1, 9),
        ],
    )
    context.progress(f"      policing: 1 force, {len(bcus)} basic command units (synthetic)")
    return {"department": department, "force": force}


def _local_government(
    service: Service, context: DemoContext, councils: dict[str, Organisation]
) -> dict[str, Organisation]:
    department = _organisation(
        "MHCLG",
        name="Ministry of Housing, Communities and Local Government",
        kind=OrganisationKind.DEPARTMENT,
    )
    _place(department, service, ChainRole.DEPARTMENT, None)
    office = _organisation(
        "GO-DEMO",
        name="Government Office for the Demo Region",
        kind=OrganisationKind.GOVERNMENT_OFFICE,
        synthetic=True,
        source=SYNTHETIC,
    )
    _place(office, service, ChainRole.INTERMEDIATE_TIER, department)
    all_councils = [councils["NVC"], councils["SMC"]]
    for code, name in [
        ("EBC", "Eastbrook Council"),
        ("WHC", "Westholm Council"),
        ("HFC", "Highford Council"),
        ("LMC", "Lowmarsh Council"),
    ]:
        all_councils.append(
            _organisation(
                code,
                name=name,
                kind=OrganisationKind.COUNCIL,
                unit_type=UnitType.COUNCIL,
                synthetic=True,
                source=SYNTHETIC,
            )
        )
    # A council can manage schools for education and be a front line unit of local government (seed 4.15–4.18).
    for council in all_councils:
        _place(council, service, ChainRole.FRONT_LINE_UNIT, office)
    _synthetic_context(
        context,
        all_councils,
        [
            ("council-population", "Resident population", "people", 90_000, 480_000),
            ("council-deprivation", "Index of multiple deprivation (average score)", "score", 8, 38),
        ],
    )
    context.progress(f"      local government: 1 Government Office, {len(all_councils)} councils (synthetic)")
    return {"department": department, "office": office}


def _people(context: DemoContext, chains: dict[str, dict[str, Organisation]]) -> None:
    health = chains["health"]
    area = health[f"area:{DEMO_AREA}"]
    provider = Organisation.objects.get(code=DEMO_PROVIDER)
    logins = [
        (
            "analyst",
            "Ada Analyst",
            Role.DEPARTMENT_ANALYST,
            health["department"],
            "the Department of Health's intermediate tier",
        ),
        (
            f"manager.{DEMO_AREA}",
            "Morgan Manager",
            Role.PERFORMANCE_MANAGER,
            area,
            f"area {DEMO_AREA}'s nine providers",
        ),
        (
            "challenger",
            "Charlie Challenger",
            Role.CHALLENGER,
            area,
            f"the units area {DEMO_AREA} holds to account",
        ),
        (
            f"submitter.{DEMO_PROVIDER}",
            "Sam Submitter",
            Role.UNIT_SUBMITTER,
            provider,
            "Dorset County Hospital's returns",
        ),
        (
            f"unitmanager.{DEMO_PROVIDER}",
            "Uma Unitmanager",
            Role.UNIT_MANAGER,
            provider,
            "Dorset County Hospital",
        ),
        (
            "inspector",
            "Ines Inspector",
            Role.INSPECTOR,
            health["inspectorate"],
            "the NHS areas the Care Quality Commission inspects",
        ),
        ("admin", "Alex Admin", Role.ADMINISTRATOR, health["department"], "every chain, and Administration"),
    ]
    for username, full_name, role, organisation, description in logins:
        user = services.create_person(
            username=username,
            password=DEMO_PASSWORD,
            full_name=full_name,
            email=f"{username}@localstat.invalid",
            is_staff=role == Role.ADMINISTRATOR,
            acting_user=None,
        )
        services.add_membership(user=user, organisation=organisation, role=role, acting_user=None)
        context.add_login(
            username=username, role=str(role), organisation_code=organisation.code, description=description
        )


def build_chains(context: DemoContext) -> None:
    by_code = _services()
    chains = {
        "health": _health(by_code["health"], context),
        "education": _education(by_code["education"], context),
        "policing": _policing(by_code["policing"], context),
    }
    chains["local-government"] = _local_government(by_code["local-government"], context, chains["education"])
    _people(context, chains)
    if context.scale == "regional":
        build_regional_chain(context, by_code)
    context.shared["chains"] = chains


STEPS = [DemoStep(name="chain", run=build_chains, description="Delivery chains, context and people")]
