"""The ``--scale regional`` demo chain: about 3,700 units in the national mix, for benchmarks.

PERFORMANCE.md's national mix, scaled to one region: schools, GP practices, police basic command
units and councils, all synthetic, beside the demo's real NHS chain.
"""

from __future__ import annotations

from datetime import date

from localstat.chain import services
from localstat.chain.choices import ChainRole, OrganisationKind, UnitType
from localstat.chain.models import Organisation, Service
from localstat.demo.pipeline import DemoContext

SYNTHETIC = "Synthetic: the regional benchmark chain"
START = date(2016, 4, 1)

#: (service, body kind, body prefix, bodies, unit type, units per body)
REGIONAL_MIX = [
    ("education", OrganisationKind.COUNCIL, "RLA", 19, UnitType.SCHOOL, 133),
    ("health", OrganisationKind.HEALTH_AREA, "RGA", 6, UnitType.GP_PRACTICE, 132),
    ("policing", OrganisationKind.POLICE_FORCE, "RPF", 3, UnitType.BASIC_COMMAND_UNIT, 8),
    ("local-government", OrganisationKind.GOVERNMENT_OFFICE, "RGO", 1, UnitType.COUNCIL, 40),
]
DEPARTMENTS = {"education": "DFE", "health": "DH", "policing": "HO", "local-government": "MHCLG"}


def build_regional_chain(context: DemoContext, by_code: dict[str, Service]) -> None:
    total = 0
    for service_code, kind, prefix, bodies, unit_type, per_body in REGIONAL_MIX:
        service = by_code[service_code]
        department = Organisation.objects.get(code=DEPARTMENTS[service_code])
        unit_kind = OrganisationKind.COUNCIL if unit_type == UnitType.COUNCIL else OrganisationKind.UNIT
        for b in range(1, bodies + 1):
            body = services.create_organisation(
                code=f"{prefix}{b:02d}",
                name=f"Regional benchmark {kind.label.lower()} {b}",
                kind=kind,
                unit_type=UnitType.COUNCIL if kind == OrganisationKind.COUNCIL else "",
                synthetic=True,
                source=SYNTHETIC,
                acting_user=None,
            )
            services.place_in_chain(
                organisation=body,
                service=service,
                role=ChainRole.INTERMEDIATE_TIER,
                accountable_to=department,
                valid_from=START,
                acting_user=None,
            )
            for u in range(1, per_body + 1):
                unit = services.create_organisation(
                    code=f"{prefix}{b:02d}-{u:04d}",
                    name=f"Regional {unit_type.label.lower()} {b}.{u}",
                    kind=unit_kind,
                    unit_type=unit_type,
                    synthetic=True,
                    source=SYNTHETIC,
                    geographic_parent=body,
                    acting_user=None,
                )
                services.place_in_chain(
                    organisation=unit,
                    service=service,
                    role=ChainRole.FRONT_LINE_UNIT,
                    accountable_to=body,
                    valid_from=START,
                    acting_user=None,
                )
                total += 1
        context.progress(f"      regional: {service.name}: {bodies} bodies, {bodies * per_body} units")
    context.progress(f"      regional: {total} synthetic units in all")
