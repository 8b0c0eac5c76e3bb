from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from localstat.assessment.services import run_assessment
from localstat.core.clock import set_reference_date
from localstat.demo.pipeline import build_demo
from localstat.publication.models import Release, ReleaseStatus


def test_release_publish_publishes_the_latest_run_as_each_services_next_release(assessed, capsys) -> None:
    run = run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    call_command("release", "publish", "--title", "April 2019")
    call_command("release", "publish", "--title", "April 2019, again", "--note", "Nothing changed.")
    releases = list(Release.objects.filter(service=assessed.health).order_by("number"))
    assert [(r.number, r.title, r.status, r.run) for r in releases] == [
        (1, "April 2019", ReleaseStatus.PUBLISHED, run),
        (2, "April 2019, again", ReleaseStatus.PUBLISHED, run),
    ]
    assert releases[1].change_note == "Nothing changed."
    assert "release 2 (April 2019, again)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No service nowhere"):
        call_command("release", "publish", "--service", "nowhere")


def test_release_publish_needs_an_assessment_run(assessed) -> None:
    with pytest.raises(CommandError, match="complete assessment run"):
        call_command("release", "publish")


def test_the_demo_publishes_its_nhs_chain(db: None) -> None:
    build_demo(seed=2004, scale="small", progress=lambda message: None)
    page = Client().get("/units/RBD/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "England" in text
    # Its March 2019 return awaits approval in the demo, so the newest published value is shown too.
    assert "Latest published value (February 2019)" in text
    assert Release.objects.filter(service__code="health", status=ReleaseStatus.PUBLISHED).exists()
    # and Health's next release is announced, with pre-release access for the Q70 area's manager
    announced = Release.objects.get(service__code="health", status=ReleaseStatus.SCHEDULED)
    assert list(announced.pre_release_access.values_list("person__username", flat=True)) == ["manager.Q70"]
    assert "Monthly update: returns approved since release 1" in Client().get("/releases/").content.decode()
    # announced on the demo's date (30 April 2019), for four weeks later
    assert announced.publish_at.date() == date(2019, 5, 28)
    # frozen, so the named manager can read it before its time, and nobody else can
    manager = Client()
    manager.force_login(get_user_model().objects.get(username="manager.Q70"))
    assert 'href="/releases/health/2/"' in manager.get("/releases/pre-release/").content.decode()
    assert manager.get("/releases/health/2/judgements.csv?unit=RBD").status_code == 200
    assert Client().get("/releases/health/2/").status_code == 404
    assert Client().get("/releases/health/2/judgements.csv?unit=RBD").status_code == 404


def test_release_schedule_freeze_grant_and_publish_from_the_command_line(assessed, capsys) -> None:
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    call_command(
        "release", "schedule", "--service", "health", "--title", "May", "--at", "2019-05-02T09:30+00:00"
    )
    call_command("release", "freeze", "health/1")
    call_command("release", "grant", "health/1", "--person", "morgan", "--reason", "Briefs the minister")
    call_command("release", "list")
    out = capsys.readouterr().out
    assert "health/1 announced for 2019-05-02 09:30" in out
    assert "health/1\tscheduled (frozen)\t2019-05-02 09:30\tMay" in out
    assert "morgan may read health/1 before publication." in out
    with pytest.raises(CommandError, match="already has pre-release access"):
        call_command("release", "grant", "health/1", "--person", "morgan", "--reason", "Again")
    with pytest.raises(CommandError, match="service/number"):
        call_command("release", "freeze", "health")
    with pytest.raises(CommandError, match="is not a date and time"):
        call_command("release", "schedule", "--service", "health", "--title", "X", "--at", "soon")
    # the database's date is 30 April 2019: not before its announced time
    with pytest.raises(CommandError, match="may not be published earlier"):
        call_command("release", "publish", "--release", "health/1")
    set_reference_date(date(2019, 5, 3), reason="after the announced time")
    call_command("release", "publish", "--release", "health/1")
    assert Release.objects.get(service=assessed.health, number=1).status == ReleaseStatus.PUBLISHED
