"""Every write to collections and returns, except imports (``imports.py``): keyword-only, atomic, audited.

``acting_user`` None is the system itself (the demo, the tick, a task); a person is checked against
``returns/permissions.py``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from django.db import transaction

from localstat.chain.access import Actor, NotPermitted, authorise, permitted_organisations
from localstat.chain.models import Organisation, Service
from localstat.core import clock
from localstat.core.audit import record_event
from localstat.framework.choices import Periodicity
from localstat.framework.models import Indicator
from localstat.framework.selectors import equivalence_classes
from localstat.returns.choices import (
    OnFailure,
    ReturnStatus,
    RuleKind,
    Source,
    WarningStatus,
)
from localstat.returns.errors import GatewayRefusal, ReturnsError
from localstat.returns.imports import ImportResult, import_observations
from localstat.returns.models import (
    Collection,
    CollectionIssuer,
    CollectionItem,
    CollectionUnit,
    QualityRule,
    QualityWarning,
    Return,
    UnitToken,
)
from localstat.returns.store import approve_return_ids

#: A unit a collection asks, optionally only for the periods from its first to its last start date.
UnitSpan = Organisation | tuple[Organisation, date | None, date | None]

#: Roughly how many days a period covers: a collection at the same or a finer period already
#: gives what a coarser one would ask for (4.13: "only requested once").
PERIOD_DAYS = {
    Periodicity.DAY: 1,
    Periodicity.WEEK: 7,
    Periodicity.MONTH: 30,
    Periodicity.HALF_TERM: 42,
    Periodicity.QUARTER: 91,
    Periodicity.FINANCIAL_YEAR: 365,
    Periodicity.YEAR: 365,
}


@dataclass(frozen=True)
class ItemSpec:
    """One item of a new collection."""

    indicator: Indicator
    required: bool = False
    derived_from: Sequence[str] = field(default_factory=tuple)
    screen_outliers: bool = True


def gateway_match(
    *, indicators: Sequence[Indicator], units: Sequence[Organisation], periodicity: str
) -> tuple[Collection, Indicator] | None:
    """An existing collection that already asks overlapping units for one of these indicators (or one
    recorded as equivalent) at the same or a finer period."""
    classes = equivalence_classes()
    wanted = {classes.get(i.pk, i.pk): i for i in indicators}
    family = [pk for pk in set(classes) | {i.pk for i in indicators} if classes.get(pk, pk) in wanted]
    candidates = (
        CollectionItem.objects.filter(
            indicator_id__in=family, collection__unit_links__unit__in=[u.pk for u in units]
        )
        .select_related("collection", "indicator")
        .order_by("collection__code")
        .distinct()
    )
    for item in candidates:
        if PERIOD_DAYS[item.collection.periodicity] <= PERIOD_DAYS[periodicity]:
            return item.collection, wanted[classes.get(item.indicator_id, item.indicator_id)]
    return None


@transaction.atomic
def join_collection(
    *, collection: Collection, issuer: Organisation, reason: str, acting_user: Actor
) -> CollectionIssuer:
    """Add a body to the users of an existing collection instead of it asking the units again."""
    authorise(acting_user, "returns.manage_collections", [issuer])
    link, created = CollectionIssuer.objects.get_or_create(
        collection=collection, organisation=issuer, defaults={"reason": reason[:300]}
    )
    if created:
        record_event(
            actor=acting_user,
            action="returns.join_collection",
            subject=collection,
            summary=f"{issuer.code} now uses {collection.code} instead of collecting the data again",
            data={"issuer": issuer.code, "reason": reason},
        )
    return link


def create_collection(
    *,
    code: str,
    name: str,
    issuer: Organisation,
    service: Service,
    periodicity: str,
    deadline_days: int,
    first_period: date,
    items: Sequence[ItemSpec],
    units: Sequence[UnitSpan],
    description: str = "",
    synthetic: bool = False,
    acting_user: Actor,
) -> Collection:
    """Issue a collection, unless the gateway finds the data already collected.

    Then the issuing body is added to the existing collection and :class:`GatewayRefusal` says which
    collection to use (its ``existing``); nothing new is asked of any unit.
    """
    authorise(acting_user, "returns.manage_collections", [issuer])
    if periodicity not in PERIOD_DAYS:
        raise ReturnsError(
            f"{periodicity!r} is not a periodicity: use one of {', '.join(PERIOD_DAYS)}.", code="invalid"
        )
    match = gateway_match(
        indicators=[i.indicator for i in items if not i.derived_from],
        units=[u if isinstance(u, Organisation) else u[0] for u in units],
        periodicity=periodicity,
    )
    if match is not None:
        existing, indicator = match
        join_collection(
            collection=existing,
            issuer=issuer,
            reason=f"Gateway: {code} asked again for {indicator.code}",
            acting_user=acting_user,
        )
        raise GatewayRefusal(
            f"{indicator.code} is already collected from these units by {existing.code} ({existing.name}, "
            f"{existing.get_periodicity_display().lower()}): the same information is requested only once. "
            f"{issuer.code} has been added to {existing.code}'s users instead.",
            existing=existing,
        )
    return _create_collection(
        code=code,
        name=name,
        issuer=issuer,
        service=service,
        periodicity=periodicity,
        deadline_days=deadline_days,
        first_period=first_period,
        items=items,
        units=units,
        description=description,
        synthetic=synthetic,
        acting_user=acting_user,
    )


@transaction.atomic
def _create_collection(
    *,
    code: str,
    name: str,
    issuer: Organisation,
    service: Service,
    periodicity: str,
    deadline_days: int,
    first_period: date,
    items: Sequence[ItemSpec],
    units: Sequence[UnitSpan],
    description: str,
    synthetic: bool,
    acting_user: Actor,
) -> Collection:
    if Collection.objects.filter(code=code).exists():
        raise ReturnsError(f"A collection with code {code!r} already exists.", code="duplicate")
    codes = {spec.indicator.code for spec in items}
    for spec in items:
        unknown = [c for c in spec.derived_from if c not in codes]
        if unknown:
            raise ReturnsError(
                f"{spec.indicator.code} is derived from {', '.join(unknown)}, which {code} does not ask for.",
                code="invalid",
            )
    collection = Collection.objects.create(
        code=code,
        name=name,
        service=service,
        periodicity=periodicity,
        deadline_days=deadline_days,
        first_period=first_period,
        description=description,
        synthetic=synthetic,
    )
    CollectionIssuer.objects.create(
        collection=collection, organisation=issuer, reason="Issued the collection"
    )
    CollectionItem.objects.bulk_create(
        [
            CollectionItem(
                collection=collection,
                indicator=spec.indicator,
                required=spec.required,
                derived_from=list(spec.derived_from),
                screen_outliers=spec.screen_outliers and not spec.derived_from,
                position=position,
            )
            for position, spec in enumerate(items)
        ]
    )
    spans = [(u, None, None) if isinstance(u, Organisation) else u for u in units]
    CollectionUnit.objects.bulk_create(
        [CollectionUnit(collection=collection, unit=u, first_period=a, last_period=b) for u, a, b in spans]
    )
    record_event(
        actor=acting_user,
        action="returns.create_collection",
        subject=collection,
        summary=f"{issuer.code} issued {code}: {len(items)} items from {len(units)} units, {periodicity}",
        data={"items": sorted(codes), "units": len(units), "deadline_days": deadline_days},
    )
    return collection


@transaction.atomic
def add_quality_rule(
    *,
    collection: Collection,
    code: str,
    description: str,
    kind: str,
    indicator: Indicator | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    left: str = "",
    operator: str = "",
    right: str = "",
    importance: str = "medium",
    left_missing: str = "skip_if_any_value_missing",
    right_missing: str = "skip_if_any_value_missing",
    on_failure: str = OnFailure.WARN,
    acting_user: Actor,
) -> QualityRule:
    """A range rule on one item, or a cross-item rule checked with the engine's expression language."""
    issuers = list(collection.issuers.all())
    if acting_user is not None and not any(
        permitted_organisations(acting_user, "returns.manage_collections").filter(pk=o.pk).exists()
        for o in issuers
    ):
        raise NotPermitted(
            f"{getattr(acting_user, 'username', '')} may not change {collection.code}'s rules."
        )
    if kind == RuleKind.RANGE:
        if indicator is None or (minimum is None and maximum is None):
            raise ReturnsError(
                "A range rule names its item and a minimum, a maximum or both.", code="required"
            )
    else:
        from localstat.engine.quality import ExpressionError, ValidationRule

        try:
            ValidationRule(
                code,
                left,
                operator,
                right,
                importance=importance,
                left_missing=left_missing,
                right_missing=right_missing,
            )
        except (ExpressionError, ValueError) as error:
            raise ReturnsError(f"Rule {code}: {error}", code="invalid") from None
    rule = QualityRule.objects.create(
        collection=collection,
        code=code,
        description=description,
        kind=kind,
        indicator=indicator,
        minimum=minimum,
        maximum=maximum,
        left=left,
        operator=operator,
        right=right,
        importance=importance,
        left_missing=left_missing,
        right_missing=right_missing,
        on_failure=on_failure,
    )
    record_event(
        actor=acting_user,
        action="returns.add_quality_rule",
        subject=rule,
        summary=f"{collection.code}: rule {code} ({kind}, {on_failure})",
        data={"left": left, "operator": operator, "right": right, "minimum": minimum, "maximum": maximum},
    )
    return rule


