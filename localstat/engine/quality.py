"""Data quality as DHIS2 checks it (METHODS.md, "Data quality (DHIS2)"): outliers and validation rules.

**Outliers** against a series' own history, every series at once:

- z score: z = |x − mean| / SD with the population SD (ddof 0); an outlier when z ≥ 3. A series whose
  SD is 0 is excluded (its z is null).
- modified z score (Iglewicz and Hoaglin): Mz = 0.6745·|x − median| / MAD, MAD = median(|x − median|);
  an outlier when Mz ≥ 3.5. A MAD of 0 never flags (Mz is null).

>>> frame = pl.DataFrame({"series": "s", "value": [10.0, 11.0, 12.0] * 4 + [50.0]})
>>> scored = outlier_scores(frame)
>>> scored.filter(pl.col("z_outlier") | pl.col("modified_z_outlier"))["value"].to_list()
[50.0]
>>> round(scored["z"][-1], 4), round(scored["modified_z"][-1], 4)
(3.4543, 26.3055)

**Validation rules** compare a left and a right expression over the items of one return (one unit and
period), with an operator, an importance and, per side, a missing-value strategy:

- ``skip_if_any_value_missing``: the rule is skipped when any item of that side is missing;
- ``skip_if_all_values_missing``: skipped when every item of that side is missing, otherwise a missing
  item counts as 0;
- ``never_skip``: a missing item counts as 0.

An expression is numbers and item references joined by ``+ - * /`` and brackets. ``AE4H_T1`` means the
item's numerator; ``AE4H_T1.numerator`` and ``AE4H_T1.denominator`` say which.

>>> values = pl.DataFrame({"unit": ["A", "B"], "ADM.numerator": [150.0, 20.0],
...                        "ATT.numerator": [80.0, 90.0], "ATT.denominator": [100.0, 100.0]})
>>> rule = ValidationRule("adm", "ADM", "<=", "ATT.denominator", importance="low")
>>> validation_failures(values, [rule], keys=["unit"]).select("unit", "rule", "left", "right").rows()
[('A', 'adm', 150.0, 100.0)]

Everything is vectorised over rows with Polars expressions; nothing loops over units or series.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl

__all__ = [
    "MODIFIED_Z_FACTOR",
    "MODIFIED_Z_THRESHOLD",
    "Z_THRESHOLD",
    "ExpressionError",
    "Importance",
    "MissingValueStrategy",
    "Operator",
    "ValidationRule",
    "expression_items",
    "outlier_scores",
    "validation_failures",
]

#: DHIS2's z-score threshold (population SD).
Z_THRESHOLD = 3.0
#: Iglewicz and Hoaglin's threshold for the modified z score, as DHIS2 uses it.
MODIFIED_Z_THRESHOLD = 3.5
#: Φ⁻¹(0.75): makes the MAD a consistent estimator of the SD for normal data.
MODIFIED_Z_FACTOR = 0.6745


def outlier_scores(
    frame: pl.DataFrame,
    *,
    series: str | Sequence[str] = "series",
    value: str = "value",
    z_threshold: float = Z_THRESHOLD,
    modified_z_threshold: float = MODIFIED_Z_THRESHOLD,
) -> pl.DataFrame:
    """Add ``z``, ``modified_z``, ``z_outlier`` and ``modified_z_outlier`` to every row of ``frame``.

    Each row is scored against every row of its series (its own value included, as DHIS2 does).
    Missing values are ignored in the statistics and get null scores; the outlier flags are never
    null (a row that cannot be scored is not an outlier).

    >>> outlier_scores(pl.DataFrame({"series": "s", "value": [5.0, 5.0, 5.0]}))["z"].to_list()
    [None, None, None]
    """
    keys = [series] if isinstance(series, str) else list(series)
    x = pl.col(value).cast(pl.Float64)
    mean = x.mean().over(keys)
    sd = x.std(ddof=0).over(keys)
    median = x.median().over(keys)
    mad = (x - x.median()).abs().median().over(keys)
    # A constant series has SD 0; floating-point rounding in its mean must not make it look otherwise.
    spread = x.max().over(keys) > x.min().over(keys)
    z = pl.when(spread & (sd > 0)).then((x - mean).abs() / sd)
    modified = pl.when(mad > 0).then(MODIFIED_Z_FACTOR * (x - median).abs() / mad)
    scored = frame.with_columns(z=z, modified_z=modified)
    return scored.with_columns(
        z_outlier=(pl.col("z") >= z_threshold).fill_null(False),
        modified_z_outlier=(pl.col("modified_z") >= modified_z_threshold).fill_null(False),
    )


class Operator(StrEnum):
    """DHIS2's comparison operators; the symbols are accepted too."""

    EQUAL_TO = "equal_to"
    NOT_EQUAL_TO = "not_equal_to"
    GREATER_THAN = "greater_than"
    GREATER_THAN_OR_EQUAL_TO = "greater_than_or_equal_to"
    LESS_THAN = "less_than"
    LESS_THAN_OR_EQUAL_TO = "less_than_or_equal_to"

    @classmethod
    def parse(cls, text: str) -> Operator:
        """
        >>> Operator.parse("<="), Operator.parse("equal_to")
        (<Operator.LESS_THAN_OR_EQUAL_TO: 'less_than_or_equal_to'>, <Operator.EQUAL_TO: 'equal_to'>)
        """
        symbols = {
            "==": cls.EQUAL_TO,
            "=": cls.EQUAL_TO,
            "!=": cls.NOT_EQUAL_TO,
            ">": cls.GREATER_THAN,
            ">=": cls.GREATER_THAN_OR_EQUAL_TO,
            "<": cls.LESS_THAN,
            "<=": cls.LESS_THAN_OR_EQUAL_TO,
        }
        stripped = text.strip()
        if stripped in symbols:
            return symbols[stripped]
        try:
            return cls(stripped)
        except ValueError:
            raise ExpressionError(f"{text!r} is not an operator: use one of {', '.join(symbols)}") from None

    @property
    def symbol(self) -> str:
        return {
            Operator.EQUAL_TO: "=",
            Operator.NOT_EQUAL_TO: "≠",
            Operator.GREATER_THAN: ">",
            Operator.GREATER_THAN_OR_EQUAL_TO: "≥",
            Operator.LESS_THAN: "<",
            Operator.LESS_THAN_OR_EQUAL_TO: "≤",
        }[self]

    def holds(self, left: pl.Expr, right: pl.Expr) -> pl.Expr:
        if self is Operator.EQUAL_TO:
            return left == right
        if self is Operator.NOT_EQUAL_TO:
            return left != right
        if self is Operator.GREATER_THAN:
            return left > right
        if self is Operator.GREATER_THAN_OR_EQUAL_TO:
            return left >= right
        if self is Operator.LESS_THAN:
            return left < right
        return left <= right


