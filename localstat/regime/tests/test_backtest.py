"""Backtesting rules on stored history, with no look-ahead (issue 9)."""

from __future__ import annotations

from datetime import date
from io import StringIO

import polars as pl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from localstat.assessment.tests.conftest import csv_for
from localstat.chain.access import NotPermitted
from localstat.regime.backtest import as_known_at, backtest_rules, observations_of
from localstat.regime.models import Proposal, RuleSet
from localstat.regime.services import draft_rule_set, read_rules
from localstat.returns.imports import import_file

LOW = """\
title: Challenge below 85%
rules:
  - id: below-85
    title: Challenge on A&E waits
    consequence: {kind: intervention, level: challenge}
    when:
      indicators:
        AE4H: {value: {below: 85}}
    exit_when:
      indicators:
        AE4H: {value: {at_least: 85}}
"""


def _backtest(assessed, **dates):
    return backtest_rules(
        rules=read_rules(LOW),
        operator=assessed.dh,
        service=assessed.health,
        acting_user=assessed.ada,
        **dates,
    )


def test_a_backtest_reports_each_trigger_when_it_happened_and_whether_the_unit_recovered(assessed) -> None:
    result = _backtest(assessed)
    # then 24 months are replayed, and only Ashford (80% rising to 93.8%) triggers, once, at the start
    assert len(result.months) == 25
    (trigger,) = result.outcomes.rows(named=True)
    assert (trigger["unit"], trigger["as_of"], trigger["indicator"]) == ("U1", date(2017, 4, 30), "AE4H")
    assert trigger["value_at_trigger"] == pytest.approx(80.0)
    assert trigger["change_after_3"] == pytest.approx(1.8)
    assert trigger["change_after_6"] == pytest.approx(3.6)
    summary = result.summary().row(0, named=True)
    assert (summary["triggers"], summary["units"]) == (1, 1)
    # and nothing was written
    assert not (RuleSet.objects.exists())
    assert not (Proposal.objects.exists())


def test_a_later_revision_cannot_change_an_earlier_trigger(assessed) -> None:
    before = _backtest(assessed, date_to=date(2018, 12, 31)).outcomes
    # when Bramley's June 2017 value is corrected today to 50% (a new approved revision)
    import_file(
        content=csv_for({"U2": lambda i: 5000}, [date(2017, 6, 1)]),
        name="correction.csv",
        approve=True,
        reason="Recounted",
        acting_user=None,
    )
    # then the stored value has changed, but a replay uses the value available at each month
    stored = observations_of(assessed.health)
    corrected = pl.col("unit") == "U2"
    june = (pl.col("period") == date(2017, 6, 1)) & corrected
    assert as_known_at(stored, date(2100, 1, 1)).filter(june)["numerator"].item() == 5000
    assert as_known_at(stored, date(2017, 6, 30)).filter(june)["numerator"].item() != 5000
    after = _backtest(assessed, date_to=date(2018, 12, 31)).outcomes
    assert after.equals(before)
    assert "U2" not in after["unit"].to_list()


def test_only_the_operators_people_backtest_its_rules(assessed) -> None:
    with pytest.raises(NotPermitted):
        backtest_rules(
            rules=read_rules(LOW), operator=assessed.dh, service=assessed.health, acting_user=assessed.morgan
        )


def test_backtest_from_the_command_line_prints_a_summary_and_writes_the_triggers(assessed, tmp_path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(LOW)
    out = StringIO()
    call_command(
        "regime", "backtest", str(rules), "--from", "2017-04-01", "--out", str(tmp_path / "t.csv"), stdout=out
    )
    text = out.getvalue()
    assert "replayed 25 months, April 2017 to April 2019, for DH in Health" in text
    assert "below-85" in text
    assert pl.read_csv(tmp_path / "t.csv")["unit"].to_list() == ["U1"]


def test_a_draft_is_backtested_on_its_page_before_it_is_published(assessed) -> None:
    draft = draft_rule_set(
        operator=assessed.dh, service=assessed.health, source=LOW, acting_user=assessed.ada
    )
    client = Client()
    client.force_login(assessed.ada)
    page = client.get(reverse("regime:backtest", args=[draft.pk])).text
    assert "If these rules had been in force for the last two years" in page
    assert "below-85" in page
    client.force_login(assessed.morgan)
    assert client.get(reverse("regime:backtest", args=[draft.pk])).status_code == 404


def test_a_backtest_over_the_api_returns_the_summary_and_the_triggers(assessed) -> None:
    client = Client()
    client.force_login(assessed.ada)
    payload = {"operator": "DH", "service": "health", "source": LOW, "from": "2018-01-01"}
    body = client.post("/api/regime/backtest", payload, content_type="application/json").json()
    assert body["months"][0] == "2018-01-31"
    assert [r["rule"] for r in body["rules"]] == ["below-85"]
    client.force_login(assessed.morgan)
    assert client.post("/api/regime/backtest", payload, content_type="application/json").status_code == 403


def test_a_backtest_page_is_kept_until_the_data_changes(assessed, monkeypatch) -> None:
    from localstat.core.clock import set_reference_date
    from localstat.regime import backtest

    set_reference_date(date(2019, 4, 30), reason="test")
    draft = draft_rule_set(
        operator=assessed.dh, service=assessed.health, source=LOW, acting_user=assessed.ada
    )
    replays = []
    replay = backtest.backtest_rules
    monkeypatch.setattr(backtest, "backtest_rules", lambda **kw: replays.append(kw) or replay(**kw))
    client = Client()
    client.force_login(assessed.ada)
    url = reverse("regime:backtest", args=[draft.pk])
    first = client.get(url).text.split("<h1")[1]
    # a second look replays nothing and shows the same tables, dates and all
    second = client.get(url).text.split("<h1")[1]
    assert len(replays) == 1
    assert second == first
    assert "Apr 2017" in second
    # the kept tables are for the operator's people only
    client.force_login(assessed.morgan)
    assert client.get(url).status_code == 404
    # new approved data makes the next look replay again
    import_file(
        content=csv_for({"U2": lambda i: 5000}, [date(2017, 6, 1)]),
        name="correction.csv",
        approve=True,
        reason="Recounted",
        acting_user=None,
    )
    client.force_login(assessed.ada)
    client.get(url)
    assert len(replays) == 2
