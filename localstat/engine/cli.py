"""``localstat engine VERB --input FILE --out FILE [options]``: the engine on files, no database.

Each verb reads one CSV or Parquet file (by extension), runs one method of METHODS.md and writes
the result. Row-wise verbs (intervals, compare, spc, funnel) keep the input's rows in order and
carry every input column through; trend writes one row per series and peers one row per unit and
peer. Bad input exits with status 2 and a message naming the row and column, never a traceback.

This module is imported before Django is set up (``localstat.cli`` dispatches ``engine`` first),
so it imports nothing but the engine.

>>> main(["intervals", "--input", "missing.csv", "--out", "out.csv"])
2
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.comparison import compare_with_benchmark, compare_with_target
from localstat.engine.funnel import funnel_limits
from localstat.engine.intervals import value_with_intervals
from localstat.engine.io import check_output, read_frame, write_frame, write_json
from localstat.engine.peers import DEFAULT_K, most_similar_peers
from localstat.engine.schemas import SCHEMAS, DataError, float_column, require_columns, text_column
from localstat.engine.trend import recent_trend

if TYPE_CHECKING:
    from localstat.engine.assess.bands import BandRules

__all__ = ["build_parser", "main"]

PROG = "localstat engine"


def _attach(frame: pl.DataFrame, result: pl.DataFrame, verb: str) -> pl.DataFrame:
    """The input with the verb's columns appended; an input column of the same name is refused."""
    for name in result.columns:
        if name in frame.columns:
            raise DataError(f"is an output of {verb}; rename it in the input", column=name)
    return frame.hstack(result)


def _run_intervals(args: argparse.Namespace) -> None:
    frame = read_frame(args.input)
    require_columns(frame, ["numerator", "denominator"])
    result = value_with_intervals(
        float_column(frame, "numerator"),
        float_column(frame, "denominator"),
        statistic=args.statistic,
        multiplier=args.multiplier,
    )
    write_frame(_attach(frame, result, "intervals"), args.out)


def _optional(frame: pl.DataFrame, name: str) -> npt.NDArray[np.float64] | None:
    return float_column(frame, name) if name in frame.columns else None


def _run_compare(args: argparse.Namespace) -> None:
    frame = read_frame(args.input)
    if args.against == "target":
        against = "benchmark" if "benchmark" in frame.columns or "target" not in frame.columns else "target"
        require_columns(frame, ["value", against])
        lower, upper = _optional(frame, "lower_95"), _optional(frame, "upper_95")
        if (lower is None) != (upper is None):
            require_columns(frame, ["lower_95", "upper_95"])
        labels = compare_with_target(
            float_column(frame, "value"),
            float_column(frame, against),
            polarity=args.polarity,
            lower=lower,
            upper=upper,
        )
    else:
        require_columns(frame, ["value", "lower_95", "upper_95", "benchmark"])
        lower_998, upper_998 = _optional(frame, "lower_998"), _optional(frame, "upper_998")
        if (lower_998 is None) != (upper_998 is None):
            require_columns(frame, ["lower_998", "upper_998"])
        labels = compare_with_benchmark(
            float_column(frame, "value"),
            float_column(frame, "lower_95"),
            float_column(frame, "upper_95"),
            float_column(frame, "benchmark"),
            polarity=args.polarity,
            lower_998=lower_998,
            upper_998=upper_998,
        )
    result = pl.DataFrame({"comparison": pl.Series(labels).cast(pl.String)})
    write_frame(_attach(frame, result, "compare"), args.out)


def _run_spc(args: argparse.Namespace) -> None:
    # Imported here so that the other verbs never pay for SPC's import.
    from localstat.engine.spc import spc_table

    frame = read_frame(args.input)
    rebase = read_frame(args.rebase) if args.rebase else None
    points, summary = spc_table(
        frame,
        improvement=args.improvement,
        profile=args.profile,
        chart=args.chart,
        screen=False if args.no_screen else None,
        baseline=args.baseline,
        rebase=rebase,
    )
    write_frame(points, args.out)
    if args.summary:
        write_frame(summary, args.summary)


