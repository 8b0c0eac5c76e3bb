"""``localstat engine assess``: every file it reads and writes, its errors and its help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from localstat.engine.assess import POINT_COLUMNS, POSITION_COLUMNS, SERIES_COLUMNS, TIER_COLUMNS
from localstat.engine.cli import main
from localstat.engine.schemas import SCHEMAS

REPO = Path(__file__).resolve().parents[3]

OBSERVATIONS = (
    "unit,indicator,period,numerator,denominator,notes\n"
    + "".join(f"A1,SEEN,{p},800,1000,\n" for p in range(1, 9))
    + "".join(f"A2,SEEN,{p},{150 + 50 * p},1000,\n" for p in range(1, 9))
    + "".join(f"B1,SEEN,{p},{580 + 20 * p},1000,\n" for p in range(1, 9))
    + "".join(
        f"B2,SEEN,{p},{v},1000,late\n" for p, v in enumerate([650, 630, 610, 590, 570, 550, 530, 400], 1)
    )
)
FILES = {
    "indicators": "indicator,statistic,polarity,multiplier,service,standard,chart\nSEEN,proportion,higher,100,health,60,xmr\n",
    "targets": "unit,indicator,level,deadline\n,SEEN,70,10\nB2,SEEN,45,8\n",
    "milestones": "unit,indicator,period,level\n,SEEN,6,60\n,SEEN,8,65\n",
    "hierarchy": "unit,parent,service\nA1,North,\nA2,North,\nB1,South,health\nB2,South,\n",
    "context": "unit,group,size\nA1,x,1\nA2,x,10\nB1,x,1.1\nB2,x,10.1\n",
}


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


@pytest.fixture
def files(tmp_path):
    paths = {name: write(tmp_path / f"{name}.csv", text) for name, text in FILES.items()}
    paths["input"] = write(tmp_path / "observations.csv", OBSERVATIONS)
    return paths


def test_assess_reads_every_file_and_writes_every_output(tmp_path, files):
    out = {name: tmp_path / f"{name}.csv" for name in ("series", "positions", "tiers", "points")}
    status = run(
        "assess",
        "-i", files["input"],
        "-o", out["series"],
        "--indicators", files["indicators"],
        "--targets", files["targets"],
        "--milestones", files["milestones"],
        "--hierarchy", files["hierarchy"],
        "--context", files["context"],
        "--k", "1",
        "--positions", out["positions"],
        "--tiers", out["tiers"],
        "--points", out["points"],
        "--parameters", tmp_path / "run.json",
    )  # fmt: skip
    assert status == 0
    series = pl.read_csv(out["series"], infer_schema=False)
    # Every documented column, in order; the extra input column is not carried (one row per series)
    assert series.columns == [name for name, _ in SERIES_COLUMNS]
    rows = {(r["level"], r["unit"]): r for r in series.iter_rows(named=True)}
    assert set(rows) == {("unit", u) for u in ("A1", "A2", "B1", "B2")} | {
        ("tier", "North"),
        ("tier", "South"),
        ("national", None),
    }
    # indicators: multiplier 100, standard 60, service health
    assert (
        rows[("unit", "A1")]["value"],
        rows[("unit", "A1")]["vs_standard"],
        rows[("unit", "A1")]["service"],
    ) == ("80.0", "met", "health")
    # targets: a blank unit is the national target; B2 has its own, missed at its deadline
    assert (rows[("unit", "A1")]["target_scope"], rows[("unit", "B2")]["target_status"]) == (
        "national",
        "missed",
    )
    # milestones: the national trajectory's 65 is in force at period 8
    assert rows[("tier", "North")]["milestone"] == "65.0"
    # hierarchy: a blank service is every service, a named one its own
    assert (rows[("unit", "A1")]["parent"], rows[("unit", "B1")]["parent"]) == ("North", "South")
    # context: A1's one most similar unit is B1
    assert (rows[("unit", "A1")]["peers"], rows[("unit", "A1")]["peer_value"]) == ("1", "74.0")
    # Floats are written at full precision
    assert rows[("national", None)]["value"] == "62.25"
    assert pl.read_csv(out["positions"]).columns == list(POSITION_COLUMNS)
    assert pl.read_csv(out["tiers"]).columns == list(TIER_COLUMNS)
    points = pl.read_csv(out["points"])
    assert points.columns == [name for name, _ in POINT_COLUMNS]
    assert points.height == 4 * 8 + 2 * 8 + 8  # units, bodies and the nation, eight periods each
    record = json.loads((tmp_path / "run.json").read_text())
    assert (record["engine_version"], record["as_of"], record["peers"]) == (
        "0.1.0",
        "8",
        {"k": 1, "from": "context"},
    )


def test_assess_reads_parquet_with_integer_codes_and_periods(tmp_path):
    source = tmp_path / "obs.parquet"
    pl.DataFrame(
        {
            "unit": [7, 7, 9, 9],
            "indicator": [1, 1, 1, 1],
            "period": [202401, 202402, 202401, 202402],
            "numerator": [5, 6, 7, 8],
            "denominator": [10, 10, 10, 10],
        },
        schema_overrides={
            "unit": pl.Int32,
            "indicator": pl.Int16,
            "period": pl.Int32,
            "numerator": pl.Int32,
            "denominator": pl.Int32,
        },
    ).write_parquet(source)
    out = tmp_path / "series.parquet"
    assert run("assess", "-i", source, "-o", out, "--as-of", "202401") == 0
    series = pl.read_parquet(out)
    assert series.filter(pl.col("level") == "unit")["unit"].to_list() == ["7", "9"]
    assert series["period"].to_list() == [202401] * 3
    assert series.filter(pl.col("level") == "national")["value"].to_list() == [0.6]


def test_a_bands_file_decides_the_bands(tmp_path, files):
    rules = write(
        tmp_path / "bands.yaml", "bands:\n  - band: fair\n    when: {series: {at_least: 1}}\n  - band: poor\n"
    )
    positions = tmp_path / "positions.csv"
    status = run(
        "assess", "-i", files["input"], "-o", tmp_path / "s.csv", "--positions", positions, "--bands", rules
    )
    assert status == 0
    assert set(pl.read_csv(positions)["band"].to_list()) == {"fair"}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "input",
            "unit,indicator,period,numerator,denominator\nA,X,1,5,10\nA,X,2,-1,10\n",
            "row 2, column 'numerator': must be zero or more",
        ),
        (
            "input",
            "unit,indicator,period,numerator,denominator\nA,X,1,5,10\nA,X,May,1,10\n",
            "row 2, column 'period'",
        ),
        (
            "input",
            "unit,indicator,period,numerator,denominator\nA,X,1,five,10\n",
            "row 1, column 'numerator': is not a number",
        ),
        ("input", "unit,indicator,period,numerator\nA,X,1,5\n", "column 'denominator': is missing"),
        (
            "indicators",
            "indicator,polarity\nX,upwards\n",
            "indicators: row 1, column 'polarity': must be one of",
        ),
        (
            "targets",
            "indicator,level,deadline\nX,ninety,2\n",
            "targets: row 1, column 'level': is not a number",
        ),
        (
            "milestones",
            "unit,indicator,period,level\nB,X,2,3\n",
            "milestones: row 1, column 'indicator': is a milestone of no target",
        ),
        ("hierarchy", "unit,parent\nA,P\nP,A\n", "hierarchy: row 1, column 'parent'"),
        ("context", "unit,size\nA,big\n", "context: row 1, column 'size'"),
        ("peers", "unit\nA\n", "peers: column 'peer': is missing"),
    ],
)
def test_bad_input_exits_2_naming_the_file_row_and_column(tmp_path, capsys, name, text, message):
    source = write(tmp_path / "observations.csv", "unit,indicator,period,numerator,denominator\nA,X,1,5,10\n")
    extra: list[str | Path] = []
    if name == "input":
        source = write(source, text)
    else:
        extra = [f"--{name}", write(tmp_path / f"{name}.csv", text)]
    out = tmp_path / "series.csv"
    assert run("assess", "-i", source, "-o", out, *extra) == 2
    err = capsys.readouterr().err
    assert err.startswith("localstat engine assess: error: ")
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bands: [", "not valid YAML"),
        ("- just a list\n", "expected a mapping of rules"),
        ("bands:\n  - band: superb\n", "bands[1].band: must be one of excellent"),
    ],
)
def test_a_bad_bands_file_exits_2_naming_the_key(tmp_path, capsys, files, text, message):
    rules = write(tmp_path / "bands.yaml", text)
    assert run("assess", "-i", files["input"], "-o", tmp_path / "s.csv", "--bands", rules) == 2
    assert message in capsys.readouterr().err


def test_context_and_ready_made_peers_together_are_refused(tmp_path, capsys, files):
    peers = write(tmp_path / "peers.csv", "unit,peer\nA1,B1\n")
    status = run(
        "assess",
        "-i",
        files["input"],
        "-o",
        tmp_path / "s.csv",
        "--context",
        files["context"],
        "--peers",
        peers,
    )
    assert status == 2
    assert "not both" in capsys.readouterr().err


def test_an_unwritable_output_is_refused_before_any_work(tmp_path, capsys, files):
    assert (
        run("assess", "-i", files["input"], "-o", tmp_path / "s.csv", "--parameters", tmp_path / "run.txt")
        == 2
    )
    assert "unknown file type '.txt' (use .json)" in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()


def test_help_documents_every_column_of_every_file(capsys):
    assert main(["assess", "--help"]) == 0
    text = capsys.readouterr().out
    schema = SCHEMAS["assess"]
    documented = [c.name for c in (*schema.inputs, *schema.optional, *schema.outputs)]
    for file in schema.files:
        assert file.option in text
        documented += [c.name for c in (*file.columns, *file.optional)]
    for name in documented:
        assert name in text, name
    for option in ("--as-of", "--profile", "--recovery-within", "--k", "--bands", "--workers"):
        assert option in text


def test_the_documented_output_columns_are_the_frames_columns():
    schema = SCHEMAS["assess"]
    files = {file.option: [c.name for c in file.columns] for file in schema.files}
    assert [c.name for c in schema.outputs] == [name for name, _ in SERIES_COLUMNS]
    assert files["--points"] == [name for name, _ in POINT_COLUMNS]
    assert files["--positions"] == list(POSITION_COLUMNS)
    tiers = files["--tiers"]
    assert tiers[:3] == list(TIER_COLUMNS[:3])
    assert tiers[4:] == [c for c in TIER_COLUMNS[3:] if c not in POSITION_COLUMNS]


def test_assess_runs_from_the_localstat_command_without_django(tmp_path, files):
    out = tmp_path / "series.csv"
    probe = (
        "import sys\n"
        "from localstat.cli import main\n"
        "try:\n"
        f"    main(['engine', 'assess', '-i', {str(files['input'])!r}, '-o', {str(out)!r},"
        f" '--hierarchy', {str(files['hierarchy'])!r}])\n"
        "except SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not loaded, loaded\n"
        "assert 'scipy.stats' not in sys.modules\n"
        "print('clean')\n"
    )
    checked = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "clean"
    assert pl.read_csv(out).height == 7
