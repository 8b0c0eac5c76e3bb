"""Fixtures for the whole suite, and the one named scenario every app's tests share.

The scenario: the Department of Health (``DH``) manages two areas, North (``AN``) and South (``AS``).
North performance-manages Ashford (``U1``) and Bramley (``U2``); South manages Carlton (``U3``) and
Denton (``U4``). Education is another service: the Department for Education (``DFE``) → Eastshire
Council (``LA1``) → Elm School (``S1``). The Care Quality Commission (``CQC``) inspects health.
People: Ada the department analyst at DH, Morgan the performance manager and Charlie the challenger
at North, Sam the submitter and Uma the unit manager at Ashford, Ines the inspector at CQC, Alex the
administrator, and Olga, who submits for Bramley.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.db import connections

from localstat.chain import services
from localstat.chain.choices import ChainRole, OrganisationKind, Role, UnitType
from localstat.chain.models import Organisation, Service

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from that thread are
# still synchronous and safe, so the async-safety guard is switched off for the test process only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Entry points that configure a server when imported are not modules to doctest.
collect_ignore = ["wsgi.py", "asgi.py"]

PASSWORD = "correct-horse-battery"
START = date(2016, 4, 1)


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Any) -> None:
    # The manifest storage needs collectstatic first; tests serve static files straight from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A deliberately slow hash protects real passwords; the suite's throwaway ones need no protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _analytics_in_a_temporary_folder(settings: Any, tmp_path: Any) -> None:
    settings.LOCALSTAT_ANALYTICS_DIR = tmp_path / "analytics"
    # Public pages are cached by release and import jobs note progress by id; a test database reuses ids
    # and times, and the SQLite and PostgreSQL passes run side by side, so every test has its own folders.
    from localstat.publication import stamp

    settings.LOCALSTAT_PAGE_CACHE_DIR = tmp_path / "page-cache"
    settings.VAR_DIR = tmp_path / "var"
    stamp.forget()


@pytest.fixture(autouse=True)
def _no_fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCALSTAT_TODAY", raising=False)


@dataclass
class Scenario:
    health: Service
    education: Service
    dh: Organisation
    north: Organisation
    south: Organisation
    u1: Organisation
    u2: Organisation
    u3: Organisation
    u4: Organisation
    cqc: Organisation
    dfe: Organisation
    la1: Organisation
    s1: Organisation
    ada: Any
    morgan: Any
    charlie: Any
    sam: Any
    uma: Any
    ines: Any
    alex: Any
    olga: Any

    def user(self, role: str) -> Any:
        return {
            Role.DEPARTMENT_ANALYST: self.ada,
            Role.PERFORMANCE_MANAGER: self.morgan,
            Role.CHALLENGER: self.charlie,
            Role.UNIT_SUBMITTER: self.sam,
            Role.UNIT_MANAGER: self.uma,
            Role.INSPECTOR: self.ines,
            Role.ADMINISTRATOR: self.alex,
        }[role]


def build_scenario() -> Scenario:
    def org(code: str, name: str, kind: str, unit_type: str = "") -> Organisation:
        return services.create_organisation(
            code=code, name=name, kind=kind, unit_type=unit_type, acting_user=None
        )

    def place(o: Organisation, service: Service, role: str, above: Organisation | None = None) -> None:
        services.place_in_chain(
            organisation=o,
            service=service,
            role=role,
            accountable_to=above,
            valid_from=START,
            acting_user=None,
        )

    def person(username: str, organisation: Organisation, role: str) -> Any:
        user = services.create_person(
            username=username,
            password=PASSWORD,
            full_name=username.title(),
            is_staff=role == Role.ADMINISTRATOR,
            acting_user=None,
        )
        services.add_membership(user=user, organisation=organisation, role=role, acting_user=None)
        return user

    health = services.create_service(code="health", name="Health", acting_user=None)
    education = services.create_service(code="education", name="Education", acting_user=None)
    dh = org("DH", "Department of Health", OrganisationKind.DEPARTMENT)
    place(dh, health, ChainRole.DEPARTMENT)
    cqc = org("CQC", "Care Quality Commission", OrganisationKind.INSPECTORATE)
    place(cqc, health, ChainRole.INSPECTORATE)
    north = org("AN", "North", OrganisationKind.HEALTH_AREA)
    south = org("AS", "South", OrganisationKind.HEALTH_AREA)
    for area in (north, south):
        place(area, health, ChainRole.INTERMEDIATE_TIER, dh)
    units = {}
    for code, name, area in [
        ("U1", "Ashford", north),
        ("U2", "Bramley", north),
        ("U3", "Carlton", south),
        ("U4", "Denton", south),
    ]:
        units[code] = org(code, f"{name} Hospital", OrganisationKind.UNIT, UnitType.NHS_PROVIDER)
        place(units[code], health, ChainRole.FRONT_LINE_UNIT, area)
    dfe = org("DFE", "Department for Education", OrganisationKind.DEPARTMENT)
    place(dfe, education, ChainRole.DEPARTMENT)
    la1 = org("LA1", "Eastshire Council", OrganisationKind.COUNCIL, UnitType.COUNCIL)
    place(la1, education, ChainRole.INTERMEDIATE_TIER, dfe)
    s1 = org("S1", "Elm School", OrganisationKind.UNIT, UnitType.SCHOOL)
    place(s1, education, ChainRole.FRONT_LINE_UNIT, la1)
    return Scenario(
        health=health,
        education=education,
        dh=dh,
        north=north,
        south=south,
        u1=units["U1"],
        u2=units["U2"],
        u3=units["U3"],
        u4=units["U4"],
        cqc=cqc,
        dfe=dfe,
        la1=la1,
        s1=s1,
        ada=person("ada", dh, Role.DEPARTMENT_ANALYST),
        morgan=person("morgan", north, Role.PERFORMANCE_MANAGER),
        charlie=person("charlie", north, Role.CHALLENGER),
        sam=person("sam", units["U1"], Role.UNIT_SUBMITTER),
        uma=person("uma", units["U1"], Role.UNIT_MANAGER),
        ines=person("ines", cqc, Role.INSPECTOR),
        alex=person("alex", dh, Role.ADMINISTRATOR),
        olga=person("olga", units["U2"], Role.UNIT_SUBMITTER),
    )


@pytest.fixture
def scenario(db: None) -> Scenario:
    return build_scenario()


@pytest.fixture
def site(transactional_db: None, live_server: Any) -> Any:
    """The live server, set up after the test database so that it stops before the database is dropped.

    A live server started first would still hold a connection when PostgreSQL drops the test database.
    """
    return live_server


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("LOCALSTAT_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.fail(
            f"Chromium is not installed at {executable}: apt-get install chromium (CI does it in .ci/run)."
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()
            # Playwright switches greenlets, and each greenlet has its own context variables, so a test
            # that touched the database beside a browser can leave a second connection open: close it
            # here, or PostgreSQL cannot drop the test database at the end of the run.
            connections.close_all()
