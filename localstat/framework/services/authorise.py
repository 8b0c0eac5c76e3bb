"""The one check every framework service makes before it writes."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from localstat.chain.access import get_action, permitted_organisations
from localstat.chain.models import Organisation
from localstat.framework.errors import NotPermitted

#: Who acts: a person, an anonymous visitor (always refused), or ``None`` for the system itself
#: (the demo, a background task, an assessment run), which services do not check.
Actor = AbstractBaseUser | AnonymousUser | None


def authorise(acting_user: Actor, action_code: str, organisations: Iterable[Organisation]) -> None:
    """Refuse with :class:`NotPermitted` unless ``acting_user`` may do the action on every organisation."""
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
