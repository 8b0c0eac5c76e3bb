"""The controls register: registering what outside bodies require of units, and removing it with a date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from localstat.chain.access import Actor, authorise
from localstat.chain.choices import UnitType
from localstat.chain.models import Organisation, Service
from localstat.core.audit import record_event
from localstat.core.clock import today
from localstat.framework.choices import ControlKind, ControlScope, Focus
from localstat.framework.errors import FrameworkError
from localstat.framework.models import PSA, Control, ControlUnit, Indicator


@dataclass
class ControlSpec:
    """Everything a control is, before it is written: what ``register_control`` and the CSV import check."""

    code: str
    title: str
    kind: str
    focus: str
    issuing_body: Organisation
    in_force_from: date
    scope: str
    unit_type: str = ""
    service: Service | None = None
    units: Sequence[Organisation] = field(default_factory=list)
    framework: str = ""
    psa: PSA | None = None
    indicator: Indicator | None = None
    level: Decimal | float | int | str | None = None
    description: str = ""
    illustrative: bool = False
    source: str = ""

    def problems(self) -> list[tuple[str, str]]:
        """(field, reason) for every rule the control breaks; empty when it is sound."""
        found: list[tuple[str, str]] = []
        if not self.code.strip():
            found.append(("code", "a control needs a code"))
        if not self.title.strip():
            found.append(("title", "a control needs a title saying what it requires"))
        if self.kind not in ControlKind.values:
            found.append(("kind", f"{self.kind!r} is not target, measure or compliance"))
        if self.focus not in Focus.values:
            found.append(("focus", f"{self.focus!r} is not input, output, process or outcome"))
        if self.kind == ControlKind.COMPLIANCE and self.indicator is not None:
            found.append(
                ("indicator", "a compliance requirement is an obligation, not a number: it has no indicator")
            )
        if self.level not in (None, ""):
            if self.kind != ControlKind.TARGET:
                found.append(
                    ("level", "only a target has a required level; a measure or requirement has none")
                )
            else:
                try:
                    if not Decimal(str(self.level)).is_finite():
                        raise InvalidOperation
                except InvalidOperation:
                    found.append(("level", f"{self.level!r} is not a number"))
        if self.scope == ControlScope.UNIT_TYPE:
            if self.unit_type not in UnitType.values:
                found.append(
                    ("applies_to", f"{self.unit_type!r} is not a unit type ({', '.join(UnitType.values)})")
                )
        elif self.scope == ControlScope.SERVICE:
            if self.service is None:
                found.append(("applies_to", "name the service whose front line units it applies to"))
        elif self.scope == ControlScope.UNITS:
            if not self.units:
                found.append(("applies_to", "name at least one unit"))
            not_units = sorted(u.code for u in self.units if not u.is_unit)
            if not_units:
                found.append(("applies_to", f"{', '.join(not_units)} cannot be a front line unit"))
        else:
            found.append(("applies_to", f"{self.scope!r} is not unit_type, service or units"))
        return found


def _create(spec: ControlSpec) -> Control:
    control = Control.objects.create(
        code=spec.code.strip(),
        title=spec.title.strip(),
        description=spec.description.strip(),
        kind=spec.kind,
        focus=spec.focus,
        issuing_body=spec.issuing_body,
        framework=spec.framework.strip(),
        psa=spec.psa,
        indicator=spec.indicator,
        level=None if spec.level in (None, "") else Decimal(str(spec.level)),
        scope=spec.scope,
        unit_type=spec.unit_type if spec.scope == ControlScope.UNIT_TYPE else "",
        service=spec.service if spec.scope == ControlScope.SERVICE else None,
        in_force_from=spec.in_force_from,
        illustrative=spec.illustrative,
        source=spec.source.strip(),
    )
    if spec.scope == ControlScope.UNITS:
        ControlUnit.objects.bulk_create(
            [ControlUnit(control=control, unit=u) for u in dict.fromkeys(spec.units)]
        )
    return control


@transaction.atomic
def register_control(*, spec: ControlSpec, acting_user: Actor) -> Control:
    """Add a control to the register. Every problem is reported at once, and nothing is written."""
    authorise(acting_user, "framework.manage_controls", [spec.issuing_body])
    problems = spec.problems()
    if Control.objects.filter(code=spec.code.strip()).exists():
        problems.append(("code", f"a control with code {spec.code.strip()} already exists"))
    if problems:
        raise FrameworkError("; ".join(f"{name}: {reason}" for name, reason in problems), code="invalid")
    control = _create(spec)
    record_event(
        actor=acting_user,
        action="framework.register_control",
        subject=control,
        summary=f"{spec.issuing_body.code} registered {control.code}: {control.title}",
        data={"kind": control.kind, "focus": control.focus, "applies_to": control.applies_to_text},
    )
    return control


@transaction.atomic
def register_controls(*, specs: Sequence[ControlSpec], acting_user: Actor) -> list[Control]:
    """Register many controls in one go (the demo, an import): all of them, or none."""
    authorise(
        acting_user, "framework.manage_controls", {s.issuing_body.pk: s.issuing_body for s in specs}.values()
    )
    codes = [s.code.strip() for s in specs]
    clashes = sorted(set(Control.objects.filter(code__in=codes).values_list("code", flat=True)))
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    problems = [f"{s.code}: {name}: {reason}" for s in specs for name, reason in s.problems()]
    problems += [f"{code}: a control with this code already exists" for code in clashes]
    problems += [f"{code}: the code is given twice" for code in repeated]
    if problems:
        raise FrameworkError("; ".join(problems), code="invalid")
    controls = [_create(spec) for spec in specs]
    bodies = sorted({s.issuing_body.code for s in specs})
    if controls:
        record_event(
            actor=acting_user,
            action="framework.register_controls",
            subject=controls[0],
            summary=f"Registered {len(controls)} controls from {', '.join(bodies)}",
            data={"codes": codes},
        )
    return controls


@transaction.atomic
def remove_controls(
    *, controls: Sequence[Control], on: date | None = None, reason: str, acting_user: Actor
) -> int:
    """Remove controls from ``on`` (as the report removed 500 SDA targets, 2.8–2.9): they stay in the
    register with the date and reason, so the burden on any earlier date is still known."""
    authorise(
        acting_user,
        "framework.manage_controls",
        {c.issuing_body_id: c.issuing_body for c in controls}.values(),
    )
    on = on or today()
    if not reason.strip():
        raise FrameworkError(
            "Say why the controls are removed; the reason is kept with them.", code="required"
        )
    locked = list(
        Control.objects.select_for_update().filter(pk__in=[c.pk for c in controls]).order_by("code")
    )
    problems = []
    for control in locked:
        if control.target_id is not None:
            problems.append(f"{control.code} records a target: close the target instead")
        elif control.removed_on is not None:
            problems.append(f"{control.code} was already removed on {control.removed_on}")
        elif on <= control.in_force_from:
            problems.append(
                f"{control.code} came into force on {control.in_force_from}; remove it after that"
            )
    if problems:
        raise FrameworkError("Nothing was removed: " + "; ".join(problems) + ".", code="invalid")
    Control.objects.filter(pk__in=[c.pk for c in locked]).update(removed_on=on, removal_reason=reason.strip())
    for control in locked:
        record_event(
            actor=acting_user,
            action="framework.remove_control",
            subject=control,
            summary=f"{control.code} removed from {on}",
            data={"reason": reason},
        )
    return len(locked)


def remove_control(*, control: Control, on: date | None = None, reason: str, acting_user: Actor) -> Control:
    remove_controls(controls=[control], on=on, reason=reason, acting_user=acting_user)
    control.refresh_from_db()
    return control
