"""Judgements at scale: ``assess`` over whole delivery chains (seed 4.6, 4.11, 4.23, C.7, C.11).

:func:`assess` turns observations into the judgements the rest of LocalStat acts on, one indicator
at a time, every series of it at once:

- ``series``: per unit × indicator at the as-of period, and the same for every intermediate-tier
  body and the nation on pooled values — value and intervals, comparisons with the national,
  parent and peer-group values, standard and target status, SPC variation and assurance with the
  rule and limits, recent trend, the record of falls below standard, and scores; evidence as codes
  and numbers, never prose;
- ``points`` (optional): every point's SPC type, for charts;
- ``positions``: per unit (and service), absolute performance × direction of travel, named so that
  ``improving_from_a_low_base`` and ``coasting`` are told apart, and a band of five by published
  rules (:class:`BandRules`, default :data:`DEFAULT_BAND_RULES` = ``docs/examples/bands.yaml``);
- ``tiers``: per intermediate-tier body, the same on its pooled values, the share of its units in
  each band, and its record in correcting under-performance.

The functions are pure: no Django, no files, no clock (the as-of period is an argument).
"""

from localstat.engine.assess.bands import (
    DEFAULT_BAND_RULES,
    NUMERIC_METRICS,
    TEXT_METRICS,
    BandRule,
    BandRules,
    BandRulesError,
    Condition,
    PositionThresholds,
    band_rules,
)
from localstat.engine.assess.frames import POINT_COLUMNS, SERIES_COLUMNS
from localstat.engine.assess.labels import BANDS, POSITIONS
from localstat.engine.assess.positions import (
    JUDGED_COLUMNS,
    POSITION_COLUMNS,
    SHARE_DENOMINATORS,
    TIER_COLUMNS,
    judged_counts,
)
from localstat.engine.assess.run import DEFAULT_RECOVERY_WITHIN, Assessment, assess
from localstat.engine.assess.specs import IndicatorSpec, indicator_specs

__all__ = [
    "BANDS",
    "DEFAULT_BAND_RULES",
    "DEFAULT_RECOVERY_WITHIN",
    "JUDGED_COLUMNS",
    "NUMERIC_METRICS",
    "POINT_COLUMNS",
    "POSITIONS",
    "POSITION_COLUMNS",
    "SERIES_COLUMNS",
    "SHARE_DENOMINATORS",
    "TEXT_METRICS",
    "TIER_COLUMNS",
    "Assessment",
    "BandRule",
    "BandRules",
    "BandRulesError",
    "Condition",
    "IndicatorSpec",
    "PositionThresholds",
    "assess",
    "band_rules",
    "indicator_specs",
    "judged_counts",
]
