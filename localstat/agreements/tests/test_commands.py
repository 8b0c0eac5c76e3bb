"""``localstat agreements``: the command line over the same selectors and services."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from localstat.agreements.tests.conftest import agree_and_sign, propose_ae


def _run(*args: str) -> str:
    out = StringIO()
    call_command("agreements", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_check_prints_the_verdict_and_the_limits(assessed: Any) -> None:
    text = _run("check", "--unit", "U1", "--indicator", "AE4H", "--level", "96", "--as-of", "2019-04-01")
    assert text.startswith("not_achievable_without_plan: 96 is above the best value so far (93.8)")
    assert "reach_limit: 95.39" in text


def test_list_export_gaps_and_trajectories(assessed: Any, tmp_path: Path) -> None:
    negotiation = agree_and_sign(assessed, propose_ae(assessed, level=95, plan=""))
    assert _run("list", "--status", "agreed").split()[:2] == [negotiation.reference, "agreed"]
    assert _run("list", "--status", "open") == ""
    target = tmp_path / "agreements.csv"
    _run("export", "--output", str(target))
    lines = target.read_text().splitlines()
    assert lines[0].startswith("reference,kind,status,")
    assert len(lines) == 2
    assert "lacks an action plan" in _run("gaps", "--organisation", "U1")
    assert "not_compared" in _run("trajectories", "--organisation", "U1", "--as-of", "2019-04-30")


def test_bad_arguments_are_refused_with_a_clear_message(assessed: Any) -> None:
    with pytest.raises(CommandError, match="No organisation has the code 'NOPE'"):
        _run("gaps", "--organisation", "NOPE")
    with pytest.raises(CommandError, match="LA-99 is not a Local PSA"):
        _run("reward", "--negotiation", "99")
    with pytest.raises(CommandError, match="Give dates as YYYY-MM-DD"):
        _run("trajectories", "--organisation", "U1", "--as-of", "30/04/2019")
