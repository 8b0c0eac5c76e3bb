"""The education controls register of the demo: shaped like the report's chart of external controls on
schools (paragraph 2.25; the chart captioned 2.7), and labelled illustrative wherever it is shown.

Every school faces 207 controls: 40 related to the 6 headline PSA targets (the 4 DfES, 8 Ofsted and 1
BVPI "further" controls the chart's note itemises, and 27 DfES controls the chart counts but does not
itemise) and 167 not related to them (21 DfES, 139 Ofsted, 7 BVPIs). The demo's departments are today's:
the Department for Education (``DFE``) stands for the DfES, and the Ministry of Housing, Communities and
Local Government (``MHCLG``) for the ODPM, which set the Best Value performance indicators. Titles the
note does not give are placeholders, numbered. Twelve Service Delivery Agreement targets, withdrawn in
April 2018, show the burden changing over time (as the 2003 Pre-Budget Report removed over 500).
"""

from __future__ import annotations

from datetime import date
from itertools import cycle

from localstat.chain.choices import UnitType
from localstat.chain.models import Organisation
from localstat.framework import services
from localstat.framework.choices import ControlKind, ControlScope, Focus
from localstat.framework.models import PSA, Control, Indicator
from localstat.framework.services import ControlSpec

K, F = ControlKind, Focus
IN_FORCE_FROM = date(2016, 9, 1)
SDA_REMOVED_ON = date(2018, 4, 1)
SOURCE = (
    "Illustrative: shaped like the chart of external controls on schools in Devolving decision making "
    "(HM Treasury, 2004, paragraph 2.25), not a real register"
)
#: What pages and the CLI say wherever these controls appear.
ILLUSTRATIVE_NOTE = (
    "Illustrative: the demo's education controls are shaped like the report's chart of external controls on "
    "schools (2.25: 207 controls, 40 of them related to the 6 headline PSA targets). Numbered titles are "
    "placeholders, not real requirements."
)

# (title, kind, focus, indicator code or None, PSA code or None)
Item = tuple[str, str, str, str | None, str | None]

