"""Demo step: returns, through the same import service a user's file, form or API call goes through.

- Health (real): the shipped NHS England A&E file, as it is, as the 274 providers' monthly returns
  for April 2016 to March 2019: 4-hour proportions per department type, admissions counts, and
  ``AE4H`` derived from the stored per-type values. All approved by their area, except area Q70's
  March 2019 returns, left submitted for the demo's manager to approve.
- Education, policing and local government (synthetic, seeded, labelled so): weekly attendance and
  half-termly attainment, absence and exclusions for the schools; monthly crime for the basic command
  units; quarterly measures for the councils. A few returns are left missing, so the tick finds them
  overdue, and MHCLG's request for the BVPI absence figure is refused by the gateway (the weekly
  attendance return already gives it) and MHCLG joins that collection instead.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from localstat.chain.choices import ChainRole
from localstat.chain.models import ChainLink, Organisation, Service
from localstat.demo.nhs import ATTENDANCES_CSV
from localstat.demo.pipeline import DemoContext, DemoStep
from localstat.framework.choices import Periodicity
from localstat.framework.models import Indicator
from localstat.framework.periods import periods_between
from localstat.framework.selectors import school_calendar_for
from localstat.returns.choices import OnFailure, RuleKind, Source
from localstat.returns.errors import GatewayRefusal
from localstat.returns.files import read_returns_file
from localstat.returns.imports import import_observations
from localstat.returns.nhs import ensure_nhs_collection
from localstat.returns.services import ItemSpec, add_quality_rule, create_collection
from localstat.returns.tick import note_overdue_returns

FIRST = date(2016, 4, 1)
LAST = date(2019, 3, 31)
SCHOOLS_FROM = date(2016, 9, 1)
SYNTHETIC = "Synthetic: values invented for the LocalStat demo, drawn from a seeded generator."
#: The area whose latest returns are left for its manager (the demo's manager login) to approve.
LEFT_FOR_APPROVAL = "Q70"


def _units(service: Service) -> list[Organisation]:
    links = ChainLink.objects.filter(service=service, role=ChainRole.FRONT_LINE_UNIT, valid_to__isnull=True)
    return list(Organisation.objects.filter(pk__in=links.values("organisation")).order_by("code"))


def _import(context: DemoContext, frame: pl.DataFrame, *, name: str, approve: bool = True) -> None:
    result = import_observations(
        observations=frame.with_columns(
            row=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
            line=pl.int_range(2, pl.len() + 2, dtype=pl.Int64),
        ).select("row", "line", "unit", "indicator", "period", "numerator", "denominator"),
        source=Source.DEMO,
        acting_user=None,
        approve=approve,
        file_name=name,
        received_on_deadline=True,
        as_of=context.as_of,
        # History loaded before anything is judged: the demo's assessment step judges all of it once,
        # so no background re-judgement is queued to run (again, in full) when the server starts.
        announce=False,
    )
    context.progress(
        f"      {name}: {result.summary}, {result.derived} derived, {result.warnings} warnings"
        + (f", {result.approved} returns approved" if approve else "")
    )


def _health(context: DemoContext, service: Service) -> None:
    parsed = read_returns_file(ATTENDANCES_CSV.read_bytes(), ATTENDANCES_CSV.name)
    ensure_nhs_collection(parsed.observations)
    q70 = set(
        ChainLink.objects.filter(
            service=service, accountable_to__code=LEFT_FOR_APPROVAL, valid_to__isnull=True
        ).values_list("organisation__code", flat=True)
    )
    latest = parsed.observations["period"].max()
    held = pl.col("unit").is_in(list(q70)) & (pl.col("period") == latest)
    _import(context, parsed.observations.filter(~held), name=f"{ATTENDANCES_CSV.name} (approved)")
    _import(
        context,
        parsed.observations.filter(held),
        name=f"{ATTENDANCES_CSV.name}, {LEFT_FOR_APPROVAL} {latest}",
        approve=False,
    )


def _frame(rows: dict[str, object]) -> pl.DataFrame:
    return pl.DataFrame(rows).with_columns(
        pl.col("numerator").cast(pl.Float64), pl.col("denominator").cast(pl.Float64)
    )


def _drop_a_few(context: DemoContext, frame: pl.DataFrame, keys: list[str], share: float) -> pl.DataFrame:
    """Leave a few returns out, so the tick has overdue returns to find."""
    returns = frame.select(keys).unique(maintain_order=True)
    keep = returns.filter(pl.Series(context.rng.random(returns.height) >= share))
    return frame.join(keep, on=keys, how="semi")


def _education(context: DemoContext, service: Service, dfe: Organisation, mhclg: Organisation) -> None:
    schools = _units(service)
    ind = {
        i.code: i
        for i in Indicator.objects.filter(
            code__in=["EDU_ATT", "EDU_PA", "EDU_KS2_RWM", "EDU_GCSE_EM", "EDU_EXCL", "BVPI_ABS"]
        )
    }
    calendar = school_calendar_for(service)
    assert calendar is not None, "the framework step gives education its school calendar"
    weeks = [
        p.start
        for p in periods_between("week", SCHOOLS_FROM, LAST)
        if calendar.index_containing(p.start) is not None
    ]
    terms = [t.start for t in calendar.terms if t.start >= SCHOOLS_FROM and t.end <= LAST]
    weekly = create_collection(
        code="EDU-WEEKLY",
        name="School attendance, weekly (synthetic)",
        issuer=dfe,
        service=service,
        periodicity=Periodicity.WEEK,
        deadline_days=3,
        first_period=weeks[0],
        items=[ItemSpec(ind["EDU_ATT"], required=True)],
        units=schools,
        description=SYNTHETIC,
        synthetic=True,
        acting_user=None,
    )
    half = create_collection(
        code="EDU-HALFTERM",
        name="School progress, absence and exclusions, half-termly (synthetic)",
        issuer=dfe,
        service=service,
        periodicity=Periodicity.HALF_TERM,
        deadline_days=10,
        first_period=terms[0],
        items=[ItemSpec(ind[c]) for c in ("EDU_KS2_RWM", "EDU_GCSE_EM", "EDU_PA", "EDU_EXCL")],
        units=schools,
        description=SYNTHETIC,
        synthetic=True,
        acting_user=None,
    )
    add_quality_rule(
        collection=half,
        code="attainment-range",
        description="KS2 attainment is rarely below 20% or above 98%",
        kind=RuleKind.RANGE,
        indicator=ind["EDU_KS2_RWM"],
        minimum=20.0,
        maximum=98.0,
        on_failure=OnFailure.WARN,
        acting_user=None,
    )
    rng = context.rng
    pupils = rng.integers(180, 1400, len(schools))
    level = rng.uniform(0.935, 0.97, len(schools))
    secondary = np.array(["Secondary" in s.name for s in schools])
    n_s, n_w = len(schools), len(weeks)
    possible = np.repeat(pupils * 10, n_w)
    rate = np.clip(np.repeat(level, n_w) + rng.normal(0, 0.008, n_s * n_w), 0.8, 0.995)
    attendance = _frame(
        {
            "unit": np.repeat([s.code for s in schools], n_w),
            "indicator": "EDU_ATT",
            "period": np.tile(np.array(weeks, dtype="datetime64[D]"), n_s),
            "numerator": np.round(possible * rate),
            "denominator": possible,
        }
    ).with_columns(pl.col("period").cast(pl.Date))
    _import(
        context, _drop_a_few(context, attendance, ["unit", "period"], 0.004), name="EDU-WEEKLY (synthetic)"
    )

    n_t = len(terms)
    cohort = np.repeat(np.maximum(pupils // 7, 20), n_t)
    frames = []
    for code, share, sd in (("EDU_KS2_RWM", 0.64, 0.07), ("EDU_GCSE_EM", 0.6, 0.08)):
        wanted = ~secondary if code == "EDU_KS2_RWM" else secondary
        base = np.repeat(np.clip(rng.normal(share, sd, n_s), 0.25, 0.95), n_t)
        p = np.clip(base + rng.normal(0, 0.03, n_s * n_t), 0.05, 0.99)
        frame = _frame(
            {
                "unit": np.repeat([s.code for s in schools], n_t),
                "indicator": code,
                "period": np.tile(np.array(terms, dtype="datetime64[D]"), n_s),
                "numerator": np.round(cohort * p),
                "denominator": cohort,
            }
        )
        frames.append(frame.filter(pl.Series(np.repeat(wanted, n_t))))
    roll = np.repeat(pupils, n_t)
    for code, mean in (("EDU_PA", 0.1), ("EDU_EXCL", 0.02)):
        frames.append(
            _frame(
                {
                    "unit": np.repeat([s.code for s in schools], n_t),
                    "indicator": code,
                    "period": np.tile(np.array(terms, dtype="datetime64[D]"), n_s),
                    "numerator": rng.binomial(roll, mean),
                    "denominator": roll,
                }
            )
        )
    _import(
        context,
        pl.concat(frames).with_columns(pl.col("period").cast(pl.Date)),
        name="EDU-HALFTERM (synthetic)",
    )
    # The Best Value absence indicator is recorded as equivalent to weekly attendance: the gateway
    # refuses a second request and MHCLG uses the weekly collection instead.
    try:
        create_collection(
            code="BVPI-ABSENCE",
            name="BVPI school absence, yearly (synthetic)",
            issuer=mhclg,
            service=service,
            periodicity=Periodicity.FINANCIAL_YEAR,
            deadline_days=60,
            first_period=FIRST,
            items=[ItemSpec(ind["BVPI_ABS"])],
            units=schools,
            synthetic=True,
            acting_user=None,
        )
    except GatewayRefusal as refusal:
        context.progress(f"      gateway: {refusal.messages[0]}")
    assert weekly.issuers.filter(code=mhclg.code).exists()


def _policing(context: DemoContext, service: Service, home_office: Organisation) -> None:
    bcus = _units(service)
    ind = {i.code: i for i in Indicator.objects.filter(code__in=["POL_CRIME", "POL_BURG", "POL_SOLVED"])}
    collection = create_collection(
        code="POL-MONTHLY",
        name="Recorded crime, burglary and outcomes, monthly (synthetic)",
        issuer=home_office,
        service=service,
        periodicity=Periodicity.MONTH,
        deadline_days=15,
        first_period=FIRST,
        items=[ItemSpec(ind[c], required=True) for c in ("POL_CRIME", "POL_BURG", "POL_SOLVED")],
        units=bcus,
        description=SYNTHETIC,
        synthetic=True,
        acting_user=None,
    )
    add_quality_rule(
        collection=collection,
        code="outcomes-of-recorded-crime",
        description="Outcomes are counted over the crimes recorded in the month",
        kind=RuleKind.EXPRESSION,
        left="POL_SOLVED.denominator",
        operator="==",
        right="POL_CRIME",
        importance="high",
        on_failure=OnFailure.REJECT,
        acting_user=None,
    )
    months = [p.start for p in periods_between("month", FIRST, LAST)]
    rng = context.rng
    n_b, n_m = len(bcus), len(months)
    population = np.repeat(rng.integers(60_000, 320_000, n_b), n_m)
    households = population // 2
    season = np.tile(1 + 0.08 * np.sin(np.arange(n_m) * 2 * np.pi / 12), n_b)
    crimes = rng.poisson(population * np.repeat(rng.uniform(0.005, 0.011, n_b), n_m) * season)
    burglaries = rng.poisson(households * 0.0009 * season)
    solved = rng.binomial(crimes, np.repeat(rng.uniform(0.07, 0.16, n_b), n_m))
    unit = np.repeat([b.code for b in bcus], n_m)
    period = np.tile(np.array(months, dtype="datetime64[D]"), n_b)
    frame = pl.concat(
        [
            _frame(
                {
                    "unit": unit,
                    "indicator": "POL_CRIME",
                    "period": period,
                    "numerator": crimes,
                    "denominator": population,
                }
            ),
            _frame(
                {
                    "unit": unit,
                    "indicator": "POL_BURG",
                    "period": period,
                    "numerator": burglaries,
                    "denominator": households,
                }
            ),
            _frame(
                {
                    "unit": unit,
                    "indicator": "POL_SOLVED",
                    "period": period,
                    "numerator": solved,
                    "denominator": crimes,
                }
            ),
        ]
    ).with_columns(pl.col("period").cast(pl.Date))
    _import(context, frame, name="POL-MONTHLY (synthetic)")


def _councils(context: DemoContext, service: Service, mhclg: Organisation) -> None:
    councils = _units(service)
    ind = {i.code: i for i in Indicator.objects.filter(code__in=["LG_RECYCLE", "LG_PLANNING", "LG_CTAX"])}
    create_collection(
        code="LG-QUARTERLY",
        name="Council performance, quarterly (synthetic)",
        issuer=mhclg,
        service=service,
        periodicity=Periodicity.QUARTER,
        deadline_days=30,
        first_period=FIRST,
        items=[ItemSpec(ind[c]) for c in ("LG_RECYCLE", "LG_PLANNING", "LG_CTAX")],
        units=councils,
        description=SYNTHETIC,
        synthetic=True,
        acting_user=None,
    )
    quarters = [p.start for p in periods_between("quarter", FIRST, LAST)]
    rng = context.rng
    n_c, n_q = len(councils), len(quarters)
    unit = np.repeat([c.code for c in councils], n_q)
    period = np.tile(np.array(quarters, dtype="datetime64[D]"), n_c)
    frames = []
    for code, low, high, scale in (
        ("LG_RECYCLE", 0.3, 0.55, 20_000),
        ("LG_PLANNING", 0.7, 0.95, 300),
        ("LG_CTAX", 0.25, 0.3, 80_000),
    ):
        whole = np.repeat(rng.integers(scale // 2, scale * 2, n_c), n_q)
        share = np.clip(np.repeat(rng.uniform(low, high, n_c), n_q) + rng.normal(0, 0.02, n_c * n_q), 0, 1)
        frames.append(
            _frame(
                {
                    "unit": unit,
                    "indicator": code,
                    "period": period,
                    "numerator": np.round(whole * share),
                    "denominator": whole,
                }
            )
        )
    _import(
        context,
        pl.concat(frames).with_columns(pl.col("period").cast(pl.Date)),
        name="LG-QUARTERLY (synthetic)",
    )


def build_returns(context: DemoContext) -> None:
    service = {s.code: s for s in Service.objects.all()}
    org = {o.code: o for o in Organisation.objects.filter(code__in=["DH", "DFE", "HO", "MHCLG"])}
    _health(context, service["health"])
    _education(context, service["education"], org["DFE"], org["MHCLG"])
    _policing(context, service["policing"], org["HO"])
    _councils(context, service["local-government"], org["MHCLG"])
    context.progress(f"      tick as of {context.as_of}: {note_overdue_returns(context.as_of)}")


STEPS = [
    DemoStep(
        name="returns",
        run=build_returns,
        description="Returns: the NHS A&E file and synthetic returns, through the import service",
        after=("chain", "framework"),
    )
]

__all__ = ["STEPS", "build_returns"]
