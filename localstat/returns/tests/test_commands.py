"""``localstat import``, ``localstat tick`` and ``localstat token`` from the command line."""

from __future__ import annotations

import sys
from datetime import date

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from localstat.demo.nhs import ATTENDANCES_CSV
from localstat.demo.pipeline import DemoContext
from localstat.returns.models import Collection, ImportBatch, Observation, Return, UnitToken
from localstat.returns.tests.conftest import csv


def _run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        call_command(*args)
        code = 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    except CommandError as error:
        print(error, file=sys.stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


def test_a_file_with_errors_exits_1_lists_every_error_and_writes_nothing(ret, tmp_path, capsys) -> None:
    path = tmp_path / "march.csv"
    path.write_bytes(csv("U1,ADM,2019-03-01,250,", "U1,AE4H_T1,2019-03-01,x,1000", "U7,ADM,2019-03-01,1,"))
    code, out, err = _run(capsys, "import", str(path))
    assert code == 1
    assert out == ""
    assert "row 2 (line 3), field numerator: 'x' is not a number" in err
    assert Observation.objects.count() == 0


def test_an_import_prints_its_counts_and_again_prints_all_unchanged(ret, tmp_path, capsys) -> None:
    path = tmp_path / "march.csv"
    path.write_bytes(csv("U1,ADM,2019-03-01,250,", "U1,AE4H_T1,2019-03-01,900,1000"))
    code, out, err = _run(capsys, "import", str(path), "--user", "sam")
    assert (code, out.strip()) == (0, "3 new, 0 changed, 0 unchanged")
    assert "validated: 2 of 2 rows" in err
    batches = ImportBatch.objects.count()
    code, out, _ = _run(capsys, "import", str(path), "--user", "sam")
    assert (code, out.strip()) == (0, "0 new, 0 changed, 3 unchanged")
    assert ImportBatch.objects.count() == batches


def test_import_options_are_checked(ret, tmp_path, capsys) -> None:
    path = tmp_path / "march.csv"
    path.write_bytes(csv("U2,ADM,2019-03-01,250,"))
    code, _, err = _run(capsys, "import", str(path), "--user", "sam")
    assert code == 1
    assert "sam may not submit returns for U2" in err
    code, out, _ = _run(capsys, "import", str(path), "--dry-run", "--approve")
    assert (code, out.strip(), Observation.objects.count()) == (0, "1 new, 0 changed, 0 unchanged", 0)
    code, out, _ = _run(capsys, "import", str(path), "--collection", "AE-MONTHLY", "--approve")
    assert Return.objects.get(unit=ret.u2).status == "approved"


@pytest.fixture
def chain_and_framework(db) -> None:
    from localstat.chain.demo import build_chains
    from localstat.framework.demo import build_framework

    context = DemoContext(
        seed=2004,
        scale="small",
        as_of=date(2019, 4, 30),
        rng=np.random.default_rng(2004),
        progress=lambda m: None,
    )
    build_chains(context)
    build_framework(context)


def test_the_nhs_file_imports_as_it_is_for_all_its_providers(chain_and_framework, capsys) -> None:
    code, out, _ = _run(capsys, "import", str(ATTENDANCES_CSV))
    assert code == 0
    # 12,765 rows: a 4-hour proportion and an admissions count each, plus AE4H per provider-month
    assert out.strip() == "33828 new, 0 changed, 0 unchanged"
    assert Return.objects.values("unit").distinct().count() == 274
    assert Collection.objects.get().code == "NHS-AE"
    # AE4H is derived from the per-type values of each provider and month
    rbd = Observation.objects.filter(unit__code="RBD", period_start="2019-03-01", is_current=True)
    by = {o.indicator.code: o for o in rbd.select_related("indicator")}
    parts = [by[c] for c in ("AE4H_T1", "AE4H_T2", "AE4H_OTH") if c in by]
    assert by["AE4H"].numerator == sum(p.numerator for p in parts)
    assert by["AE4H"].denominator == sum(p.denominator for p in parts)
    code, out, _ = _run(capsys, "import", str(ATTENDANCES_CSV))
    assert out.strip() == "0 new, 0 changed, 33828 unchanged"


def test_the_tick_is_idempotent(ret, capsys) -> None:
    _, first, _ = _run(capsys, "tick", "--as-of", "2019-04-30")
    _, second, _ = _run(capsys, "tick", "--as-of", "2019-04-30")
    # (other apps' rules print their own lines after this one)
    assert first.splitlines()[0] == "2019-04-30 overdue_returns: 48 returns overdue (48 newly noted)"
    assert second.splitlines()[0] == "2019-04-30 overdue_returns: 48 returns overdue (0 newly noted)"


def test_a_token_is_printed_once_and_stored_as_a_hash(ret, capsys) -> None:
    code, out, _ = _run(capsys, "token", "create", "--unit", "U1")
    key = out.strip()
    assert key.startswith("ls_")
    token = UnitToken.objects.get()
    assert key not in token.key_hash
    _, listing, _ = _run(capsys, "token", "list")
    assert key not in listing
    assert "U1" in listing
    code, _, _ = _run(capsys, "token", "create", "--unit", "AN")
    assert code == 1
