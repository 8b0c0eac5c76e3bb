"""The review's pages: who sees what, and each step from the page, without JavaScript."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from datetime import date

import pytest
from django.urls import reverse

from localstat.returns.models import Return
from localstat.review import services
from localstat.review.models import Action, Briefing


def _client(client, user):
    client.force_login(user)
    return client


def _words(text: str) -> str:
    """Text as pdftotext and HTML both give it: ligatures undone, entities and runs of spaces folded."""
    text = (
        unicodedata.normalize("NFKC", text)
        .replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&quot;", '"')
    )
    return re.sub(r"\s+", " ", text).strip()


def test_the_calendar_lists_the_bodys_cycles_and_another_body_sees_none(reviewed, client) -> None:
    page = _client(client, reviewed.morgan).get(reverse("review:home"))
    assert "North A&amp;E performance review" in page.content.decode()
    client.logout()
    page = _client(client, reviewed.morgan_of_south).get(reverse("review:home"))
    assert "North A&amp;E performance review" not in page.content.decode()
    assert client.get(reverse("review:cycle", args=[reviewed.cycle.pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(reviewed, client) -> None:
    response = client.get(reverse("review:meeting", args=[reviewed.first.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def _overdue_returns(reviewed) -> None:
    """Given both units' April returns are overdue: two exceptions for the briefing to mark."""
    collection = Return.objects.first().collection
    for unit in (reviewed.u1, reviewed.u2):
        Return.objects.create(
            collection=collection,
            unit=unit,
            period_start=date(2019, 4, 1),
            period_end=date(2019, 4, 30),
            deadline=date(2019, 4, 20),
        )


def test_the_challenger_generates_marks_and_issues_the_briefing_from_the_page(reviewed, client) -> None:
    meeting = reviewed.first
    _overdue_returns(reviewed)
    _client(client, reviewed.charlie)
    # when the challenger generates the briefing
    client.post(reverse("review:briefing", args=[meeting.pk]))
    briefing = Briefing.objects.get(meeting=meeting)
    exceptions = list(briefing.items.exclude(kind="success").order_by("position"))
    assert exceptions
    # the page marks every exception in one form with one checkbox each, not a form per item
    page = client.get(reverse("review:briefing", args=[meeting.pk])).content.decode()
    assert page.count(f'action="{reverse("review:briefing_marks", args=[meeting.pk])}"') == 1
    assert page.count('name="probe" type="checkbox"') == len(exceptions)
    # and marks an item to probe, with a question, then saves and issues in the same submission
    first = exceptions[0]
    page = client.post(
        reverse("review:briefing_marks", args=[meeting.pk]),
        {
            "item": [i.key for i in exceptions],
            "probe": [first.key],
            f"note-{first.key}": "What changed in March?",
            "note": "Bring the March breach data.",
            "issue": "1",
        },
        follow=True,
    )
    assert "The briefing is issued with 1 item to probe" in _words(page.content.decode())
    first.refresh_from_db()
    assert (first.probe, first.probe_note) == (True, "What changed in March?")
    assert briefing.items.filter(probe=True).count() == 1
    briefing.refresh_from_db()
    assert briefing.is_issued
    assert briefing.challenger_note == "Bring the March breach data."


def test_one_submission_saves_every_mark_and_unticking_clears_one(reviewed, client) -> None:
    _overdue_returns(reviewed)
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    items = list(briefing.items.exclude(kind="success").order_by("position"))
    url = reverse("review:briefing_marks", args=[reviewed.first.pk])
    _client(client, reviewed.charlie)
    keys = [i.key for i in items]
    client.post(url, {"item": keys, "probe": keys, **{f"note-{k}": f"Ask {n}" for n, k in enumerate(keys)}})
    assert len(keys) >= 2
    assert sorted(briefing.items.filter(probe=True).values_list("key", flat=True)) == sorted(keys)
    # unticking one and saving again keeps the others and drops only that mark
    page = client.post(url, {"item": keys, "probe": keys[1:]}, follow=True)
    assert "Marks saved" in page.content.decode()
    assert not briefing.items.get(key=keys[0]).probe
    assert briefing.items.filter(probe=True).count() == len(keys) - 1
    assert not Briefing.objects.get(pk=briefing.pk).is_issued


