"""Statistical process control (METHODS.md, "Statistical process control").

:func:`spc_table` judges every series of a long frame at once; the lower-level functions work on
left-packed arrays (``localstat.engine.panels.pack``) for callers that already hold them:
:func:`xmr_limits` and :func:`prime_limits` (Laney p′/u′), :func:`special_cause_rules`,
:func:`point_types` and :func:`assurance`. Profiles (``nhsr``, ``mdc2023``, ``powerbi``) are in
:data:`PROFILES`.

>>> import polars as pl
>>> points, summary = spc_table(pl.DataFrame({"series": "s", "period": [1, 2, 3], "value": [1.0, 2, 3]}))
>>> summary["trial_limits"].to_list()
[True]
"""

from localstat.engine.spc.limits import MIN_BASELINE, ProcessLimits, check_baseline, prime_limits, xmr_limits
from localstat.engine.spc.profiles import (
    ASSURANCES,
    POINT_TYPES,
    PROFILES,
    RULES,
    TRIAL_LIMIT_POINTS,
    Profile,
    profile_named,
)
from localstat.engine.spc.rules import SpecialCauses, assurance, in_runs, point_types, special_cause_rules
from localstat.engine.spc.table import OUTPUT_COLUMNS, SUMMARY_COLUMNS, spc_table

__all__ = [
    "ASSURANCES",
    "MIN_BASELINE",
    "OUTPUT_COLUMNS",
    "POINT_TYPES",
    "PROFILES",
    "RULES",
    "SUMMARY_COLUMNS",
    "TRIAL_LIMIT_POINTS",
    "ProcessLimits",
    "Profile",
    "SpecialCauses",
    "assurance",
    "check_baseline",
    "in_runs",
    "point_types",
    "prime_limits",
    "profile_named",
    "spc_table",
    "special_cause_rules",
    "xmr_limits",
]
