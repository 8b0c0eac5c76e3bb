"""A bulk approval queues one background re-judgement per indicator still waiting for one."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from localstat.assessment.services import run_assessment
from localstat.assessment.updates import INLINE_RETURNS, update_after_approval
from localstat.framework import services as framework
from localstat.framework.choices import Periodicity, Polarity, Statistic
from localstat.returns.models import Return
from localstat.returns.signals import returns_approved

BULK = list(range(1, INLINE_RETURNS + 2))  # more returns than an approving request judges itself


@pytest.fixture(autouse=True)
def _database_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _approve_in_bulk(*indicators: Any) -> None:
    returns_approved.send(sender=Return, return_ids=BULK, indicator_ids=[i.pk for i in indicators])


def _queued() -> list[list[str]]:
    tasks = DBTaskResult.objects.filter(task_path=update_after_approval.module_path).order_by("enqueued_at")
    return [task.args_kwargs["args"][0] for task in tasks]


def _second_indicator(assessed: Any) -> Any:
    return framework.define_indicator(
        code="AE12H",
        name="A&E: waits over 12 hours",
        service=assessed.scenario.health,
        owner=assessed.scenario.dh,
        valid_from=date(2016, 4, 1),
        definition="Patients waiting over 12 hours.",
        numerator_definition="Waited over 12 hours",
        denominator_definition="Attendances",
        statistic=Statistic.PROPORTION,
        multiplier=100,
        display_unit="%",
        polarity=Polarity.LOWER,
        periodicity=Periodicity.MONTH,
        acting_user=None,
    )


def test_a_bulk_approval_before_the_first_full_run_queues_no_update(assessed) -> None:
    _approve_in_bulk(assessed.indicator)
    assert _queued() == []


def test_a_bulk_approval_after_a_full_run_queues_an_update_of_its_indicators(assessed) -> None:
    run_assessment(acting_user=None)
    _approve_in_bulk(assessed.indicator)
    assert _queued() == [["AE4H"]]


def test_two_bulk_approvals_of_the_same_indicators_queue_one_update(assessed) -> None:
    run_assessment(acting_user=None)
    _approve_in_bulk(assessed.indicator)
    _approve_in_bulk(assessed.indicator)
    assert _queued() == [["AE4H"]]


def test_a_bulk_approval_adding_an_indicator_queues_an_update_of_only_the_new_one(assessed) -> None:
    run_assessment(acting_user=None)
    other = _second_indicator(assessed)
    _approve_in_bulk(assessed.indicator)
    _approve_in_bulk(assessed.indicator, other)
    assert _queued() == [["AE4H"], ["AE12H"]]


def test_an_update_already_started_does_not_stand_in_for_a_later_approval(assessed) -> None:
    run_assessment(acting_user=None)
    _approve_in_bulk(assessed.indicator)
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING
    )  # the worker may have read the data before this approval
    _approve_in_bulk(assessed.indicator)
    assert _queued() == [["AE4H"], ["AE4H"]]
