"""The review over the API: the same rules and refusals as the pages."""

from __future__ import annotations

from datetime import date

from localstat.review.models import Action, ReviewCycle


def test_the_secretariat_sets_up_a_cycle_and_a_weekly_one_is_refused(reviewed, client) -> None:
    client.force_login(reviewed.morgan)
    payload = {
        "code": "north-2",
        "name": "Second review",
        "body": "AN",
        "service": "health",
        "cadence": "weekly",
        "challenger": "charlie",
        "units": ["U2", "U1"],
        "first_meeting": "2019-06-03",
    }
    refused = client.post("/api/reviews/cycles", payload, content_type="application/json")
    assert refused.status_code == 400
    assert "refreshed only every 30 days" in refused.json()["detail"]
    made = client.post(
        "/api/reviews/cycles",
        {**payload, "cadence": "monthly"},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["meetings"][0]["host"] == "U2"
    assert ReviewCycle.objects.filter(code="north-2").exists()


def test_another_bodys_manager_is_refused_and_sees_nothing(reviewed, client) -> None:
    client.force_login(reviewed.morgan_of_south)
    assert client.get("/api/reviews/cycles").json() == []
    assert client.get("/api/reviews/cycles/north-ae").status_code == 404
    response = client.post(
        f"/api/reviews/meetings/{reviewed.first.pk}/actions",
        {"organisation": "U1", "description": "x", "owner": "uma", "due_on": "2019-05-31"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Action.objects.count() == 0


def test_briefing_actions_agenda_and_record_over_the_api(reviewed, client) -> None:
    first = reviewed.first.pk
    client.force_login(reviewed.charlie)
    briefing = client.post(f"/api/reviews/meetings/{first}/briefing").json()
    assert briefing["items"]
    item = briefing["items"][0]
    marked = client.post(
        f"/api/reviews/briefing-items/{item['id']}/probe",
        {"probe": True, "note": "Why?"},
        content_type="application/json",
    )
    assert marked.json()["probe"] is True
    assert client.post(
        f"/api/reviews/meetings/{first}/briefing/issue", {}, content_type="application/json"
    ).json()["issued_at"]
    # the challenger may not record actions; the secretariat may
    action = {
        "organisation": "U1",
        "description": "Open a second triage stream",
        "owner": "uma",
        "due_on": "2019-05-31",
    }
    assert (
        client.post(
            f"/api/reviews/meetings/{first}/actions", action, content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(reviewed.morgan)
    made = client.post(f"/api/reviews/meetings/{first}/actions", action, content_type="application/json")
    assert made.status_code == 201
    held = client.post(
        f"/api/reviews/meetings/{first}/held", {"held_on": "2019-04-30"}, content_type="application/json"
    )
    assert held.json()["status"] == "held"
    second = reviewed.cycle.meetings.get(number=2).pk
    agenda = client.get(f"/api/reviews/meetings/{second}/agenda").json()
    assert [a["action"]["description"] for a in agenda["open_actions"]] == ["Open a second triage stream"]
    # the owner reports it done
    client.force_login(reviewed.uma)
    assert [a["id"] for a in client.get("/api/reviews/actions").json()] == [made.json()["id"]]
    done = client.post(
        f"/api/reviews/actions/{made.json()['id']}/updates",
        {"note": "Open", "done": True},
        content_type="application/json",
    )
    assert done.json()["status"] == "done"
    # and the record counts the meeting
    client.force_login(reviewed.morgan)
    record = client.get(
        "/api/reviews/record", {"organisation": ["AN", "U1"], "as_of": str(date(2019, 6, 30))}
    ).json()
    by_code = {r["organisation"]: r for r in record}
    assert by_code["AN"]["meetings_held"] == 1
    assert by_code["U1"]["actions_done_by_due_date"] == 1


def test_commitments_recognition_and_dropped_actions_over_the_api(reviewed, client) -> None:
    first = reviewed.first.pk
    client.force_login(reviewed.morgan)
    commitment = client.post(
        f"/api/reviews/meetings/{first}/commitments",
        {"organisation": "U1", "description": "Open at weekends"},
        content_type="application/json",
    ).json()
    assessed = client.post(
        f"/api/reviews/commitments/{commitment['id']}/assessment",
        {"kept": True},
        content_type="application/json",
    )
    assert assessed.json()["status"] == "kept"
    again = client.post(
        f"/api/reviews/commitments/{commitment['id']}/assessment",
        {"kept": False},
        content_type="application/json",
    )
    assert again.status_code == 400
    assert "already assessed as kept" in again.json()["detail"]
    recognised = client.post(
        f"/api/reviews/meetings/{first}/recognitions",
        {"organisation": "U1", "citation": "Sustained improvement"},
        content_type="application/json",
    )
    assert recognised.status_code == 201
    action = client.post(
        f"/api/reviews/meetings/{first}/actions",
        {"organisation": "U1", "description": "x", "owner": "uma", "due_on": "2019-05-31"},
        content_type="application/json",
    ).json()
    empty = client.post(
        f"/api/reviews/actions/{action['id']}/drop", {"reason": " "}, content_type="application/json"
    )
    assert empty.status_code == 400
    dropped = client.post(
        f"/api/reviews/actions/{action['id']}/drop",
        {"reason": "Overtaken by the new plan"},
        content_type="application/json",
    )
    assert dropped.json()["status"] == "dropped"
    # a unit manager may not drop the secretariat's actions
    client.force_login(reviewed.uma)
    other = Action.objects.create(
        meeting=reviewed.first,
        organisation=reviewed.u1,
        description="y",
        owner=reviewed.uma,
        due_on=date(2019, 5, 31),
    )
    assert (
        client.post(
            f"/api/reviews/actions/{other.pk}/drop", {"reason": "No"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_the_secretariat_cancels_a_meeting_over_the_api_with_a_reason(reviewed, client) -> None:
    client.force_login(reviewed.morgan)
    url = f"/api/reviews/meetings/{reviewed.first.pk}/cancel"
    assert client.post(url, {"reason": ""}, content_type="application/json").status_code == 400
    assert (
        client.post(url, {"reason": "Major incident"}, content_type="application/json").json()["status"]
        == "cancelled"
    )
