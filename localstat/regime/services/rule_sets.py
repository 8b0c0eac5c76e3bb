"""Every write of the regime: drafting and publishing rules, evaluating them, and people's decisions.

Rules propose; people decide (seed 4.9, 4.11, A.8). ``evaluate_regimes`` runs every published rule set
over its assessment's judgements (the pure engine decides what holds) and records proposals and each
period's scheme payments; a person confirms, changes or rejects each, and a change or a rejection needs a
reason that stays beside the proposal.
"""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from localstat.chain.access import Actor, authorise
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.engine.regime import RegimeRulesError, RuleSet, regime_rules
from localstat.framework.models import Indicator
from localstat.regime import frames
from localstat.regime.choices import (
    FreedomBasis,
    RuleSetStatus,
)
from localstat.regime.errors import RegimeError
from localstat.regime.models import (
    Freedom,
)
from localstat.regime.models import RuleSet as RuleSetRecord
from localstat.regime.selectors import in_force

MAX_SOURCE = 100_000
#: LocalStat's published default rules: the starting point of a new rule set.
RULES_EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "regime-rules.yaml"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), on the month's last day where it is shorter; a
    month's last day stays a month's last day (28 February 2019 and two months is 30 April, 31 January
    and one month is 28 February, 30 April less three months is 31 January), as the periods it counts
    in are whole months."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return date(year, month + 1, last)
    return date(year, month + 1, min(day.day, last))


def _user(acting_user: Actor) -> Any:
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


def read_rules(source: str) -> RuleSet:
    """The rule set written in ``source`` (YAML), or a :class:`RegimeError` saying what is wrong."""
    if not source.strip():
        raise RegimeError("The rules are empty: write them in YAML (docs/regime-rules.md).", code="required")
    if len(source) > MAX_SOURCE:
        raise RegimeError(f"The rules are longer than {MAX_SOURCE:,} characters.", code="invalid")
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "it is not valid YAML"
        raise RegimeError(f"The rules cannot be read{where}: {problem}.", code="invalid") from error
    if not isinstance(raw, dict):
        raise RegimeError("The rules must be a YAML mapping with title and rules.", code="invalid")
    try:
        return regime_rules(raw)
    except RegimeRulesError as error:
        raise RegimeError(str(error), code="invalid") from error


def check_rules_for(rules: RuleSet, *, operator: Organisation, service: Service) -> None:
    """What the engine cannot know: the operator runs a chain of the service, and every indicator the
    rules name measures that service."""
    roles = set(
        links_current_on(None).filter(organisation=operator, service=service).values_list("role", flat=True)
    )
    if not roles & {ChainRole.DEPARTMENT, ChainRole.INTERMEDIATE_TIER}:
        raise RegimeError(
            f"{operator.code} is neither a department nor an intermediate-tier body in {service}, "
            "so it operates no regime there.",
            code="invalid",
        )
    if rules.applies_to == "intermediate_tier" and ChainRole.DEPARTMENT not in roles:
        raise RegimeError(
            "applies_to: intermediate_tier is for a department's rules about its intermediate tier; "
            f"{operator.code} is not {service}'s department.",
            code="invalid",
        )
    codes = set(rules.indicator_codes)
    known = set(Indicator.objects.filter(code__in=codes, service=service).values_list("code", flat=True))
    unknown = sorted(codes - known)
    if unknown:
        raise RegimeError(
            f"The rules name {', '.join(unknown)}, which {'is not an indicator' if len(unknown) == 1 else 'are not indicators'} "
            f"of {service}.",
            code="invalid",
        )