def submit_return_values(
    *,
    return_record: Return,
    values: dict[str, tuple[float | None, float | None]],
    reason: str = "",
    source: str = Source.FORM,
    acting_user: Actor,
) -> ImportResult:
    """The web form's way in: item code → (numerator, denominator), through the one import service.

    Errors come back as :class:`ImportRejected` with row ``n`` meaning the form's ``n``-th item.
    """
    codes = list(values)
    frame = pl.DataFrame(
        {
            "row": list(range(1, len(codes) + 1)),
            "line": list(range(2, len(codes) + 2)),
            "unit": [return_record.unit.code] * len(codes),
            "indicator": codes,
            "period": [return_record.period_start] * len(codes),
            "numerator": [values[c][0] for c in codes],
            "denominator": [values[c][1] for c in codes],
        },
        schema={
            "row": pl.Int64,
            "line": pl.Int64,
            "unit": pl.String,
            "indicator": pl.String,
            "period": pl.Date,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
        },
    )
    return import_observations(
        observations=frame,
        source=source,
        acting_user=acting_user,
        collection=return_record.collection,
        reason=reason,
        layout="form",
        file_name=f"form: {return_record}",
    )


@transaction.atomic
def approve_return(*, return_record: Return, acting_user: Actor) -> Return:
    """The unit's performance manager approves a submitted return; its values are then locked."""
    authorise(acting_user, "returns.approve_return", [return_record.unit])
    locked = Return.objects.select_for_update().get(pk=return_record.pk)
    if locked.status != ReturnStatus.SUBMITTED:
        raise ReturnsError(
            f"{locked} is {locked.get_status_display().lower()}: only a submitted return can be approved.",
            code="invalid",
        )
    now = clock.now()
    user_id = acting_user.pk if acting_user is not None and acting_user.is_authenticated else None
    approve_return_ids([locked.pk], user_id=user_id, now=now)
    locked.refresh_from_db()
    record_event(
        actor=acting_user, action="returns.approve_return", subject=locked, summary=f"Approved {locked}"
    )
    return locked


