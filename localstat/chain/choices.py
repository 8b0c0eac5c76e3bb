from django.db import models


class ChainRole(models.TextChoices):
    """An organisation's place in one service's delivery chain."""

    DEPARTMENT = "department", "Department"
    INTERMEDIATE_TIER = "intermediate_tier", "Intermediate tier"
    FRONT_LINE_UNIT = "front_line_unit", "Front line unit"
    INSPECTORATE = "inspectorate", "Inspectorate"


class OrganisationKind(models.TextChoices):
    """What sort of body an organisation is, whatever role it plays in a chain."""

    DEPARTMENT = "department", "Government department"
    REGION = "region", "Region"
    HEALTH_AREA = "health_area", "NHS area"
    HOLDING_BODY = "holding_body", "Holding body"
    COUNCIL = "council", "Council"
    GOVERNMENT_OFFICE = "government_office", "Government Office"
    POLICE_FORCE = "police_force", "Police force"
    INSPECTORATE = "inspectorate", "Inspectorate"
    UNIT = "unit", "Front line unit"


class UnitType(models.TextChoices):
    """The kind of front line unit; blank for organisations that are not units."""

    SCHOOL = "school", "School"
    NHS_PROVIDER = "nhs_provider", "NHS provider"
    BASIC_COMMAND_UNIT = "basic_command_unit", "Basic command unit"
    COUNCIL = "council", "Council"
    COUNCIL_SERVICE = "council_service", "Council service"
    GP_PRACTICE = "gp_practice", "GP practice"


class Role(models.TextChoices):
    """A person's role in an organisation; permissions follow it and the organisation's place."""

    DEPARTMENT_ANALYST = "department_analyst", "Department analyst"
    PERFORMANCE_MANAGER = "performance_manager", "Performance manager"
    CHALLENGER = "challenger", "Challenger"
    UNIT_SUBMITTER = "unit_submitter", "Unit submitter"
    UNIT_MANAGER = "unit_manager", "Unit manager"
    INSPECTOR = "inspector", "Inspector"
    ADMINISTRATOR = "administrator", "Administrator"