DFE_FURTHER: list[Item] = [
    (
        "Report pupils' attendance to the local authority each week",
        K.MEASURE,
        F.OUTCOME,
        "EDU_ATT",
        "DFE-PSA3",
    ),
    (
        "Set and publish a school target for Key Stage 2 reading, writing and mathematics",
        K.TARGET,
        F.OUTCOME,
        "EDU_KS2_RWM",
        "DFE-PSA1",
    ),
    (
        "Return a half-termly attainment tracking sheet to the local authority",
        K.MEASURE,
        F.PROCESS,
        None,
        "DFE-PSA1",
    ),
    ("Teach a daily literacy hour and a daily mathematics lesson", K.COMPLIANCE, F.PROCESS, None, "DFE-PSA1"),
]
OFSTED_FURTHER: list[Item] = [
    (
        "Evaluation: how well pupils achieve in reading, writing and mathematics",
        K.MEASURE,
        F.OUTCOME,
        "EDU_KS2_RWM",
        "DFE-PSA1",
    ),
    (
        "Evaluation: standards in English and mathematics at the end of Key Stage 4",
        K.MEASURE,
        F.OUTCOME,
        "EDU_GCSE_EM",
        "DFE-PSA2",
    ),
    ("Evaluation: pupils' attendance and punctuality", K.MEASURE, F.OUTCOME, "EDU_ATT", "DFE-PSA3"),
    (
        "Evaluation: how well the school reduces persistent absence",
        K.MEASURE,
        F.OUTCOME,
        "EDU_PA",
        "DFE-PSA3",
    ),
    (
        "Evaluation: behaviour, and the school's use of exclusion",
        K.MEASURE,
        F.OUTCOME,
        "EDU_EXCL",
        "DFE-PSA3",
    ),
    ("Evaluation: the progress of disadvantaged pupils", K.COMPLIANCE, F.OUTCOME, None, "DFE-PSA1"),
    ("Evaluation: the quality of the teaching of early reading", K.COMPLIANCE, F.PROCESS, None, "DFE-PSA1"),
    (
        "Evaluation: how well assessment is used to track pupils' progress",
        K.COMPLIANCE,
        F.PROCESS,
        None,
        "DFE-PSA2",
    ),
]
BVPI_FURTHER: list[Item] = [
    ("BVPI: half days missed due to absence", K.MEASURE, F.OUTCOME, "BVPI_ABS", "DFE-PSA3"),
]
DFE_NOT_PSA: list[Item] = [
    ("Publish a school prospectus with the prescribed information", K.COMPLIANCE, F.PROCESS, None, None),
    ("Complete the school census each term", K.MEASURE, F.INPUT, None, None),
    ("Return the school workforce census", K.MEASURE, F.INPUT, None, None),
    ("Publish a charging and remissions policy", K.COMPLIANCE, F.PROCESS, None, None),
    ("Provide a daily act of collective worship", K.COMPLIANCE, F.PROCESS, None, None),
    ("Publish the governors' annual report to parents", K.COMPLIANCE, F.PROCESS, None, None),
    ("Keep infant classes to 30 pupils or fewer", K.TARGET, F.INPUT, None, None),
    (
        "Report the budget outturn in the consistent financial reporting format",
        K.MEASURE,
        F.INPUT,
        None,
        None,
    ),
]
OFSTED_NOT_PSA: list[Item] = [
    # Box 2.1's own example of a compliance requirement.
    (
        "Evaluation: respect for the feelings, values and beliefs of others",
        K.COMPLIANCE,
        F.PROCESS,
        None,
        None,
    ),
    ("Evaluation: the effectiveness of leadership and management", K.COMPLIANCE, F.PROCESS, None, None),
    ("Evaluation: the school's links with parents and the community", K.COMPLIANCE, F.PROCESS, None, None),
    (
        "Evaluation: pupils' spiritual, moral, social and cultural development",
        K.COMPLIANCE,
        F.OUTPUT,
        None,
        None,
    ),
    ("Evaluation: the accommodation and learning resources", K.COMPLIANCE, F.INPUT, None, None),
    ("Evaluation: the care, guidance and support of pupils", K.COMPLIANCE, F.PROCESS, None, None),
    ("Evaluation: the breadth and balance of the curriculum", K.COMPLIANCE, F.PROCESS, None, None),
    ("Evaluation: the governing body's oversight of the school", K.COMPLIANCE, F.PROCESS, None, None),
]
BVPI_NOT_PSA: list[Item] = [
    ("BVPI: surplus places in the authority's schools", K.MEASURE, F.INPUT, None, None),
    ("BVPI: energy used per square metre of school buildings", K.MEASURE, F.INPUT, None, None),
]


def _numbered(
    prefix: str,
    count: int,
    named: list[Item],
    placeholder: str,
    kinds: list[str],
    focuses: list[str],
    psas: list[str | None],
) -> list[tuple[str, Item]]:
    """``count`` items: the named ones first, then numbered placeholders with cycling kinds and focuses."""
    items = list(named)
    kind, focus, psa = cycle(kinds), cycle(focuses), cycle(psas)
    for number in range(len(items) + 1, count + 1):
        items.append((placeholder.format(n=number, count=count), next(kind), next(focus), None, next(psa)))
    return [(f"{prefix}-{number:03d}", item) for number, item in enumerate(items, start=1)]


