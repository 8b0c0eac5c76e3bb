from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from localstat.chain.access import NotPermitted
from localstat.core.models import AuditEvent
from localstat.framework import selectors, services
from localstat.framework.choices import ExemptionGrounds, TargetKind, TargetStatus
from localstat.framework.errors import FrameworkError
from localstat.framework.models import Control, Standard, Target


def _national(fw, acting_user=None, **overrides):
    fields = {
        "psa": fw.psa,
        "indicator": fw.ae4h,
        "kind": TargetKind.FLOOR,
        "level": "95",
        "deadline": date(2020, 3, 31),
        "reference": "DH-PSA1-T1",
        "acting_user": acting_user,
    }
    return services.propose_psa_target(**{**fields, **overrides})


def _active(target, on=date(2019, 4, 30)):
    services.agree_target(target=target, on=on, acting_user=None)
    return services.activate_target(target=target, on=on, acting_user=None)


def _unit_target(fw, units, acting_user=None, **overrides):
    fields = {
        "indicator": fw.ae4h,
        "units": units,
        "kind": TargetKind.FLOOR,
        "level": 90,
        "deadline": date(2020, 3, 31),
        "set_by": fw.north,
        "acting_user": acting_user,
    }
    return services.assign_target(**{**fields, **overrides})


def test_a_psa_target_on_a_process_measure_is_refused_with_the_reason(fw) -> None:
    # given triage within 15 minutes, which measures a process
    # when the department proposes it as a PSA target
    with pytest.raises(FrameworkError) as refused:
        _national(fw, fw.ada, indicator=fw.triage)
    # then it is refused, saying PSAs are about outcomes, and nothing is written
    assert "must be about an outcome (seed 2.9, 3.4)" in refused.value.message
    assert "AE_TRIAGE measures a process" in refused.value.message
    assert not Target.objects.exists()


def test_a_target_goes_from_proposed_to_agreed_to_active_to_met_one_step_at_a_time(fw) -> None:
    target = _national(fw, fw.ada)
    assert (target.status, target.proposed_on, target.level) == (
        TargetStatus.PROPOSED,
        date(2019, 4, 30),
        Decimal(95),
    )
    services.agree_target(target=target, on=date(2019, 4, 30), acting_user=fw.ada)
    target = services.activate_target(target=target, on=date(2019, 5, 1), acting_user=fw.ada)
    assert (target.status, target.agreed_on, target.active_from) == (
        TargetStatus.ACTIVE,
        date(2019, 4, 30),
        date(2019, 5, 1),
    )
    services.record_target_met(
        target=target, on=date(2020, 4, 30), evidence="95.3% in March 2020 (NHS England)", acting_user=fw.ada
    )
    target.refresh_from_db()
    assert (target.status, target.closed_on) == (TargetStatus.MET, date(2020, 4, 30))
    assert list(
        AuditEvent.objects.filter(subject_id=str(target.pk), subject_type="framework.target")
        .values_list("action", flat=True)
        .order_by("id")
    ) == [
        "framework.propose_psa_target",
        "framework.agree_target",
        "framework.activate_target",
        "framework.record_target_met",
    ]


@pytest.mark.parametrize(
    ("step", "status", "message"),
    [
        ("activate", TargetStatus.PROPOSED, "only a agreed target can be made active"),
        ("met", TargetStatus.PROPOSED, "only a active target can be recorded as met"),
        ("agree", TargetStatus.ACTIVE, "DH-PSA1-T1 is active; only a proposed target can be agreed"),
    ],
)
def test_a_step_out_of_order_is_refused(fw, step, status, message) -> None:
    target = _national(fw)
    if status == TargetStatus.ACTIVE:
        _active(target)
    call = {
        "activate": lambda: services.activate_target(target=target, acting_user=None),
        "met": lambda: services.record_target_met(target=target, evidence="x", acting_user=None),
        "agree": lambda: services.agree_target(target=target, acting_user=None),
    }[step]
    with pytest.raises(FrameworkError, match=message):
        call()
    target.refresh_from_db()
    assert target.status == status


def test_met_and_missed_need_evidence(fw) -> None:
    target = _active(_national(fw))
    with pytest.raises(FrameworkError, match="Give the evidence"):
        services.record_target_missed(target=target, on=date(2020, 4, 1), evidence=" ", acting_user=None)
    target.refresh_from_db()
    assert target.status == TargetStatus.ACTIVE


