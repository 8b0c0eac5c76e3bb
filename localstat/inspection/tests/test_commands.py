"""localstat inspection plan / backtest / rules."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from localstat.inspection.tests.conftest import RULES_FILE


def run(*args: str) -> str:
    out = StringIO()
    call_command("inspection", *args, stdout=out)
    return out.getvalue()


def test_the_plan_command_lists_each_unit_with_its_tier_due_date_and_reasons(inspected):
    out = run("plan", "--as-of", "2019-04-30")
    assert "Care Quality Commission: inspection plan as of 2019-04-30 under rules version 1, 4 units" in out
    assert "no inspection on record (+2)" in out
    csv = run("plan", "--csv")
    assert csv.splitlines()[0].startswith("unit,name,band,points,tier,due")
    assert len(csv.splitlines()) == 5


def test_the_backtest_command(inspected):
    out = run("backtest", "--inspectorate", "CQC")
    assert "inspections 2017-04-01 to 2019-04-30" in out


def test_publishing_rules_from_a_file_and_refusing_the_same_again(inspected, tmp_path):
    changed = tmp_path / "rules.yaml"
    changed.write_text(RULES_FILE.read_text().replace("interval_months: 36", "interval_months: 48"))
    assert (
        run("rules", "publish", str(changed), "--inspectorate", "CQC")
        == "Published CQC inspection rules v2.\n"
    )
    with pytest.raises(CommandError, match="already published as version 2"):
        run("rules", "publish", str(changed), "--inspectorate", "CQC")
    assert "interval_months: 48" in run("rules", "show", "--inspectorate", "CQC")


def test_the_plan_command_says_when_no_rules_are_published(scenario):
    with pytest.raises(CommandError, match="No inspectorate has published inspection rules yet"):
        run("plan")


def test_an_unknown_inspectorate_is_an_error(inspected):
    with pytest.raises(CommandError, match="No inspectorate 'XYZ'"):
        run("plan", "--inspectorate", "XYZ")


def test_previewing_rules_changes_nothing_and_says_what_would_move(inspected, tmp_path):
    from localstat.inspection.models import InspectionRules

    wider = tmp_path / "rules.yaml"
    # every tier 1 point wider: units on the edge move to a lighter tier
    wider.write_text(RULES_FILE.read_text().replace("at_most: 1.5", "at_most: 9"))
    out = run("rules", "preview", str(wider), "--inspectorate", "CQC")
    assert "Nothing was published." in out
    assert "high       now      3   under these rules      0" in out
    assert InspectionRules.objects.count() == 1
    broken = tmp_path / "broken.yaml"
    broken.write_text("tiers: [")
    with pytest.raises(CommandError, match="not valid YAML"):
        run("rules", "preview", str(broken), "--inspectorate", "CQC")


def test_a_plan_for_a_date_before_any_unit_was_in_the_chain_says_so(inspected):
    out = run("plan", "--as-of", "1990-01-01")
    assert out == (
        "Care Quality Commission: no units were in the services it inspects on 1990-01-01, "
        "so there is nothing to plan.\n"
    )
