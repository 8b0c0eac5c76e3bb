"""Collections and the gateway, approval, warnings and the tick."""

from __future__ import annotations

import re
from datetime import date

import pytest

from localstat.chain.access import NotPermitted
from localstat.core.models import AuditEvent
from localstat.framework.services import record_equivalence
from localstat.returns.choices import ReturnStatus, Timeliness, WarningStatus
from localstat.returns.errors import GatewayRefusal, ImportRejected, ReturnsError
from localstat.returns.models import Collection, Observation, QualityWarning, Return
from localstat.returns.selectors import approved_observations, timeliness_of, with_timeliness
from localstat.returns.services import (
    ItemSpec,
    add_quality_rule,
    approve_return,
    create_collection,
    resolve_warning,
    send_back_return,
)
from localstat.returns.tests.conftest import csv, indicator, load
from localstat.returns.tick import note_overdue_returns, run_tick


def _ask_again(ret, *, indicator_=None, periodicity="quarter", units=None, issuer=None):
    return create_collection(
        code="AE-QUARTERLY",
        name="A&E quarterly",
        issuer=issuer or ret.cqc,
        service=ret.health,
        periodicity=periodicity,
        deadline_days=30,
        first_period=date(2018, 4, 1),
        items=[ItemSpec(indicator_ or ret.t1)],
        units=units or [ret.u1],
        acting_user=None,
    )


def test_the_gateway_refuses_a_second_request_and_adds_the_body_to_the_existing_collection(ret) -> None:
    # when the inspectorate asks Ashford quarterly for type 1 performance, already collected monthly
    with pytest.raises(GatewayRefusal) as refused:
        _ask_again(ret)
    # then it is refused, pointing at the existing collection, and the inspectorate now uses that one
    assert refused.value.existing == ret.collection
    assert "already collected from these units by AE-MONTHLY" in refused.value.messages[0]
    assert not Collection.objects.filter(code="AE-QUARTERLY").exists()
    assert list(ret.collection.issuer_links.values_list("organisation__code", flat=True)) == ["DH", "CQC"]
    assert AuditEvent.objects.filter(action="returns.join_collection").count() == 1


def test_the_gateway_knows_recorded_equivalents(ret) -> None:
    other = indicator(ret.scenario, "T1_PERF")
    record_equivalence(indicator=ret.t1, equivalent=other, reason="Same measure", acting_user=None)
    with pytest.raises(GatewayRefusal):
        _ask_again(ret, indicator_=other)


def test_the_gateway_lets_through_other_units_or_a_finer_period(ret) -> None:
    # Elm School is not asked by AE-MONTHLY; a weekly request is finer than what is collected
    _ask_again(ret, units=[ret.s1])
    weekly = create_collection(
        code="AE-WEEKLY",
        name="weekly",
        issuer=ret.dh,
        service=ret.health,
        periodicity="week",
        deadline_days=3,
        first_period=date(2018, 4, 2),
        items=[ItemSpec(ret.t1)],
        units=[ret.u1],
        acting_user=None,
    )
    assert weekly.pk


def test_only_a_department_or_inspectorate_issues_collections(ret) -> None:
    with pytest.raises(NotPermitted):
        create_collection(
            code="X",
            name="x",
            issuer=ret.dh,
            service=ret.health,
            periodicity="month",
            deadline_days=1,
            first_period=date(2018, 4, 1),
            items=[],
            units=[],
            acting_user=ret.morgan,
        )


def test_a_return_moves_from_submitted_to_approved_or_sent_back_by_its_manager_only(ret) -> None:
    load(csv("U1,ADM,2019-03-01,250,"))
    march = Return.objects.get(unit=ret.u1)
    with pytest.raises(NotPermitted):
        approve_return(return_record=march, acting_user=ret.sam)
    with pytest.raises(NotPermitted):
        approve_return(return_record=march, acting_user=ret.ada)
    with pytest.raises(ReturnsError, match="Say why"):
        send_back_return(return_record=march, reason=" ", acting_user=ret.morgan)
    sent = send_back_return(return_record=march, reason="Check admissions", acting_user=ret.morgan)
    assert sent.status == ReturnStatus.SENT_BACK
    with pytest.raises(ReturnsError, match="only a submitted return can be approved"):
        approve_return(return_record=march, acting_user=ret.morgan)
    # a resubmission makes it submitted again, and then it can be approved
    load(csv("U1,ADM,2019-03-01,260,"))
    assert Return.objects.get(pk=march.pk).status == ReturnStatus.SUBMITTED
    approved = approve_return(return_record=march, acting_user=ret.morgan)
    assert approved.status == ReturnStatus.APPROVED
    assert approved.approved_by == ret.morgan


