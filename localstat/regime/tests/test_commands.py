"""``localstat regime evaluate`` and the tick rule that runs it."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from localstat.regime.models import Proposal
from localstat.regime.tests.conftest import AS_OF
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