def test_a_mark_for_an_item_the_briefing_no_longer_holds_changes_nothing(reviewed, client) -> None:
    _overdue_returns(reviewed)
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    item = briefing.items.exclude(kind="success").first()
    page = _client(client, reviewed.charlie).post(
        reverse("review:briefing_marks", args=[reviewed.first.pk]),
        {"item": [item.key, "special_cause_concern:0:0"], "probe": [item.key], "issue": "1"},
        follow=True,
    )
    assert "no longer holds 1 of the items you marked" in _words(page.content.decode())
    item.refresh_from_db()
    assert not item.probe
    assert not Briefing.objects.get(pk=briefing.pk).is_issued


def test_the_secretariat_may_not_mark_probes_from_the_page(reviewed, client) -> None:
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    item = briefing.items.first()
    page = _client(client, reviewed.morgan).post(
        reverse("review:briefing_marks", args=[reviewed.first.pk]),
        {"item": [item.key], "probe": [item.key], "issue": "1"},
        follow=True,
    )
    item.refresh_from_db()
    assert not item.probe
    assert not Briefing.objects.get(pk=briefing.pk).is_issued
    assert "may not" in page.content.decode()


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is not installed (.ci/run installs it)"
)
def test_the_briefing_pdf_contains_every_exception_shown_on_the_page(reviewed, client, tmp_path) -> None:
    # given a generated briefing with real exceptions from the judgements
    from localstat.returns.models import Return

    Return.objects.create(
        collection=Return.objects.first().collection,
        unit=reviewed.u2,
        period_start=date(2019, 4, 1),
        period_end=date(2019, 4, 30),
        deadline=date(2019, 4, 20),
    )
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    headlines = list(briefing.items.values_list("headline", flat=True))
    assert any("overdue" in h for h in headlines)
    _client(client, reviewed.charlie)
    page = _words(client.get(reverse("review:briefing", args=[reviewed.first.pk])).content.decode())
    # when the PDF is downloaded
    response = client.get(reverse("review:briefing_pdf", args=[reviewed.first.pk]))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "briefing.pdf"
    pdf.write_bytes(response.content)
    text = _words(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    )
    # then every item the page shows is in the PDF's text
    for headline in headlines:
        assert _words(headline) in page
        assert _words(headline) in text, headline


def test_the_secretariat_records_an_action_and_a_bad_one_is_refused_with_the_reason(reviewed, client) -> None:
    meeting = reviewed.first
    _client(client, reviewed.morgan)
    url = reverse("review:meeting_record", args=[meeting.pk, "action"])
    fields = {
        "a-organisation": reviewed.u1.pk,
        "a-description": "Open a second triage stream",
        "a-owner": reviewed.uma.pk,
        "a-due_on": "2019-05-31",
        "a-data_required": "Daily 4-hour performance",
    }
    page = client.post(url, {**fields, "a-due_on": "2019-04-01"}, follow=True)
    assert "before the meeting" in page.content.decode()
    assert Action.objects.count() == 0
    client.post(url, fields)
    action = Action.objects.get()
    assert (action.owner, action.due_on, action.data_required) == (
        reviewed.uma,
        date(2019, 5, 31),
        "Daily 4-hour performance",
    )
    # and the meeting page's record shows it
    assert (
        "Open a second triage stream"
        in client.get(reverse("review:meeting", args=[meeting.pk])).content.decode()
    )


def test_a_unit_manager_sees_and_updates_their_actions(reviewed, client) -> None:
    action = services.record_action(
        meeting=reviewed.first,
        organisation=reviewed.u1,
        description="Open a second triage stream",
        owner=reviewed.uma,
        due_on=date(2019, 5, 31),
        acting_user=reviewed.morgan,
    )
    _client(client, reviewed.uma)
    assert "Open a second triage stream" in client.get(reverse("review:my_actions")).content.decode()
    client.post(reverse("review:action", args=[action.pk]), {"note": "Stream open", "done": "on"})
    action.refresh_from_db()
    assert action.status == "done"
    # and South's manager, outside the cycle, cannot even see it
    client.logout()
    assert (
        _client(client, reviewed.morgan_of_south).get(reverse("review:action", args=[action.pk])).status_code
        == 404
    )


def test_the_follow_up_note_is_a_page_and_a_pdf(reviewed, client) -> None:
    services.record_action(
        meeting=reviewed.first,
        organisation=reviewed.u1,
        description="Open a second triage stream",
        owner=reviewed.uma,
        due_on=date(2019, 5, 31),
        data_required="Daily 4-hour performance by stream",
        acting_user=reviewed.morgan,
    )
    services.hold_meeting(meeting=reviewed.first, held_on=date(2019, 4, 30), acting_user=reviewed.morgan)
    _client(client, reviewed.morgan)
    page = client.get(reverse("review:follow_up", args=[reviewed.first.pk])).content.decode()
    assert "Daily 4-hour performance by stream" in page
    response = client.get(reverse("review:follow_up_pdf", args=[reviewed.first.pk]))
    assert response.content.startswith(b"%PDF")
    client.post(reverse("review:follow_up", args=[reviewed.first.pk]))
    reviewed.first.refresh_from_db()
    assert reviewed.first.follow_up_issued_at is not None


