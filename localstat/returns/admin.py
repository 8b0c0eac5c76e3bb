"""Administration views of the returns. Writes go through the services; observations are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from localstat.returns.models import (
    Collection,
    ImportBatch,
    ImportJob,
    Observation,
    QualityWarning,
    Return,
    UnitToken,
)


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Collection)
class CollectionAdmin(ReadOnly):
    list_display = ["code", "name", "service", "periodicity", "deadline_days", "synthetic"]
    search_fields = ["code", "name"]


@admin.register(Return)
class ReturnAdmin(ReadOnly):
    list_display = ["collection", "unit", "period_start", "status", "deadline", "received_on"]
    list_filter = ["status", "collection"]
    search_fields = ["unit__code"]
    list_select_related = ["collection", "unit"]


@admin.register(Observation)
class ObservationAdmin(ReadOnly):
    list_display = ["unit", "indicator", "period_start", "revision", "numerator", "denominator", "is_current"]
    list_select_related = ["unit", "indicator"]
    search_fields = ["unit__code", "indicator__code"]


@admin.register(QualityWarning)
class QualityWarningAdmin(ReadOnly):
    list_display = ["return_record", "check_kind", "status", "message"]
    list_filter = ["status", "check_kind"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly):
    list_display = ["created_at", "source", "file_name", "new", "changed", "unchanged", "created_by"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnly):
    list_display = ["created_at", "file_name", "status", "rows_total"]
    exclude = ["content"]


@admin.register(UnitToken)
class UnitTokenAdmin(ReadOnly):
    list_display = ["unit", "prefix", "name", "created_at", "revoked_at"]
    exclude = ["key_hash"]