# Every transition, both ways: the department analyst may act on her department's national target;
# the performance manager, the unit's own people and a visitor may not.
NATIONAL_STEPS = {
    "propose": lambda fw, user, target: _national(fw, user, reference="DH-PSA1-T2"),
    "agree": lambda fw, user, target: services.agree_target(target=target, acting_user=user),
    "activate": lambda fw, user, target: services.activate_target(target=target, acting_user=user),
    "met": lambda fw, user, target: services.record_target_met(
        target=target, on=date(2020, 1, 1), evidence="95.1%", acting_user=user
    ),
    "missed": lambda fw, user, target: services.record_target_missed(
        target=target, on=date(2020, 1, 1), evidence="88.0%", acting_user=user
    ),
}
READY = {"propose": None, "agree": "proposed", "activate": "agreed", "met": "active", "missed": "active"}


def _ready(fw, state):
    if state is None:
        return None
    target = _national(fw)
    if state in ("agreed", "active"):
        services.agree_target(target=target, on=date(2019, 4, 30), acting_user=None)
    if state == "active":
        services.activate_target(target=target, on=date(2019, 4, 30), acting_user=None)
    return target


@pytest.mark.parametrize("step", list(NATIONAL_STEPS))
def test_each_national_target_step_is_allowed_to_the_department_analyst(fw, step) -> None:
    target = _ready(fw, READY[step])
    NATIONAL_STEPS[step](fw, fw.ada, target)


@pytest.mark.parametrize("step", list(NATIONAL_STEPS))
@pytest.mark.parametrize("who", ["morgan", "uma", "ines", "anonymous"])
def test_each_national_target_step_is_refused_to_everyone_else(fw, step, who) -> None:
    from django.contrib.auth.models import AnonymousUser

    target = _ready(fw, READY[step])
    user = AnonymousUser() if who == "anonymous" else getattr(fw, who)
    with pytest.raises(NotPermitted, match="may not"):
        NATIONAL_STEPS[step](fw, user, target)
    assert Target.objects.count() == (0 if target is None else 1)
    if target is not None:
        assert Target.objects.get().status == READY[step]


def test_a_performance_manager_takes_its_own_units_targets_through_agreement_but_not_the_outcome(fw) -> None:
    target = _unit_target(fw, [fw.u1, fw.u2], fw.morgan)
    services.agree_target(target=target, acting_user=fw.morgan)
    services.activate_target(target=target, acting_user=fw.morgan)
    with pytest.raises(NotPermitted, match="morgan may not record"):
        services.record_target_met(target=target, on=date(2020, 1, 1), evidence="x", acting_user=fw.morgan)
    services.record_target_missed(target=target, on=date(2020, 1, 1), evidence="87%", acting_user=fw.ada)


def test_a_performance_manager_cannot_set_targets_for_another_managers_units(fw) -> None:
    with pytest.raises(NotPermitted, match="for U3"):
        _unit_target(fw, [fw.u1, fw.u3], fw.morgan)
    with pytest.raises(NotPermitted):
        services.agree_target(target=_unit_target(fw, [fw.u3], set_by=fw.south), acting_user=fw.morgan)
    assert Target.objects.filter(status=TargetStatus.AGREED).count() == 0


def test_a_met_national_target_becomes_a_standard_that_is_never_ratcheted(fw) -> None:
    # given the national 95% target is met
    target = _active(_national(fw))
    services.record_target_met(target=target, on=date(2020, 4, 30), evidence="95.3%", acting_user=fw.ada)
    # then AE4H is a standard at the same level
    standard = Standard.objects.get(indicator=fw.ae4h)
    assert (standard.level, standard.established_on, standard.target) == (
        Decimal(95),
        date(2020, 4, 30),
        target,
    )
    assert standard.level_text == "≥ 95.0%"
    # and no new national target ratchets it, nor a unit target beyond it
    with pytest.raises(FrameworkError, match="not ratcheted"):
        _national(fw, reference="DH-PSA1-T9", level=97)
    with pytest.raises(FrameworkError, match="would ratchet the standard"):
        _unit_target(fw, [fw.u1], level=96)
    assert _unit_target(fw, [fw.u1], level=95).level == Decimal(95)