def test_the_approved_value_stays_in_use_until_its_correction_is_approved(ret) -> None:
    load(csv("U1,ADM,2019-03-01,250,"), approve=True)
    load(csv("U1,ADM,2019-03-01,260,"), reason="Late admissions added")

    def in_use() -> list[float]:
        return list(approved_observations(indicators=[ret.adm.pk]).values_list("numerator", flat=True))

    assert in_use() == [250.0]
    approve_return(return_record=Return.objects.get(unit=ret.u1), acting_user=ret.morgan)
    assert in_use() == [260.0]
    assert Observation.objects.filter(indicator=ret.adm).count() == 2


def test_warnings_are_confirmed_or_queried_by_the_unit_or_its_manager(ret) -> None:
    add_quality_rule(
        collection=ret.collection,
        code="adm-cap",
        description="Admissions above 1,000 are unusual",
        kind="range",
        indicator=ret.adm,
        maximum=1000,
        acting_user=None,
    )
    result = load(csv("U1,ADM,2019-03-01,2500,"))
    assert result.warnings == 1
    warning = QualityWarning.objects.get()
    with pytest.raises(NotPermitted):
        resolve_warning(warning=warning, status=WarningStatus.CONFIRMED, acting_user=ret.olga)
    with pytest.raises(ReturnsError, match="Say what is queried"):
        resolve_warning(warning=warning, status=WarningStatus.QUERIED, acting_user=ret.morgan)
    resolve_warning(
        warning=warning, status=WarningStatus.QUERIED, note="Really 2,500?", acting_user=ret.morgan
    )
    assert QualityWarning.objects.get().status == WarningStatus.QUERIED


def test_a_cross_item_rule_rejects_or_warns_as_it_says(ret) -> None:
    add_quality_rule(
        collection=ret.collection,
        code="types-agree",
        description="Type 2 attendances do not exceed type 1",
        kind="expression",
        left="AE4H_T2.denominator",
        operator="<=",
        right="AE4H_T1.denominator",
        on_failure="reject",
        acting_user=None,
    )
    with pytest.raises(ImportRejected, match=re.escape("Type 2 attendances do not exceed type 1: 300 ≤ 200")):
        load(csv("U1,AE4H_T1,2019-03-01,150,200", "U1,AE4H_T2,2019-03-01,250,300", "U1,ADM,2019-03-01,1,"))
    assert Observation.objects.count() == 0
    with pytest.raises(ReturnsError, match="is not an expression"):
        add_quality_rule(
            collection=ret.collection,
            code="bad",
            description="x",
            kind="expression",
            left="import os",
            operator="<",
            right="1",
            acting_user=None,
        )


def test_an_outlier_against_the_units_own_history_is_a_warning(ret) -> None:
    months = [f"2018-{m:02d}-01" for m in range(4, 13)] + ["2019-01-01", "2019-02-01"]
    history = [f"U1,ADM,{m},{200 + i % 3},," for i, m in enumerate(months)]
    load(
        ("unit,indicator,period,numerator,denominator\n" + "\n".join(h[:-1] for h in history) + "\n").encode()
    )
    result = load(csv("U1,ADM,2019-03-01,2000,"))
    assert result.warnings == 1
    assert "is unusual against U1's own 12 values of it" in result.warning_messages[0]


def test_the_tick_notes_overdue_returns_once_and_timeliness_follows_the_deadline(ret) -> None:
    # given March 2019 is returned on 30 April (deadline 20 April): late
    load(csv("U1,ADM,2019-03-01,250,"))
    march = Return.objects.get(unit=ret.u1)
    assert timeliness_of(march, date(2019, 4, 30)) == Timeliness.LATE
    # when the tick runs as of 30 April, twice
    # (the overdue returns are the first rule; other apps' rules follow it)
    assert run_tick(date(2019, 4, 30))[0] == ("overdue_returns", "47 returns overdue (47 newly noted)")
    before = AuditEvent.objects.count()
    assert note_overdue_returns(date(2019, 4, 30)) == "47 returns overdue (0 newly noted)"
    assert AuditEvent.objects.count() == before
    # then each unit's other months are missing, and April is not yet due
    by = dict(
        with_timeliness(Return.objects.filter(unit=ret.u2), date(2019, 4, 30)).values_list(
            "period_start", "timeliness"
        )
    )
    assert set(by.values()) == {Timeliness.MISSING}
    assert len(by) == 12
    assert timeliness_of(Return(deadline=date(2019, 5, 20)), date(2019, 4, 30)) == Timeliness.NOT_DUE
