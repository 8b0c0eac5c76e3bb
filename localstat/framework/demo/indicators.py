"""The demo's indicators and the education service's school calendar.

Every code here is what the returns step loads data for (see ``DEMO_INDICATORS``): health's four A&E
indicators are measured on the real NHS England data; the others belong to the synthetic chains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from localstat.chain.models import Organisation, Service
from localstat.framework import services
from localstat.framework.choices import Focus, Periodicity, Polarity, Statistic
from localstat.framework.models import Indicator
from localstat.framework.periods import Term

#: Indicators are defined from the start of the demo's data (April 2016).
DEFINED_FROM = date(2016, 4, 1)


@dataclass(frozen=True)
class DemoIndicator:
    code: str
    service: str
    owner: str
    name: str
    definition: str
    numerator: str
    denominator: str
    statistic: str
    multiplier: int
    display_unit: str
    polarity: str
    periodicity: str
    focus: str = Focus.OUTCOME
    internal_only: bool = False
    synthetic: bool = True


_AE = "admitted, transferred or discharged within 4 hours of arrival"


def _ae(code: str, scope: str, departments: str) -> DemoIndicator:
    return DemoIndicator(
        code=code,
        service="health",
        owner="DH",
        name=f"A&E: patients seen within 4 hours ({scope})",
        definition=(
            f"The percentage of attendances at {departments} where the patient was {_AE} "
            "(100% minus the 4-hour breaches as a share of attendances), as NHS England publishes it monthly. "
            "The national operational standard is 95%."
        ),
        numerator=f"Attendances at {departments} {_AE} (attendances minus 4-hour breaches)",
        denominator=f"All attendances at {departments}",
        statistic=Statistic.PROPORTION,
        multiplier=100,
        display_unit="%",
        polarity=Polarity.HIGHER,
        periodicity=Periodicity.MONTH,
        synthetic=False,
    )


def _proportion(
    code: str,
    service: str,
    owner: str,
    name: str,
    definition: str,
    numerator: str,
    denominator: str,
    polarity: str,
    periodicity: str,
    **more: object,
) -> DemoIndicator:
    return DemoIndicator(
        code=code,
        service=service,
        owner=owner,
        name=name,
        definition=definition,
        numerator=numerator,
        denominator=denominator,
        statistic=Statistic.PROPORTION,
        multiplier=100,
        display_unit="%",
        polarity=polarity,
        periodicity=periodicity,
        **more,  # type: ignore[arg-type]
    )


#: Every demo indicator, by code. The returns step loads observations for these codes.
DEMO_INDICATORS: dict[str, DemoIndicator] = {
    i.code: i
    for i in [
        # Health: real data (NHS England A&E attendances and 4-hour breaches, April 2016 – March 2019).
        _ae("AE4H", "all department types", "every type of A&E department"),
        _ae("AE4H_T1", "type 1, major emergency departments", "type 1 (major emergency) departments"),
        _ae("AE4H_T2", "type 2, single-specialty departments", "type 2 (single-specialty) departments"),
        _ae("AE4H_OTH", "other departments", "other A&E departments (minor injury units, walk-in centres)"),
        # Education: synthetic schools. Weekly attendance; half-termly attainment, absence, exclusions.
        _proportion(
            "EDU_ATT",
            "education",
            "DFE",
            "Pupil attendance",
            "Sessions attended as a percentage of possible sessions, for pupils of compulsory school age.",
            "Sessions attended",
            "Possible sessions",
            Polarity.HIGHER,
            Periodicity.WEEK,
        ),
        _proportion(
            "EDU_PA",
            "education",
            "DFE",
            "Persistent absence",
            "Pupils who missed 10% or more of their possible sessions in the half-term, as a percentage of pupils.",
            "Pupils missing 10% or more of possible sessions",
            "Pupils on roll of compulsory school age",
            Polarity.LOWER,
            Periodicity.HALF_TERM,
        ),
        _proportion(
            "EDU_KS2_RWM",
            "education",
            "DFE",
            "Key Stage 2: expected standard in reading, writing and maths",
            "Year 6 pupils the school's teacher assessment places at the expected standard or above in "
            "reading, writing and mathematics, as a percentage of Year 6 pupils.",
            "Year 6 pupils at the expected standard in all three",
            "Year 6 pupils",
            Polarity.HIGHER,
            Periodicity.HALF_TERM,
        ),
        _proportion(
            "EDU_GCSE_EM",
            "education",
            "DFE",
            "Key Stage 4: on track for grade 4 in English and maths",
            "Year 11 pupils the school's assessment places on track for grade 4 or above in both English and "
            "mathematics GCSE, as a percentage of Year 11 pupils.",
            "Year 11 pupils on track for grade 4+ in both",
            "Year 11 pupils",
            Polarity.HIGHER,
            Periodicity.HALF_TERM,
        ),
        DemoIndicator(
            code="EDU_EXCL",
            service="education",
            owner="DFE",
            name="Fixed-period exclusions",
            definition="Fixed-period exclusions in the half-term per 100 pupils on roll.",
            numerator="Fixed-period exclusions",
            denominator="Pupils on roll",
            statistic=Statistic.RATE,
            multiplier=100,
            display_unit="per 100 pupils",
            polarity=Polarity.LOWER,
            periodicity=Periodicity.HALF_TERM,
        ),
        _proportion(
            "EDU_OBS",
            "education",
            "DFE",
            "Lessons observed by senior leaders",
            "Teachers observed teaching by a senior leader in the half-term, as a percentage of teachers: "
            "a process measure, which no PSA target may use.",
            "Teachers observed",
            "Teachers in post",
            Polarity.NEUTRAL,
            Periodicity.HALF_TERM,
            focus=Focus.PROCESS,
        ),
        DemoIndicator(
            code="EDU_STAFF_ABS",
            service="education",
            owner="DFE",
            name="Teacher sickness absence",
            definition="Days of teacher sickness absence in the half-term per teacher in post: internal "
            "management data, never published.",
            numerator="Days of teacher sickness absence",
            denominator="Teachers in post",
            statistic=Statistic.RATE,
            multiplier=1,
            display_unit="days per teacher",
            polarity=Polarity.LOWER,
            periodicity=Periodicity.HALF_TERM,
            focus=Focus.INPUT,
            internal_only=True,
        ),
        _proportion(
            "BVPI_ABS",
            "education",
            "MHCLG",
            "BVPI: half days missed due to absence",
            "Best Value performance indicator: half days missed through absence as a percentage of half days "
            "possible, reported each financial year (the complement of EDU_ATT, recorded as equivalent).",
            "Half days missed",
            "Half days possible",
            Polarity.LOWER,
            Periodicity.FINANCIAL_YEAR,
        ),
        # Policing: synthetic basic command units, monthly.
        DemoIndicator(
            code="POL_CRIME",
            service="policing",
            owner="HO",
            name="Recorded crime",
            definition="Notifiable offences recorded by the police in the month per 1,000 resident population.",
            numerator="Notifiable offences recorded",
            denominator="Resident population",
            statistic=Statistic.RATE,
            multiplier=1000,
            display_unit="per 1,000 people",
            polarity=Polarity.LOWER,
            periodicity=Periodicity.MONTH,
        ),
        DemoIndicator(
            code="POL_BURG",
            service="policing",
            owner="HO",
            name="Domestic burglary",
            definition="Domestic burglaries recorded in the month per 1,000 households (the National Policing "
            "Plan measure the report quotes in Box 2.1).",
            numerator="Domestic burglaries recorded",
            denominator="Households",
            statistic=Statistic.RATE,
            multiplier=1000,
            display_unit="per 1,000 households",
            polarity=Polarity.LOWER,
            periodicity=Periodicity.MONTH,
        ),
        _proportion(
            "POL_SOLVED",
            "policing",
            "HO",
            "Crimes charged or summonsed",
            "Recorded crimes in the month that resulted in a charge or summons, as a percentage of recorded crimes.",
            "Crimes resulting in a charge or summons",
            "Recorded crimes",
            Polarity.HIGHER,
            Periodicity.MONTH,
            focus=Focus.OUTPUT,
        ),
        # Local government: synthetic councils, quarterly.
        _proportion(
            "LG_RECYCLE",
            "local-government",
            "MHCLG",
            "Household waste recycled or composted",
            "Household waste sent for reuse, recycling or composting in the quarter, as a percentage of "
            "household waste collected.",
            "Tonnes reused, recycled or composted",
            "Tonnes of household waste collected",
            Polarity.HIGHER,
            Periodicity.QUARTER,
        ),
        _proportion(
            "LG_PLANNING",
            "local-government",
            "MHCLG",
            "Major planning applications decided in 13 weeks",
            "Major planning applications decided within 13 weeks (or an agreed extension) in the quarter, as a "
            "percentage of major applications decided.",
            "Major applications decided in time",
            "Major applications decided",
            Polarity.HIGHER,
            Periodicity.QUARTER,
            focus=Focus.OUTPUT,
        ),
        _proportion(
            "LG_CTAX",
            "local-government",
            "MHCLG",
            "Council tax collected",
            "Council tax collected by the end of the quarter as a percentage of the year's net collectable debit.",
            "Council tax collected so far in the year",
            "Net collectable debit for the year",
            Polarity.HIGHER,
            Periodicity.QUARTER,
            focus=Focus.OUTPUT,
        ),
    ]
}

#: Pairs recorded as asking for the same thing, so controls on them are reported as overlaps.
EQUIVALENCES = [("EDU_ATT", "BVPI_ABS", "Half days missed is 100% minus the attendance rate, over a year.")]


def define_indicators(
    owners: dict[str, Organisation], service_by_code: dict[str, Service]
) -> dict[str, Indicator]:
    made = {}
    for spec in DEMO_INDICATORS.values():
        made[spec.code] = services.define_indicator(
            code=spec.code,
            name=spec.name,
            service=service_by_code[spec.service],
            owner=owners[spec.owner],
            valid_from=DEFINED_FROM,
            definition=spec.definition,
            numerator_definition=spec.numerator,
            denominator_definition=spec.denominator,
            statistic=spec.statistic,
            multiplier=spec.multiplier,
            display_unit=spec.display_unit,
            polarity=spec.polarity,
            periodicity=spec.periodicity,
            focus=spec.focus,
            internal_only=spec.internal_only,
            synthetic=spec.synthetic,
            acting_user=None,
        )
    for a, b, reason in EQUIVALENCES:
        services.record_equivalence(indicator=made[a], equivalent=made[b], reason=reason, acting_user=None)
    return made


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _friday_before(monday: date) -> date:
    return monday - timedelta(days=3)


def _easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def school_terms(first_year: int, last_year: int) -> list[Term]:
    """Six half-terms a year in the usual English pattern: autumn from early September with a week off at
    the end of October, spring from early January with a week off in mid-February, two weeks at Easter,
    summer with a week off at the end of May, ending around 20 July. Synthetic, and labelled so."""
    terms = []
    for year in range(first_year, last_year + 1):
        label = f"{year}/{(year + 1) % 100:02d}"
        autumn = _monday_on_or_after(date(year, 9, 1))
        october = _monday_on_or_after(date(year, 10, 25)) - timedelta(days=7)
        christmas = date(year, 12, 21) - timedelta(days=(date(year, 12, 21).weekday() - 4) % 7)
        spring = _monday_on_or_after(date(year + 1, 1, 3))
        february = _monday_on_or_after(date(year + 1, 2, 12))
        easter_break = _easter(year + 1) - timedelta(days=6)  # the Monday of Holy Week
        summer = easter_break + timedelta(days=14)
        may = _monday_on_or_after(date(year + 1, 5, 25))
        july = date(year + 1, 7, 20) - timedelta(days=(date(year + 1, 7, 20).weekday() - 4) % 7)
        terms += [
            Term("Autumn 1", label, autumn, _friday_before(october)),
            Term("Autumn 2", label, october + timedelta(days=7), christmas),
            Term("Spring 1", label, spring, _friday_before(february)),
            Term("Spring 2", label, february + timedelta(days=7), _friday_before(easter_break)),
            Term("Summer 1", label, summer, _friday_before(may)),
            Term("Summer 2", label, may + timedelta(days=7), july),
        ]
    return terms