class Importance(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class MissingValueStrategy(StrEnum):
    SKIP_IF_ANY_VALUE_MISSING = "skip_if_any_value_missing"
    SKIP_IF_ALL_VALUES_MISSING = "skip_if_all_values_missing"
    NEVER_SKIP = "never_skip"


class ExpressionError(ValueError):
    """An expression or rule that cannot be read; the message says what is wrong."""


_REFERENCE = re.compile(r"^[A-Z][A-Z0-9_]*(\.(numerator|denominator))?$")


def _column(reference: str) -> str:
    return reference if "." in reference else f"{reference}.numerator"


def _parse(text: str) -> ast.expr:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ExpressionError(f"{text!r} is not an expression of items, numbers and + - * /") from None
    return tree.body


def expression_items(text: str) -> list[str]:
    """The item columns an expression reads, in order of first use.

    >>> expression_items("AE4H_T1.denominator + AE4H_T2 - 3")
    ['AE4H_T1.denominator', 'AE4H_T2.numerator']
    >>> expression_items("ADM ** 2")
    Traceback (most recent call last):
    ...
    localstat.engine.quality.ExpressionError: 'ADM ** 2' may use only + - * / and brackets
    """
    found: list[str] = []
    _compile(_parse(text), text, found)
    return found


def _compile(node: ast.expr, text: str, found: list[str]) -> pl.Expr:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return pl.lit(float(node.value))
    if isinstance(node, ast.Name | ast.Attribute):
        reference = ast.unparse(node)
        if not _REFERENCE.match(reference):
            raise ExpressionError(
                f"{reference!r} in {text!r} is not an item: write CODE, CODE.numerator or CODE.denominator"
            )
        column = _column(reference)
        if column not in found:
            found.append(column)
        return pl.col(column)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_compile(node.operand, text, found)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        left = _compile(node.left, text, found)
        right = _compile(node.right, text, found)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return left / right
    raise ExpressionError(f"{text!r} may use only + - * / and brackets")


@dataclass(frozen=True)
class ValidationRule:
    """``left operator right`` over one return's items (METHODS.md; DHIS2 validation rules)."""

    code: str
    left: str
    operator: str
    right: str
    importance: str = Importance.MEDIUM
    left_missing: str = MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING
    right_missing: str = MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING
    description: str = ""
    items: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        Operator.parse(self.operator)
        Importance(self.importance)
        MissingValueStrategy(self.left_missing)
        MissingValueStrategy(self.right_missing)
        items = expression_items(self.left) + expression_items(self.right)
        object.__setattr__(self, "items", tuple(dict.fromkeys(items)))


def _side(text: str, strategy: str, columns: set[str]) -> tuple[pl.Expr, pl.Expr]:
    """A side's value with missing items counted as 0, and whether its strategy skips it."""
    found = expression_items(text)
    present = {c: pl.col(c) if c in columns else pl.lit(None, dtype=pl.Float64) for c in found}
    missing = [item.is_null() for item in present.values()]
    if strategy == MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING and missing:
        skipped = pl.any_horizontal(missing)
    elif strategy == MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING and missing:
        skipped = pl.all_horizontal(missing)
    else:
        skipped = pl.lit(False)
    return _substitute(text, {c: item.fill_null(0.0) for c, item in present.items()}), skipped


def _substitute(text: str, columns: dict[str, pl.Expr]) -> pl.Expr:
    def build(node: ast.expr) -> pl.Expr:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return pl.lit(float(node.value))
        if isinstance(node, ast.Name | ast.Attribute):
            return columns[_column(ast.unparse(node))]
        if isinstance(node, ast.UnaryOp):
            return -build(node.operand)
        assert isinstance(node, ast.BinOp)
        left, right = build(node.left), build(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return left / right

    return build(_parse(text))


def validation_failures(
    values: pl.DataFrame, rules: Sequence[ValidationRule], *, keys: Sequence[str]
) -> pl.DataFrame:
    """The rows of ``values`` (one per return, a column per item) that break a rule.

    ``values`` has the ``keys`` columns and one Float64 column per item, named ``CODE.numerator`` or
    ``CODE.denominator`` (null when the item is missing). The result has the keys, ``rule``,
    ``importance``, ``left``, ``operator`` and ``right``: one row per rule broken, skipped rules left out.

    >>> values = pl.DataFrame({"unit": ["A", "B"], "X.numerator": [1.0, None]})
    >>> never = ValidationRule("r", "X", ">", "0", left_missing="never_skip")
    >>> validation_failures(values, [never], keys=["unit"])["unit"].to_list()
    ['B']
    """
    columns = set(values.columns)
    frames = []
    for rule in rules:
        left, left_skipped = _side(rule.left, rule.left_missing, columns)
        right, right_skipped = _side(rule.right, rule.right_missing, columns)
        operator = Operator.parse(rule.operator)
        checked = values.select(
            *keys,
            left=left,
            right=right,
            skipped=left_skipped | right_skipped,
        )
        broken = checked.filter(
            ~pl.col("skipped") & ~operator.holds(pl.col("left"), pl.col("right")).fill_null(False)
        )
        frames.append(
            broken.select(
                *keys,
                rule=pl.lit(rule.code),
                importance=pl.lit(str(rule.importance)),
                left=pl.col("left"),
                operator=pl.lit(operator.symbol),
                right=pl.col("right"),
            )
        )
    if not frames:
        empty = values.select(*keys).clear()
        return empty.with_columns(
            rule=pl.lit(None, dtype=pl.String),
            importance=pl.lit(None, dtype=pl.String),
            left=pl.lit(None, dtype=pl.Float64),
            operator=pl.lit(None, dtype=pl.String),
            right=pl.lit(None, dtype=pl.Float64),
        )
    return pl.concat(frames)
