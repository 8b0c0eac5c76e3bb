"""NHS England's monthly A&E return, a national collection whose file layout LocalStat knows.

Its file (``period,org_code,type,attendances,breaches,admissions``) imports as it is: when no
collection asks for its items yet, the first NHS file sets up ``NHS-AE`` from the chain and the
framework (the Department of Health issues it to every NHS provider), in the same transaction as
the import. The file is the record of which providers ran A&E departments when (trusts opened,
merged and closed), so each provider is asked for returns from its first month in it to its last.
"""

from __future__ import annotations

import polars as pl

from localstat.chain.choices import ChainRole, UnitType
from localstat.chain.models import ChainLink, Organisation, Service
from localstat.framework import services as framework
from localstat.framework.choices import Focus, Periodicity, Polarity, Statistic
from localstat.framework.models import Indicator
from localstat.returns.errors import ReturnsError
from localstat.returns.models import Collection
from localstat.returns.services import ItemSpec, create_collection

CODE = "NHS-AE"
PARTS = ("AE4H_T1", "AE4H_T2", "AE4H_OTH")
ADMISSIONS = {
    "AE_ADM_T1": "type 1 (major emergency) departments",
    "AE_ADM_T2": "type 2 (single-specialty) departments",
    "AE_ADM_OTH": "other A&E departments",
}


def _admissions(service: Service, owner: Organisation, first: object) -> list[Indicator]:
    existing = {i.code: i for i in Indicator.objects.filter(code__in=list(ADMISSIONS))}
    return [
        existing.get(code)
        or framework.define_indicator(
            code=code,
            name=f"Emergency admissions via {departments}",
            service=service,
            owner=owner,
            valid_from=first,  # type: ignore[arg-type]
            definition=f"Emergency admissions via {departments} in the month, as NHS England publishes them.",
            numerator_definition=f"Emergency admissions via {departments}",
            statistic=Statistic.COUNT,
            polarity=Polarity.NEUTRAL,
            periodicity=Periodicity.MONTH,
            focus=Focus.OUTPUT,
            acting_user=None,
        )
        for code, departments in ADMISSIONS.items()
    ]


def ensure_nhs_collection(observations: pl.DataFrame) -> Collection:
    """``NHS-AE``, set up from an NHS file's rows if it does not exist yet."""
    existing = Collection.objects.filter(code=CODE).first()
    if existing is not None:
        return existing
    service = Service.objects.filter(code="health").first()
    links = ChainLink.objects.filter(service__code="health", valid_to__isnull=True)
    department = Organisation.objects.filter(
        pk__in=links.filter(role=ChainRole.DEPARTMENT).values("organisation")
    ).first()
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=["AE4H", *PARTS])}
    if service is None or department is None or len(indicators) < 4:
        raise ReturnsError(
            "An NHS A&E file needs the health chain (a department) and the indicators AE4H, AE4H_T1, AE4H_T2 "
            "and AE4H_OTH; build them first (localstat demo builds both).",
            code="invalid",
        )
    first = observations["period"].min()
    admissions = _admissions(service, department, first)
    active = observations.group_by("unit").agg(
        pl.col("period").min().alias("a"), pl.col("period").max().alias("b")
    )
    span = {unit: (a, b) for unit, a, b in active.iter_rows()}
    providers = Organisation.objects.filter(
        pk__in=links.filter(role=ChainRole.FRONT_LINE_UNIT).values("organisation"),
        unit_type=UnitType.NHS_PROVIDER,
    ).order_by("code")
    return create_collection(
        code=CODE,
        name="A&E attendances and emergency admissions (monthly situation report)",
        issuer=department,
        service=service,
        periodicity=Periodicity.MONTH,
        deadline_days=20,
        first_period=first,
        items=[
            *(ItemSpec(indicators[code]) for code in PARTS),
            ItemSpec(indicators["AE4H"], derived_from=PARTS),
            *(ItemSpec(indicator, screen_outliers=False) for indicator in admissions),
        ],
        units=[(unit, *span.get(unit.code, (None, None))) for unit in providers],
        description="NHS England's monthly A&E return: attendances, 4-hour breaches and emergency admissions "
        "by department type. AE4H is derived from the stored per-type values.",
        acting_user=None,
    )
