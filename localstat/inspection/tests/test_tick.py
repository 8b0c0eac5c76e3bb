"""The tick notes the units whose next inspection date has passed, once for each due date."""

from __future__ import annotations

from datetime import date, timedelta

from localstat.core.models import AuditEvent
from localstat.inspection.models import OverdueInspection
from localstat.inspection.services import PastInspection, import_inspection_history
from localstat.inspection.tick import RULES, note_overdue_inspections
from localstat.returns.tick import discover_rules

AS_OF = date(2019, 4, 30)


def _history(inspected, *visits: tuple[object, date]) -> None:
    import_inspection_history(
        inspectorate=inspected.cqc,
        inspections=[PastInspection(unit=u, visited_on=d, judgement="good") for u, d in visits],
        acting_user=inspected.ines,
    )


def test_a_unit_past_its_next_inspection_date_is_noted_once_and_audited(inspected) -> None:
    # given Ashford last inspected four years ago (overdue under any tier) and Denton this January
    _history(inspected, (inspected.u1, date(2015, 1, 10)), (inspected.u4, date(2019, 1, 10)))
    # when the tick runs
    said = note_overdue_inspections(AS_OF)
    # then Ashford alone is noted, with the date it was due and its tier, and the tick is audited
    (noted,) = OverdueInspection.objects.all()
    assert (noted.unit, noted.noted_on, noted.inspectorate) == (inspected.u1, AS_OF, inspected.cqc)
    assert noted.due_on < AS_OF
    assert noted.tier
    assert said == "1 units overdue for inspection (1 newly noted)"
    event = AuditEvent.objects.get(action="inspection.note_overdue")
    assert event.data["noted"] == 1
    # and ticking again, the same day or the next, notes nothing new and audits nothing more
    assert note_overdue_inspections(AS_OF) == "1 units overdue for inspection (0 newly noted)"
    note_overdue_inspections(AS_OF + timedelta(days=1))
    assert OverdueInspection.objects.count() == 1
    assert AuditEvent.objects.filter(action="inspection.note_overdue").count() == 1


def test_an_inspection_gives_a_new_date_so_the_unit_is_no_longer_overdue(inspected) -> None:
    _history(inspected, (inspected.u1, date(2015, 1, 10)))
    note_overdue_inspections(AS_OF)
    # when Ashford is inspected
    _history(inspected, (inspected.u1, AS_OF))
    # then the next tick finds nothing overdue, and the earlier note stays as it was
    assert (
        note_overdue_inspections(AS_OF + timedelta(days=1))
        == "0 units overdue for inspection (0 newly noted)"
    )
    assert list(OverdueInspection.objects.values_list("unit__code", "noted_on")) == [("U1", AS_OF)]


def test_the_rule_runs_in_the_daily_tick_after_the_regime(inspected) -> None:
    names = [rule.name for rule in discover_rules()]
    assert RULES[0].name in names
    assert names.index("inspection_overdue") > names.index("regime_evaluate")


def test_the_plan_page_says_when_the_tick_noted_a_unit_overdue(inspected) -> None:
    from django.test import Client
    from django.urls import reverse

    _history(inspected, (inspected.u1, date(2015, 1, 10)))
    note_overdue_inspections(AS_OF)
    client = Client()
    client.force_login(inspected.ines)
    assert "noted by the daily tick on 30 Apr 2019" in client.get(reverse("inspection:plan")).text