def test_the_meeting_room_display_refreshes_without_javascript(reviewed, client) -> None:
    _client(client, reviewed.morgan)
    # the room's screen opens it in refresh mode; a person reading it elsewhere is not hurried (WCAG 2.2.1)
    assert (
        "http-equiv" not in client.get(reverse("review:display", args=[reviewed.cycle.pk])).content.decode()
    )
    page = client.get(reverse("review:display", args=[reviewed.cycle.pk]), {"refresh": "on"}).content.decode()
    assert '<meta http-equiv="refresh" content="60">' in page
    assert "Ashford Hospital" in page
    assert "Bramley Hospital" in page
    stamp = client.get(reverse("review:display_stamp", args=[reviewed.cycle.pk])).json()["stamp"]
    assert f'data-stamp="{stamp}"' in page


def test_a_units_history_shows_what_was_asked_and_whether_it_happened(reviewed, client) -> None:
    services.record_question(
        meeting=reviewed.first,
        organisation=reviewed.u1,
        question="Why did waits rise in February?",
        answer="Norovirus closed two wards",
        acting_user=reviewed.morgan,
    )
    services.record_action(
        meeting=reviewed.first,
        organisation=reviewed.u1,
        description="Open a second triage stream",
        owner=reviewed.uma,
        due_on=date(2019, 5, 31),
        acting_user=reviewed.morgan,
    )
    services.hold_meeting(meeting=reviewed.first, held_on=date(2019, 4, 30), acting_user=reviewed.morgan)
    page = _client(client, reviewed.uma).get(reverse("review:unit_history", args=["U1"])).content.decode()
    assert "Why did waits rise in February?" in page
    assert "Open a second triage stream" in page
    assert "How its indicators moved afterwards" in page
    client.logout()
    assert _client(client, reviewed.olga).get(reverse("review:unit_history", args=["U1"])).status_code == 404


def test_the_challenger_and_secretariat_pages_list_their_work(reviewed, client) -> None:
    page = _client(client, reviewed.charlie).get(reverse("review:challenger")).content.decode()
    assert "Generate the briefing" in page
    client.logout()
    page = _client(client, reviewed.morgan).get(reverse("review:secretariat")).content.decode()
    assert "Coming up" in page
    assert "North A&amp;E performance review: meeting 1" in page


def test_the_list_pages_take_a_fixed_number_of_queries(
    reviewed, client, django_assert_max_num_queries
) -> None:
    # given three actions on Ashford and a second cycle
    for n in range(3):
        services.record_action(
            meeting=reviewed.first,
            organisation=reviewed.u1,
            description=f"Action {n}",
            owner=reviewed.uma,
            due_on=date(2019, 5, 31),
            acting_user=reviewed.morgan,
        )
    services.create_cycle(
        code="north-2",
        name="Second review",
        body=reviewed.north,
        service=reviewed.health,
        cadence="monthly",
        challenger=reviewed.charlie,
        units=[reviewed.u2],
        first_meeting=date(2019, 6, 1),
        acting_user=None,
    )
    client.force_login(reviewed.morgan)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("review:home")).status_code == 200
    client.force_login(reviewed.uma)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("review:my_actions"))
    assert page.content.decode().count("Action ") >= 3
    with django_assert_max_num_queries(10):
        assert len(client.get("/api/reviews/actions").json()) == 3


def test_a_draft_briefing_is_read_only_by_those_who_prepare_it_until_issued(reviewed, client) -> None:
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    url = reverse("review:briefing_pdf", args=[reviewed.first.pk])
    # Ashford's unit manager, held to account in the cycle, does not see the draft
    client.force_login(reviewed.uma)
    assert client.get(url).status_code == 404
    assert (
        "has not issued the briefing yet"
        in client.get(reverse("review:briefing", args=[reviewed.first.pk])).content.decode()
    )
    assert client.get(f"/api/reviews/meetings/{reviewed.first.pk}/briefing").status_code == 404
    # once the challenger issues it, they do
    services.issue_briefing(briefing=briefing, acting_user=reviewed.charlie)
    assert client.get(url).status_code == 200
    assert client.get(f"/api/reviews/meetings/{reviewed.first.pk}/briefing").status_code == 200
