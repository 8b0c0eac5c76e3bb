"""Who may see and do what, decided by role and by the organisation's place in the chain.

Each app declares its actions in its own ``permissions.py`` with :func:`register_action` and asks
:func:`can` (one object) or :func:`permitted_organisations` (a list page, one query). An action says
which (role, relation) pairs allow it, where the relation is how the organisation a person belongs to
stands to the organisation acted on:

- ``self``: the same organisation;
- ``manages``: the target's current link answers to the person's organisation (its units);
- ``oversees``: the target is in the chain below the person's department (its intermediate tier and
  their units);
- ``inspects``: the target takes part in a service the person's inspectorate inspects.

Administrators may do everything; the public only what an action marks ``public``. The permission
matrix test enumerates every registered action, so an action with no expectation fails it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from localstat.chain.choices import ChainRole, Role
from localstat.chain.models import ChainLink, Membership, Organisation
from localstat.chain.selectors import links_current_on

#: Who acts: a person, an anonymous visitor (always refused), or ``None`` for the system itself
#: (the demo, a background task, an assessment run), which services do not check.
Actor = AbstractBaseUser | AnonymousUser | None


class NotPermitted(PermissionDenied):
    """The acting user (or token) may not take this action on this organisation."""


class Relation(StrEnum):
    SELF = "self"
    MANAGES = "manages"
    OVERSEES = "oversees"
    INSPECTS = "inspects"


@dataclass(frozen=True)
class Action:
    code: str
    description: str
    allowed: frozenset[tuple[Role, Relation]]
    public: bool = False


_REGISTRY: dict[str, Action] = {}


def register_action(
    code: str, description: str, allowed: Iterable[tuple[Role, Relation]] = (), *, public: bool = False
) -> Action:
    action = Action(code=code, description=description, allowed=frozenset(allowed), public=public)
    existing = _REGISTRY.get(code)
    if existing is not None and existing != action:
        raise ValueError(f"Action {code} is registered twice with different rules.")
    _REGISTRY[code] = action
    return action


def registered_actions() -> list[Action]:
    return sorted(_REGISTRY.values(), key=lambda action: action.code)


def get_action(code: str) -> Action:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise LookupError(
            f"No permission rule for action {code!r}: register it in its app's permissions.py."
        ) from None


def _related(relation: Relation, organisations: QuerySet[Organisation]) -> Q:
    """The organisations standing in ``relation`` to any of ``organisations``, as a filter on Organisation."""
    current = links_current_on(None)
    if relation is Relation.SELF:
        return Q(pk__in=organisations.values("pk"))
    if relation is Relation.MANAGES:
        return Q(pk__in=current.filter(accountable_to__in=organisations).values("organisation"))
    if relation is Relation.OVERSEES:
        tier = current.filter(accountable_to__in=organisations, role=ChainRole.INTERMEDIATE_TIER)
        return Q(pk__in=tier.values("organisation")) | Q(
            pk__in=current.filter(accountable_to__in=tier.values("organisation")).values("organisation")
        )
    services = ChainLink.objects.filter(
        organisation__in=organisations, role=ChainRole.INSPECTORATE, valid_to__isnull=True
    ).values("service")
    return Q(
        pk__in=current.filter(service__in=services)
        .exclude(role=ChainRole.INSPECTORATE)
        .values("organisation")
    )


def _is_administrator(user: AbstractBaseUser | AnonymousUser) -> bool:
    return (
        bool(getattr(user, "is_superuser", False))
        or Membership.objects.filter(user_id=user.pk, role=Role.ADMINISTRATOR).exists()
    )


def permitted_organisations(
    user: AbstractBaseUser | AnonymousUser, action_code: str
) -> QuerySet[Organisation]:
    """Every organisation the user may do ``action_code`` on, as one queryset."""
    action = get_action(action_code)
    everything = Organisation.objects.all()
    if action.public:
        return everything
    if not user.is_authenticated:
        return everything.none()
    if _is_administrator(user):
        return everything
    condition = Q(pk__in=[])
    for role, relation in action.allowed:
        mine = Organisation.objects.filter(memberships__user_id=user.pk, memberships__role=role)
        condition |= _related(relation, mine)
    return everything.filter(condition)


def can(user: AbstractBaseUser | AnonymousUser, action_code: str, organisation: Organisation) -> bool:
    """May ``user`` do ``action_code`` on (or in) ``organisation``?"""
    return permitted_organisations(user, action_code).filter(pk=organisation.pk).exists()


def roles_of(user: AbstractBaseUser | AnonymousUser) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user_id=user.pk)
        .select_related("organisation")
        .order_by("role", "organisation__code")
    )


def authorise(acting_user: Actor, action_code: str, organisations: Iterable[Organisation]) -> None:
    """Refuse with :class:`NotPermitted` unless ``acting_user`` may do the action on every organisation.

    Every service that writes calls it first; ``None`` (the system) is not checked.
    """
    if acting_user is None:
        return
    wanted = {organisation.pk: organisation for organisation in organisations}
    if not wanted:
        return
    allowed = set(
        permitted_organisations(acting_user, action_code)
        .filter(pk__in=list(wanted))
        .values_list("pk", flat=True)
    )
    refused = sorted(o.code for pk, o in wanted.items() if pk not in allowed)
    if refused:
        action = get_action(action_code)
        who = getattr(acting_user, "username", "") or "An anonymous visitor"
        shown = ", ".join(refused[:10]) + (f" and {len(refused) - 10} more" if len(refused) > 10 else "")
        raise NotPermitted(
            f"{who} may not {action.description[0].lower()}{action.description[1:]} for {shown}."
        )
