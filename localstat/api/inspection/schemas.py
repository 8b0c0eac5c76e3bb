"""The inspection API's request and response shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from localstat.inspection.choices import Component


class RulesOut(Schema):
    inspectorate: str
    version: int
    published_at: datetime
    note: str
    text: str
    rules: dict[str, Any]


class PlanRowOut(Schema):
    unit: str
    name: str
    band: str | None
    position: str | None
    points: float
    tier: str
    interval_months: int
    depth: str
    breadth: list[str]
    due: date
    overdue: bool
    last_inspected: date | None
    reasons: list[str]


class PlanOut(Schema):
    inspectorate: str
    as_of: date
    rules_version: int
    units: list[PlanRowOut]


class BacktestQuarterOut(Schema):
    quarter: date
    tier: str
    under_rules: int
    actual: int


class BacktestUnitOut(Schema):
    unit: str
    tier: str
    interval_months: int
    under_rules: int
    actual: int


class BacktestOut(Schema):
    inspectorate: str
    start: date
    end: date
    rules_version: int
    by_quarter: list[BacktestQuarterOut]
    by_unit: list[BacktestUnitOut]


class FindingIn(Schema):
    kind: str = Field(description="common_standard or local_outcome", examples=["common_standard"])
    subject: str
    rating: str = Field(description="met, partly_met or not_met")
    evidence: str
    indicator: str | None = Field(default=None, description="An indicator's code, for a common standard.")


class FindingOut(Schema):
    kind: str
    subject: str
    rating: str
    evidence: str
    indicator: str | None


class InspectionIn(Schema):
    unit: str
    visited_on: date
    judgement: str = Field(description="outstanding, good, requires_improvement or inadequate")
    summary: str
    scope: str
    findings: list[FindingIn]
    support_offered: str = ""
    depth: str | None = Field(default=None, description="light, standard or full (default: the plan's)")
    breadth: list[str] | None = Field(default=None, description="What it covered (default: the plan's)")
    publish: bool = False


class InspectionOut(Schema):
    id: int
    unit: str
    inspectorate: str
    visited_on: date
    depth: str
    breadth: list[str]
    scope: str
    judgement: str
    summary: str
    support_offered: str
    synthetic: bool
    published_at: datetime | None
    plan: dict[str, Any]
    findings: list[FindingOut]


class ScoreIn(Schema):
    score: int = Field(ge=1, le=4)
    evidence: str


class CapacityIn(Schema):
    scores: dict[str, ScoreIn] = Field(description=f"One per component: {', '.join(Component.values)}")
    note: str = ""
    inspection: int | None = Field(default=None, description="The inspection it was made in (inspectors).")


class ScoreOut(Schema):
    component: str
    score: int
    evidence: str


class CapacityOut(Schema):
    id: int
    unit: str
    source: str
    status: str
    assessed_on: date
    overall_score: float | None
    inspection: int | None
    verifies: int | None
    synthetic: bool
    scores: list[ScoreOut]
    prefill: dict[str, Any]


class PrefillOut(Schema):
    component: str
    facts: list[str]
    suggested: int | None
    basis: str


class AuditMarkIn(Schema):
    unit: str
    period_start: date
    period_end: date
    outcome: str = Field(description="verified, reservations or not_verified")
    findings: str
    collection: str | None = None
    inspection: int | None = None


class AuditMarkOut(Schema):
    id: int
    unit: str
    collection: str | None
    period_start: date
    period_end: date
    returns: int
    outcome: str
    findings: str


class PlanQuery(Schema):
    inspectorate: str | None = None
    as_of: date | None = None


class RulesIn(Schema):
    text: str = Field(description="The rules file (YAML, docs/inspection-rules.md).")
    note: str = Field(default="", description="What changed from the version before.")


class PreviewTierOut(Schema):
    tier: str
    before: int
    after: int


class PreviewOut(Schema):
    as_of: date
    moved: int
    sooner: int
    later: int
    tiers: list[PreviewTierOut]