def _run_funnel(args: argparse.Namespace) -> None:
    frame = read_frame(args.input)
    require_columns(frame, ["unit", "numerator", "denominator"])
    text_column(frame, "unit")
    result = funnel_limits(
        float_column(frame, "numerator"),
        float_column(frame, "denominator"),
        statistic=args.statistic,
        overdispersion_method=args.overdispersion,
    )
    write_frame(_attach(frame, result, "funnel"), args.out)


def _run_trend(args: argparse.Namespace) -> None:
    write_frame(recent_trend(read_frame(args.input)), args.out)


def _run_peers(args: argparse.Namespace) -> None:
    frame = read_frame(args.input)
    variables = None
    if args.variables:
        variables = [name.strip() for name in args.variables.split(",") if name.strip()]
        require_columns(frame, variables)
    if args.group:
        require_columns(frame, [args.group])
    write_frame(most_similar_peers(frame, variables=variables, group=args.group, k=args.k), args.out)


def _band_rules_file(path: str) -> BandRules:
    # PyYAML is imported here: only assess reads YAML, and only when given a rules file.
    import yaml

    from localstat.engine.assess.bands import band_rules

    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except OSError as error:
        raise ValueError(f"--bands {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise ValueError(f"--bands {path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"--bands {path}: expected a mapping of rules (see docs/bands.md)")
    try:
        return band_rules(raw)
    except ValueError as error:
        raise ValueError(f"--bands {path}: {error}") from None


def _run_assess(args: argparse.Namespace) -> None:
    # Imported here so that the other verbs never pay for assess's import.
    from localstat.engine.assess import assess

    observations = read_frame(args.input)
    frames: dict[str, pl.DataFrame | None] = {}
    for name in ("indicators", "targets", "milestones", "context", "peers", "hierarchy"):
        path = getattr(args, name)
        try:
            frames[name] = read_frame(path) if path else None
        except ValueError as error:
            raise ValueError(f"--{name}: {error}") from error
    if frames["context"] is not None and frames["peers"] is not None:
        raise ValueError("give --context (to find peer groups) or --peers (ready-made), not both")
    rules = _band_rules_file(args.bands) if args.bands else None
    result = assess(
        observations,
        bands=rules,
        as_of=args.as_of,
        profile=args.profile,
        recovery_within=args.recovery_within,
        peer_k=args.k,
        points=bool(args.points),
        workers=args.workers,
        **frames,
    )
    write_frame(result.series, args.out)
    for name in ("positions", "tiers"):
        if getattr(args, name):
            write_frame(getattr(result, name), getattr(args, name))
    if args.points and result.points is not None:
        write_frame(result.points, args.points)
    if args.parameters:
        write_json(result.parameters, args.parameters)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def _add_verb(
    verbs: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    handler: Callable[[argparse.Namespace], None],
    extra_help: str = "",
) -> argparse.ArgumentParser:
    schema = SCHEMAS[name]
    description = f"{schema.summary[0].upper()}{schema.summary[1:]}.{extra_help}"
    parser: argparse.ArgumentParser = verbs.add_parser(
        name,
        # argparse %-formats help strings (not descriptions or epilogs).
        help=schema.summary.replace("%", "%%"),
        description=textwrap.fill(description, width=88),
        epilog=schema.describe(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    files = parser.add_argument_group("files")
    files.add_argument("--input", "-i", required=True, metavar="FILE", help="input table, .csv or .parquet")
    files.add_argument("--out", "-o", required=True, metavar="FILE", help="output table, .csv or .parquet")
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``localstat engine`` and its seven verbs.

    >>> sorted(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    ['assess', 'compare', 'funnel', 'intervals', 'peers', 'spc', 'trend']
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="LocalStat's statistics engine on CSV or Parquet files (no database needed).",
        epilog="Run 'localstat engine VERB --help' for a verb's columns and options.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    intervals = _add_verb(
        verbs,
        "intervals",
        _run_intervals,
        " Wilson score for proportions; exact Poisson below 10 events and Byar's from 10 for rates"
        " and ratios (PHE / OHID methods).",
    )
    intervals.add_argument(
        "--statistic",
        choices=("proportion", "rate", "ratio"),
        default="proportion",
        help="proportion (x/n), rate (crude rate, x per n) or ratio (observed/expected); default proportion",
    )
    intervals.add_argument(
        "--multiplier",
        type=_positive_float,
        default=None,
        help="scale of value and limits: default 1 for proportion and ratio, 100000 for rate "
        "(e.g. 100 for a percentage)",
    )

    compare = _add_verb(
        verbs,
        "compare",
        _run_compare,
        " Benchmark inside the 95% interval: similar; otherwise better or worse, significantly so"
        " when beyond the 99.8% interval (Fingertips). Against a target: better = met, worse ="
        " missed, similar = the interval straddles the target.",
    )
    compare.add_argument(
        "--polarity",
        choices=("higher", "lower", "neutral"),
        default="higher",
        help="which direction is better; neutral gives not_compared; default higher",
    )
    compare.add_argument(
        "--against",
        choices=("benchmark", "target"),
        default="benchmark",
        help="benchmark (two-level interval comparison) or target (the 'benchmark' column, or a "
        "'target' column, holds the target; uses lower_95/upper_95 when present); default benchmark",
    )

    spc = _add_verb(
        verbs,
        "spc",
        _run_spc,
        " NHS England 'Making Data Count' rules; profiles nhsr (NHSRplotthedots, default), mdc2023, powerbi.",
    )
    spc.add_argument(
        "--improvement",
        choices=("increase", "decrease", "neutral"),
        default="increase",
        help="direction of improvement; default increase",
    )
    spc.add_argument(
        "--profile", choices=("nhsr", "mdc2023", "powerbi"), default="nhsr", help="rule profile; default nhsr"
    )
    spc.add_argument(
        "--chart",
        choices=("xmr", "p_prime", "u_prime"),
        default="xmr",
        help="xmr (reads value) or Laney p'/u' (read numerator, denominator); default xmr",
    )
    spc.add_argument(
        "--no-screen",
        action="store_true",
        help="keep every moving range (by default the profile decides whether large ones are screened out)",
    )
    spc.add_argument(
        "--baseline",
        type=_positive_int,
        default=None,
        metavar="N",
        help="fix the limits on each segment's first N points (N >= 12); default all points",
    )
    spc.add_argument(
        "--rebase",
        metavar="FILE",
        default=None,
        help="table of series, period at which limits are recalculated",
    )
    spc.add_argument(
        "--summary",
        metavar="FILE",
        default=None,
        help="also write one row per series: series, variation, assurance, points, trial_limits",
    )

    funnel = _add_verb(
        verbs,
        "funnel",
        _run_funnel,
        " Unadjusted limits as PHEindicatormethods computes them; --overdispersion spiegelhalter"
        " widens them by the between-unit variance (FunnelPlotR) when phi > 1.",
    )
    funnel.add_argument(
        "--statistic",
        choices=("proportion", "ratio"),
        default="proportion",
        help="proportion (around the pooled proportion) or ratio (observed/expected, around 1); "
        "default proportion",
    )
    funnel.add_argument(
        "--overdispersion",
        choices=("none", "spiegelhalter"),
        default="none",
        help="none (exact limits) or spiegelhalter (adds phi and tau2 columns); default none",
    )

    _add_verb(
        verbs,
        "trend",
        _run_trend,
        " Weighted regression over each series' last five points, significant at 99.8% with the"
        " leave-one-out check; missing periods are skipped.",
    )

    peers = _add_verb(
        verbs,
        "peers",
        _run_peers,
        " Context variables standardised (population sd), Euclidean distance, the unit itself"
        " excluded, ties broken by unit code.",
    )
    peers.add_argument(
        "--k", type=_positive_int, default=DEFAULT_K, help=f"peers per unit; default {DEFAULT_K}"
    )
    peers.add_argument(
        "--group",
        metavar="COLUMN",
        default=None,
        help="column of unit type: peers only of the same type, standardised within it",
    )
    peers.add_argument(
        "--variables",
        metavar="A,B,...",
        default=None,
        help="comma-separated context columns; default every column except unit and --group",
    )
    _add_assess(verbs)
    return parser


def _add_assess(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    assess = _add_verb(
        verbs,
        "assess",
        _run_assess,
        " One row per series (unit x indicator, each intermediate-tier body on its units' pooled"
        " values, and the nation): value and intervals, comparisons with the national, parent and"
        " peer values, standard, target and trajectory, SPC variation and assurance, recent trend"
        " and the record of falls below standard; then each unit's position (absolute performance"
        " x direction of travel) and band, and each body's, with its units' bands and its record.",
    )
    files = assess._action_groups[-1]
    for option, meaning in (
        ("--indicators", "statistic, polarity, multiplier, service, standard, chart per indicator"),
        ("--targets", "targets: unit (blank: national), indicator, level, deadline"),
        ("--milestones", "trajectories: unit, indicator, period, level"),
        ("--context", "unit, optional group, numeric context: most-similar peer groups"),
        ("--peers", "ready-made peer groups: unit, peer"),
        ("--hierarchy", "unit, parent, optional service: who performance-manages whom"),
        ("--points", "(output) every point's SPC type"),
        ("--positions", "(output) each unit's position and band"),
        ("--tiers", "(output) each intermediate-tier body's position, band, units' bands and record"),
    ):
        files.add_argument(option, metavar="FILE", default=None, help=meaning)
    files.add_argument("--bands", metavar="FILE", default=None, help="band rules, YAML (docs/bands.md)")
    files.add_argument(
        "--parameters", metavar="FILE", default=None, help="(output) the run's parameters, JSON"
    )
    assess.add_argument(
        "--as-of",
        metavar="PERIOD",
        default=None,
        help="the period judged (ISO date or integer); default the latest in the data",
    )
    assess.add_argument(
        "--profile",
        choices=("nhsr", "mdc2023", "powerbi"),
        default="nhsr",
        help="SPC rule profile; default nhsr",
    )
    assess.add_argument(
        "--recovery-within",
        type=_positive_int,
        default=3,
        metavar="N",
        help="periods within which a fall below standard must be put right; default 3",
    )
    assess.add_argument(
        "--k",
        type=_positive_int,
        default=DEFAULT_K,
        help=f"peers per unit with --context; default {DEFAULT_K}",
    )
    assess.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="indicators judged at once; default one per core, up to two (results never depend on it)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one engine verb; return the exit status (0 done, 2 bad usage or bad input).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.csv").write_text("numerator,denominator\\n65,100\\n")
    >>> main(["intervals", "--input", str(folder / "in.csv"), "--out", str(folder / "out.csv")])
    0
    >>> (folder / "out.csv").read_text().splitlines()[1].split(",")[-1]
    'wilson'
    """
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as stop:
        return int(stop.code) if isinstance(stop.code, int) else 2
    handler: Callable[[argparse.Namespace], None] = args.handler
    try:
        # Fail before the work, not after it, when an output cannot be written.
        for name in ("out", "summary", "points", "positions", "tiers"):
            if getattr(args, name, None):
                check_output(getattr(args, name))
        if getattr(args, "parameters", None):
            check_output(args.parameters, formats=(".json",))
        handler(args)
    except (ValueError, OSError) as error:
        # Bad input is the user's to fix: say what and where, without a traceback.
        print(f"{PROG} {args.verb}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
