"""What each signed-in person sees first: one section per role they hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q
from django.urls import reverse

from localstat.chain.access import roles_of
from localstat.chain.choices import ChainRole, Role
from localstat.chain.models import Organisation
from localstat.chain.selectors import intermediate_tier_of, links_current_on, units_managed_by

#: What each role's list is, for that role: a challenger questions performance and manages none of it.
CAPTIONS = {
    Role.PERFORMANCE_MANAGER: "The front line units whose performance you manage.",
    Role.CHALLENGER: (
        "The front line units whose performance you challenge in reviews; "
        f"{Role.PERFORMANCE_MANAGER.label.lower()}s manage it."
    ),
    Role.UNIT_SUBMITTER: "The unit you submit data for.",
    Role.UNIT_MANAGER: "The unit you manage, and whose returns you see.",
}


@dataclass
class StartSection:
    role: str
    organisation: Organisation
    heading: str
    caption: str
    organisations: list[Organisation] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    #: (text, url): the work waiting for this role elsewhere in LocalStat.
    links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def role_label(self) -> str:
        """The role as a person reads it ("Performance manager"), never its code."""
        return str(Role(self.role).label)


def _links_for(role: str, organisation: Organisation) -> list[tuple[str, str]]:
    """Where each role's work is, by URL name only: the chain imports none of the apps built on it."""
    code = organisation.code
    if role == Role.DEPARTMENT_ANALYST:
        return [
            ("Proposals from the trigger rules awaiting your decision", reverse("regime:proposals")),
            ("Units reaching you by exception", reverse("regime:exceptions")),
            ("Local agreements and reward grants to sign off", reverse("agreements:home")),
            ("Releases: announce, freeze and publish", reverse("manage_releases")),
            ("Releases you may read before publication", reverse("pre_release")),
        ]
    if role == Role.PERFORMANCE_MANAGER:
        return [
            ("Proposals awaiting your decision", reverse("regime:proposals")),
            ("Interventions you own", reverse("regime:interventions")),
            (
                "Performance reviews: meetings to record, follow-up notes and overdue actions",
                reverse("review:secretariat"),
            ),
            ("Local agreements waiting for your step", reverse("agreements:home")),
            ("Goals without an owner, a plan or a timescale", reverse("agreements:goals_lacking")),
            ("Releases you may read before publication", reverse("pre_release")),
        ]
    if role == Role.CHALLENGER:
        return [("Your reviews to challenge: briefings to mark and issue", reverse("review:challenger"))]
    if role in (Role.UNIT_SUBMITTER, Role.UNIT_MANAGER):
        return [
            ("Your freedoms and rewards, and why", reverse("regime:organisation", args=[code])),
            ("Your review actions", reverse("review:my_actions")),
            ("Review history", reverse("review:unit_history", args=[code])),
            ("Agreements and accountability", reverse("agreements:organisation", args=[code])),
            ("Inspections and capacity self-assessment", reverse("inspection:unit", args=[code])),
        ]
    if role == Role.INSPECTOR:
        return [("Your inspection plan: each unit's next inspection and why", reverse("inspection:plan"))]
    return []


def _tier_with_counts(tier_links_filter: Q) -> list[Organisation]:
    current = links_current_on(None)
    tier = current.filter(tier_links_filter, role=ChainRole.INTERMEDIATE_TIER)
    units = current.filter(role=ChainRole.FRONT_LINE_UNIT)
    return list(
        Organisation.objects.filter(pk__in=tier.values("organisation"))
        .annotate(unit_count=Count("accountable_links", filter=Q(accountable_links__in=units), distinct=True))
        .order_by("code")
    )


def start_sections(user: AbstractBaseUser | AnonymousUser) -> list[StartSection]:
    sections: list[StartSection] = []
    for membership in roles_of(user):
        organisation = membership.organisation
        role = membership.role
        if role == Role.DEPARTMENT_ANALYST:
            sections.append(
                StartSection(
                    role,
                    organisation,
                    f"{organisation.display_name}: your intermediate tier",
                    "The bodies that performance-manage front line units for your department.",
                    list(intermediate_tier_of(organisation)),
                    ("units",),
                )
            )
        elif role in (Role.PERFORMANCE_MANAGER, Role.CHALLENGER):
            sections.append(
                StartSection(
                    role,
                    organisation,
                    f"{organisation.display_name}: your units",
                    CAPTIONS[role],
                    list(units_managed_by(organisation)),
                    ("unit_type",),
                )
            )
        elif role in (Role.UNIT_SUBMITTER, Role.UNIT_MANAGER):
            sections.append(
                StartSection(
                    role,
                    organisation,
                    "Your unit",
                    CAPTIONS[role],
                    [organisation],
                    ("unit_type",),
                )
            )
        elif role == Role.INSPECTOR:
            inspected = (
                links_current_on(None)
                .filter(organisation=organisation, role=ChainRole.INSPECTORATE)
                .values("service")
            )
            sections.append(
                StartSection(
                    role,
                    organisation,
                    f"{organisation.display_name}: the services you inspect",
                    "The intermediate-tier bodies of the services you inspect, with their units.",
                    _tier_with_counts(Q(service__in=inspected)),
                    ("units",),
                )
            )
        elif role == Role.ADMINISTRATOR:
            departments = links_current_on(None).filter(role=ChainRole.DEPARTMENT).values("organisation")
            sections.append(
                StartSection(
                    role,
                    organisation,
                    "Departments",
                    "Every delivery chain starts at a department. People and records are managed in Administration.",
                    list(Organisation.objects.filter(pk__in=departments).order_by("code")),
                    (),
                )
            )
    for section in sections:
        section.links = _links_for(section.role, section.organisation)
    return sections
