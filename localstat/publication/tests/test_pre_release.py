"""Pre-release access: named people read a frozen release before its announced time; nobody else does."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from localstat.assessment.services import run_assessment
from localstat.chain.access import NotPermitted
from localstat.conftest import PASSWORD
from localstat.core.clock import set_reference_date
from localstat.core.models import AuditEvent
from localstat.publication.forms import ScheduleForm
from localstat.publication.models import ReleasedJudgement, ReleaseStatus
from localstat.publication.services import (
    freeze_release,
    grant_pre_release_access,
    publish_release,
    schedule_release,
)

PUBLICATION = datetime(2019, 5, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def frozen(with_context):
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    release = schedule_release(
        service=with_context.health, title="April 2019", publish_at=PUBLICATION, acting_user=with_context.ada
    )
    return freeze_release(release=release, acting_user=with_context.ada, now=PUBLICATION - timedelta(days=1))


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_frozen_release_is_read_by_the_named_person_and_nobody_else_until_published(with_context, frozen):
    # given a release frozen a day before its announced time, and Morgan named for pre-release access
    assert frozen.status == ReleaseStatus.SCHEDULED
    assert ReleasedJudgement.objects.filter(release=frozen).count() == frozen.judgements > 0
    grant_pre_release_access(
        release=frozen, person=with_context.morgan, reason="Briefs the minister", acting_user=with_context.ada
    )
    # then Morgan finds it among the releases open to them, and reads it and its files, marked as embargoed
    morgan = signed_in(with_context.morgan)
    assert 'href="/releases/health/1/"' in morgan.get("/releases/pre-release/").content.decode()
    assert (
        'href="/releases/health/1/"'
        not in signed_in(with_context.sam).get("/releases/pre-release/").content.decode()
    )
    assert Client().get("/releases/pre-release/").status_code == 302  # to sign in
    page = morgan.get("/releases/health/1/")
    assert page.status_code == 200
    assert "Pre-release access: not to be shared before 2 May 2019" in page.content.decode()
    assert "morgan (Briefs the minister)" in page.content.decode()
    download = morgan.get("/releases/health/1/judgements.csv")
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"
    # and the public, and signed-in people without access, see nothing of it
    for client in (Client(), signed_in(with_context.sam), signed_in(with_context.charlie)):
        assert client.get("/releases/health/1/").status_code == 404
        assert client.get("/releases/health/1/judgements.csv").status_code == 404
    assert Client().get("/units/U1/").status_code == 404
    assert "April 2019" in Client().get("/releases/").content.decode()  # announced: title and time only

    # when it is published at its time, everyone reads what was frozen
    release = publish_release(release=frozen, acting_user=with_context.ada, now=PUBLICATION)
    assert release.judgements == frozen.judgements
    assert Client().get("/releases/health/1/judgements.csv").content == download.content
    assert Client().get("/units/U1/").status_code == 200


def test_only_a_department_analyst_over_the_chain_grants_access_and_freezes(with_context, frozen):
    for person in (with_context.morgan, with_context.sam, with_context.ines):
        with pytest.raises(NotPermitted):
            grant_pre_release_access(release=frozen, person=person, reason="Curious", acting_user=person)
    with pytest.raises(ValidationError, match="needs a reason"):
        grant_pre_release_access(release=frozen, person=with_context.morgan, reason=" ", acting_user=None)
    grant_pre_release_access(release=frozen, person=with_context.morgan, reason="Minister", acting_user=None)
    with pytest.raises(ValidationError, match="already has pre-release access"):
        grant_pre_release_access(release=frozen, person=with_context.morgan, reason="Again", acting_user=None)
    with pytest.raises(ValidationError, match="was frozen at"):
        freeze_release(release=frozen, acting_user=None)
    assert AuditEvent.objects.filter(action="publication.grant_pre_release_access").count() == 1
    assert AuditEvent.objects.filter(action="publication.freeze_release").count() == 1


def test_a_published_release_needs_no_pre_release_access(with_context, published):
    with pytest.raises(ValidationError, match="already published"):
        grant_pre_release_access(
            release=published, person=with_context.morgan, reason="Late", acting_user=None
        )


def test_a_department_analyst_announces_freezes_grants_and_publishes_from_the_page(with_context):
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    ada = signed_in(with_context.ada)
    page = ada.post(
        "/releases/manage/",
        {"action": "schedule", "service": "health", "title": "April 2019", "publish_at": "2019-05-02 09:30"},
        follow=True,
    )
    assert "Health release 1 announced for 02 May 2019 09:30." in page.content.decode()
    release = with_context.health.releases.get(number=1)
    ada.post("/releases/manage/", {"action": "freeze", "release": release.pk})
    ada.post(
        "/releases/manage/",
        {"action": "grant", "release": release.pk, "username": "morgan", "reason": "Minister"},
    )
    release.refresh_from_db()
    assert release.frozen_at is not None
    assert list(release.pre_release_access.values_list("person__username", "reason")) == [
        ("morgan", "Minister")
    ]

    refused = ada.post(
        "/releases/manage/", {"action": "grant", "release": release.pk, "username": "nobody", "reason": "x"}
    )
    assert refused.status_code == 400
    assert "No person has the username &#x27;nobody&#x27;." in refused.content.decode()
    bad = ada.post(
        "/releases/manage/", {"action": "schedule", "service": "health", "title": "", "publish_at": "soon"}
    )
    assert bad.status_code == 400
    assert with_context.health.releases.count() == 1

    early = ada.post("/releases/manage/", {"action": "publish", "release": release.pk})
    assert "may not be published earlier" in early.content.decode()  # the database's date is 30 April
    set_reference_date(date(2019, 5, 3), reason="after the announced time")
    ada.post("/releases/manage/", {"action": "publish", "release": release.pk})
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PUBLISHED


def test_people_who_may_not_publish_cannot_manage_releases(with_context, frozen):
    for person in (with_context.morgan, with_context.sam):
        client = signed_in(person)
        assert client.get("/releases/manage/").status_code == 404
        response = client.post("/releases/manage/", {"action": "publish", "release": frozen.pk})
        assert response.status_code in (400, 404)
    frozen.refresh_from_db()
    assert frozen.status == ReleaseStatus.SCHEDULED


def test_the_announcement_form_offers_only_the_services_the_person_publishes(with_context):
    data = {"service": "health", "title": "April 2019", "publish_at": "2019-05-02 09:30"}
    theirs = ScheduleForm(data, services=[with_context.health])
    assert theirs.is_valid()
    others = ScheduleForm(data, services=[with_context.education])
    assert not others.is_valid()
    assert others.errors["service"] == ["You announce releases only of your own department's services."]
    assert [s.code for s in others.fields["service"].queryset] == ["education"]
