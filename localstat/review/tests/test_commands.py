"""``localstat review …`` from the command line."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from localstat.review import services
from localstat.review.models import Briefing


def _run(*args: str) -> str:
    out = StringIO()
    call_command("review", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_briefing_command_generates_the_next_briefing_and_writes_a_pdf(reviewed, tmp_path) -> None:
    pdf = tmp_path / "briefing.pdf"
    text = _run("briefing", "north-ae", "--pdf", str(pdf))
    briefing = Briefing.objects.get(meeting=reviewed.first)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert f"The host unit: {reviewed.u1.display_name}" in text
    for headline in briefing.items.values_list("headline", flat=True):
        assert headline in text


def test_the_agenda_command_opens_with_open_actions(reviewed) -> None:
    services.record_action(
        meeting=reviewed.first,
        organisation=reviewed.u1,
        description="Open a second triage stream",
        owner=reviewed.uma,
        due_on=date(2019, 5, 31),
        acting_user=reviewed.morgan,
    )
    services.hold_meeting(meeting=reviewed.first, held_on=date(2019, 4, 30), acting_user=reviewed.morgan)
    text = _run("agenda", "north-ae", "--meeting", "2")
    assert text.splitlines()[2].startswith("1. Actions still open from earlier meetings (1)")
    assert "[increased challenge] U1: Open a second triage stream" in text
    assert "Open a second triage stream" in _run("actions", "--cycle", "north-ae")


def test_an_unknown_cycle_is_a_clear_error(reviewed) -> None:
    with pytest.raises(CommandError, match="No review cycle 'nope' \\(cycles: north-ae\\)"):
        _run("briefing", "nope")
