"""The ``localstat`` command as a user runs it: a real process on a scratch SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def run(tmp_path: Path):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LOCALSTAT_TODAY"}
    }
    environment["LOCALSTAT_VAR_DIR"] = str(tmp_path)

    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "localstat.cli", *args],
            capture_output=True,
            text=True,
            env=environment,
            timeout=300,
        )

    assert _run("migrate", "-v0").returncode == 0
    return _run


def test_dumpdata_prints_only_json_on_stdout(run) -> None:
    result = run("dumpdata", "core")
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_units_lists_the_demo_units_by_service_and_type(run) -> None:
    assert run("demo").returncode == 0
    result = run("units", "--service", "policing")
    assert result.returncode == 0
    rows = [line.split("\t") for line in result.stdout.strip().splitlines()]
    assert rows[0] == ["code", "name", "type", "service", "manager"]
    assert [row[0] for row in rows[1:]] == [f"NSP-B{i}" for i in range(1, 9)]
    assert all(row[4] == "NSP" for row in rows[1:])
    schools = run("units", "--type", "school").stdout.strip().splitlines()
    assert len(schools) == 1 + 40


def test_units_names_the_known_services_when_given_an_unknown_one(run) -> None:
    result = run("units", "--service", "astrology")
    assert result.returncode == 1
    assert "No service 'astrology'" in result.stderr


def test_createuser_gives_a_person_a_role(run) -> None:
    assert run("demo").returncode == 0
    result = run(
        "createuser",
        "pat",
        "--organisation",
        "Q71",
        "--role",
        "performance_manager",
        "--password",
        "a-long-password",
    )
    assert result.returncode == 0, result.stderr
    refused = run(
        "createuser",
        "quinn",
        "--organisation",
        "RBD",
        "--role",
        "performance_manager",
        "--password",
        "a-long-password",
    )
    assert refused.returncode == 1
    assert "belongs to an intermediate-tier body" in refused.stderr
    assert "quinn" not in run("dumpdata", "auth.user").stdout
