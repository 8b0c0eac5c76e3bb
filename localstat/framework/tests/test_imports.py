from __future__ import annotations

from datetime import date

import pytest

from localstat.framework import selectors, services
from localstat.framework.choices import ControlKind, ControlScope, ExemptionGrounds, Focus
from localstat.framework.csvfiles import (
    CONTROL_COLUMNS,
    TARGET_COLUMNS,
    control_record,
    target_record,
    write_csv,
)
from localstat.framework.errors import CsvImportError
from localstat.framework.models import Control, Target
from localstat.framework.services import ControlSpec

HEADER = (
    "code,title,kind,focus,issuing_body,applies_to,in_force_from,indicator,level,removed_on,removal_reason\n"
)


def _export_controls() -> str:
    return "".join(
        write_csv(
            CONTROL_COLUMNS,
            (control_record(c, [u.code for u in c.units.all()]) for c in selectors.controls_register()),
        )
    )


def _export_targets() -> str:
    return "".join(
        write_csv(TARGET_COLUMNS, (target_record(t) for t in Target.objects.order_by("reference")))
    )


@pytest.fixture
def register(fw):
    services.register_control(
        spec=ControlSpec(
            code="DH-1",
            title="Report trolley waits daily",
            kind=ControlKind.MEASURE,
            focus=Focus.PROCESS,
            issuing_body=fw.dh,
            in_force_from=date(2018, 4, 1),
            scope=ControlScope.UNITS,
            units=[fw.u2, fw.u1],
            indicator=fw.triage,
        ),
        acting_user=None,
    )
    services.register_control(
        spec=ControlSpec(
            code="DH-2",
            title="Four-hour target",
            kind=ControlKind.TARGET,
            focus=Focus.OUTCOME,
            issuing_body=fw.dh,
            in_force_from=date(2018, 4, 1),
            scope=ControlScope.SERVICE,
            service=fw.health,
            level="95.0",
            illustrative=True,
        ),
        acting_user=None,
    )


def test_importing_an_exported_register_changes_nothing(fw, register) -> None:
    summary = services.import_controls(content=_export_controls().encode("utf-8-sig"), acting_user=fw.ada)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)


def test_an_import_creates_controls_and_removes_others_with_a_date(fw, register) -> None:
    content = HEADER + (
        "DH-3,Complete the ambulance handover log,compliance,process,DH,service:health,2019-01-01,,,,\n"
        "DH-1,Report trolley waits daily,measure,process,DH,units:U1;U2,2018-04-01,AE_TRIAGE,,2019-04-01,Duplicated\n"
    )
    summary = services.import_controls(content=content, acting_user=fw.ada)
    assert (summary.created, summary.removed) == (1, 1)
    assert Control.objects.get(code="DH-1").removed_on == date(2019, 4, 1)
    assert selectors.unit_burden(fw.u1, date(2019, 4, 1)).total == 2


def test_a_bad_controls_file_is_refused_whole_with_every_problem_located(fw, register) -> None:
    content = HEADER + (
        "DH-3,Complete a log,compliance,process,DH,service:health,2019-01-01,,,,\n"
        "DH-4,,rule,process,NOPE,unit_type:hospital,01/01/2019,,,,\n"
        "DH-5,A number,measure,process,DH,units:U1 ZZ9,2019-01-01,AE4H,95,,\n"
        '"DH-6","A compliance\nrequirement over two lines",compliance,process,DH,units:U1,2019-01-01,AE4H,,,\n'
        "DH-1,Report trolley waits daily,target,process,DH,units:U1 U2,2018-04-01,AE_TRIAGE,,,\n"
        "DH-3,Again,compliance,process,DH,service:health,2019-01-01,,,,\n"
    )
    with pytest.raises(CsvImportError) as refused:
        services.import_controls(content=content, acting_user=fw.ada)
    assert refused.value.errors == [
        "row 1 (line 2), field code: DH-3 appears on more than one row",
        "row 6 (line 8), field code: DH-3 appears on more than one row",
        "row 2 (line 3), field issuing_body: no organisation has the code 'NOPE'",
        "row 2 (line 3), field in_force_from: '01/01/2019' is not a date (YYYY-MM-DD)",
        "row 2 (line 3), field applies_to: 'hospital' is not a unit type "
        "(school, nhs_provider, basic_command_unit, council, council_service, gp_practice)",
        "row 2 (line 3), field title: a control needs a title saying what it requires",
        "row 2 (line 3), field kind: 'rule' is not target, measure or compliance",
        "row 2 (line 3), field issuing_body: you may not register or change NOPE's controls",
        "row 3 (line 4), field applies_to: no organisation has the code 'ZZ9'",
        "row 3 (line 4), field level: only a target has a required level; a measure or requirement has none",
        "row 4 (line 5), field indicator: a compliance requirement is an obligation, not a number: it has no indicator",
        "row 5 (line 7), field kind: DH-1 is registered with kind 'measure'; what a control requires, of whom and "
        "from when cannot change: register a new control and remove this one",
    ]
    assert sorted(Control.objects.values_list("code", flat=True)) == ["DH-1", "DH-2"]