@transaction.atomic
def send_back_return(*, return_record: Return, reason: str, acting_user: Actor) -> Return:
    """The performance manager sends a submitted return back to the unit, saying why."""
    authorise(acting_user, "returns.approve_return", [return_record.unit])
    if not reason.strip():
        raise ReturnsError(
            "Say why the return is sent back: the unit needs to know what to fix.", code="required"
        )
    locked = Return.objects.select_for_update().get(pk=return_record.pk)
    if locked.status != ReturnStatus.SUBMITTED:
        raise ReturnsError(
            f"{locked} is {locked.get_status_display().lower()}: only a submitted return can be sent back.",
            code="invalid",
        )
    locked.status = ReturnStatus.SENT_BACK
    locked.sent_back_reason = reason.strip()
    locked.save(update_fields=["status", "sent_back_reason", "updated_at"])
    record_event(
        actor=acting_user,
        action="returns.send_back_return",
        subject=locked,
        summary=f"Sent back {locked}: {reason.strip()}",
        data={"reason": reason.strip()},
    )
    return locked


@transaction.atomic
def resolve_warning(
    *, warning: QualityWarning, status: str, note: str = "", acting_user: Actor
) -> QualityWarning:
    """The submitter or the performance manager confirms a warned value as right, or queries it."""
    authorise(acting_user, "returns.resolve_warning", [warning.return_record.unit])
    if status not in (WarningStatus.CONFIRMED, WarningStatus.QUERIED):
        raise ReturnsError("A warning is confirmed or queried.", code="invalid")
    if status == WarningStatus.QUERIED and not note.strip():
        raise ReturnsError("Say what is queried: the unit answers the query.", code="required")
    warning.status = status
    warning.note = note.strip()
    warning.resolved_by = acting_user if acting_user is not None and acting_user.is_authenticated else None
    warning.resolved_at = clock.now()
    warning.save(update_fields=["status", "note", "resolved_by", "resolved_at"])
    record_event(
        actor=acting_user,
        action=f"returns.{status}_warning",
        subject=warning,
        summary=f"{WarningStatus(status).label}: {warning.message}"[:500],
        data={"note": note.strip()},
    )
    return warning


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_unit_token(*, unit: Organisation, name: str = "", acting_user: Actor) -> tuple[UnitToken, str]:
    """A new API token for one unit; the key is returned once and only its hash is kept."""
    authorise(acting_user, "returns.manage_tokens", [unit])
    if not unit.is_unit:
        raise ReturnsError(f"{unit.code} is not a front line unit, so it submits no returns.", code="invalid")
    key = f"ls_{secrets.token_urlsafe(32)}"
    token = UnitToken.objects.create(
        unit=unit,
        name=name,
        prefix=key[:10],
        key_hash=_hash(key),
        created_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,
    )
    record_event(
        actor=acting_user,
        action="returns.create_unit_token",
        subject=token,
        summary=f"API token {token.prefix}… for {unit.code}",
    )
    return token, key


@transaction.atomic
def revoke_unit_token(*, token: UnitToken, acting_user: Actor) -> UnitToken:
    authorise(acting_user, "returns.manage_tokens", [token.unit])
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            actor=acting_user, action="returns.revoke_unit_token", subject=token, summary=f"Revoked {token}"
        )
    return token


def token_for_key(key: str) -> UnitToken | None:
    """The live token a bearer key belongs to, if any (compared by hash)."""
    return (
        UnitToken.objects.select_related("unit")
        .filter(key_hash=_hash(key.strip()), revoked_at__isnull=True)
        .first()
    )
