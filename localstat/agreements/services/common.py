"""What every agreements service shares: the target and Local PSA specs, numbers, names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from localstat.agreements.errors import AgreementError
from localstat.chain.access import Actor
from localstat.framework.choices import Statistic
from localstat.framework.models import Indicator

Number = Decimal | float | int | str

#: At most this many targets in one proposal (Box 3.1's Local PSA had 12).
MAX_TARGETS = 20
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class TargetSpec:
    """One target as a proposal or revision puts it forward. ``indicator`` is an Indicator or its code.

    A ``level`` of None makes it a measure (Box 2.1: monitored, no required level), which the agreement
    registers as a control rather than a target. ``milestones`` (period start, level) is the trajectory; left empty, it runs in a straight line
    from the latest approved value to the level, one milestone per period. ``no_stretch_level`` and
    ``reward_share`` (0–1) are needed for a Local PSA's stretch targets.
    """

    indicator: Indicator | str
    level: Number | None
    deadline: date
    description: str = ""
    responsible_officer: str = ""
    action_plan: str = ""
    milestones: Sequence[tuple[date | str, Number]] = ()
    no_stretch_level: Number | None = None
    reward_share: Number | None = None


@dataclass(frozen=True)
class LocalPSASpec:
    """A Local PSA's money, term, reward formula and the freedoms it asks for (description, barrier)."""

    starts_on: date
    ends_on: date
    reward_grant: Number
    pump_priming_grant: Number = 0
    reward_threshold: Number = "0.6"
    reward_cap: Number = "1"
    flexibilities: Sequence[tuple[str, str]] = field(default_factory=tuple)


def _name_of(user: Actor) -> str:
    if user is None:
        return "LocalStat (system)"
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or getattr(user, "username", "") or "Unknown"


def _user(acting_user: Actor) -> AbstractBaseUser | None:
    if acting_user is None or isinstance(acting_user, AnonymousUser):
        return None
    return acting_user


def _decimal(value: Number | None, what: str, *, required: bool = True) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise AgreementError(f"Give {what}.", code="required")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise AgreementError(
            f"{what[0].upper()}{what[1:]} must be a number, not {value!r}.", code="invalid"
        ) from None
    if not number.is_finite():
        raise AgreementError(f"{what[0].upper()}{what[1:]} must be a finite number.", code="invalid")
    return number


def plain(number: Decimal) -> str:
    """A number as a person wrote it: ``120`` for 120.0, ``95.5`` for 95.5000."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _level(value: Number | None, indicator: Indicator, what: str) -> Decimal:
    level = _decimal(value, f"{indicator.code}: the {what}")
    assert level is not None
    version = indicator.current_version
    assert version is not None
    if level < 0:
        raise AgreementError(
            f"{indicator.code}: the {what} cannot be negative ({plain(level)}).", code="invalid"
        )
    if version.statistic == Statistic.PROPORTION and level > version.multiplier:
        raise AgreementError(
            f"{indicator.code} is a proportion out of {version.multiplier}: a {what} of {plain(level)} is impossible.",
            code="invalid",
        )
    return level.quantize(FOUR_PLACES)


# ---------------------------------------------------------------- who is on each side