def test_a_person_imports_only_their_own_bodys_controls(fw, register) -> None:
    content = HEADER + "DFE-1,A return,measure,process,DFE,unit_type:school,2019-01-01,,,,\n"
    with pytest.raises(
        CsvImportError, match="field issuing_body: you may not register or change DFE's controls"
    ):
        services.import_controls(content=content, acting_user=fw.ada)
    assert not Control.objects.filter(code="DFE-1").exists()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "line 1: the file is empty"),
        (b"code,title\nX,Y\n", "header (line 1), field kind: the column is missing"),
        (HEADER.replace("title", "titel").encode(), "header (line 1), field titel: unknown column"),
        ((HEADER + "DH-9,Caf\xe9,measure\n").encode("latin-1"), "line 1: the file is not UTF-8 text (byte"),
        (HEADER.encode(), "line 2: the file has a header but no rows"),
    ],
)
def test_a_file_that_is_not_a_register_is_refused_with_a_clear_reason(fw, content, error) -> None:
    with pytest.raises(CsvImportError) as refused:
        services.import_controls(content=content, acting_user=None)
    assert any(e.startswith(error) for e in refused.value.errors), refused.value.errors


TARGET_HEADER = "reference,psa,indicator,kind,level,deadline,units,set_by,milestones\n"


def test_targets_import_proposes_new_targets_and_an_exported_file_changes_nothing(fw) -> None:
    content = TARGET_HEADER + (
        "DH-PSA1-T1,DH-PSA1,AE4H,floor,95,2020-03-31,,DH,2019-10-01=92; 2020-01-01=94\n"
        "AN-AE4H-1,DH-PSA1,AE4H,floor,92.5,2020-03-31,U1 U2,AN,\n"
    )
    summary = services.import_targets(content=content, acting_user=fw.ada)
    assert summary.created == 2
    national = Target.objects.get(reference="DH-PSA1-T1")
    assert (national.scope, national.status, national.milestones.count()) == ("national", "proposed", 2)
    assert set(Target.objects.get(reference="AN-AE4H-1").units.values_list("code", flat=True)) == {"U1", "U2"}
    again = services.import_targets(content=_export_targets(), acting_user=fw.ada)
    assert (again.created, again.unchanged) == (0, 2)


def test_a_bad_targets_file_names_each_row_field_and_reason_and_writes_nothing(fw) -> None:
    services.grant_exemption(
        unit=fw.u2, service=fw.health, grounds=ExemptionGrounds.EARNED_FREEDOM, evidence="x", acting_user=None
    )
    content = TARGET_HEADER + (
        "T-OK,,AE4H,floor,90,2020-03-31,U1,AN,\n"
        "T-PROC,DH-PSA1,AE_TRIAGE,floor,90,2020-03-31,,DH,\n"
        "T-EXEMPT,,AE4H,floor,90,2020-03-31,U2,AN,\n"
        "T-BAD,,AE4H,stretch,ninety,2020-02-30,U9,AN,2019-10-01\n"
    )
    with pytest.raises(CsvImportError) as refused:
        services.import_targets(content=content, acting_user=fw.ada)
    errors = refused.value.errors
    assert errors[0].startswith("row 2 (line 3), field indicator: A PSA target must be about an outcome")
    assert errors[1].startswith(
        "row 3 (line 4), field units: No further targets on AE4H for an exempt unit: U2"
    )
    assert errors[2:] == [
        "row 4 (line 5), field units: no organisation has the code 'U9'",
        "row 4 (line 5), field kind: 'stretch' is not floor or aspirational",
        "row 4 (line 5), field level: 'ninety' is not a number",
        "row 4 (line 5), field deadline: '2020-02-30' is not a date (YYYY-MM-DD)",
        "row 4 (line 5), field milestones: '2019-10-01': write PERIOD-START=LEVEL, e.g. 2019-10-01=92",
    ]
    assert not Target.objects.exists()


def test_a_targets_import_cannot_move_an_existing_target_on(fw) -> None:
    services.import_targets(
        content=TARGET_HEADER + "T1,DH-PSA1,AE4H,floor,95,2020-03-31,,DH,\n", acting_user=None
    )
    content = _export_targets().replace(",proposed,", ",agreed,")
    with pytest.raises(CsvImportError, match="field status: T1 is proposed with status 'proposed'"):
        services.import_targets(content=content, acting_user=None)


def test_a_performance_manager_cannot_import_targets_for_another_managers_units(fw) -> None:
    with pytest.raises(CsvImportError, match="row 1 \\(line 2\\), field units: morgan may not propose"):
        services.import_targets(
            content=TARGET_HEADER + "T1,,AE4H,floor,90,2020-03-31,U3,AS,\n", acting_user=fw.morgan
        )


def test_the_controls_and_targets_commands_export_and_import(fw, register, tmp_path) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("controls", "export", stdout=out)
    exported = tmp_path / "controls.csv"
    exported.write_text(out.getvalue())
    errors = StringIO()
    call_command("controls", "import", str(exported), "--user", "ada", stderr=errors)
    assert "0 created, 0 updated, 0 removed, 2 unchanged" in errors.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "DH-3,Log,rule,process,DH,service:health,2019-01-01,,,,\n")
    with pytest.raises(CommandError, match="row 1 \\(line 2\\), field kind: 'rule' is not"):
        call_command("controls", "import", str(bad))
    with pytest.raises(CommandError, match="No file at"):
        call_command("controls", "import", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="No user called 'nobody'"):
        call_command("controls", "import", str(exported), "--user", "nobody")
    targets = tmp_path / "targets.csv"
    targets.write_text(TARGET_HEADER + "T1,DH-PSA1,AE4H,floor,95,2020-03-31,,DH,\n")
    call_command("targets", "import", str(targets), "--user", "ada", stderr=StringIO())
    out = StringIO()
    call_command("targets", "export", "--user", "ada", stdout=out)
    assert "T1,DH-PSA1,,AE4H,floor,95,2020-03-31,,DH,,,proposed," in out.getvalue()
    public = StringIO()
    call_command("targets", "export", stdout=public)
    assert "T1," not in public.getvalue()