def register_plan() -> list[tuple[str, str, str, tuple[str, Item]]]:
    """(issuing body, framework, group, (code, item)) for each of the 207 controls in force."""
    psa_cycle: list[str | None] = ["DFE-PSA1", "DFE-PSA2", "DFE-PSA3"]
    groups = [
        (
            "DFE",
            "School standards requirements (DfES)",
            "PSA-related, itemised",
            _numbered("DFE-P", 4, DFE_FURTHER, "", [], [], []),
        ),
        (
            "DFE",
            "School standards requirements (DfES)",
            "PSA-related, counted but not itemised",
            _numbered(
                "DFE-Q",
                27,
                [],
                "DfES PSA-related control {n} of {count} (counted in the report, not itemised)",
                [K.TARGET, K.MEASURE, K.COMPLIANCE],
                [F.OUTPUT, F.PROCESS, F.OUTCOME, F.INPUT],
                psa_cycle,
            ),
        ),
        (
            "OFSTED",
            "Ofsted school inspection framework",
            "PSA-related, itemised",
            _numbered("OFSTED-P", 8, OFSTED_FURTHER, "", [], [], []),
        ),
        (
            "MHCLG",
            "Best Value performance indicators (BVPIs)",
            "PSA-related, itemised",
            _numbered("BVPI-P", 1, BVPI_FURTHER, "", [], [], []),
        ),
        (
            "DFE",
            "School standards requirements (DfES)",
            "not PSA-related",
            _numbered(
                "DFE-N",
                21,
                DFE_NOT_PSA,
                "DfES requirement {n} of {count} not related to a PSA (placeholder)",
                [K.COMPLIANCE, K.MEASURE],
                [F.PROCESS, F.INPUT, F.OUTPUT],
                [None],
            ),
        ),
        (
            "OFSTED",
            "Ofsted school inspection framework",
            "not PSA-related",
            _numbered(
                "OFSTED-N",
                139,
                OFSTED_NOT_PSA,
                "Ofsted evaluation criterion {n} of {count} (placeholder)",
                [K.COMPLIANCE],
                [F.PROCESS, F.OUTPUT, F.INPUT],
                [None],
            ),
        ),
        (
            "MHCLG",
            "Best Value performance indicators (BVPIs)",
            "not PSA-related",
            _numbered(
                "BVPI-N",
                7,
                BVPI_NOT_PSA,
                "Best Value performance indicator {n} of {count} (placeholder)",
                [K.MEASURE],
                [F.OUTPUT, F.INPUT],
                [None],
            ),
        ),
    ]
    return [
        (body, framework, group, entry) for body, framework, group, entries in groups for entry in entries
    ]


def register_education_controls(
    bodies: dict[str, Organisation], psas: dict[str, PSA], indicators: dict[str, Indicator]
) -> list[Control]:
    specs = [
        ControlSpec(
            code=code,
            title=title,
            kind=kind,
            focus=focus,
            issuing_body=bodies[body],
            framework=framework,
            psa=psas[psa] if psa else None,
            indicator=indicators[indicator] if indicator else None,
            description=f"Illustrative control, {group}.",
            in_force_from=IN_FORCE_FROM,
            scope=ControlScope.UNIT_TYPE,
            unit_type=UnitType.SCHOOL,
            illustrative=True,
            source=SOURCE,
        )
        for body, framework, group, (code, (title, kind, focus, indicator, psa)) in register_plan()
    ]
    withdrawn = [
        ControlSpec(
            code=f"DFE-SDA-{n:03d}",
            title=f"Service Delivery Agreement target {n} of 12 (placeholder)",
            kind=K.TARGET,
            focus=[F.PROCESS, F.INPUT][n % 2],
            issuing_body=bodies["DFE"],
            framework="Service Delivery Agreement (DfES)",
            psa=psas[f"DFE-PSA{1 + n % 3}"],
            description="Illustrative subsidiary target detailing the process behind a PSA (2.8), withdrawn in 2018.",
            in_force_from=IN_FORCE_FROM,
            scope=ControlScope.UNIT_TYPE,
            unit_type=UnitType.SCHOOL,
            illustrative=True,
            source=SOURCE,
        )
        for n in range(1, 13)
    ]
    controls = services.register_controls(specs=specs + withdrawn, acting_user=None)
    services.remove_controls(
        controls=controls[len(specs) :],
        on=SDA_REMOVED_ON,
        reason="Service Delivery Agreements abolished: their process and input targets are withdrawn (illustrative)",
        acting_user=None,
    )
    return controls[: len(specs)]
