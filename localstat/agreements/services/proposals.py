"""The targets a proposal or revision puts forward: validated, with their trajectory and the engine's checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from localstat.agreements import selectors
from localstat.agreements.errors import AgreementError
from localstat.agreements.models import (
    Negotiation,
    NegotiationStep,
    ProposedTarget,
)
from localstat.agreements.services.common import FOUR_PLACES, MAX_TARGETS, TargetSpec, _decimal, _level
from localstat.chain.models import Organisation, Service
from localstat.engine.agreements import linear_milestones
from localstat.framework.choices import Polarity
from localstat.framework.models import Indicator, Standard
from localstat.framework.periods import PeriodError, parse_period, period_starting, periods_between
from localstat.framework.selectors import school_calendar_for
from localstat.framework.selectors.exemptions import exemptions_in_force


def _indicator(spec: TargetSpec, service: Service) -> Indicator:
    if isinstance(spec.indicator, Indicator):
        indicator = Indicator.objects.select_related("current_version").get(pk=spec.indicator.pk)
    else:
        code = str(spec.indicator).strip()
        indicator = Indicator.objects.select_related("current_version").filter(code=code).first()  # type: ignore[assignment]
        if indicator is None:
            raise AgreementError(f"No indicator has the code {code!r}.", code="invalid")
    if indicator.service_id != service.pk:
        raise AgreementError(f"{indicator.code} measures {indicator.service}, not {service}.", code="invalid")
    if indicator.current_version is None:
        raise AgreementError(f"{indicator.code} has no definition yet.", code="invalid")
    return indicator


def _milestones(
    spec: TargetSpec, indicator: Indicator, level: Decimal, baseline: tuple[date, float] | None, on: date
) -> list[list[Any]]:
    version = indicator.current_version
    assert version is not None
    calendar = school_calendar_for(indicator.service_id) if version.periodicity == "half_term" else None
    if spec.milestones:
        rows: dict[date, Decimal] = {}
        for start, value in spec.milestones:
            try:
                period = parse_period(version.periodicity, str(start), calendar=calendar)
            except PeriodError as error:
                raise AgreementError(f"{indicator.code} milestone: {error}", code="invalid") from None
            if period.start > spec.deadline:
                raise AgreementError(
                    f"{indicator.code}: the milestone for {period.label} falls after the deadline "
                    f"({spec.deadline:%-d %B %Y}).",
                    code="invalid",
                )
            if period.start in rows:
                raise AgreementError(
                    f"{indicator.code}: two milestones for {period.label}; give one level per period.",
                    code="invalid",
                )
            rows[period.start] = _level(value, indicator, "milestone level")
        return [[start.isoformat(), str(value)] for start, value in sorted(rows.items())]
    # A straight line from the latest approved value, one milestone per period up to the deadline.
    try:
        if baseline is not None:
            first = period_starting(version.periodicity, baseline[0], calendar=calendar).next().start
        else:
            first = on
        periods = list(periods_between(version.periodicity, first, spec.deadline, calendar=calendar))
    except PeriodError as error:
        raise AgreementError(f"{indicator.code}: {error}", code="invalid") from None
    periods = [p for p in periods if p.start <= spec.deadline]
    if not periods:
        raise AgreementError(
            f"{indicator.code}: no {version.get_periodicity_display().lower()} period falls between the latest "
            f"value and the deadline {spec.deadline:%-d %B %Y}; give a later deadline.",
            code="invalid",
        )
    start_value = float(level) if baseline is None else baseline[1]
    path = linear_milestones(start_value, float(level), len(periods))
    return [
        [p.start.isoformat(), str(Decimal(str(round(v, 4))).quantize(FOUR_PLACES))]
        for p, v in zip(periods, path, strict=True)
    ]


def _check_framework_rules(indicator: Indicator, level: Decimal, proposer: Organisation, on: date) -> None:
    """Refuse now what the framework would refuse at agreement: an exempt unit, a ratcheted standard."""
    exempt = list(exemptions_in_force(units=[proposer], indicator=indicator, as_of=on))
    if exempt:
        raise AgreementError(
            f"No further targets on {indicator.code} for {proposer.code}: {exempt[0].description} "
            f"(exemption {exempt[0].pk}; seed 3.12, 3.22).",
            code="exempt",
        )
    standard = Standard.objects.filter(indicator=indicator).select_related("indicator_version").first()
    if standard is not None:
        polarity = standard.indicator_version.polarity
        if (polarity == Polarity.HIGHER and level > standard.level) or (
            polarity == Polarity.LOWER and level < standard.level
        ):
            raise AgreementError(
                f"{indicator.code} has the standard {standard.level_text}: a target beyond it would ratchet the "
                "standard (seed 3.12); propose it at the standard or below.",
                code="ratchet",
            )


def _items(
    specs: Sequence[TargetSpec], *, negotiation: Negotiation, step: NegotiationStep, on: date
) -> list[ProposedTarget]:
    if not specs:
        raise AgreementError("Put forward at least one target.", code="required")
    if len(specs) > MAX_TARGETS:
        raise AgreementError(
            f"At most {MAX_TARGETS} targets in one proposal, not {len(specs)}.", code="invalid"
        )
    prepared: list[tuple[TargetSpec, Indicator, Decimal | None]] = []
    seen: set[str] = set()
    for spec in specs:
        indicator = _indicator(spec, negotiation.service)
        if indicator.code in seen:
            raise AgreementError(f"{indicator.code} appears twice: one target per indicator.", code="invalid")
        seen.add(indicator.code)
        measure = spec.level is None or (isinstance(spec.level, str) and not spec.level.strip())
        if measure and negotiation.is_local_psa:
            raise AgreementError(
                f"{indicator.code}: a Local PSA's stretch targets each need a level; a measure has none.",
                code="required",
            )
        level = None if measure else _level(spec.level, indicator, "level")
        if spec.deadline <= on:
            raise AgreementError(
                f"{indicator.code}: the deadline {spec.deadline:%-d %B %Y} has passed (today is {on:%-d %B %Y}).",
                code="invalid",
            )
        if level is not None:
            _check_framework_rules(indicator, level, negotiation.proposer, on)
        prepared.append((spec, indicator, level))
    checks = selectors.check_levels(
        negotiation.proposer,
        [
            selectors.ProposedLevel(i, indicator, 0.0 if level is None else float(level))
            for i, (_, indicator, level) in enumerate(prepared, 1)
        ],
        as_of=on,
    )
    rows = []
    shares = Decimal("0")
    for position, (spec, indicator, level) in enumerate(prepared, 1):
        check = checks[position]
        baseline = (check["baseline_period"], check["baseline"]) if check["baseline"] is not None else None
        no_stretch = share = None
        if level is None:
            check = check | {
                "verdict": "cannot_check",
                "reason": "A measure: monitored, with no level to reach (Box 2.1), so there is no level to check.",
                "process_limit": None,
                "reach_limit": None,
            }
        if negotiation.is_local_psa:
            no_stretch = _level(spec.no_stretch_level, indicator, "no-stretch level")
            share = _decimal(spec.reward_share, f"{indicator.code}: its share of the reward grant (0 to 1)")
            assert share is not None
            if not (0 <= share <= 1):
                raise AgreementError(
                    f"{indicator.code}: a share of the reward grant is between 0 and 1 (0.25 is a quarter), not {share}.",
                    code="invalid",
                )
            polarity = indicator.current_version.polarity  # type: ignore[union-attr]
            assert level is not None
            if polarity == Polarity.NEUTRAL or (polarity == Polarity.HIGHER) != (level > no_stretch):
                raise AgreementError(
                    f"{indicator.code}: a stretch target goes beyond the no-stretch level ({no_stretch}) in the "
                    f"direction of improvement, and {level} does not.",
                    code="invalid",
                )
            shares += share
        rows.append(
            ProposedTarget(
                step=step,
                position=position,
                indicator=indicator,
                level=level,
                deadline=spec.deadline,
                description=spec.description.strip(),
                responsible_officer=spec.responsible_officer.strip(),
                action_plan=spec.action_plan.strip(),
                baseline_period=check["baseline_period"],
                baseline=None if baseline is None else Decimal(str(round(baseline[1], 4))),
                milestones=[] if level is None else _milestones(spec, indicator, level, baseline, on),
                no_stretch_level=no_stretch,
                reward_share=share,
                checked_on=on,
                verdict=check["verdict"],
                reason=check["reason"],
                points=check["points"],
                mean=check["mean"],
                amr=check["amr"],
                process_limit=check["process_limit"],
                best=check["best"],
                reach_limit=check["reach_limit"],
                trial_limits=check["trial_limits"],
                peer_values=check["peer_values"],
                national_standard=check["national_standard"],
                national_target=check["national_target"][:200],
            )
        )
    if shares > 1:
        raise AgreementError(
            f"The targets' shares of the reward grant add up to {shares:.0%}; they cannot exceed 100%.",
            code="invalid",
        )
    return ProposedTarget.objects.bulk_create(rows)


def _check_record(items: Sequence[ProposedTarget]) -> list[dict[str, Any]]:
    """The checks as a challenge records them: what was checked and what the engine said."""
    return [
        {
            "position": i.position,
            "indicator": i.indicator.code,
            "level": "" if i.level is None else str(i.level),
            "verdict": i.verdict,
            "reason": i.reason,
            "mean": i.mean,
            "process_limit": i.process_limit,
            "best": i.best,
            "reach_limit": i.reach_limit,
            "points": i.points,
            "checked_on": i.checked_on.isoformat(),
        }
        for i in items
    ]


# ---------------------------------------------------------------- the thread
