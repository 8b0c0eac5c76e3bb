"""SPC profiles: the published rule sets LocalStat can judge a series by, and the output codes.

``METHODS.md`` ("Statistical process control") lists the profiles; each reference is cited beside
its numbers below. Codes are small integers inside the engine (cheap over millions of points) and
become the strings in :data:`POINT_TYPES`, :data:`RULES` and :data:`ASSURANCES` only at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ASSURANCES",
    "MR_SCREEN",
    "POINT_TYPES",
    "PROFILES",
    "RULES",
    "TRIAL_LIMIT_POINTS",
    "Improvement",
    "Profile",
    "ProfileName",
    "profile_named",
]

Improvement = Literal["increase", "decrease", "neutral"]
ProfileName = Literal["nhsr", "mdc2023", "powerbi"]

#: Point types by code (0 = common cause), as NHSRplotthedots names them.
POINT_TYPES: tuple[str, ...] = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)

#: The rule that made a point special, by code, in precedence order (0 = none fired).
#: ``outside_limits``: beyond a process limit; ``trend``: part of a run of points each strictly above
#: (or below) the one before; ``two_of_three``: one of two in three consecutive points near or beyond
#: a limit on one side; ``shift``: part of a run of points on one side of the mean.
RULES: tuple[str, ...] = ("", "outside_limits", "trend", "two_of_three", "shift")

#: Assurance by code (0 = not judged: no target, neutral direction, or no limits).
ASSURANCES: tuple[str, ...] = ("", "consistent_pass", "consistent_fail", "inconsistent")

#: D4 for moving ranges of two: a moving range at or above 3.267 × AMR is screened out.
MR_SCREEN = 3.267

#: Limits computed from fewer points than this are trial limits (METHODS.md).
TRIAL_LIMIT_POINTS = 13


@dataclass(frozen=True)
class Profile:
    """One rule set: how wide the limits are and which runs count as signals.

    >>> profile_named("powerbi").trend_points, round(profile_named("powerbi").limit_multiplier, 4)
    (5, 2.6596)
    """

    name: ProfileName
    #: Process limits are mean ± limit_multiplier × AMR (3σ with σ = AMR / d2).
    limit_multiplier: float
    #: Whether moving ranges ≥ 3.267 × AMR are screened out unless the caller says otherwise.
    screen: bool
    trend_points: int
    shift_points: int
    #: "between": 2 of 3 strictly between the 2σ and 3σ limits, all 3 on one side of the mean
    #: (NHSRplotthedots); "beyond": 2 of 3 beyond a 2σ limit on the same side (Making Data Count
    #: November 2023, PowerBI-SPC).
    two_of_three: Literal["between", "beyond"]


PROFILES: dict[str, Profile] = {
    # NHSRplotthedots R/ptd_spc_standard.R: limit <- 2.66, screen_outliers = TRUE; 7-point runs.
    "nhsr": Profile("nhsr", 2.66, True, 7, 7, "between"),
    # Making Data Count tool after its November 2023 change: no screening, 2 of 3 beyond 2σ.
    "mdc2023": Profile("mdc2023", 2.66, False, 7, 7, "beyond"),
    # PowerBI-SPC src/Limit Calculations/i.ts (3 × AMR / 1.128), settings: outliers_in_limits false,
    # trend_n 5, shift_n 7, two_in_three_limit "2 Sigma".
    "powerbi": Profile("powerbi", 3 / 1.128, True, 5, 7, "beyond"),
}


def profile_named(name: str) -> Profile:
    """The profile of that name, or ``ValueError`` listing the names there are.

    >>> profile_named("nhsr").limit_multiplier
    2.66
    >>> profile_named("xbar")
    Traceback (most recent call last):
    ...
    ValueError: profile must be one of nhsr, mdc2023, powerbi (got 'xbar')
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)} (got {name!r})") from None