@transaction.atomic
def draft_rule_set(
    *, operator: Organisation, service: Service, source: str, notes: str = "", acting_user: Actor
) -> RuleSetRecord:
    """Save ``source`` as the next version of the operator's rules, as a draft. Every save is a new
    version, so nothing written is ever overwritten."""
    authorise(acting_user, "regime.manage_rules", [operator])
    rules = read_rules(source)
    check_rules_for(rules, operator=operator, service=service)
    last = (
        RuleSetRecord.objects.select_for_update(of=("self",))
        .filter(operator=operator, service=service)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    record = RuleSetRecord.objects.create(
        operator=operator,
        service=service,
        version=(last or 0) + 1,
        title=rules.title,
        source=source,
        rules=rules.as_record(),
        applies_to=rules.applies_to,
        notes=notes.strip(),
        created_by=_user(acting_user),
    )
    record_event(
        actor=acting_user,
        action="regime.draft_rule_set",
        subject=record,
        summary=f"Drafted {operator.code}'s {service.code} rules, version {record.version}",
        data={"notes": notes},
    )
    return record


def rules_of(record: RuleSetRecord) -> RuleSet:
    return regime_rules(record.rules)


@transaction.atomic
def publish_rule_set(*, rule_set: RuleSetRecord, on: date | None = None, acting_user: Actor) -> RuleSetRecord:
    """Publish a draft: it supersedes the version in force, and its baseline freedoms go to every
    subject (those the previous version gave and this one does not, end)."""
    record = (
        RuleSetRecord.objects.select_for_update(of=("self",))
        .select_related("operator", "service")
        .get(pk=rule_set.pk)
    )
    authorise(acting_user, "regime.manage_rules", [record.operator])
    if record.status != RuleSetStatus.DRAFT:
        raise RegimeError(
            f"Version {record.version} is {record.get_status_display().lower()}; only a draft is published.",
            code="invalid",
        )
    on = on or today()
    rules = rules_of(record)
    check_rules_for(rules, operator=record.operator, service=record.service)
    previous = RuleSetRecord.objects.filter(
        operator=record.operator, service=record.service, status=RuleSetStatus.PUBLISHED
    ).first()
    if previous is not None:
        previous.status, previous.superseded_on = RuleSetStatus.SUPERSEDED, on
        previous.save(update_fields=["status", "superseded_on"])
        kept = {b.freedom for b in rules.baseline_freedoms}
        Freedom.objects.filter(in_force(on), rule_set=previous, basis=FreedomBasis.BASELINE).exclude(
            kind__in=kept
        ).update(ends_on=on, end_reason=f"No longer a baseline freedom in version {record.version}.")
    record.status, record.published_on, record.published_by = RuleSetStatus.PUBLISHED, on, _user(acting_user)
    record.save(update_fields=["status", "published_on", "published_by"])
    granted = grant_baseline_freedoms(record, rules, on)
    record_event(
        actor=acting_user,
        action="regime.publish_rule_set",
        subject=record,
        summary=f"Published {record.operator.code}'s {record.service.code} rules, version {record.version}",
        data={"superseded": previous.version if previous else None, "baseline_freedoms": granted},
    )
    return record


def grant_baseline_freedoms(record: RuleSetRecord, rules: RuleSet, on: date) -> int:
    """Every subject without them gets the rule set's baseline freedoms (one bulk insert)."""
    if not rules.baseline_freedoms:
        return 0
    ids = frames.subject_ids(record, rules, on)
    have = set(
        Freedom.objects.filter(
            in_force(on),
            organisation_id__in=ids,
            operator=record.operator,
            service=record.service,
            basis=FreedomBasis.BASELINE,
        ).values_list("organisation_id", "kind")
    )
    reason = (
        f"Granted to every {'body' if rules.applies_to == 'intermediate_tier' else 'unit'} by {record.label}."
    )
    new = [
        Freedom(
            organisation_id=pk,
            service=record.service,
            operator=record.operator,
            kind=baseline.freedom,
            basis=FreedomBasis.BASELINE,
            title=baseline.title,
            description=baseline.description,
            starts_on=on,
            reason=reason,
            rule_set=record,
        )
        for pk in ids
        for baseline in rules.baseline_freedoms
        if (pk, baseline.freedom) not in have
    ]
    Freedom.objects.bulk_create(new, batch_size=1000)
    return len(new)


# ---------------------------------------------------------------------------------------------------
# Evaluation
