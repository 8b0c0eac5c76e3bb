"""``localstat engine``: every verb on files a user brings, its errors and its help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import localstat.engine.spc as spc_module
from localstat.engine.cli import main
from localstat.engine.intervals import value_with_intervals

REPO = Path(__file__).resolve().parents[3]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


# --- intervals -----------------------------------------------------------------------------------


def test_intervals_appends_values_and_limits_keeping_rows_and_columns(tmp_path):
    # Given a user's CSV with an extra column and rows in their own order
    source = write(
        tmp_path / "in.csv", "unit,numerator,denominator,notes\n002,65,100,a\n001,0,20,\n003,20,20,c\n"
    )
    out = tmp_path / "out.csv"
    # When intervals are computed as percentages
    assert run("intervals", "-i", source, "-o", out, "--multiplier", "100") == 0
    # Then every input column and row is there, in order, with the six new columns
    result = pl.read_csv(out, infer_schema=False)
    assert result.columns == [
        "unit",
        "numerator",
        "denominator",
        "notes",
        "value",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
        "method",
    ]
    assert result["unit"].to_list() == ["002", "001", "003"]
    assert result["notes"].to_list() == ["a", None, "c"]
    # and the numbers are written at full precision: they read back as exactly what was computed
    expected = value_with_intervals([65, 0, 20], [100, 20, 20], statistic="proportion", multiplier=100)
    assert result["lower_95"].cast(pl.Float64).to_list() == expected["lower_95"].to_list()
    assert result["method"].to_list() == ["wilson"] * 3


def test_intervals_reads_and_writes_parquet(tmp_path):
    source = tmp_path / "in.parquet"
    pl.DataFrame({"numerator": [3, 12], "denominator": [1000.0, 1000.0]}).write_parquet(source)
    out = tmp_path / "out.parquet"
    assert run("intervals", "-i", source, "-o", out, "--statistic", "rate") == 0
    result = pl.read_parquet(out)
    assert result["method"].to_list() == ["exact", "byars"]
    assert result["value"].to_list() == pytest.approx([300.0, 1200.0])  # per 100,000 by default


# --- compare -------------------------------------------------------------------------------------


def test_compare_judges_each_row_against_its_benchmark(tmp_path):
    # Given Fingertips' two-level example (value 2.6, 95% 2.5–2.7, 99.8% 2.3–2.9) against three
    # benchmarks (SingleOverlappingCIsForTwoCILevelsComparerTest.cs)
    source = write(
        tmp_path / "in.csv",
        "value,lower_95,upper_95,lower_998,upper_998,benchmark\n"
        "2.6,2.5,2.7,2.3,2.9,3.0\n2.6,2.5,2.7,2.3,2.9,2.4\n2.6,2.5,2.7,2.3,2.9,2.6\n",
    )
    out = tmp_path / "out.csv"
    assert run("compare", "-i", source, "-o", out, "--polarity", "higher") == 0
    assert pl.read_csv(out)["comparison"].to_list() == ["significantly_worse", "better", "similar"]


def test_compare_against_a_target_column_with_intervals(tmp_path):
    # Given Fingertips' target test (target 10, lower is better)
    source = write(
        tmp_path / "in.csv", "value,lower_95,upper_95,target\n8.5,8,9,10\n10,9,11,10\n11.5,11,12,10\n"
    )
    out = tmp_path / "out.csv"
    assert run("compare", "-i", source, "-o", out, "--against", "target", "--polarity", "lower") == 0
    assert pl.read_csv(out)["comparison"].to_list() == ["better", "similar", "worse"]


def test_compare_with_neutral_polarity_makes_no_judgement(tmp_path):
    source = write(tmp_path / "in.csv", "value,lower_95,upper_95,benchmark\n5,4,6,1\n")
    out = tmp_path / "out.csv"
    assert run("compare", "-i", source, "-o", out, "--polarity", "neutral") == 0
    assert pl.read_csv(out)["comparison"].to_list() == ["not_compared"]


# --- spc -----------------------------------------------------------------------------------------


def spc_input(tmp_path: Path) -> Path:
    rows = ["series,period,value,target"]
    rows += [f"A,{t},{5 + t % 2 + (10 if t == 20 else 0)},6" for t in range(1, 21)]
    rows += [f"B,{m},{5 + m % 2},6" for m in range(1, 13)]
    return write(tmp_path / "spc.csv", "\n".join(rows) + "\n")


def test_spc_writes_points_in_input_order_and_a_summary(tmp_path):
    source, out, summary = spc_input(tmp_path), tmp_path / "points.csv", tmp_path / "summary.csv"
    # When SPC runs with the real spc_table
    assert run("spc", "-i", source, "-o", out, "--summary", summary) == 0
    # Then every input row comes back, in order, with SPC's columns
    points = pl.read_csv(out, infer_schema=False)
    assert points.columns == [
        "series",
        "period",
        "value",
        "target",
        "mean",
        "lpl",
        "upl",
        "point_type",
        "rule",
    ]
    assert points.height == 32
    assert points["period"].to_list()[:2] == ["1", "2"]
    # and A's last point (15 against about 5.5) is special-cause improvement
    assert points.filter(pl.col("series") == "A")["point_type"].to_list()[-1] == "special_cause_improvement"
    assert pl.read_csv(summary).columns == ["series", "variation", "assurance", "points", "trial_limits"]


def test_spc_passes_every_option_through(tmp_path, monkeypatch):
    # Given an spc_table that records what it was asked
    calls: list[dict[str, object]] = []

    def fake(frame: pl.DataFrame, **options: object) -> tuple[pl.DataFrame, pl.DataFrame]:
        calls.append(options)
        return frame, pl.DataFrame({"series": ["A"]})

    monkeypatch.setattr(spc_module, "spc_table", fake)
    source, out = spc_input(tmp_path), tmp_path / "out.csv"
    rebase = write(tmp_path / "rebase.csv", "series,period\nA,10\n")
    # When the verb runs with every option, and then with none
    argv = ["--improvement", "decrease", "--profile", "powerbi", "--chart", "u_prime", "--no-screen"]
    assert run("spc", "-i", source, "-o", out, *argv, "--baseline", "12", "--rebase", rebase) == 0
    assert run("spc", "-i", source, "-o", out) == 0
    # Then each option arrives as spc_table's keyword, the defaults as documented
    first, second = calls
    assert {k: v for k, v in first.items() if k != "rebase"} == {
        "improvement": "decrease",
        "profile": "powerbi",
        "chart": "u_prime",
        "screen": False,
        "baseline": 12,
    }
    assert first["rebase"].rows() == [("A", "10")]  # type: ignore[union-attr]
    assert second == {
        "improvement": "increase",
        "profile": "nhsr",
        "chart": "xmr",
        "screen": None,
        "baseline": None,
        "rebase": None,
    }


def test_an_unwritable_summary_is_refused_before_any_output_is_written(tmp_path, capsys):
    out = tmp_path / "points.csv"
    assert run("spc", "-i", spc_input(tmp_path), "-o", out, "--summary", tmp_path / "summary.txt") == 2
    assert "unknown file type '.txt'" in capsys.readouterr().err
    assert not out.exists()


def test_spc_refuses_a_short_baseline_with_a_message(tmp_path, capsys):
    assert run("spc", "-i", spc_input(tmp_path), "-o", tmp_path / "out.csv", "--baseline", "5") == 2
    assert "baseline" in capsys.readouterr().err


# --- funnel, trend, peers ------------------------------------------------------------------------


def test_funnel_judges_ratios_as_phe_and_reports_overdispersion(tmp_path):
    # Given three of PHE's ratio test rows (testdata_funnel_ratio_inputs.csv)
    source = write(
        tmp_path / "in.csv",
        "unit,numerator,denominator\nA,151,106.4429719\nB,0,240.6273499\nC,8,6.239860227\n",
    )
    out = tmp_path / "out.csv"
    assert run("funnel", "-i", source, "-o", out, "--statistic", "ratio") == 0
    assert pl.read_csv(out)["significance"].to_list() == ["high_998", "low_998", "none"]
    assert (
        run("funnel", "-i", source, "-o", out, "--statistic", "ratio", "--overdispersion", "spiegelhalter")
        == 0
    )
    assert {"phi", "tau2"} <= set(pl.read_csv(out).columns)


def test_trend_writes_one_row_per_series(tmp_path):
    # Given Fingertips' Set1 (TrendMarkerCalculatorTest.cs) and a three-point series
    rows = ["series,period,value,lower_95,upper_95"]
    rows += [
        f"set1,{y},{v},{lo},{hi}"
        for y, v, lo, hi in [
            (2018, 30.6, 28.98, 32.25),
            (2017, 30.2, 28.63, 31.9),
            (2016, 28, 26.44, 29.64),
            (2015, 24.6, 23.15, 26.19),
            (2014, 24.67, 23.16, 26.25),
        ]
    ]
    rows += ["short,1,1,0,2", "short,2,2,1,3", "short,3,3,2,4"]
    source, out = write(tmp_path / "in.csv", "\n".join(rows) + "\n"), tmp_path / "out.csv"
    assert run("trend", "-i", source, "-o", out) == 0
    result = pl.read_csv(out)
    assert result.select("series", "trend").rows() == [
        ("set1", "increasing"),
        ("short", "cannot_be_calculated"),
    ]
    assert result["chi2"][0] == pytest.approx(46.77, abs=0.005)


def test_peers_honours_k_group_and_variables(tmp_path):
    source = write(
        tmp_path / "in.csv",
        "unit,type,size,age,name\nS1,school,1,10,x\nS2,school,2,11,y\nS3,school,4,12,z\nT1,trust,100,1,p\nT2,trust,101,2,q\n",
    )
    out = tmp_path / "out.csv"
    argv = ["--k", "1", "--group", "type", "--variables", "size,age"]
    assert run("peers", "-i", source, "-o", out, *argv) == 0
    result = pl.read_csv(out)
    assert result.columns == ["unit", "peer", "rank", "distance"]
    assert result.select("unit", "peer").rows() == [
        ("S1", "S2"),
        ("S2", "S1"),
        ("S3", "S2"),
        ("T1", "T2"),
        ("T2", "T1"),
    ]


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "text", "extra", "message"),
    [
        pytest.param(
            "intervals",
            "numerator,denominator\n1,10\n2,20\n3,0\n",
            [],
            "row 3, column 'denominator': must be greater than zero",
            id="zero-denominator",
        ),
        pytest.param(
            "intervals",
            "numerator,denominator\n1,10\nmany,20\n",
            [],
            "row 2, column 'numerator': is not a number",
            id="not-a-number",
        ),
        pytest.param(
            "intervals",
            "numerator,denominator\n30,20\n",
            [],
            "row 1, column 'numerator': must not be greater than the denominator",
            id="x-above-n",
        ),
        pytest.param(
            "intervals", "numerator\n1\n", [], "column 'denominator': is missing", id="missing-column"
        ),
        pytest.param(
            "intervals",
            "numerator,denominator,value\n1,10,5\n",
            [],
            "column 'value': is an output of intervals",
            id="output-column-clash",
        ),
        pytest.param(
            "compare",
            "value,lower_95,upper_95,benchmark\n1,0,2,1\n1,3,2,1\n",
            [],
            "row 2, column 'upper_95': is below lower_95",
            id="limits-out-of-order",
        ),
        pytest.param(
            "funnel",
            "unit,numerator,denominator\nA,1,10\n,2,10\n",
            [],
            "row 2, column 'unit': is missing",
            id="missing-unit",
        ),
        pytest.param(
            "trend",
            "series,period,value,lower_95,upper_95\ns,2024-01-01,1,0,2\ns,Jan 24,1,0,2\n",
            [],
            "row 2, column 'period'",
            id="bad-period",
        ),
        pytest.param(
            "peers",
            "unit,size\nA,1\nB,\n",
            [],
            "row 2, column 'size': is missing",
            id="missing-context",
        ),
    ],
)
def test_bad_input_exits_2_naming_row_and_column_without_a_traceback(
    tmp_path, capsys, verb, text, extra, message
):
    # Given a file with one bad cell
    source = write(tmp_path / "in.csv", text)
    out = tmp_path / "out.csv"
    # When the verb runs
    status = run(verb, "-i", source, "-o", out, *extra)
    # Then it exits 2, says where the problem is, shows no traceback and writes nothing
    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert err.startswith(f"localstat engine {verb}: error: ")
    assert "Traceback" not in err
    assert not out.exists()


def test_files_it_cannot_use_are_refused_with_status_2(tmp_path, capsys):
    assert run("intervals", "-i", tmp_path / "absent.csv", "-o", tmp_path / "o.csv") == 2
    assert "no such file" in capsys.readouterr().err
    source = write(tmp_path / "in.csv", "numerator,denominator\n1,2\n")
    assert run("intervals", "-i", source, "-o", tmp_path / "o.xlsx") == 2
    assert "unknown file type '.xlsx'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-verb"),
        pytest.param(["intervals", "-i", "a.csv"], id="no-out"),
        pytest.param(["intervals", "-i", "a.csv", "-o", "b.csv", "--statistic", "mean"], id="bad-choice"),
        pytest.param(["peers", "-i", "a.csv", "-o", "b.csv", "--k", "0"], id="k-zero"),
        pytest.param(
            ["intervals", "-i", "a.csv", "-o", "b.csv", "--multiplier", "-1"], id="negative-multiplier"
        ),
    ],
)
def test_bad_usage_exits_2(argv, capsys):
    assert main(argv) == 2
    assert "usage: localstat engine" in capsys.readouterr().err


# --- help ----------------------------------------------------------------------------------------

VERB_HELP = {
    "intervals": [
        "--statistic",
        "proportion",
        "rate",
        "ratio",
        "--multiplier",
        "numerator",
        "denominator",
        "method",
    ],
    "compare": ["--polarity", "--against", "benchmark", "target", "lower_998", "comparison", "not_compared"],
    "spc": [
        "--improvement",
        "--profile",
        "mdc2023",
        "--chart",
        "p_prime",
        "--no-screen",
        "--baseline",
        "--rebase",
        "--summary",
        "point_type",
    ],
    "funnel": ["--statistic", "--overdispersion", "spiegelhalter", "significance", "phi", "tau2", "low_998"],
    "trend": ["series", "period", "lower_95", "upper_95", "cannot_be_calculated", "chi2", "slope"],
    "peers": ["--k", "--group", "--variables", "unit", "peer", "rank", "distance"],
    "assess": ["--as-of", "--hierarchy", "--bands", "--positions", "--tiers", "vs_national", "band"],
}


@pytest.mark.parametrize(("verb", "words"), VERB_HELP.items())
def test_help_documents_each_verbs_columns_and_options(verb, words, capsys):
    assert main([verb, "--help"]) == 0
    text = capsys.readouterr().out
    for word in [*words, "--input", "--out"]:
        assert word in text, f"{verb} --help does not mention {word}"


def test_top_level_help_lists_every_verb(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for verb in VERB_HELP:
        assert verb in text


# --- the real command, in a fresh interpreter ----------------------------------------------------


def test_the_localstat_command_runs_the_engine_without_importing_django(tmp_path):
    # Given a CSV a user brings
    source = write(tmp_path / "in.csv", "numerator,denominator\n65,100\n")
    out = tmp_path / "out.csv"
    # When `python -m localstat.cli engine intervals ...` runs
    completed = subprocess.run(
        [sys.executable, "-m", "localstat.cli", "engine", "intervals", "-i", str(source), "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    # Then it succeeds
    assert completed.returncode == 0, completed.stderr
    assert pl.read_csv(out)["method"].to_list() == ["wilson"]
    # And the same dispatch, run in-process, leaves Django (and scipy.stats) unimported
    probe = (
        "import sys\n"
        "from localstat.cli import main\n"
        "try:\n"
        f"    main(['engine', 'intervals', '-i', {str(source)!r}, '-o', {str(out)!r}])\n"
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
