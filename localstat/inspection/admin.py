"""Read-only administration views: every inspection record is written through the services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from localstat.inspection.models import AuditMark, CapacityAssessment, Inspection, InspectionRules


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InspectionRules)
class InspectionRulesAdmin(ReadOnly):
    list_display = ["inspectorate", "version", "published_at", "note"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnly):
    list_display = ["unit", "inspectorate", "visited_on", "judgement", "synthetic", "published_at"]
    list_filter = ["judgement", "synthetic"]
    search_fields = ["unit__code", "unit__name"]


@admin.register(CapacityAssessment)
class CapacityAssessmentAdmin(ReadOnly):
    list_display = ["unit", "assessed_on", "source", "status", "synthetic"]
    list_filter = ["source", "status"]


@admin.register(AuditMark)
class AuditMarkAdmin(ReadOnly):
    list_display = ["unit", "period_start", "period_end", "outcome", "returns"]
