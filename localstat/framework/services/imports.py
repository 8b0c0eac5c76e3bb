"""Importing the controls register and targets from CSV: all or nothing, with every problem located.

Re-importing an exported file changes nothing (imports are idempotent). A control already in the
register may have its wording changed, or be removed with a date; what it requires, of whom and from
when may not change, since that would rewrite the burden's history: register a new control and remove
the old one instead. A target already recorded must match its row: new targets come in proposed, and
move on through the life cycle's own steps.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from localstat.chain.access import Actor, NotPermitted, permitted_organisations
from localstat.chain.choices import UnitType
from localstat.chain.models import Organisation, Service
from localstat.core.audit import record_event
from localstat.framework.choices import ControlScope, TargetKind
from localstat.framework.csvfiles import (
    CONTROL_COLUMNS,
    CONTROL_REQUIRED,
    TARGET_COLUMNS,
    TARGET_REQUIRED,
    CsvProblems,
    CsvRow,
    control_record,
    parse_bool,
    parse_date,
    read_rows,
    split_codes,
    target_record,
)
from localstat.framework.errors import CsvImportError, FrameworkError
from localstat.framework.models import PSA, Control, Indicator, Target
from localstat.framework.services.controls import ControlSpec, _create
from localstat.framework.services.targets import assign_target, propose_psa_target

#: Fields of an existing control an import may change: its wording, never what it requires.
WORDING = ("title", "description", "framework", "source")


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged"
        )


class _Lookup:
    """Codes → records for every code a file names, fetched in one query per kind."""

    def __init__(self, rows: list[CsvRow], org_fields: list[str], multi_org_fields: list[str]) -> None:
        org_codes = {r.get(f) for r in rows for f in org_fields} | {
            code
            for r in rows
            for f in multi_org_fields
            for code in split_codes(r.get(f).partition(":")[2] or r.get(f))
        }
        self.orgs = {o.code: o for o in Organisation.objects.filter(code__in=org_codes - {""})}
        self.psas = {p.code: p for p in PSA.objects.filter(code__in={r.get("psa") for r in rows} - {""})}
        self.indicators = {
            i.code: i
            for i in Indicator.objects.select_related("current_version", "service").filter(
                code__in={r.get("indicator") for r in rows} - {""}
            )
        }
        self.services = {s.code: s for s in Service.objects.all()}

    def org(self, row: CsvRow, field: str, errors: list[str], code: str | None = None) -> Organisation | None:
        code = row.get(field) if code is None else code
        if not code:
            return None
        found = self.orgs.get(code)
        if found is None:
            errors.append(row.error(field, f"no organisation has the code {code!r}"))
        return found

    def psa(self, row: CsvRow, errors: list[str]) -> PSA | None:
        code = row.get("psa")
        if code and code not in self.psas:
            errors.append(row.error("psa", f"no PSA has the code {code!r}"))
        return self.psas.get(code)

    def indicator(self, row: CsvRow, errors: list[str]) -> Indicator | None:
        code = row.get("indicator")
        if code and code not in self.indicators:
            errors.append(row.error("indicator", f"no indicator has the code {code!r}"))
        return self.indicators.get(code)


def _read(content: bytes | str, columns: list[str], required: list[str]) -> list[CsvRow]:
    try:
        return read_rows(content, columns, required)
    except CsvProblems as problems:
        raise CsvImportError(problems.errors) from None


def _check_rows(rows: list[CsvRow], key: str, errors: list[str]) -> None:
    if not rows:
        errors.append("line 2: the file has a header but no rows")
    counts = Counter(r.get(key) for r in rows)
    for row in rows:
        if counts[row.get(key)] > 1 and row.get(key):
            errors.append(row.error(key, f"{row.get(key)} appears on more than one row"))


def _control_spec(row: CsvRow, lookup: _Lookup, errors: list[str]) -> ControlSpec | None:
    before = len(errors)
    body = lookup.org(row, "issuing_body", errors)
    psa = lookup.psa(row, errors)
    indicator = lookup.indicator(row, errors)
    in_force_from = parse_date(row, "in_force_from", errors, required=True)
    scope, _, target = row.get("applies_to").partition(":")
    scope, target = scope.strip(), target.strip()
    unit_type, service, units = "", None, []
    if scope == ControlScope.UNIT_TYPE:
        unit_type = target
        if target not in UnitType.values:
            errors.append(
                row.error("applies_to", f"{target!r} is not a unit type ({', '.join(UnitType.values)})")
            )
    elif scope == ControlScope.SERVICE:
        service = lookup.services.get(target)
        if service is None:
            errors.append(row.error("applies_to", f"no service has the code {target!r}"))
    elif scope == ControlScope.UNITS:
        codes = split_codes(target)
        if not codes:
            errors.append(row.error("applies_to", "name at least one unit after units:"))
        units = [u for u in (lookup.org(row, "applies_to", errors, code) for code in codes) if u is not None]
    else:
        errors.append(
            row.error(
                "applies_to",
                "write unit_type:TYPE, service:CODE or units:CODE CODE … (e.g. unit_type:school)",
            )
        )
    illustrative = parse_bool(row, "illustrative", errors)
    # Check the rules even when a code was not found, so the file's every problem is reported at once.
    spec = ControlSpec(
        code=row.get("code"),
        title=row.get("title"),
        kind=row.get("kind"),
        focus=row.get("focus"),
        issuing_body=body or Organisation(code=row.get("issuing_body")),
        in_force_from=in_force_from or date.min,
        scope=scope,
        unit_type=unit_type,
        service=service,
        units=units,
        framework=row.get("framework"),
        psa=psa,
        indicator=indicator,
        level=row.get("level") or None,
        description=row.get("description"),
        illustrative=illustrative,
        source=row.get("source"),
    )
    errors.extend(row.error(field, reason) for field, reason in spec.problems() if field != "applies_to")
    if scope == ControlScope.UNITS and not (set(split_codes(target)) - set(lookup.orgs)):
        errors.extend(row.error(field, reason) for field, reason in spec.problems() if field == "applies_to")
    return spec if len(errors) == before else None


@transaction.atomic
def import_controls(*, content: bytes | str, acting_user: Actor) -> ImportSummary:
    """Import the controls register from CSV (the columns of ``csvfiles.CONTROL_COLUMNS``)."""
    rows = _read(content, CONTROL_COLUMNS, CONTROL_REQUIRED)
    errors: list[str] = []
    _check_rows(rows, "code", errors)
    lookup = _Lookup(rows, ["issuing_body"], ["applies_to"])
    existing = {
        c.code: c
        for c in Control.objects.select_related("issuing_body", "psa", "indicator", "service")
        .prefetch_related("units")
        .filter(code__in=[r.get("code") for r in rows])
    }
    allowed = None
    if acting_user is not None:
        allowed = set(
            permitted_organisations(acting_user, "framework.manage_controls").values_list("code", flat=True)
        )
    summary = ImportSummary()
    creates: list[ControlSpec] = []
    changes: list[tuple[CsvRow, Control, dict[str, str], date | None]] = []
    for row in rows:
        spec = _control_spec(row, lookup, errors)
        body_code = row.get("issuing_body")
        if allowed is not None and body_code and body_code not in allowed:
            errors.append(row.error("issuing_body", f"you may not register or change {body_code}'s controls"))
        removed_on = parse_date(row, "removed_on", errors)
        if spec is None:
            continue
        current = existing.get(spec.code)
        if current is None:
            if removed_on is not None and removed_on <= spec.in_force_from:
                errors.append(
                    row.error("removed_on", f"it must come after in_force_from ({spec.in_force_from})")
                )
            creates.append(spec)
            changes.append((row, Control(code=spec.code), {}, removed_on))
            continue
        was = control_record(current, [u.code for u in current.units.all()])
        now = {column: row.get(column) for column in CONTROL_COLUMNS if column in row.values}
        for column, value in now.items():
            if (
                column in WORDING
                or column in ("removed_on", "removal_reason")
                or _same(column, value, was[column])
            ):
                continue
            errors.append(
                row.error(
                    column,
                    f"{current.code} is registered with {column} {was[column]!r}; what a control requires, of whom "
                    "and from when cannot change: register a new control and remove this one",
                )
            )
        if current.removed_on is not None and removed_on != current.removed_on:
            errors.append(row.error("removed_on", f"{current.code} was removed on {current.removed_on}"))
        if current.removed_on is None and removed_on is not None and removed_on <= current.in_force_from:
            errors.append(
                row.error("removed_on", f"it must come after in_force_from ({current.in_force_from})")
            )
        if removed_on is not None and current.removed_on is None and not row.get("removal_reason"):
            errors.append(row.error("removal_reason", "say why the control is removed"))
        wording = {f: now[f] for f in WORDING if f in now and now[f] != was[f]}
        if current.target_id is not None and (wording or (removed_on and not current.removed_on)):
            errors.append(
                row.error("code", f"{current.code} records a target; change the target, not the control")
            )
        changes.append((row, current, wording, removed_on))
    if errors:
        raise CsvImportError(errors)
    created = {c.code: c for c in (_create(spec) for spec in creates)}
    for row, control, wording, removed_on in changes:
        if control.code in created:
            summary.created += 1
            control = created[control.code]
            if removed_on is not None:
                Control.objects.filter(pk=control.pk).update(
                    removed_on=removed_on, removal_reason=row.get("removal_reason")
                )
            continue
        removing = removed_on is not None and control.removed_on is None
        if wording:
            for field, value in wording.items():
                setattr(control, field, value)
            control.save(update_fields=[*wording, "updated_at"])
            summary.updated += 1
        if removing:
            control.removed_on, control.removal_reason = removed_on, row.get("removal_reason")
            control.save(update_fields=["removed_on", "removal_reason", "updated_at"])
            summary.removed += 1
        if not wording and not removing:
            summary.unchanged += 1
        if wording or removing:
            record_event(
                actor=acting_user,
                action="framework.import_control_change",
                subject=control,
                summary=f"{control.code} changed by import"
                + (f", removed from {removed_on}" if removing else ""),
                data={"wording": wording, "removed_on": str(removed_on) if removing else None},
            )
    if created:
        record_event(
            actor=acting_user,
            action="framework.import_controls",
            subject=next(iter(created.values())),
            summary=f"Imported controls: {summary}",
            data={"created": sorted(created)},
        )
    return summary


def _level(row: CsvRow, field: str, errors: list[str]) -> Decimal | None:
    text = row.get(field)
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors.append(row.error(field, f"{text!r} is not a number"))
        return None
    return value


def _milestones(row: CsvRow, errors: list[str]) -> list[tuple[str, str]]:
    found = []
    for part in [p.strip() for p in row.get("milestones").split(";") if p.strip()]:
        start, sep, level = part.partition("=")
        if not sep or not start.strip() or not level.strip():
            errors.append(row.error("milestones", f"{part!r}: write PERIOD-START=LEVEL, e.g. 2019-10-01=92"))
            continue
        found.append((start.strip(), level.strip()))
    return found


#: Which field a service's refusal is about, by its error code.
FIELD_OF = {"not_outcome": "indicator", "exempt": "units", "ratchet": "level", "duplicate": "reference"}


@transaction.atomic
def import_targets(*, content: bytes | str, acting_user: Actor) -> ImportSummary:
    """Import targets from CSV (``csvfiles.TARGET_COLUMNS``): new rows are proposed; rows for targets
    already recorded must match them."""
    rows = _read(content, TARGET_COLUMNS, TARGET_REQUIRED)
    errors: list[str] = []
    _check_rows(rows, "reference", errors)
    lookup = _Lookup(rows, ["set_by"], ["units"])
    existing = {
        t.reference: t
        for t in Target.objects.select_related("psa", "parent", "indicator", "set_by")
        .prefetch_related("units", "milestones")
        .filter(reference__in=[r.get("reference") for r in rows])
    }
    parents = {
        t.reference: t
        for t in Target.objects.select_related("indicator").filter(
            reference__in=[r.get("parent") for r in rows]
        )
    }
    summary = ImportSummary()
    for row in rows:
        current = existing.get(row.get("reference"))
        if current is not None:
            was = target_record(current)
            for column in TARGET_COLUMNS:
                if column in row.values and not _same(column, row.get(column), was[column]):
                    errors.append(
                        row.error(
                            column,
                            f"{current.reference} is {current.get_status_display().lower()} with {column} "
                            f"{was[column]!r}; an import only adds targets (use the target's page to move it on)",
                        )
                    )
            summary.unchanged += 1
            continue
        before = len(errors)
        status = row.get("status")
        if status not in ("", "proposed"):
            errors.append(
                row.error("status", "a new target comes in proposed; agree and activate it on its page")
            )
        for field in ("agreed_on", "active_from", "closed_on"):
            if row.get(field):
                errors.append(row.error(field, "a new target has not reached this step yet; leave it blank"))
        psa = lookup.psa(row, errors)
        indicator = lookup.indicator(row, errors)
        set_by = lookup.org(row, "set_by", errors)
        units = [u for u in (lookup.org(row, "units", errors, c) for c in split_codes(row.get("units"))) if u]
        kind = row.get("kind")
        if kind not in TargetKind.values:
            errors.append(row.error("kind", f"{kind!r} is not floor or aspirational"))
        level = _level(row, "level", errors)
        deadline = parse_date(row, "deadline", errors, required=True)
        proposed_on = parse_date(row, "proposed_on", errors)
        milestones = _milestones(row, errors)
        parent = None
        if row.get("parent"):
            parent = parents.get(row.get("parent"))
            if parent is None:
                errors.append(row.error("parent", f"no target has the reference {row.get('parent')!r}"))
        if not row.get("units") and psa is None:
            errors.append(row.error("units", "name the units, or the PSA for a national target"))
        if len(errors) > before or indicator is None or set_by is None or deadline is None or level is None:
            continue
        try:
            if units:
                assign_target(
                    indicator=indicator,
                    units=units,
                    kind=kind,
                    level=level,
                    deadline=deadline,
                    set_by=set_by,
                    psa=psa,
                    parent=parent,
                    reference=row.get("reference"),
                    description=row.get("description"),
                    milestones=milestones,
                    proposed_on=proposed_on,
                    acting_user=acting_user,
                )
            else:
                assert psa is not None
                if set_by != psa.department:
                    errors.append(
                        row.error(
                            "set_by", f"a national target on {psa.code} is set by {psa.department.code}"
                        )
                    )
                    continue
                propose_psa_target(
                    psa=psa,
                    indicator=indicator,
                    kind=kind,
                    level=level,
                    deadline=deadline,
                    reference=row.get("reference"),
                    description=row.get("description"),
                    milestones=milestones,
                    proposed_on=proposed_on,
                    acting_user=acting_user,
                )
        except FrameworkError as refusal:
            errors.append(row.error(FIELD_OF.get(str(refusal.code), "target"), "; ".join(refusal.messages)))
            continue
        except NotPermitted as refusal:
            errors.append(row.error("units" if units else "psa", str(refusal)))
            continue
        summary.created += 1
    if errors:
        raise CsvImportError(errors)
    return summary


def _same(column: str, given: str, recorded: str) -> bool:
    """Do a cell and the recorded value say the same thing (ignoring order, spacing and number format)?"""
    if given == recorded:
        return True
    try:
        if column == "level":
            return Decimal(given) == Decimal(recorded)
        if column == "illustrative":
            return (given.lower() in ("1", "true", "yes", "y")) == (recorded == "yes")
        if column in ("applies_to", "units"):
            scope, _, codes = given.partition(":") if column == "applies_to" else ("", "", given)
            was_scope, _, was_codes = (
                recorded.partition(":") if column == "applies_to" else ("", "", recorded)
            )
            return scope.strip() == was_scope and sorted(split_codes(codes)) == sorted(split_codes(was_codes))
        if column == "milestones":

            def parse(text: str) -> set[tuple[str, Decimal]]:
                pairs = (p.partition("=") for p in text.split(";") if p.strip())
                return {(a.strip(), Decimal(b.strip())) for a, _, b in pairs}

            return parse(given) == parse(recorded)
    except InvalidOperation:
        return False
    return False