def test_an_exempt_unit_cannot_be_given_a_new_target_and_the_refusal_names_the_exemption(
    fw, monkeypatch
) -> None:
    # given the national target, set in 2018, is met in April 2019, and Ashford meets the standard
    monkeypatch.setenv("LOCALSTAT_TODAY", "2018-12-01")
    target = _active(_national(fw), on=date(2019, 1, 1))
    services.record_target_met(target=target, on=date(2019, 4, 1), evidence="95.3%", acting_user=None)
    monkeypatch.setenv("LOCALSTAT_TODAY", "2019-04-30")
    standard = Standard.objects.get()
    (exemption,) = services.exempt_units_meeting_standard(
        standard=standard, units=[fw.u1], evidence="96.2% in 2018/19", granted_by=fw.dh, acting_user=fw.ada
    )
    # when its manager assigns Ashford and Bramley a target on AE4H
    with pytest.raises(FrameworkError) as refused:
        _unit_target(fw, [fw.u1, fw.u2], fw.morgan)
    # then it is refused, naming the exemption, and nothing is written
    assert (
        f"U1 (Meets the national standard: exempt from further targets on AE4H since 30 April 2019; exemption {exemption.pk})"
        in refused.value.message
    )
    assert not Target.objects.filter(scope="units").exists()
    assert list(selectors.active_exemptions(fw.u1, fw.ae4h)) == [exemption]
    # and Bramley alone can be given one
    assert _unit_target(fw, [fw.u2], fw.morgan).units.get() == fw.u2


def test_the_no_further_targets_freedom_writes_the_same_exemption_and_the_same_selector_answers(fw) -> None:
    # given the regime grants Ashford "no further targets" across health
    freedom = services.grant_exemption(
        unit=fw.u1,
        service=fw.health,
        grounds=ExemptionGrounds.EARNED_FREEDOM,
        evidence="Three years of high performance",
        reference="regime.freedom:1",
        acting_user=None,
    )
    # then every health indicator is covered, and a target is refused
    assert list(selectors.active_exemptions(fw.u1, fw.triage)) == [freedom]
    assert list(selectors.active_exemptions(fw.u1, fw.ks2)) == []
    with pytest.raises(FrameworkError, match="Earned freedom: no further targets"):
        _unit_target(fw, [fw.u1], indicator=fw.triage)
    # when the freedom ends, targets can be set again
    services.end_exemption(
        exemption=freedom, on=date(2019, 6, 1), reason="Performance fell", acting_user=fw.morgan
    )
    assert list(selectors.active_exemptions(fw.u1, fw.triage, as_of=date(2019, 6, 1))) == []
    assert list(selectors.active_exemptions(fw.u1, fw.triage, as_of=date(2019, 5, 31))) == [freedom]


def test_only_the_chain_above_a_unit_grants_it_an_exemption(fw) -> None:
    with pytest.raises(NotPermitted):
        services.grant_exemption(
            unit=fw.u3,
            service=fw.health,
            grounds=ExemptionGrounds.EARNED_FREEDOM,
            evidence="x",
            acting_user=fw.morgan,
        )
    services.grant_exemption(
        unit=fw.u3,
        service=fw.health,
        grounds=ExemptionGrounds.EARNED_FREEDOM,
        evidence="x",
        acting_user=fw.ada,
    )


def test_a_performance_manager_cascades_a_psa_target_to_its_units_with_the_same_level(fw) -> None:
    national = _national(fw, milestones=[("2019-10-01", 92), ("2020-01-01", 94)])
    services.agree_target(target=national, on=date(2019, 4, 30), acting_user=None)
    result = services.cascade_target(target=national, manager=fw.north, acting_user=fw.morgan)
    assert [(t.reference, t.units.get().code, t.level) for t in result.targets] == [
        ("DH-PSA1-T1-U1", "U1", Decimal(95)),
        ("DH-PSA1-T1-U2", "U2", Decimal(95)),
    ]
    assert all(t.parent == national and t.psa == fw.psa and t.set_by == fw.north for t in result.targets)
    assert [m.level for m in result.targets[0].milestones.all()] == [Decimal(92), Decimal(94)]
    with pytest.raises(FrameworkError, match="already cascaded to U1, U2"):
        services.cascade_target(target=national, manager=fw.north, acting_user=fw.morgan)


def test_a_cascade_can_give_each_unit_its_share(fw) -> None:
    national = _national(fw)
    services.agree_target(target=national, on=date(2019, 4, 30), acting_user=None)
    result = services.cascade_target(
        target=national,
        manager=fw.north,
        units=[fw.u1, fw.u2],
        shares={fw.u1: 93, fw.u2: "96.5"},
        acting_user=fw.morgan,
    )
    assert [t.level for t in result.targets] == [Decimal(93), Decimal("96.5")]


def test_a_cascade_leaves_out_exempt_units_and_says_so(fw) -> None:
    national = _national(fw)
    services.agree_target(target=national, on=date(2019, 4, 30), acting_user=None)
    services.grant_exemption(
        unit=fw.u2, service=fw.health, grounds=ExemptionGrounds.EARNED_FREEDOM, evidence="x", acting_user=None
    )
    result = services.cascade_target(target=national, manager=fw.north, acting_user=fw.morgan)
    assert [t.reference for t in result.targets] == ["DH-PSA1-T1-U1"]
    assert list(result.exempt) == ["U2"]
    with pytest.raises(FrameworkError, match="exempt unit: U2"):
        services.cascade_target(target=national, manager=fw.north, units=[fw.u2], acting_user=fw.morgan)


