"""``localstat regime evaluate`` and the tick rule that runs it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from localstat.regime.models import Proposal
from localstat.regime.tests.conftest import AS_OF
from localstat.regime.tests.conftest import RULES as RULES_SOURCE
from localstat.regime.tick import RULES, evaluate_rules_for
from localstat.returns.tick import discover_rules


def test_evaluate_from_the_command_line_reports_what_each_rule_set_did(assessed, published) -> None:
    out = StringIO()
    call_command("regime", "evaluate", "--as-of", "2019-04-30", stdout=out)
    assert "Health rules, version 1 on run" in out.getvalue()
    assert "3 new proposals" in out.getvalue()
    assert Proposal.objects.count() == 3


def test_the_tick_evaluates_after_the_overdue_returns_and_twice_changes_nothing(assessed, published) -> None:
    names = [rule.name for rule in discover_rules()]
    assert names.index("regime_evaluate") > names.index("overdue_returns")
    assert RULES[0].run is evaluate_rules_for
    assert "3 new proposals" in evaluate_rules_for(AS_OF)
    assert "0 new proposals, 0 payments computed" in evaluate_rules_for(AS_OF)


def test_with_no_published_rules_evaluate_says_so(assessed, run) -> None:
    out = StringIO()
    call_command("regime", "evaluate", stdout=out)
    assert out.getvalue().strip() == "No published rule sets: nothing to evaluate."


def test_a_backtest_told_to_write_into_a_missing_folder_says_so_before_replaying(assessed, tmp_path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_SOURCE)
    missing = tmp_path / "no-such-folder" / "triggers.csv"
    with pytest.raises(
        CommandError, match=f"--out: there is no folder {missing.parent} to write triggers.csv in"
    ):
        call_command("regime", "backtest", str(rules), "--out", str(missing), stdout=StringIO())


def test_the_tick_says_when_a_rule_set_had_no_assessment_to_read(assessed) -> None:
    from localstat.regime.services import draft_rule_set, publish_rule_set

    draft = draft_rule_set(
        operator=assessed.dh, service=assessed.health, source=RULES_SOURCE, acting_user=assessed.ada
    )
    publish_rule_set(rule_set=draft, on=AS_OF, acting_user=assessed.ada)
    said = evaluate_rules_for(AS_OF)
    assert said.startswith(
        "1 rule sets evaluated: 0 new proposals, 0 payments computed, 0 open proposals lapsed"
    )
    assert "no assessment run at or before 2019-04-30: run localstat assess first" in said
