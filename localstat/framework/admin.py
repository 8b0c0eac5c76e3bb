"""Read-only administration: every framework write goes through a service (pages, API, CSV, CLI), so the
audit trail and the rules (versions, the life cycle, removal dates) cannot be bypassed here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from localstat.framework.models import (
    PSA,
    Control,
    Exemption,
    Indicator,
    IndicatorEquivalence,
    IndicatorVersion,
    SchoolCalendar,
    SchoolTerm,
    Standard,
    Target,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = IndicatorVersion
    extra = 0
    fields = ["number", "valid_from", "statistic", "multiplier", "polarity", "periodicity", "change_reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Indicator)
class IndicatorAdmin(ReadOnly):
    list_display = ["code", "name", "service", "owner", "focus", "internal_only", "synthetic"]
    list_filter = ["service", "focus", "internal_only", "synthetic"]
    search_fields = ["code", "name"]
    list_select_related = ["service", "owner"]
    inlines = [VersionInline]


@admin.register(PSA)
class PSAAdmin(ReadOnly):
    list_display = ["code", "objective", "department", "service", "starts_on", "ends_on", "illustrative"]
    list_select_related = ["department", "service"]


@admin.register(Target)
class TargetAdmin(ReadOnly):
    list_display = ["reference", "indicator", "kind", "scope", "level", "deadline", "status", "set_by"]
    list_filter = ["status", "kind", "scope"]
    search_fields = ["reference", "indicator__code"]
    list_select_related = ["indicator", "set_by"]


@admin.register(Control)
class ControlAdmin(ReadOnly):
    list_display = ["code", "title", "issuing_body", "kind", "focus", "psa", "in_force_from", "removed_on"]
    list_filter = ["kind", "focus", "issuing_body", "illustrative"]
    search_fields = ["code", "title"]
    list_select_related = ["issuing_body", "psa"]


@admin.register(Exemption)
class ExemptionAdmin(ReadOnly):
    list_display = ["unit", "indicator", "service", "grounds", "granted_on", "ends_on"]
    list_filter = ["grounds", "service"]
    list_select_related = ["unit", "indicator", "service"]


for model in (Standard, IndicatorEquivalence, SchoolCalendar, SchoolTerm):
    admin.site.register(model, ReadOnly)