def test_only_the_performance_manager_cascades_and_only_an_agreed_target(fw) -> None:
    national = _national(fw)
    with pytest.raises(FrameworkError, match="cascade it once it is agreed"):
        services.cascade_target(target=national, manager=fw.north, acting_user=fw.morgan)
    services.agree_target(target=national, on=date(2019, 4, 30), acting_user=None)
    with pytest.raises(NotPermitted):
        services.cascade_target(target=national, manager=fw.north, acting_user=fw.ada)
    with pytest.raises(NotPermitted):
        services.cascade_target(target=national, manager=fw.south, acting_user=fw.morgan)
    with pytest.raises(FrameworkError, match="AN does not manage U3"):
        services.cascade_target(target=national, manager=fw.north, units=[fw.u3], acting_user=fw.morgan)
    assert not Target.objects.filter(parent=national).exists()


def test_an_active_unit_target_is_a_control_on_its_units_until_it_closes(fw) -> None:
    target = _active(_unit_target(fw, [fw.u1, fw.u2]))
    control = Control.objects.get(target=target)
    assert (control.kind, control.issuing_body, set(control.units.values_list("code", flat=True))) == (
        "target",
        fw.north,
        {"U1", "U2"},
    )
    assert selectors.unit_burden(fw.u1, date(2019, 5, 1)).total == 1
    services.record_target_missed(target=target, on=date(2020, 4, 1), evidence="87%", acting_user=None)
    assert selectors.unit_burden(fw.u1, date(2020, 4, 1)).total == 0
    assert selectors.unit_burden(fw.u1, date(2020, 3, 31)).total == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"level": "ninety"}, "the level 'ninety' is not a number"),
        ({"level": 101}, "a proportion out of 100: a level of 101 is impossible"),
        ({"milestones": [("2019-10-02", 90)]}, "does not start a month"),
        ({"milestones": [("2020-04-01", 90)]}, "falls after the deadline"),
        ({"units": []}, "Name at least one unit"),
        ({"units": [fw_s1 := "s1"]}, "S1 is not a front line unit in Health"),
        ({"set_by": "south"}, "AS is neither Health's department nor the performance manager"),
        ({"kind": "stretch"}, "'stretch' is not a kind of target"),
    ],
)
def test_a_bad_unit_target_is_refused_with_a_specific_reason(fw, overrides, message) -> None:
    overrides = dict(overrides)
    if overrides.get("units") == ["s1"]:
        overrides["units"] = [fw.s1]
    if overrides.get("set_by") == "south":
        overrides["set_by"] = fw.south
    with pytest.raises(FrameworkError, match=message):
        _unit_target(fw, overrides.pop("units", [fw.u1]), **overrides)
    assert not Target.objects.exists()


def test_milestones_of_a_half_termly_indicator_follow_the_school_calendar(fw) -> None:
    target = _unit_target(
        fw,
        [fw.s1],
        indicator=fw.ks2,
        set_by=fw.la1,
        milestones=[("2018-10-29", 60)],
        deadline=date(2019, 7, 31),
    )
    assert target.milestones.get().period_start == date(2018, 10, 29)
    with pytest.raises(FrameworkError, match="does not start a half-term"):
        _unit_target(fw, [fw.s1], indicator=fw.ks2, set_by=fw.la1, milestones=[("2018-11-05", 60)])


def test_a_reference_that_will_not_fit_is_refused_and_a_long_cascade_gets_a_numbered_one(fw) -> None:
    with pytest.raises(FrameworkError, match="at most 60 characters with no spaces"):
        _national(fw, reference="DH PSA1 T1")
    national = _national(fw, reference="D" * 58)
    services.agree_target(target=national, on=date(2019, 4, 30), acting_user=None)
    result = services.cascade_target(target=national, manager=fw.north, acting_user=None)
    assert [len(t.reference) <= 60 for t in result.targets] == [True, True]
    for target in result.targets:
        services.agree_target(target=target, acting_user=None)
        services.activate_target(target=target, acting_user=None)
    assert Control.objects.filter(target__in=result.targets).count() == 2


def test_a_unit_target_on_a_psa_of_another_service_is_refused(fw) -> None:
    with pytest.raises(FrameworkError, match="KS2 measures Education, but DH-PSA1 is a PSA for Health"):
        _unit_target(fw, [fw.s1], indicator=fw.ks2, set_by=fw.la1, psa=fw.psa)
