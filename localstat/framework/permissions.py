"""The framework's actions and who may take them (see ``localstat.chain.access``).

Each action is checked against the organisation it acts on: a department for its PSAs, indicators
and national targets; each unit for a target placed on units or an exemption; the issuing body for a
control. Services check them whenever a person acts (``acting_user`` of ``None`` is the system: the
demo, a task, an assessment run).
"""

from localstat.chain.access import Relation, register_action
from localstat.chain.choices import Role
from localstat.chain.permissions import IN_CHAIN

R = Relation

VIEW_FRAMEWORK = register_action(
    "framework.view_framework",
    "See PSAs, agreed targets, standards, the controls register and burden reports",
    public=True,
)
VIEW_INTERNAL = register_action(
    "framework.view_internal",
    "See proposed targets and internal-only indicators (never published)",
    IN_CHAIN,
)
MANAGE_INDICATORS = register_action(
    "framework.manage_indicators",
    "Define and revise a department's indicators, PSAs and school calendars",
    [(Role.DEPARTMENT_ANALYST, R.SELF)],
)
PROPOSE_TARGET = register_action(
    "framework.propose_target",
    "Propose a target (national at one's department, or on units in one's chain)",
    [
        (Role.DEPARTMENT_ANALYST, R.SELF),
        (Role.DEPARTMENT_ANALYST, R.OVERSEES),
        (Role.PERFORMANCE_MANAGER, R.MANAGES),
    ],
)
AGREE_TARGET = register_action(
    "framework.agree_target",
    "Agree targets and make them active",
    [
        (Role.DEPARTMENT_ANALYST, R.SELF),
        (Role.DEPARTMENT_ANALYST, R.OVERSEES),
        (Role.PERFORMANCE_MANAGER, R.MANAGES),
    ],
)
RECORD_TARGET_OUTCOME = register_action(
    "framework.record_target_outcome",
    "Record, with evidence, that an active target was met or missed",
    [(Role.DEPARTMENT_ANALYST, R.SELF), (Role.DEPARTMENT_ANALYST, R.OVERSEES)],
)
CASCADE_TARGET = register_action(
    "framework.cascade_target",
    "Cascade a PSA target into targets for one's own units",
    [(Role.PERFORMANCE_MANAGER, R.MANAGES)],
)
GRANT_EXEMPTION = register_action(
    "framework.grant_exemption",
    "Exempt a unit from further targets on an indicator, or end an exemption",
    [(Role.DEPARTMENT_ANALYST, R.OVERSEES), (Role.PERFORMANCE_MANAGER, R.MANAGES)],
)
MANAGE_CONTROLS = register_action(
    "framework.manage_controls",
    "Register, import and remove the controls an issuing body places on units",
    [(Role.DEPARTMENT_ANALYST, R.SELF), (Role.INSPECTOR, R.SELF)],
)
